/**
 * Bench section "fabric" (`npm run bench -- --fabric`): the ingestion and gateway-overhead measurements against the
 * native Fabric network, in one run and on the same function (Metering:SubmitReadings):
 *  - through the OBE REST gateway (in this process, on the Fabric adapter),
 *  - through the Ledger port's Fabric adapter directly,
 *  - through a raw @hyperledger/fabric-gateway client (network/lib/fabric-client.ts), the baseline,
 * plus the MVCC/phantom conflicts the adapter saw and its retries. Runs only when the network is up (its connection
 * config exists and the first peer answers); otherwise the section reports why it was skipped.
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TX, type TxArgs, type TxEntry } from '@obe/chaincode';
import { call, txRequest } from '../../gateway/src/ledger/call';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { enrol, initGovernance } from '../../gateway/src/demo/seed';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { connectionConfigPath, createFabricLedger } from '../../gateway/src/ledger/fabric';
import { GatewayClient } from '../../gateway/src/neighbourhood-sim/gateway-client';
import { MeterKeyStore } from '../../gateway/src/neighbourhood-sim/meter-keys';
import { signReadings, type ReadingBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { connectDirect, readConnectionConfig } from '../../network/lib/fabric-client';
import { percentiles, timed } from './rest-fixture';

/** Metering starts at commissioning; a DSO may date it back at most 31 days (chaincode registry/asset.ts). */
const METERING_BACKDATE_MS = 30 * 24 * 3600_000;

const HEAD_END = 'utility-admin';
const OPERATOR = 'gridoperator-admin';
const CONCURRENCY = 4;
const INTERVAL_MS = 15 * 60_000;

function reachable(endpoint: string, timeoutMs = 1500): Promise<boolean> {
  const [host, port] = endpoint.split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function fabricNetworkStatus(): Promise<{ up: true; file: string } | { up: false; reason: string }> {
  const file = connectionConfigPath(process.env);
  if (!fs.existsSync(file)) return { up: false, reason: `no connection config at ${file}: start the network with \`npm run network:up\`` };
  const config = readConnectionConfig(file);
  const peer = Object.values(config.peers)[0];
  if (!peer || !(await reachable(peer.endpoint))) return { up: false, reason: `the peer at ${peer?.endpoint ?? '(none)'} does not answer: is the network up?` };
  return { up: true, file };
}

export default async function fabricSection(opts: { quick: boolean; fabric: boolean }): Promise<Record<string, unknown>> {
  if (!opts.fabric) return { skipped: 'run with --fabric to measure the native network' };
  const status = await fabricNetworkStatus();
  if (!status.up) {
    process.stderr.write(`[bench fabric] skipped: ${status.reason}\n`);
    return { skipped: status.reason };
  }
  const config = readConnectionConfig(status.file);
  for (const label of [HEAD_END, OPERATOR]) {
    if (!config.identities.some((i) => i.label === label)) return { skipped: `the connection config has no '${label}' identity` };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-bench-fabric-'));
  let conflicts = 0;
  let retries = 0;
  const ledger = createFabricLedger({
    configFile: status.file,
    dataDir,
    hooks: { onConflict: () => void conflicts++, onRetry: () => void retries++ },
  });
  const raw = connectDirect(config, HEAD_END);
  const apiKey = newApiKey(HEAD_END);
  const context = new GatewayContext({ logger: pino({ level: 'silent' }), keys: new ApiKeyStore([apiKey.stored]), dataDir: path.join(dataDir, 'gateway'), bodyLimit: '8mb', ledger });
  const server = createApp(context).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  const client = new GatewayClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  try {
    await initGovernance(ledger);
    await enrol(ledger, OPERATOR, OPERATOR, ['MARKET_OPERATOR', 'DSO']);
    await enrol(ledger, HEAD_END, HEAD_END, ['RETAILER']);
    const keys = new MeterKeyStore();
    const run = `${Date.now().toString(36)}`;
    const meters = Array.from({ length: opts.quick ? 100 : 500 }, (_, i) => `fb-${run}-${String(i).padStart(4, '0')}`);
    const sub = <E extends TxEntry>(identity: string, entry: E, args: TxArgs<E>) => call(ledger, entry, { identity, channel: 'energy' }, args);
    for (let i = 0; i < meters.length; i += 20) {
      await Promise.all(
        meters.slice(i, i + 20).map(async (assetId) => {
          await sub(HEAD_END, TX.Registry.RegisterAsset, [{ assetId, type: 'meter', segment: 'retail', zone: `fb-${run}`, capacityKw: 50, devicePublicKey: keys.get(assetId).publicKeyPem }]);
          // The readings walk back from the last finished interval: the DSO dates the start of metering a month back.
          await sub(OPERATOR, TX.Registry.CommissionAsset, [{ assetId, meteringFrom: Date.now() - METERING_BACKDATE_MS }]);
          await sub(HEAD_END, TX.Registry.ActivateAsset, [{ assetId }]);
        }),
      );
    }
    const lastEnded = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
    let cursor = 0;
    const nextBatch = (size: number): ReadingBatch => {
      const readings = Array.from({ length: size }, () => {
        const i = cursor++;
        const intervalStart = lastEnded - Math.floor(i / meters.length) * INTERVAL_MS;
        return { assetId: meters[i % meters.length], intervalStart, importedWh: 100 + (i % 900), exportedWh: i % 500, sequence: intervalStart / 1000 };
      });
      return signReadings(readings, (assetId) => keys.get(assetId).privateKey);
    };
    const contract = raw.gateway.getNetwork('energy').getContract(config.chaincode ?? 'obe');
    const paths = {
      rest: (batch: ReadingBatch) => client.submit('POST', '/api/v1/metering/readings', apiKey.key, batch).then(() => undefined),
      port: (batch: ReadingBatch) =>
        ledger.submit(txRequest(TX.Metering.SubmitReadings, { identity: HEAD_END, channel: 'energy' }, [], { readings: { ...batch, readings: [...batch.readings] } })).then(() => undefined),
      rawClient: (batch: ReadingBatch) =>
        contract.submit(TX.Metering.SubmitReadings.name, { transientData: { readings: Buffer.from(JSON.stringify(batch)) } }).then(() => undefined),
    };
    const ingestion = [];
    for (const size of [1, 100, 500]) {
      const count = size === 1 ? (opts.quick ? 40 : 150) : size === 100 ? (opts.quick ? 6 : 20) : opts.quick ? 3 : 8;
      const batches = Array.from({ length: count }, () => nextBatch(size));
      const t = await timed(count, CONCURRENCY, (i) => paths.rest(batches[i]));
      ingestion.push({ batchSize: size, transactions: count, readingsPerSecond: Number(((count * size * 1000) / t.elapsedMs).toFixed(1)), latencyMs: percentiles(t.latenciesMs) });
    }
    const perPath = opts.quick ? 40 : 150;
    const overhead: Record<string, { tps: number; latencyMs: ReturnType<typeof percentiles> }> = {};
    for (const name of ['rest', 'port', 'rawClient'] as const) {
      const batches = Array.from({ length: perPath }, () => nextBatch(1));
      const t = await timed(perPath, CONCURRENCY, (i) => paths[name](batches[i]));
      overhead[name] = { tps: Number(((perPath * 1000) / t.elapsedMs).toFixed(1)), latencyMs: percentiles(t.latenciesMs) };
    }
    return {
      description: 'Native Fabric network: ingestion through REST, and the same transaction via REST, the Ledger port and a raw fabric-gateway client',
      transaction: TX.Metering.SubmitReadings.name,
      concurrency: CONCURRENCY,
      ingestion,
      restTps: overhead.rest.tps,
      directTps: overhead.port.tps,
      rawClientTps: overhead.rawClient.tps,
      overheadRatio: Number((overhead.rest.tps / overhead.rawClient.tps).toFixed(3)),
      adapterVsRawRatio: Number((overhead.port.tps / overhead.rawClient.tps).toFixed(3)),
      latencyMs: { rest: overhead.rest.latencyMs, direct: overhead.port.latencyMs, rawClient: overhead.rawClient.latencyMs },
      mvccConflicts: conflicts,
      retries,
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await context.submits?.drain();
    raw.close();
    await ledger.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
