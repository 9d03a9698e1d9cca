/**
 * Bench section "adapter": what the gateway itself costs against a raw @hyperledger/fabric-gateway client, with the
 * network taken out. The three paths run over the same in-process transport — a stand-in for a peer's Gateway service
 * that answers every Endorse, Submit and CommitStatus at once (VALID) — so what is left is client-side work only:
 *  - rawClient: connect() + contract.submit() of fabric-gateway with its own signer, as an application would call it;
 *    rawClientOpenSsl: the same with the adapter's OpenSSL signer (see msp-identity.ts), a second baseline;
 *  - port: the Ledger port's Fabric adapter (gateway/src/ledger/fabric), Ledger.submit with its retry policy;
 *  - rest: POST /api/v1/metering/readings through the whole REST gateway (auth, OpenAPI validation, JSON mapping,
 *    metrics) on that adapter, without and with an Idempotency-Key (fsynced records).
 * The transaction is Metering:SubmitReadings with one signed reading (about 1 kB of transient data), at 4, 32 and 128
 * concurrent clients. Per path: tx/s, latency percentiles and the process's CPU time per transaction (user + system,
 * every thread: the benchmark's HTTP client and the peer stand-in included, alike for every path). Ratios are against rawClient in the same run. On a real network the same work competes with the peers,
 * orderer and chaincode for the machine's cores; the fabric section measures that.
 */
import 'reflect-metadata'; // @peculiar/x509 resolves its services through tsyringe
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPrivateKey, generateKeyPairSync, randomUUID, webcrypto } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as x509 from '@peculiar/x509';
import { connect, hash, signers, type GrpcClient } from '@hyperledger/fabric-gateway';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { txRequest } from '../../gateway/src/ledger/call';
import { FabricLedger } from '../../gateway/src/ledger/fabric';
import { parseConnectionConfig } from '../../gateway/src/ledger/fabric/connection-config';
import { p256Signer } from '../../gateway/src/ledger/fabric/msp-identity';
import { protos } from '../../gateway/src/ledger/fabric/protos';
import { commitStatusResponse, endorseResponse, submitResponse } from '../../gateway/src/ledger/fabric/testing/gateway-responses';
import { signReadings, type ReadingBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { BenchHttpClient } from './http-client';
import { percentiles, timed } from './rest-fixture';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const LABEL = 'utility-admin';
const MSP_ID = 'UtilityMSP';
export const CLIENT_COUNTS = [4, 32, 128] as const;

const METHODS: Record<string, 'endorse' | 'submit' | 'commitStatus'> = {
  '/gateway.Gateway/Endorse': 'endorse',
  '/gateway.Gateway/Submit': 'submit',
  '/gateway.Gateway/CommitStatus': 'commitStatus',
};

/**
 * A peer's Gateway service answering in-process: Endorse with SubmitReadings' result for the request's txId, Submit,
 * and CommitStatus VALID. Requests and answers are serialised to bytes both ways, as gRPC would.
 */
class InstantPeer {
  #block = 0;

  makeUnaryRequest<Req, Res>(
    method: string,
    serialize: (value: Req) => Buffer,
    deserialize: (value: Buffer) => Res,
    argument: Req,
    _options: grpc.CallOptions,
    callback: grpc.requestCallback<Res>,
  ): grpc.ClientUnaryCall {
    const kind = METHODS[method];
    const bytes = serialize(argument);
    setImmediate(() => {
      let answer: { serializeBinary(): Uint8Array };
      if (kind === 'endorse') {
        const request = protos.gateway.EndorseRequest.deserializeBinary(bytes);
        const result = Buffer.from(JSON.stringify({ accepted: 1, duplicates: 0, txId: request.getTransactionId() }));
        answer = endorseResponse(request.getChannelId(), result);
      } else if (kind === 'submit') {
        answer = submitResponse();
      } else if (kind === 'commitStatus') {
        answer = commitStatusResponse(0, ++this.#block);
      } else {
        callback(Object.assign(new Error(`12 UNIMPLEMENTED: ${method}`), { code: grpc.status.UNIMPLEMENTED, details: method, metadata: new grpc.Metadata() }), undefined);
        return;
      }
      callback(null, deserialize(Buffer.from(answer.serializeBinary())));
    });
    return {} as grpc.ClientUnaryCall;
  }

  waitForReady(_deadline: grpc.Deadline, callback: (error?: Error) => void): void {
    callback();
  }

  close(): void {}
}

/** An MSP folder (signcerts, keystore) with a fresh self-signed P-256 certificate, as cryptogen lays it out. */
async function writeMsp(dir: string): Promise<{ mspPath: string; certificate: Buffer; privateKeyPem: string }> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Admin@utility.obe.local',
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    signingAlgorithm: alg,
    keys,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  const mspPath = path.join(dir, 'msp');
  fs.mkdirSync(path.join(mspPath, 'signcerts'), { recursive: true });
  fs.mkdirSync(path.join(mspPath, 'keystore'), { recursive: true });
  fs.writeFileSync(path.join(mspPath, 'signcerts', 'cert.pem'), cert.toString('pem'));
  fs.writeFileSync(path.join(mspPath, 'keystore', 'key_sk'), privateKeyPem);
  return { mspPath, certificate: Buffer.from(cert.toString('pem')), privateKeyPem };
}

/** Each path's tx/s and p99 against one baseline path of the same run (the raw clients themselves left out). */
export function ratiosTo(results: Record<string, { tps: number; latencyMs: { p99: number } }>, baseline: string): Record<string, { tps: number; p99: number }> {
  const base = results[baseline];
  if (!base) return {};
  return Object.fromEntries(
    Object.entries(results)
      .filter(([name]) => !name.startsWith('rawClient'))
      .map(([name, r]) => [name, { tps: Number((r.tps / base.tps).toFixed(3)), p99: Number((r.latencyMs.p99 / base.latencyMs.p99).toFixed(2)) }]),
  );
}

interface PathResult {
  tps: number;
  cpuUsPerTx: number;
  latencyMs: ReturnType<typeof percentiles>;
}

export default async function adapterOverheadSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const perRun = opts.quick ? 300 : 2000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-bench-adapter-'));
  const peer = new InstantPeer();
  const { mspPath, certificate, privateKeyPem } = await writeMsp(dir);
  fs.writeFileSync(path.join(dir, 'tls-ca.crt'), 'not dialled: the transport is in-process\n');
  const config = parseConnectionConfig(
    {
      chaincode: 'obe',
      channels: ['energy'],
      peers: { [MSP_ID]: { endpoint: 'localhost:9051', tlsRootCertPath: 'tls-ca.crt', hostOverride: 'peer0.utility.obe.local' } },
      identities: [{ label: LABEL, mspId: MSP_ID, mspPath }],
    },
    path.join(dir, 'connection.json'),
    path.join(dir, 'data'),
  );
  const ledger = new FabricLedger({ config, grpcClientFactory: () => peer as unknown as GrpcClient });
  const raw = connect({
    client: peer as unknown as GrpcClient,
    identity: { mspId: MSP_ID, credentials: new Uint8Array(certificate) },
    signer: signers.newPrivateKeySigner(createPrivateKey(privateKeyPem)),
    hash: hash.sha256,
  });
  const contract = raw.getNetwork('energy').getContract('obe');
  // The same raw client with the adapter's OpenSSL signer: what an application gets when it signs as the gateway does.
  const rawFast = connect({
    client: peer as unknown as GrpcClient,
    identity: { mspId: MSP_ID, credentials: new Uint8Array(certificate) },
    signer: p256Signer(createPrivateKey(privateKeyPem)),
    hash: hash.none,
  });
  const contractFast = rawFast.getNetwork('energy').getContract('obe');
  const apiKey = newApiKey(LABEL);
  // Request logs at info, as a deployed gateway writes them (to stdout there; to /dev/null here, same serialisation).
  const logger = pino({ level: 'info' }, pino.destination({ dest: process.env.OBE_BENCH_LOG ?? '/dev/null', sync: true }));
  const context = new GatewayContext({ logger, keys: new ApiKeyStore([apiKey.stored]), dataDir: path.join(dir, 'gateway'), bodyLimit: '8mb', ledger, limits: { rateLimit: false } });
  const server = createApp(context).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  // A keep-alive node:http client (http-client.ts): the benchmark's own HTTP cost kept out of the gateway's.
  const client = new BenchHttpClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  const auth = { authorization: `Bearer ${apiKey.key}` };
  // One meter key signs every reading: the peer stand-in checks nothing, the REST schema checks the shape.
  const meterKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  let n = 0;
  const batch = (): ReadingBatch => {
    const i = n++;
    return signReadings([{ assetId: `bench-meter-${i % 1000}`, intervalStart: 900_000 * (1000 + Math.floor(i / 1000)), importedWh: i % 900, exportedWh: 0, sequence: i }], () => meterKey);
  };
  const paths: Record<string, (b: ReadingBatch) => Promise<unknown>> = {
    rawClient: (b) => contract.submit(TX.Metering.SubmitReadings.name, { transientData: { readings: Buffer.from(JSON.stringify(b)) } }),
    rawClientOpenSsl: (b) => contractFast.submit(TX.Metering.SubmitReadings.name, { transientData: { readings: Buffer.from(JSON.stringify(b)) } }),
    port: (b) => ledger.submit(txRequest(TX.Metering.SubmitReadings, { identity: LABEL, channel: 'energy' }, [], { readings: { ...b, readings: [...b.readings] } })),
    rest: (b) => client.request('POST', '/api/v1/metering/readings', auth, b),
    restIdempotent: (b) => client.request('POST', '/api/v1/metering/readings', { ...auth, 'idempotency-key': randomUUID() }, b),
  };
  const only = process.env.OBE_BENCH_ADAPTER_PATHS?.split(',').filter(Boolean);
  if (only?.length) for (const name of Object.keys(paths)) if (!only.includes(name)) delete paths[name];
  try {
    for (const run of Object.values(paths)) for (let i = 0; i < 20; i++) await run(batch());
    const sweep: Record<string, Record<string, PathResult>> = {};
    const ratios: Record<string, Record<string, { tps: number; p99: number }>> = {};
    const ratiosOpenSsl: Record<string, Record<string, { tps: number; p99: number }>> = {};
    for (const clients of CLIENT_COUNTS) {
      const results: Record<string, PathResult> = {};
      // Interleaved rounds, so that a slow phase of the machine (other processes) hits every path alike.
      const rounds = 2;
      const acc: Record<string, { ms: number; cpuUs: number; lat: number[] }> = Object.fromEntries(Object.keys(paths).map((k) => [k, { ms: 0, cpuUs: 0, lat: [] }]));
      for (let round = 0; round < rounds; round++) {
        for (const [name, run] of Object.entries(paths)) {
          const batches = Array.from({ length: perRun / rounds }, batch);
          const cpu = process.cpuUsage();
          const t = await timed(batches.length, clients, (i) => run(batches[i]).then(() => undefined));
          const used = process.cpuUsage(cpu);
          acc[name].cpuUs += used.user + used.system;
          acc[name].ms += t.elapsedMs;
          acc[name].lat.push(...t.latenciesMs);
        }
      }
      for (const [name, { ms, cpuUs, lat }] of Object.entries(acc)) {
        const tps = (lat.length * 1000) / ms;
        results[name] = { tps: Number(tps.toFixed(1)), cpuUsPerTx: Number((cpuUs / lat.length).toFixed(0)), latencyMs: percentiles(lat) };
      }
      sweep[String(clients)] = results;
      ratios[String(clients)] = ratiosTo(results, 'rawClient');
      ratiosOpenSsl[String(clients)] = ratiosTo(results, 'rawClientOpenSsl');
    }
    return {
      description: 'Client-side cost of each path over an in-process peer stand-in that answers at once: raw fabric-gateway client, the Ledger port adapter, REST (plain and with Idempotency-Key)',
      transaction: `${TX.Metering.SubmitReadings.name} (1 reading)`,
      transactionsPerRun: perRun,
      sweep,
      ratiosToRawClient: ratios,
      ratiosToRawClientOpenSsl: ratiosOpenSsl,
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await context.submits?.drain();
    client.close();
    raw.close();
    rawFast.close();
    await ledger.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
