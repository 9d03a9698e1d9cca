import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fakeFabricBinary, isolatedPath, NATIVE, ROOT, runBash } from './support/shell';

const CHECK = `source "${NATIVE}/lib.sh" && require_fabric_binaries`;
let bin: string;
beforeEach(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-bin-'));
});
afterEach(() => fs.rmSync(bin, { recursive: true, force: true }));

function installAll(version: string): void {
  for (const name of ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin']) fakeFabricBinary(bin, name, version);
}

describe('Fabric binary check', () => {
  it('fails with exit code 3 naming every missing binary and where to get them', () => {
    const result = runBash(CHECK, { PATH: isolatedPath(bin) });
    expect(result.status).toBe(3);
    for (const name of ['peer', 'orderer', 'configtxgen', 'osnadmin', 'cryptogen']) {
      expect(result.stderr).toContain(`${name}: not found on PATH`);
    }
    expect(result.stderr).toMatch(/Fabric 2\.5 release binaries/);
  });

  it('names a binary of the wrong Fabric version', () => {
    installAll('v2.5.12');
    fakeFabricBinary(bin, 'orderer', 'v2.4.9');
    const result = runBash(CHECK, { PATH: isolatedPath(bin) });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('version 2.4.9, need 2.5.x');
    expect(result.stderr).not.toContain('peer (');
  });

  it('names a binary whose version cannot be read', () => {
    installAll('2.5.12');
    fs.writeFileSync(path.join(bin, 'cryptogen'), '#!/usr/bin/env bash\nexit 1\n', { mode: 0o755 });
    const result = runBash(CHECK, { PATH: isolatedPath(bin) });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/cryptogen \(.*\): could not read its version/);
  });

  it('accepts release (v2.5.x) and source (2.5.x) version strings', () => {
    installAll('v2.5.12');
    expect(runBash(CHECK, { PATH: isolatedPath(bin) }).status).toBe(0);
    installAll('2.5.9');
    expect(runBash(CHECK, { PATH: isolatedPath(bin) }).status).toBe(0);
  });

  it('network:up stops before touching anything when the binaries are missing', () => {
    const scratch = path.join(bin, 'generated');
    const result = runBash(`bash "${NATIVE}/up.sh"`, { PATH: isolatedPath(bin), OBE_NETWORK_DIR: scratch });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain('peer: not found on PATH');
    expect(fs.existsSync(scratch)).toBe(false);
  });

  it('network:up refuses to start when a port of the network is taken, naming it, before starting anything', async () => {
    installAll('v2.5.12');
    const scratch = path.join(bin, 'generated');
    // 7053 is the orderer's admin port; if a real network already holds it, it is just as taken.
    const server = net.createServer();
    await new Promise<void>((resolve) => {
      server.once('error', () => resolve());
      server.listen(7053, '127.0.0.1', () => resolve());
    });
    try {
      const result = runBash(`bash "${NATIVE}/up.sh"`, { PATH: isolatedPath(bin), OBE_NETWORK_DIR: scratch });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/ports already in use on 127\.0\.0\.1: .*\b7053\b/);
      expect(fs.existsSync(path.join(scratch, 'crypto'))).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('test:fabric skips with the reason and exit code 0 when the binaries are missing', () => {
    const result = runBash(`bash "${ROOT}/network/test-fabric.sh"`, { PATH: isolatedPath(bin) });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('SKIPPED test:fabric');
    expect(result.stderr).toContain('peer: not found on PATH');
  });
});
