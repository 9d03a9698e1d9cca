/**
 * A plain @hyperledger/fabric-gateway client built from the connection config network/ writes. The network scripts
 * use it to initialise governance; the Fabric test suites use it for what the OBE gateway deliberately does not
 * offer (acting through one chosen peer, reading a collection as a non-member org) and to check the network
 * independently of the gateway under test.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, Gateway, Identity, Signer, signers, hash } from '@hyperledger/fabric-gateway';
import { createPrivateKey } from 'node:crypto';
import { connectionConfigSchema, type ConnectionConfig, type IdentityEntry } from './connection-config';

export function readConnectionConfig(file: string): ConnectionConfig {
  return connectionConfigSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

function onlyFile(dir: string): string {
  const files = fs.readdirSync(dir);
  if (files.length !== 1) throw new Error(`expected one file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]!);
}

function identityOf(entry: IdentityEntry): { identity: Identity; signer: Signer } {
  const credentials = fs.readFileSync(onlyFile(path.join(entry.mspPath, 'signcerts')));
  const key = createPrivateKey(fs.readFileSync(onlyFile(path.join(entry.mspPath, 'keystore'))));
  return { identity: { mspId: entry.mspId, credentials }, signer: signers.newPrivateKeySigner(key) };
}

export interface DirectConnection {
  gateway: Gateway;
  close(): void;
}

/** Connects as identity `label` through the peer of `peerMspId` (default: the identity's own org's peer). */
export function connectDirect(config: ConnectionConfig, label: string, peerMspId?: string): DirectConnection {
  const entry = config.identities.find((i) => i.label === label);
  if (!entry) throw new Error(`no identity '${label}' in the connection config`);
  const peer = config.peers[peerMspId ?? entry.mspId];
  if (!peer) throw new Error(`no peer for ${peerMspId ?? entry.mspId}`);
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(fs.readFileSync(peer.tlsRootCertPath)), {
    'grpc.ssl_target_name_override': peer.hostOverride,
  });
  const { identity, signer } = identityOf(entry);
  const gateway = connect({
    client,
    identity,
    signer,
    hash: hash.sha256,
    evaluateOptions: () => ({ deadline: Date.now() + 10_000 }),
    endorseOptions: () => ({ deadline: Date.now() + 30_000 }),
    submitOptions: () => ({ deadline: Date.now() + 10_000 }),
    commitStatusOptions: () => ({ deadline: Date.now() + 60_000 }),
  });
  return {
    gateway,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

/**
 * Runs `work` as identity `label` of the connection config in `file`, through that identity's own org's peer, and
 * closes the connection whatever happens.
 */
export async function withConnection<T>(file: string, label: string, work: (gateway: Gateway, config: ConnectionConfig) => Promise<T>): Promise<T> {
  const config = readConnectionConfig(file);
  const connection = connectDirect(config, label);
  try {
    return await work(connection.gateway, config);
  } finally {
    connection.close();
  }
}
