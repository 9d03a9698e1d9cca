import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { fakeFabricBinary, isolatedPath, ROOT, runBash } from './support/shell';

const TN = path.join(ROOT, 'network/test-network');

describe('test-network mode scripts', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-tn-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each(['up.sh', 'deploy.sh', 'down.sh'])('%s asks for the fabric-samples path when none is given', (script) => {
    const result = runBash(`bash "${TN}/${script}"`, { PATH: isolatedPath() });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('give the path of your fabric-samples checkout');
  });

  it('rejects a directory that is not a fabric-samples checkout, before doing anything', () => {
    const result = runBash(`bash "${TN}/up.sh" "${dir}"`, { PATH: isolatedPath(), OBE_TEST_NETWORK_DIR: path.join(dir, 'gen') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('has no test-network/network.sh');
    expect(fs.existsSync(path.join(dir, 'gen'))).toBe(false);
  });

  it('rejects a checkout whose binaries are not Fabric 2.5', () => {
    fs.mkdirSync(path.join(dir, 'test-network/addOrg3'), { recursive: true });
    for (const script of ['test-network/network.sh', 'test-network/addOrg3/addOrg3.sh']) {
      fs.writeFileSync(path.join(dir, script), '#!/usr/bin/env bash\nexit 99\n', { mode: 0o755 });
    }
    for (const name of ['peer', 'configtxgen', 'osnadmin']) fakeFabricBinary(path.join(dir, 'bin'), name, 'v2.4.9');
    const result = runBash(`bash "${TN}/up.sh" "${dir}"`, { PATH: isolatedPath(), OBE_TEST_NETWORK_DIR: path.join(dir, 'gen') });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('peer is not Fabric 2.5');
  });

  it('creates `audit` for Org1MSP (grid operator) and Org3MSP (regulator) only, with V2_5 capabilities', () => {
    const doc = yaml.load(fs.readFileSync(path.join(TN, 'config/configtx-audit.yaml'), 'utf8')) as {
      Profiles: { AuditChannel: { Application: { Organizations: { ID: string }[]; Capabilities: unknown } } };
    };
    const app = doc.Profiles.AuditChannel.Application;
    expect(app.Organizations.map((o) => o.ID)).toEqual(['Org1MSP', 'Org3MSP']);
    expect(app.Capabilities).toEqual({ V2_5: true });
  });
});
