/** The connection config is the contract with network/: clear errors for every way it can be wrong. */
import './support/native-esm';
import fs from 'node:fs';
import path from 'node:path';
import { buildConnectionConfig, NATIVE_ORGS } from '../../../network/lib/connection-config';
import {
  ConnectionConfigError,
  connectionConfigPath,
  createFabricLedger,
  loadConnectionConfig,
  MspIdentityError,
  parseConnectionConfig,
} from '../../../gateway/src/ledger/fabric';
import { tempDir, writeMsp, writeNetwork, type Network } from './support/fixtures';

let network: Network;
beforeAll(async () => {
  network = await writeNetwork();
});

function writeConfig(value: unknown): string {
  const dir = tempDir('obe-fabric-config-');
  const file = path.join(dir, 'connection.json');
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('loading the connection config', () => {
  it('names the missing file and how to create it', () => {
    const file = path.join(tempDir(), 'nope', 'connection.json');
    const err = errorOf(() => loadConnectionConfig(file, '/data'));
    expect(err).toBeInstanceOf(ConnectionConfigError);
    expect(err.message).toContain(file);
    expect(err.message).toContain('file not found');
    expect(err.message).toContain('npm run network:up');
    expect(err.message).toContain('OBE_FABRIC_CONFIG');
  });

  it('reports a file that is not JSON', () => {
    const file = writeConfig('{ "chaincode": "obe", ');
    const err = errorOf(() => loadConnectionConfig(file, '/data'));
    expect(err).toBeInstanceOf(ConnectionConfigError);
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('lists each schema problem with its path', () => {
    const file = writeConfig({ chaincode: 'obe', channels: [], peers: { UtilityMSP: { endpoint: 'no-port', tlsRootCertPath: 'ca.crt' } }, identities: [] });
    const err = errorOf(() => loadConnectionConfig(file, '/data'));
    expect(err.message).toContain('channels: must list at least one channel');
    expect(err.message).toContain('peers.UtilityMSP.endpoint: must be host:port');
    expect(err.message).toContain('identities: must list at least one identity');
  });

  it('refuses an identity whose org has no peer, and duplicate labels', () => {
    const config = {
      ...network.config,
      identities: [...network.config.identities, { label: 'auditor', mspId: 'AuditorMSP', mspPath: 'x' }, { label: 'utility-admin', mspId: 'UtilityMSP', mspPath: 'y' }],
    };
    const err = errorOf(() => parseConnectionConfig(config, '/etc/obe/connection.json', '/data'));
    expect(err.message).toContain("identity 'auditor' belongs to AuditorMSP, which has no entry in peers");
    expect(err.message).toContain("duplicate identity label 'utility-admin'");
  });

  it('resolves relative paths against the config file and puts checkpoints under the data dir by default', () => {
    const config = parseConnectionConfig(network.config, network.file, '/var/obe');
    expect(config.peers.UtilityMSP!.tlsRootCertPath).toBe(path.join(network.dir, 'utility', 'tls', 'ca.crt'));
    expect(config.identities[0]!.mspPath).toBe(path.join(network.dir, 'gridoperator', 'users', 'Admin@gridoperator.obe.local', 'msp'));
    expect(config.checkpointDir).toBe('/var/obe/checkpoints');
    expect(parseConnectionConfig({ ...network.config, checkpointDir: 'cp' }, network.file, '/var/obe').checkpointDir).toBe(path.join(network.dir, 'cp'));
  });

  it('accepts exactly what the network scripts write', () => {
    const written = buildConnectionConfig({ cryptoDir: '/opt/obe/crypto', orgs: NATIVE_ORGS });
    const config = parseConnectionConfig(JSON.parse(JSON.stringify(written)), '/opt/obe/connection.json', '/data');
    expect(config.channels).toEqual(['energy', 'audit']);
    expect(config.peers.GridOperatorMSP).toEqual(written.peers.GridOperatorMSP);
    expect(config.identities.map((i) => i.label)).toContain('regulator-admin');
  });

  it('finds the file from OBE_FABRIC_CONFIG, else network/native/generated/connection.json', () => {
    expect(connectionConfigPath({ OBE_FABRIC_CONFIG: 'conf/c.json' }, '/srv')).toBe('/srv/conf/c.json');
    expect(connectionConfigPath({}, '/srv')).toBe('/srv/network/native/generated/connection.json');
  });
});

describe('identities from MSP folders', () => {
  it('createFabricLedger loads every identity up front', () => {
    const ledger = createFabricLedger({ configFile: network.file, dataDir: path.join(network.dir, 'data') });
    expect(ledger.identities()).toHaveLength(4);
    expect(ledger.config.checkpointDir).toBe(path.join(network.dir, 'data', 'checkpoints'));
  });

  it('names the identity whose MSP folder is missing', () => {
    const config = { ...network.config, identities: [{ label: 'utility-user9', mspId: 'UtilityMSP', mspPath: 'utility/users/User9/msp' }] };
    const file = path.join(network.dir, 'missing-identity.json');
    fs.writeFileSync(file, JSON.stringify(config));
    const err = errorOf(() => createFabricLedger({ configFile: file, dataDir: '/data' }));
    expect(err).toBeInstanceOf(MspIdentityError);
    expect(err.message).toContain("identity 'utility-user9'");
    expect(err.message).toContain('not found');
  });

  it('takes the *_sk key among several keystore files, and refuses an ambiguous keystore', async () => {
    const dir = tempDir();
    const mspPath = await writeMsp(dir, 'Admin@x');
    const config = { ...network.config, identities: [{ label: 'x-admin', mspId: 'UtilityMSP', mspPath }] };
    fs.writeFileSync(path.join(mspPath, 'keystore', 'README'), 'not a key');
    expect(() => createFabricLedger({ configFile: writeConfig(config), dataDir: '/data' })).not.toThrow();
    fs.renameSync(path.join(mspPath, 'keystore', 'a1b2c3_sk'), path.join(mspPath, 'keystore', 'key.pem'));
    const err = errorOf(() => createFabricLedger({ configFile: writeConfig(config), dataDir: '/data' }));
    expect(err.message).toMatch(/expected one private key in .*keystore, found 2 files/);
  });

  it('refuses a certificate file that is not PEM and a key that cannot be read', async () => {
    const dir = tempDir();
    const mspPath = await writeMsp(dir, 'Admin@y');
    const config = { ...network.config, identities: [{ label: 'y-admin', mspId: 'UtilityMSP', mspPath }] };
    const keyFile = path.join(mspPath, 'keystore', 'a1b2c3_sk');
    const key = fs.readFileSync(keyFile);
    fs.writeFileSync(keyFile, 'garbage');
    expect(errorOf(() => createFabricLedger({ configFile: writeConfig(config), dataDir: '/data' })).message).toMatch(/not a readable private key/);
    fs.writeFileSync(keyFile, key);
    fs.writeFileSync(path.join(mspPath, 'signcerts', 'Admin@y-cert.pem'), 'garbage');
    expect(errorOf(() => createFabricLedger({ configFile: writeConfig(config), dataDir: '/data' })).message).toMatch(/is not a PEM certificate/);
  });
});
