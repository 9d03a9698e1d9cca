import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { main as checkCollections } from '../../network/lib/check-collections-cli';
import { runCli } from '../../network/lib/cli';
import { main as remapCollections } from '../../network/lib/remap-collections-cli';
import { ROOT } from './support/shell';

import { TX } from '@obe/chaincode';
/** The CLIs that talk to a network run under tsx, as the network scripts run them. */
function tsx(script: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'network/lib', script), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env,
  });
}

function stderrOf(run: () => number): { code: number; stderr: string } {
  const lines: string[] = [];
  const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void lines.push(m));
  try {
    return { code: run(), stderr: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('network CLIs refuse bad invocations with a usage line', () => {
  it('fabric-call-cli: usage, and a missing connection config reported without a stack trace', () => {
    const usage = tsx('fabric-call-cli.ts', ['x.json', 'utility-user1', 'energy', 'invoke', TX.Governance.GetConfig.name]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/usage: fabric-call-cli\.ts/);
    const missing = tsx('fabric-call-cli.ts', ['/nonexistent/connection.json', 'utility-user1', 'energy', 'evaluate', TX.Governance.GetConfig.name]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('ENOENT');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it("fabric-call-cli's stdout is only the payload: the chaincode library's load-time logs stay off it, whatever level is inherited", () => {
    // 'fatal' is what fabric-contract-api writes back after setLevel('CRITICAL'), and what it then reads as 'info'.
    for (const level of ['INFO', 'fatal']) {
      const missing = tsx('fabric-call-cli.ts', ['/nonexistent/connection.json', 'utility-user1', 'energy', 'evaluate', TX.Governance.GetConfig.name], {
        ...process.env,
        CORE_CHAINCODE_LOGGING_LEVEL: level,
      });
      expect(missing.status).toBe(1);
      expect(missing.stdout).toBe('');
    }
  });

  it('init-governance-cli: usage for an unknown network mode, and a missing connection config reported without a stack trace', () => {
    const result = tsx('init-governance-cli.ts', ['docker', 'x.json']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/usage: init-governance-cli\.ts <native\|test-network\|test-network-ca>/);
    const missing = tsx('init-governance-cli.ts', ['native', '/nonexistent/connection.json']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^\[obe-network\] governance init failed: .*ENOENT/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('check-collections-cli and remap-collections-cli: usage, and an unreadable file named', () => {
    expect(stderrOf(() => checkCollections(['collections/energy.json', 'mychannel']))).toMatchObject({ code: 2, stderr: expect.stringMatching(/usage/) });
    expect(stderrOf(() => checkCollections(['/nonexistent.json', 'energy']))).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read /nonexistent.json') });
    expect(stderrOf(() => remapCollections([]))).toMatchObject({ code: 2, stderr: expect.stringMatching(/usage/) });
  });
});

describe('runCli (the exit path the Fabric CLIs share)', () => {
  const run = async (main: () => Promise<number>, prefix?: string) => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void lines.push(m));
    const before = process.exitCode;
    try {
      const code = await runCli(main, [], prefix);
      return { code, exitCode: process.exitCode, lines };
    } finally {
      spy.mockRestore();
      process.exitCode = before;
    }
  };

  it('exits with the code main returns', async () => {
    expect(await run(async () => 2)).toEqual({ code: 2, exitCode: 2, lines: [] });
    expect(await run(async () => 0)).toEqual({ code: 0, exitCode: 0, lines: [] });
  });

  it('reports a failure as its message and each peer detail, with the prefix, never a stack trace, and exits 1', async () => {
    const refused = Object.assign(new Error('10 ABORTED: failed to endorse transaction'), {
      details: [{ message: 'chaincode response 500, [FORBIDDEN] only the market operator may do this' }, {}],
    });
    const result = await run(() => Promise.reject(refused), '[obe-network] governance init failed: ');
    expect(result).toMatchObject({ code: 1, exitCode: 1 });
    expect(result.lines).toEqual([
      '[obe-network] governance init failed: 10 ABORTED: failed to endorse transaction',
      '  chaincode response 500, [FORBIDDEN] only the market operator may do this',
      '  ',
    ]);
    expect((await run(() => Promise.reject(new Error('plain')))).lines).toEqual(['plain']);
  });
});

