/**
 * Writing the gateway's connection config for a real Fabric network: which peer serves each org, the TLS CA to
 * trust, and the identities (MSP folders) the gateway may act as. network/native/up.sh and the test-network scripts
 * write it through this module; the gateway's Fabric adapter reads it.
 *
 * The file format has one parser, gateway/src/ledger/fabric/connection-config.ts (the reader owns the format), which
 * the gateway's public entry (gateway/src/index.ts) exports. This module, deploy tooling above the gateway, imports
 * it from there; the gateway never imports network/. What the scripts write is the format's strict form: no unknown field, absolute paths, and every
 * peer's TLS host name.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  connectionConfigSchema as connectionFileSchema,
  type IdentityEntry,
  type PeerEntry,
} from '../../gateway/src';

export type { IdentityEntry };
export type PeerConnection = PeerEntry;

/** The connection config as the network scripts write it (and read it back): the file format, strictly. */
export const connectionConfigSchema = connectionFileSchema.strict().superRefine((config, ctx) => {
  const absolute = (p: string, where: (string | number)[]) => {
    if (!path.isAbsolute(p)) ctx.addIssue({ code: 'custom', path: where, message: 'must be an absolute path' });
  };
  for (const [mspId, peer] of Object.entries(config.peers)) {
    absolute(peer.tlsRootCertPath, ['peers', mspId, 'tlsRootCertPath']);
    if (!peer.hostOverride) ctx.addIssue({ code: 'custom', path: ['peers', mspId, 'hostOverride'], message: 'the peer needs its TLS host name' });
  }
  config.identities.forEach((identity, index) => absolute(identity.mspPath, ['identities', index, 'mspPath']));
});

export type ConnectionConfig = ReturnType<typeof connectionConfigSchema.parse>;

/** OBE's three organisations by the key used in identity labels (`<org>-admin`, `<org>-user1`). */
export const OBE_ORGS = ['gridoperator', 'utility', 'regulator'] as const;
export type ObeOrg = (typeof OBE_ORGS)[number];

/** How one OBE org is realised on a concrete network. */
export interface OrgLayout {
  mspId: string;
  /** cryptogen/Fabric CA domain of the org, e.g. gridoperator.obe.local or org1.example.com. */
  domain: string;
  peerPort: number;
  /**
   * Labels for the org's further users, in order: User2@, User3@, ... (User1@ is always `<org>-user1`). The native
   * network issues the gateway's demo identities this way, so the demo and the end-to-end scenario run unchanged.
   */
  extraUsers?: readonly string[];
}

export interface NetworkLayout {
  /** Directory holding peerOrganizations/ (cryptogen output layout, which test-network's CA mode reproduces). */
  cryptoDir: string;
  orgs: Record<ObeOrg, OrgLayout>;
}

const pad = (n: number) => String(n).padStart(2, '0');
const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${pad(i + 1)}`);

/**
 * The gateway's demo identities (gateway/src/demo/identities.ts) beyond the org admins. Their count must match
 * `Users: Count` minus User1 in network/native/config/crypto-config.yaml and network/test-network/config/
 * crypto-extend.yaml (a test checks both).
 */
export const NATIVE_DEMO_USERS: Readonly<Record<ObeOrg, readonly string[]>> = {
  gridoperator: ['generator-1', 'generator-2'],
  utility: ['retailer-1', ...numbered('prosumer', 20), ...numbered('consumer', 6)],
  regulator: [],
};

export const NATIVE_ORGS: Record<ObeOrg, OrgLayout> = {
  gridoperator: { mspId: 'GridOperatorMSP', domain: 'gridoperator.obe.local', peerPort: 7051, extraUsers: NATIVE_DEMO_USERS.gridoperator },
  utility: { mspId: 'UtilityMSP', domain: 'utility.obe.local', peerPort: 9051, extraUsers: NATIVE_DEMO_USERS.utility },
  regulator: { mspId: 'RegulatorMSP', domain: 'regulator.obe.local', peerPort: 11051, extraUsers: NATIVE_DEMO_USERS.regulator },
};

/**
 * fabric-samples test-network with Fabric CAs (`-ca`): Org1 and Org2 from network.sh up, Org3 from addOrg3, each
 * with the admin and user1 its CA scripts enroll.
 */
export const TEST_NETWORK_CA_ORGS: Record<ObeOrg, OrgLayout> = {
  gridoperator: { mspId: 'Org1MSP', domain: 'org1.example.com', peerPort: 7051 },
  utility: { mspId: 'Org2MSP', domain: 'org2.example.com', peerPort: 9051 },
  regulator: { mspId: 'Org3MSP', domain: 'org3.example.com', peerPort: 11051 },
};

/**
 * fabric-samples test-network with cryptogen (its default): network/test-network/up.sh adds the demo identities
 * as further users of Org1 and Org2 (`cryptogen extend` with network/test-network/config/crypto-extend.yaml).
 */
export const TEST_NETWORK_ORGS: Record<ObeOrg, OrgLayout> = {
  gridoperator: { ...TEST_NETWORK_CA_ORGS.gridoperator, extraUsers: NATIVE_DEMO_USERS.gridoperator },
  utility: { ...TEST_NETWORK_CA_ORGS.utility, extraUsers: NATIVE_DEMO_USERS.utility },
  regulator: TEST_NETWORK_CA_ORGS.regulator,
};

export type NetworkMode = 'native' | 'test-network' | 'test-network-ca';

export function orgsOf(mode: string): Record<ObeOrg, OrgLayout> | undefined {
  if (mode === 'native') return NATIVE_ORGS;
  if (mode === 'test-network') return TEST_NETWORK_ORGS;
  if (mode === 'test-network-ca') return TEST_NETWORK_CA_ORGS;
  return undefined;
}

export class ConnectionConfigError extends Error {
  readonly code = 'CONNECTION_CONFIG';
}

/** Builds the config for a network laid out as cryptogen (or test-network's CA scripts) lay out crypto material. */
export function buildConnectionConfig(layout: NetworkLayout): ConnectionConfig {
  const peers: Record<string, PeerConnection> = {};
  const identities: IdentityEntry[] = [];
  for (const org of OBE_ORGS) {
    const { mspId, domain, peerPort, extraUsers = [] } = layout.orgs[org];
    const orgDir = path.resolve(layout.cryptoDir, 'peerOrganizations', domain);
    const peerHost = `peer0.${domain}`;
    peers[mspId] = {
      endpoint: `localhost:${peerPort}`,
      tlsRootCertPath: path.join(orgDir, 'peers', peerHost, 'tls', 'ca.crt'),
      hostOverride: peerHost,
    };
    identities.push(
      { label: `${org}-admin`, mspId, mspPath: path.join(orgDir, 'users', `Admin@${domain}`, 'msp') },
      { label: `${org}-user1`, mspId, mspPath: path.join(orgDir, 'users', `User1@${domain}`, 'msp') },
      ...extraUsers.map((label, i) => ({ label, mspId, mspPath: path.join(orgDir, 'users', `User${i + 2}@${domain}`, 'msp') })),
    );
  }
  return connectionConfigSchema.parse({ chaincode: 'obe', channels: ['energy', 'audit'], peers, identities });
}

/**
 * Checks that every file the gateway will open exists: each peer's TLS CA and, per identity, one certificate in
 * msp/signcerts and one key in msp/keystore. Returns the problems; empty means usable.
 */
export function findMissingMaterial(config: ConnectionConfig): string[] {
  const problems: string[] = [];
  for (const [mspId, peer] of Object.entries(config.peers)) {
    if (!isFile(peer.tlsRootCertPath)) problems.push(`${mspId}: TLS CA ${peer.tlsRootCertPath} not found`);
  }
  for (const identity of config.identities) {
    for (const folder of ['signcerts', 'keystore']) {
      const dir = path.join(identity.mspPath, folder);
      const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => isFile(path.join(dir, f))) : [];
      if (files.length !== 1) {
        problems.push(`${identity.label}: expected exactly one file in ${dir}, found ${files.length}`);
      }
    }
  }
  return problems;
}

/** Validates, checks the material exists, and writes atomically (a reader never sees half a file). */
export function writeConnectionConfig(config: ConnectionConfig, file: string): void {
  const parsed = connectionConfigSchema.safeParse(config);
  if (!parsed.success) throw new ConnectionConfigError(`invalid connection config: ${parsed.error.message}`);
  const missing = findMissingMaterial(parsed.data);
  if (missing.length > 0) {
    throw new ConnectionConfigError(`connection config refers to missing files:\n  ${missing.join('\n  ')}`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(parsed.data, null, 2)}\n`);
  fs.renameSync(temp, file);
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
