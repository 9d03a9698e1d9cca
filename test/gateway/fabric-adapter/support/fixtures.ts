/** MSP folders and connection configs on disk, laid out as cryptogen lays them out. */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { GrpcClient } from '@hyperledger/fabric-gateway';
import { FabricLedger, type FabricLedgerOptions } from '../../../../gateway/src/ledger/fabric';
import { parseConnectionConfig, type ConnectionConfigInput } from '../../../../gateway/src/ledger/fabric/connection-config';
import { MockGatewayTransport } from './mock-transport';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export function tempDir(prefix = 'obe-fabric-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `<dir>/users/<name>/msp` with signcerts/cert.pem and keystore/<hex>_sk, as cryptogen does. */
export async function writeMsp(dir: string, name: string): Promise<string> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    keys: keys as unknown as CryptoKeyPair,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const mspPath = path.join(dir, 'users', name, 'msp');
  fs.mkdirSync(path.join(mspPath, 'signcerts'), { recursive: true });
  fs.mkdirSync(path.join(mspPath, 'keystore'), { recursive: true });
  fs.writeFileSync(path.join(mspPath, 'signcerts', `${name}-cert.pem`), cert.toString('pem'));
  const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  fs.writeFileSync(path.join(mspPath, 'keystore', 'a1b2c3_sk'), pem);
  return mspPath;
}

export interface Network {
  readonly dir: string;
  readonly config: ConnectionConfigInput;
  readonly file: string;
}

/** Three orgs, one peer each, identities `<org>-admin` (and a second grid operator identity sharing its org's peer). */
export async function writeNetwork(dir = tempDir()): Promise<Network> {
  const orgs = [
    { key: 'gridoperator', mspId: 'GridOperatorMSP', port: 7051 },
    { key: 'utility', mspId: 'UtilityMSP', port: 9051 },
    { key: 'regulator', mspId: 'RegulatorMSP', port: 11051 },
  ];
  const peers: ConnectionConfigInput['peers'] = {};
  const identities: ConnectionConfigInput['identities'] = [];
  for (const org of orgs) {
    const tlsDir = path.join(dir, org.key, 'tls');
    fs.mkdirSync(tlsDir, { recursive: true });
    fs.writeFileSync(path.join(tlsDir, 'ca.crt'), 'not used by the mocked transport\n');
    peers[org.mspId] = {
      endpoint: `localhost:${org.port}`,
      tlsRootCertPath: path.join(org.key, 'tls', 'ca.crt'),
      hostOverride: `peer0.${org.key}.obe.local`,
    };
    await writeMsp(path.join(dir, org.key), `Admin@${org.key}.obe.local`);
    identities.push({ label: `${org.key}-admin`, mspId: org.mspId, mspPath: path.join(org.key, 'users', `Admin@${org.key}.obe.local`, 'msp') });
  }
  await writeMsp(path.join(dir, 'gridoperator'), 'User1@gridoperator.obe.local');
  identities.push({ label: 'gridoperator-user1', mspId: 'GridOperatorMSP', mspPath: path.join('gridoperator', 'users', 'User1@gridoperator.obe.local', 'msp') });
  const config: ConnectionConfigInput = { chaincode: 'obe', channels: ['energy', 'audit'], peers, identities };
  const file = path.join(dir, 'connection.json');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return { dir, config, file };
}

export interface Harness {
  readonly ledger: FabricLedger;
  /** The mocked transport of each peer endpoint, created when the adapter first dials it. */
  readonly transports: Map<string, MockGatewayTransport>;
  readonly transport: (endpoint?: string) => MockGatewayTransport;
  readonly dials: string[];
}

/**
 * A ledger on `network` whose peers are mocked transports. Pass `transports` to share scripted peers between two
 * ledger instances (a restart); `script` prepares a transport when it is first created.
 */
export function harness(
  network: Network,
  options: Omit<Partial<FabricLedgerOptions>, 'config' | 'grpcClientFactory'> & {
    transports?: Map<string, MockGatewayTransport>;
    script?: (transport: MockGatewayTransport) => void;
  } = {},
): Harness {
  const { transports = new Map<string, MockGatewayTransport>(), script, ...rest } = options;
  const dials: string[] = [];
  const config = parseConnectionConfig(network.config, network.file, path.join(network.dir, 'data'));
  const transport = (endpoint = 'localhost:7051') => {
    let t = transports.get(endpoint);
    if (!t) {
      t = new MockGatewayTransport(endpoint);
      script?.(t);
      transports.set(endpoint, t);
    }
    return t;
  };
  const ledger = new FabricLedger({
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    events: { baseDelayMs: 1, maxDelayMs: 5 },
    ...rest,
    config,
    grpcClientFactory: (peer): GrpcClient => {
      dials.push(peer.endpoint);
      const t = transport(peer.endpoint);
      t.closed = false;
      return t.asGrpcClient();
    },
  });
  return { ledger, transports, transport, dials };
}

const pemKey = async (key: CryptoKey) =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key)).toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;

export interface TlsMaterial {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** A TLS CA and a server certificate it signed for `host` (as cryptogen writes peers/<host>/tls). */
export async function tlsMaterial(host: string): Promise<TlsMaterial> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=tlsca.test.obe.local',
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const serverKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${host}`,
    issuer: ca.subject,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: host }])],
  });
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem: await pemKey(serverKeys.privateKey) };
}
