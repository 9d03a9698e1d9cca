import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildConnectionConfig,
  connectionConfigSchema,
  ConnectionConfigError,
  NATIVE_ORGS,
  TEST_NETWORK_CA_ORGS,
  TEST_NETWORK_ORGS,
  writeConnectionConfig,
} from '../../network/lib/connection-config';
import { main as writeCli } from '../../network/lib/write-connection-cli';
import { loadConnectionConfig } from '../../gateway/src/ledger/fabric/connection-config';
import yaml from 'js-yaml';
import { defaultIdentities } from '../../gateway/src/demo/identities';
import { writeFakeCrypto } from './support/fake-crypto';
import { ROOT } from './support/shell';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-conn-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('connection config for the gateway', () => {
  it('names every org peer with its TLS CA and host override, and an admin and a user per org', () => {
    const config = buildConnectionConfig({ cryptoDir: dir, orgs: NATIVE_ORGS });
    expect(config.chaincode).toBe('obe');
    expect(config.channels).toEqual(['energy', 'audit']);
    expect(config.peers.GridOperatorMSP).toEqual({
      endpoint: 'localhost:7051',
      tlsRootCertPath: path.join(dir, 'peerOrganizations/gridoperator.obe.local/peers/peer0.gridoperator.obe.local/tls/ca.crt'),
      hostOverride: 'peer0.gridoperator.obe.local',
    });
    expect(Object.keys(config.peers).sort()).toEqual(['GridOperatorMSP', 'RegulatorMSP', 'UtilityMSP']);
    expect(config.identities.map((i) => i.label)).toEqual(
      expect.arrayContaining([
        'gridoperator-admin',
        'gridoperator-user1',
        'utility-admin',
        'utility-user1',
        'regulator-admin',
        'regulator-user1',
      ]),
    );
    expect(config.identities.find((i) => i.label === 'utility-user1')).toEqual({
      label: 'utility-user1',
      mspId: 'UtilityMSP',
      mspPath: path.join(dir, 'peerOrganizations/utility.obe.local/users/User1@utility.obe.local/msp'),
    });
  });

  it("includes every identity of the gateway's demo, as the further cryptogen users of its org", () => {
    const config = buildConnectionConfig({ cryptoDir: dir, orgs: NATIVE_ORGS });
    const byLabel = new Map(config.identities.map((i) => [i.label, i]));
    for (const demo of defaultIdentities()) {
      expect(byLabel.get(demo.label)?.mspId).toBe(demo.mspId);
    }
    expect(byLabel.get('generator-1')?.mspPath).toMatch(/users\/User2@gridoperator\.obe\.local\/msp$/);
    expect(byLabel.get('consumer-06')?.mspPath).toMatch(/users\/User28@utility\.obe\.local\/msp$/);
  });

  it.each([
    ['network/native/config/crypto-config.yaml', NATIVE_ORGS],
    ['network/test-network/config/crypto-extend.yaml', TEST_NETWORK_ORGS],
  ])('%s issues exactly as many users per org as the connection config names', (file, orgs) => {
    const crypto = yaml.load(fs.readFileSync(path.join(ROOT, file), 'utf8')) as {
      PeerOrgs: { Domain: string; Users: { Count: number } }[];
    };
    for (const org of Object.values(orgs)) {
      const users = crypto.PeerOrgs.find((o) => o.Domain === org.domain)?.Users.Count ?? 1;
      expect(users).toBe(1 + (org.extraUsers?.length ?? 0));
    }
  });

  it('maps the same labels onto Org1/Org2/Org3 on the fabric-samples test-network', () => {
    const config = buildConnectionConfig({ cryptoDir: dir, orgs: TEST_NETWORK_ORGS });
    expect(config.identities.find((i) => i.label === 'regulator-admin')?.mspId).toBe('Org3MSP');
    expect(config.identities.find((i) => i.label === 'prosumer-01')).toMatchObject({ mspId: 'Org2MSP' });
    expect(config.identities.find((i) => i.label === 'prosumer-01')?.mspPath).toMatch(/User3@org2\.example\.com\/msp$/);
    // With Fabric CAs the test-network enrolls an admin and user1 per org only.
    const withCa = buildConnectionConfig({ cryptoDir: dir, orgs: TEST_NETWORK_CA_ORGS });
    expect(withCa.identities.map((i) => i.label)).toHaveLength(6);
    expect(config.peers.Org3MSP?.endpoint).toBe('localhost:11051');
    expect(config.peers.Org2MSP?.hostOverride).toBe('peer0.org2.example.com');
  });

  it('writes a file that parses back under the schema', () => {
    writeFakeCrypto(dir, Object.values(NATIVE_ORGS));
    const file = path.join(dir, 'out', 'connection.json');
    writeConnectionConfig(buildConnectionConfig({ cryptoDir: dir, orgs: NATIVE_ORGS }), file);
    const parsed = connectionConfigSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    expect(parsed.identities).toHaveLength(6 + 2 + 27);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['connection.json']);
  });

  it("writes a file the gateway's Fabric adapter loads with every identity and peer", () => {
    writeFakeCrypto(dir, Object.values(NATIVE_ORGS));
    const file = path.join(dir, 'connection.json');
    writeConnectionConfig(buildConnectionConfig({ cryptoDir: dir, orgs: NATIVE_ORGS }), file);
    const loaded = loadConnectionConfig(file, path.join(dir, 'data'));
    expect(loaded.chaincode).toBe('obe');
    expect(loaded.channels).toEqual(['energy', 'audit']);
    expect(Object.keys(loaded.peers).sort()).toEqual(['GridOperatorMSP', 'RegulatorMSP', 'UtilityMSP']);
    expect(loaded.identities.map((i) => `${i.label}@${i.mspId}`)).toContain('regulator-user1@RegulatorMSP');
    expect(loaded.peers.UtilityMSP?.hostOverride).toBe('peer0.utility.obe.local');
  });

  it('refuses to write a config whose key material is missing, naming what is missing', () => {
    writeFakeCrypto(dir, Object.values(NATIVE_ORGS));
    fs.rmSync(path.join(dir, 'peerOrganizations/regulator.obe.local/users/User1@regulator.obe.local/msp/keystore/priv_sk'));
    const file = path.join(dir, 'connection.json');
    expect(() => writeConnectionConfig(buildConnectionConfig({ cryptoDir: dir, orgs: NATIVE_ORGS }), file)).toThrow(
      /regulator-user1: expected exactly one file in .*keystore, found 0/,
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('rejects relative paths, unknown fields, duplicate labels and identities without a peer', () => {
    const good = buildConnectionConfig({ cryptoDir: dir, orgs: NATIVE_ORGS });
    const relative = structuredClone(good);
    relative.peers.UtilityMSP!.tlsRootCertPath = 'crypto/ca.crt';
    expect(connectionConfigSchema.safeParse(relative).success).toBe(false);
    expect(connectionConfigSchema.safeParse({ ...good, extra: 1 }).success).toBe(false);
    const duplicate = { ...good, identities: [...good.identities, good.identities[0]!] };
    expect(connectionConfigSchema.safeParse(duplicate).error?.message).toMatch(/duplicate identity label 'gridoperator-admin'/);
    const orphan = { ...good, identities: [{ label: 'x-admin', mspId: 'NobodyMSP', mspPath: dir }] };
    expect(connectionConfigSchema.safeParse(orphan).error?.message).toMatch(/NobodyMSP, which has no entry in peers/);
    expect(() => writeConnectionConfig(relative, path.join(dir, 'c.json'))).toThrow(ConnectionConfigError);
  });

  it('the CLI writes the file for a complete crypto tree and exits 1 with a message otherwise', () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((m: string) => void errors.push(m));
    try {
      expect(writeCli(['native', dir, path.join(dir, 'c.json')])).toBe(1);
      expect(errors.join('\n')).toMatch(/refers to missing files/);
      writeFakeCrypto(dir, Object.values(TEST_NETWORK_ORGS));
      expect(writeCli(['test-network', dir, path.join(dir, 'c.json')])).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(dir, 'c.json'), 'utf8')).peers.Org1MSP.endpoint).toBe('localhost:7051');
      expect(writeCli(['docker', dir, 'x'])).toBe(2);
    } finally {
      spy.mockRestore();
    }
  });
});
