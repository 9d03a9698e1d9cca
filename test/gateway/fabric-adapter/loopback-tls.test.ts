/**
 * The adapter's real gRPC transport against a loopback Fabric Gateway service over TLS: the peer's TLS CA and host
 * override from the connection config, protobuf on the wire, deadlines as the server sees them, and the Gateway's
 * error details decoded from real gRPC status metadata.
 */
import './support/native-esm';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ChaincodeError, LedgerUnavailableError } from '../../../gateway/src/ledger/errors';
import { FabricLedger } from '../../../gateway/src/ledger/fabric';
import { parseConnectionConfig } from '../../../gateway/src/ledger/fabric/connection-config';
import { chaincodeRefusal, commitStatusResponse, endorseResponse, evaluateResponse, submitResponse } from './support/mock-transport';
import { tempDir, tlsMaterial, writeNetwork, type Network, type TlsMaterial } from './support/fixtures';
import { startLoopbackPeer, type LoopbackPeer } from './support/loopback-peer';

const HOST = 'peer0.gridoperator.obe.local';

let network: Network;
let tls: TlsMaterial;
let peer: LoopbackPeer;

beforeAll(async () => {
  network = await writeNetwork(tempDir('obe-fabric-tls-'));
  tls = await tlsMaterial(HOST);
  fs.writeFileSync(path.join(network.dir, 'gridoperator', 'tls', 'ca.crt'), tls.caPem);
  peer = await startLoopbackPeer(tls);
});

afterAll(async () => {
  await peer.stop();
});

function ledgerWith(peers: Partial<Record<string, { endpoint: string; tlsRootCertPath: string; hostOverride?: string }>>, deadlines = {}) {
  const input = { ...network.config, peers: { ...network.config.peers, ...peers } };
  return new FabricLedger({ config: parseConnectionConfig(input, network.file, path.join(network.dir, 'data')), deadlines });
}

const gridPeer = () => ({ endpoint: `127.0.0.1:${peer.port}`, tlsRootCertPath: 'gridoperator/tls/ca.crt', hostOverride: HOST });
const query = { channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance', args: ['p1'] };

it('evaluates over TLS, trusting the configured CA and checking the peer certificate against hostOverride', async () => {
  peer.handlers.Evaluate = (request) => {
    expect(request.getChannelId()).toBe('energy');
    return { response: evaluateResponse(Buffer.from('{"balance":12}')) };
  };
  const ledger = ledgerWith({ GridOperatorMSP: gridPeer() }, { evaluateMs: 4_000 });
  expect(Buffer.from(await ledger.evaluate(query)).toString()).toBe('{"balance":12}');
  const seen = peer.deadlines.Evaluate!.at(-1)!;
  expect(seen).toBeGreaterThan(2_000);
  expect(seen).toBeLessThanOrEqual(4_000);
  await ledger.close();
});

it('submits through endorse, submit and commit status on the wire', async () => {
  peer.handlers.Endorse = () => ({ response: endorseResponse('energy', Buffer.from('"ok"')) });
  peer.handlers.Submit = () => ({ response: submitResponse() });
  peer.handlers.CommitStatus = () => ({ response: commitStatusResponse(0, 21) });
  const ledger = ledgerWith({ GridOperatorMSP: gridPeer() });
  const result = await ledger.submit({ ...query, fn: 'Token:Transfer' });
  expect(result.blockNumber).toBe(21);
  expect(Buffer.from(result.payload).toString()).toBe('"ok"');
  await ledger.close();
});

it("decodes the chaincode's [CODE] message from the status details the Gateway service sends", async () => {
  peer.handlers.Endorse = () => ({ error: chaincodeRefusal('[RULE_VIOLATION] gate closed for interval 12') });
  const ledger = ledgerWith({ GridOperatorMSP: gridPeer() });
  const err = await ledger.submit({ ...query, fn: 'Retail:PlaceOrder' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ChaincodeError);
  expect(err).toMatchObject({ code: 'RULE_VIOLATION', message: '[RULE_VIOLATION] gate closed for interval 12' });
  await ledger.close();
});

it('refuses a peer whose certificate does not match the host override (LedgerUnavailableError)', async () => {
  peer.handlers.Evaluate = () => ({ response: evaluateResponse(Buffer.from('never')) });
  const ledger = ledgerWith({ GridOperatorMSP: { ...gridPeer(), hostOverride: 'peer0.impostor.obe.local' } }, { evaluateMs: 1_500 });
  const err = await ledger.evaluate(query).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LedgerUnavailableError);
  await ledger.close();
});

it('reports a peer that is not listening as LedgerUnavailableError', async () => {
  const ledger = ledgerWith({ GridOperatorMSP: { ...gridPeer(), endpoint: '127.0.0.1:1' } }, { evaluateMs: 1_500 });
  const err = await ledger.evaluate(query).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LedgerUnavailableError);
  expect(((err as LedgerUnavailableError).cause as { code?: number }).code).toBe(grpc.status.UNAVAILABLE);
  await ledger.close();
});
