/**
 * A gateway restarted mid-submit, over the adapter's real gRPC transport and TLS against a loopback Fabric Gateway
 * service: the first process signs and hands the transaction over while the orderer is down (the peer answers
 * UNAVAILABLE), stops with the submit pending, and a second process resumes it from the data directory alone. The
 * server sees one endorsement and the same signed envelope every time, byte for byte.
 */
import './support/native-esm';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { GatewayMetrics } from '../../../gateway/src/http/metrics';
import { FabricLedger } from '../../../gateway/src/ledger/fabric';
import { parseConnectionConfig } from '../../../gateway/src/ledger/fabric/connection-config';
import { protos } from '../../../gateway/src/ledger/fabric/protos';
import { SubmitService } from '../../../gateway/src/submits/submit-service';
import { commitStatusResponse, endorseResponse, serviceError, submitResponse } from './support/mock-transport';
import { tempDir, tlsMaterial, writeNetwork, type Network } from './support/fixtures';
import { startLoopbackPeer, type LoopbackPeer } from './support/loopback-peer';
import { TX } from '@obe/chaincode';

const HOST = 'peer0.gridoperator.obe.local';

let network: Network;
let peer: LoopbackPeer;

beforeAll(async () => {
  network = await writeNetwork(tempDir('obe-fabric-outcome-tls-'));
  const tls = await tlsMaterial(HOST);
  fs.writeFileSync(path.join(network.dir, 'gridoperator', 'tls', 'ca.crt'), tls.caPem);
  peer = await startLoopbackPeer(tls);
});

afterAll(async () => {
  await peer.stop();
});

function ledger(): FabricLedger {
  const peers = { ...network.config.peers, GridOperatorMSP: { endpoint: `127.0.0.1:${peer.port}`, tlsRootCertPath: 'gridoperator/tls/ca.crt', hostOverride: HOST } };
  return new FabricLedger({ config: parseConnectionConfig({ ...network.config, peers }, network.file, path.join(network.dir, 'data')), deadlines: { commitStatusMs: 2_000 } });
}

it('a submit pending when the gateway stopped (orderer down) is re-sent by the next process and commits; never endorsed twice', async () => {
  const dataDir = tempDir('obe-outcome-data-');
  const endorsed: string[] = [];
  const envelopes: string[] = [];
  let ordererUp = false;
  peer.handlers.Endorse = (request) => {
    endorsed.push(request.getTransactionId());
    return { response: endorseResponse('energy', Buffer.from('"registered"')) };
  };
  peer.handlers.Submit = (request) => {
    const envelope = request.getPreparedTransaction() as InstanceType<typeof protos.common.Envelope>;
    expect(envelope.getSignature_asU8().length).toBeGreaterThan(0);
    envelopes.push(Buffer.from(envelope.serializeBinary()).toString('base64'));
    return ordererUp ? { response: submitResponse() } : { error: serviceError(grpc.status.UNAVAILABLE, 'failed to send transaction to orderer: connection refused') };
  };
  peer.handlers.CommitStatus = () => ({ response: commitStatusResponse(0, 31) });
  const service = (l: FabricLedger) => new SubmitService({ ledger: () => l, dataDir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }) });

  const first = ledger();
  const before = service(first);
  const outcome = await before.submit({
    tx: { channel: 'energy', identity: 'gridoperator-admin', fn: TX.Registry.RegisterAsset.name, args: ['{"assetId":"m1"}'] },
    fingerprint: 'a',
    respondAsync: true,
  });
  expect(outcome.status).toBe('pending');
  await before.drain();
  await first.close();

  ordererUp = true;
  const second = ledger();
  const after = service(second);
  await after.resumePending();
  expect(await after.status(outcome.txId, 'gridoperator-admin')).toMatchObject({ status: 'committed', blockNumber: 31, result: 'registered' });
  expect(endorsed).toEqual([outcome.txId]);
  expect(envelopes.length).toBeGreaterThanOrEqual(2);
  expect(new Set(envelopes).size).toBe(1);
  await after.drain();
  await second.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
