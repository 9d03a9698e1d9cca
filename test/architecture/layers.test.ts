import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The layer rule of eslint.config.mjs (LAYER_RULES: `no-restricted-imports` per folder) fails on an import that runs
 * up a layer. Each case lints a fixture file that exists only for the linter (ESLint's lintText with the path it
 * would have; nothing is written into the tree), so the rule cannot silently stop working: a glob that no longer
 * matches, a pattern that no longer fires, or a config block that overrides it makes a case below fail.
 *
 * ESLint runs in a child process: it loads its ESM config with a dynamic import, which Jest's module sandbox refuses.
 */
const root = path.resolve(__dirname, '../..');

interface Case {
  readonly file: string;
  readonly code: string;
}

function lint(cases: readonly Case[]): { file: string; code: string; rules: string[]; messages: string[] }[] {
  const script = `
    const { ESLint } = require('eslint');
    (async () => {
      const eslint = new ESLint({ cwd: ${JSON.stringify(root)} });
      const cases = JSON.parse(process.argv[1]);
      const out = [];
      for (const c of cases) {
        const [result] = await eslint.lintText(c.code, { filePath: require('node:path').join(${JSON.stringify(root)}, c.file) });
        out.push({ ...c, rules: result.messages.map((m) => m.ruleId), messages: result.messages.map((m) => m.message) });
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, JSON.stringify(cases)], { cwd: root, encoding: 'utf8' })) as never;
}

const use = (what: string) => `${what}\nexport const used = [x];\n`;

/** One fixture per rule and per kind of leak the issue named; each must be refused by no-restricted-imports. */
const violations: Case[] = [
  // ledger → http / demo / config (the factory's and the checkpoint store's old imports), also type-only
  { file: 'gateway/src/ledger/layer-fixture.ts', code: use(`import { HttpError as x } from '../http/errors';`) },
  { file: 'gateway/src/ledger/layer-fixture.ts', code: use(`import { defaultIdentities as x } from '../demo/identities';`) },
  { file: 'gateway/src/ledger/layer-fixture.ts', code: `import type { GatewayMetrics } from '../http/metrics';\nexport type X = GatewayMetrics;\n` },
  { file: 'gateway/src/ledger/fabric/layer-fixture.ts', code: use(`import { writeFileAtomic as x } from '../../config';`) },
  { file: 'gateway/src/ledger/embedded/layer-fixture.ts', code: use(`import { submitRoutes as x } from '../../routes/support';`) },
  // ledger → submits (the ledger is below the submit service)
  { file: 'gateway/src/ledger/layer-fixture.ts', code: use(`import { SubmitService as x } from '../submits/submit-service';`) },
  // submits → http / config (the submit service's old HttpError)
  { file: 'gateway/src/submits/layer-fixture.ts', code: use(`import { HttpError as x } from '../http/errors';`) },
  { file: 'gateway/src/submits/layer-fixture.ts', code: `export { loadConfig } from '../config';\n` },
  // operator agent → http / routes / config, and the submit service
  { file: 'gateway/src/operator-agent/layer-fixture.ts', code: use(`import { HttpError as x } from '../http/errors';`) },
  { file: 'gateway/src/operator-agent/layer-fixture.ts', code: use(`import { writeFileAtomic as x } from '../config';`) },
  { file: 'gateway/src/operator-agent/layer-fixture.ts', code: use(`import { SubmitService as x } from '../submits/submit-service';`) },
  // common → anything else of the gateway
  { file: 'gateway/src/common/layer-fixture.ts', code: use(`import { loadConfig as x } from '../config';`) },
  // chaincode → gateway (by path and by package, the embedded runtime included)
  { file: 'chaincode/src/market/layer-fixture.ts', code: use(`import { SubmitService as x } from '../../../gateway/src/submits/submit-service';`) },
  { file: 'chaincode/src/layer-fixture.ts', code: use(`import { EmbeddedFabric as x } from '@obe/fabric-embedded';`) },
  // scripts → test (the clearing bench's old import)
  { file: 'scripts/bench/layer-fixture.ts', code: use(`import { ObeNet as x } from '../../test/chaincode/support/obe-net';`) },
  { file: 'scripts/layer-fixture.ts', code: use(`import { startHarness as x } from '../test/gateway/support/harness';`) },
  // network/lib → gateway internals (gateway-keys-cli's old import of setup)
  { file: 'network/lib/layer-fixture.ts', code: use(`import { createGatewayFile as x } from '../../gateway/src/setup';`) },
];

/** The same layers importing what they may: must lint clean, or the rule is too broad to be trusted. */
const allowed: Case[] = [
  { file: 'gateway/src/ledger/fabric/layer-fixture.ts', code: use(`import { writeFileAtomic as x } from '../../common/atomic-file';`) },
  { file: 'gateway/src/ledger/layer-fixture.ts', code: use(`import { ChaincodeError as x } from './errors';`) },
  { file: 'gateway/src/submits/layer-fixture.ts', code: use(`import { LedgerError as x } from '../ledger/errors';`) },
  { file: 'chaincode/src/market/layer-fixture.ts', code: use(`import { errorCodeOf as x } from '../common/errors';`) },
  { file: 'scripts/bench/layer-fixture.ts', code: use(`import { ObeNet as x } from '../../gateway/src/ledger/embedded/obe-net';`) },
  { file: 'network/lib/layer-fixture.ts', code: use(`import { createGatewayFile as x } from '../../gateway/src';`) },
  { file: 'gateway/src/http/layer-fixture.ts', code: use(`import { SubmitService as x } from '../submits/submit-service';`) },
];

describe('layers only point down (eslint.config.mjs LAYER_RULES)', () => {
  const results = lint([...violations, ...allowed]);
  const violated = results.slice(0, violations.length);
  const clean = results.slice(violations.length);

  it.each(violated.map((r) => [`${r.file}: ${r.code.split('\n')[0]}`, r] as const))('refuses %s', (_name, result) => {
    expect(result.rules).toContain('no-restricted-imports');
    expect(result.messages.join('\n')).toMatch(/layers: /);
  });

  it.each(clean.map((r) => [`${r.file}: ${r.code.split('\n')[0]}`, r] as const))('allows %s', (_name, result) => {
    expect(result.rules).toEqual([]);
  });
});
