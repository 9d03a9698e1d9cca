import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGatewayFile } from '../../gateway/src/config';
import { buildConnectionConfig, NATIVE_ORGS, writeConnectionConfig } from '../../network/lib/connection-config';
import { main as gatewayKeys } from '../../network/lib/gateway-keys-cli';
import { writeFakeCrypto } from './support/fake-crypto';

describe('API keys for the gateway on a real network', () => {
  let dir: string;
  let connection: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-keys-'));
    writeFakeCrypto(path.join(dir, 'crypto'), Object.values(NATIVE_ORGS));
    connection = path.join(dir, 'connection.json');
    writeConnectionConfig(buildConnectionConfig({ cryptoDir: path.join(dir, 'crypto'), orgs: NATIVE_ORGS }), connection);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const quietly = (fn: () => number): number => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      return fn();
    } finally {
      spy.mockRestore();
    }
  };

  it('creates one hashed key per identity where the gateway looks, with the keys in demo-api-keys.json', () => {
    const dataDir = path.join(dir, 'data');
    expect(quietly(() => gatewayKeys([connection], { OBE_DATA_DIR: dataDir }))).toBe(0);
    const file = readGatewayFile(path.join(dataDir, 'gateway.json'))!;
    const labels = JSON.parse(fs.readFileSync(connection, 'utf8')).identities.map((i: { label: string }) => i.label);
    expect(file.apiKeys.map((k) => k.identity).sort()).toEqual([...labels].sort());
    expect(file.relayIdentity).toBe('gridoperator-admin');
    const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    expect(JSON.stringify(file)).not.toContain(keys['utility-user1']!.key);
  });

  it('never replaces an existing gateway config', () => {
    const configFile = path.join(dir, 'mine.json');
    fs.writeFileSync(configFile, '{"apiKeys":[]}');
    expect(quietly(() => gatewayKeys([connection], { OBE_DATA_DIR: path.join(dir, 'data'), OBE_CONFIG: configFile }))).toBe(0);
    expect(fs.readFileSync(configFile, 'utf8')).toBe('{"apiKeys":[]}');
    expect(fs.existsSync(path.join(dir, 'data', 'demo-api-keys.json'))).toBe(false);
  });
});
