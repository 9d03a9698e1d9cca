/**
 * Bench section "fabric" (`npm run bench -- --fabric`): the native Fabric network, in one run.
 *  - sweep: Metering:SubmitReadings with one reading at 4, 32 and 128 concurrent clients through a raw
 *    @hyperledger/fabric-gateway client (network/lib/fabric-client.ts, the baseline), the Ledger port's Fabric adapter,
 *    and the OBE REST gateway (in this process, on that adapter) without and with an Idempotency-Key; tx/s, p50/p95/p99
 *    and ratios to the raw client, the paths interleaved in rounds so that ledger growth and other load hit them alike;
 *    Failed transactions are counted per path (with the first error), not in tx/s or latency;
 *  - ingestion: signed readings per second through REST by batch size (one reading per meter per interval), at most
 *    INGESTION_READINGS_IN_FLIGHT readings in flight;
 *  - sweepNetwork and each ingestion row's `network`: the nodes' own timings over that run from their Prometheus
 *    operations endpoints (endorsement, chaincode, block cutting, raft, validation and commit, private data);
 *  - profile: one batch at a time, the stages of a reading batch on the network — client signing, endorsement (the
 *    port's startSubmit: proposal, chaincode on each endorsing peer, submit to the orderer), commit (commitStatus:
 *    batch timeout, validation, ledger commit, private data), REST end to end;
 *  - the MVCC/phantom conflicts the adapter saw and its retries.
 *  - clearingSettlement: one retail interval of 10,000 orders (1,000 with --quick) cleared and settled, each as one
 *    transaction (fabric-settlement.ts; it waits for the interval's gate and end in real time, so run the network with
 *    short intervals: OBE_INTERVAL_MINUTES=1 before up.sh; intervals over 5 minutes are skipped unless
 *    OBE_BENCH_FABRIC_SETTLEMENT=on). OBE_BENCH_FABRIC_SETTLEMENT=off leaves it out.
 * Runs only when the network is up (its connection config exists and the first peer answers); otherwise the section
 * reports why it was skipped. The run records the channel's block cutting and the load average around it.
 * startFabricBench and measurePoint are shared with scripts/bench/fabric-settings.ts (settings by measurement).
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import pino from 'pino';
import { TX, type TxArgs, type TxEntry } from '@obe/chaincode';
import { call, txRequest } from '../../gateway/src/ledger/call';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { enrol, initGovernance } from '../../gateway/src/demo/seed';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { connectionConfigPath, createFabricLedger } from '../../gateway/src/ledger/fabric';
import { loadMspIdentity } from '../../gateway/src/ledger/fabric/msp-identity';
import { MeterKeyStore } from '../../gateway/src/neighbourhood-sim/meter-keys';
import { signReadings, type ReadingBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { connectDirect, readConnectionConfig } from '../../network/lib/fabric-client';
import { ratiosTo } from './adapter-overhead';
import { fabricClearingSettlement } from './fabric-settlement';
import { readBlockCutting } from './block-cutting';
import { BenchHttpClient } from './http-client';
import { load, percentiles } from './rest-fixture';
import { FABRIC_PROFILE_PLAN, fabricProfileIngestion, type ProfileBenchInputs } from './fabric-profiles';

/** Metering starts at commissioning; a DSO may date it back at most 31 days (chaincode registry/asset.ts). */
const METERING_BACKDATE_MS = 30 * 24 * 3600_000;

const HEAD_END = 'utility-admin';
const OPERATOR = 'gridoperator-admin';
const INGESTION_CLIENTS = 32;
/**
 * Readings in flight at once during ingestion: batches of 1 and 100 run with INGESTION_CLIENTS, larger batches with
 * fewer clients. With 32 batches of 1,000 in flight on the bench machine every endorsing peer had 32,000 signatures
 * queued, the last proposals waited past the peers' 30 s endorsement and chaincode timeouts, and every one failed
 * (first run: 0 readings/s); readings/s is a pipeline figure, so a queue past the timeouts measures nothing more.
 */
const INGESTION_READINGS_IN_FLIGHT = 8_000;
/** Issue #14's goals on the native network. */
export const FABRIC_GOALS = { ratioToRaw: 0.95, restP99ToRaw: 1.1, restReadingsPerSecond: 5000 } as const;

/**
 * A setup step on the network, retried for a few seconds: the peer that endorses it may not yet have committed the
 * block with the step before it (each org's peer pulls blocks from the orderer on its own), so commissioning a meter
 * just registered through another org's peer can be refused (NOT_FOUND) or endorsed differently by the two peers.
 * Only setup and warm-up go through here, never a measured call.
 */
async function settled<T>(step: () => Promise<T>, attempts = 40): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

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

/** A raw fabric-gateway connection as connectDirect makes it, signing with the adapter's identity loader (OpenSSL). */
function connectWithOpenSsl(config: ReturnType<typeof readConnectionConfig>, label: string): { gateway: Gateway; close(): void } {
  const entry = config.identities.find((i) => i.label === label);
  if (!entry) throw new Error(`no identity '${label}' in the connection config`);
  const peer = config.peers[entry.mspId];
  if (!peer) throw new Error(`no peer for ${entry.mspId}`);
  const client = new grpc.Client(peer.endpoint, grpc.credentials.createSsl(fs.readFileSync(peer.tlsRootCertPath)), { 'grpc.ssl_target_name_override': peer.hostOverride });
  const { identity, signer, hash } = loadMspIdentity(entry);
  const gateway = connect({
    client,
    identity,
    signer,
    hash,
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

export async function fabricNetworkStatus(): Promise<{ up: true; file: string } | { up: false; reason: string }> {
  const file = connectionConfigPath(process.env);
  if (!fs.existsSync(file)) return { up: false, reason: `no connection config at ${file}: start the network with \`npm run network:up\`` };
  const config = readConnectionConfig(file);
  const peer = Object.values(config.peers)[0];
  if (!peer || !(await reachable(peer.endpoint))) return { up: false, reason: `the peer at ${peer?.endpoint ?? '(none)'} does not answer: is the network up?` };
  return { up: true, file };
}

/**
 * The network's own timings from the nodes' Prometheus operations endpoints (network/native/lib.sh: orderer 9443,
 * peers 9444–9446): every duration histogram of the endorser, chaincode, ledger, private data, block cutter, raft
 * and broadcast, as a snapshot of sums and counts; `networkTimings` turns two snapshots into the mean and count of
 * each over the interval between them (Fabric's histograms are in seconds).
 */
const OPERATIONS = { orderer: 9443, 'peer-gridoperator': 9444, 'peer-utility': 9445, 'peer-regulator': 9446 } as const;
const NETWORK_METRIC = /^(endorser|chaincode|ledger|gossip_privdata|gossip_state|blockcutter|consensus_etcdraft|broadcast)_\w*(duration|time)_(sum|count)(\{[^}]*\})? ([0-9.e+-]+)$/;
type MetricsSnapshot = Record<string, Record<string, { sum: number; count: number }>>;

export async function metricsSnapshot(): Promise<MetricsSnapshot> {
  const snapshot: MetricsSnapshot = {};
  for (const [node, port] of Object.entries(OPERATIONS)) {
    const metrics: Record<string, { sum: number; count: number }> = {};
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
      for (const line of text.split('\n')) {
        const m = NETWORK_METRIC.exec(line);
        if (!m) continue;
        const name = line.slice(0, line.indexOf(`_${m[3]}`));
        // Summed over labels (channel, chaincode, success, ...): the run uses one channel and one chaincode.
        const entry = (metrics[name] ??= { sum: 0, count: 0 });
        entry[m[3] as 'sum' | 'count'] += Number(m[5]);
      }
    } catch {
      // A node without an operations endpoint (another network layout) just has no timings.
    }
    snapshot[node] = metrics;
  }
  return snapshot;
}

export function networkTimings(before: MetricsSnapshot, after: MetricsSnapshot): Record<string, Record<string, { meanMs: number; count: number }>> {
  const out: Record<string, Record<string, { meanMs: number; count: number }>> = {};
  for (const [node, metrics] of Object.entries(after)) {
    for (const [name, { sum, count }] of Object.entries(metrics)) {
      const was = before[node]?.[name] ?? { sum: 0, count: 0 };
      const n = count - was.count;
      if (n <= 0) continue;
      (out[node] ??= {})[name] = { meanMs: Number((((sum - was.sum) / n) * 1000).toFixed(2)), count: n };
    }
  }
  return out;
}

/** The paths the sweep compares; `rawClient` is the baseline, `rawClientOpenSsl` the like-for-like one. */
export const PATHS = ['rawClient', 'rawClientOpenSsl', 'port', 'rest', 'restKeyed'] as const;
export type PathName = (typeof PATHS)[number];

export interface PointResult {
  /** Committed transactions per second (failed ones are counted apart, not in tx/s or latency). */
  tps: number;
  latencyMs: ReturnType<typeof percentiles>;
  failed: number;
  firstError?: string;
}

/** A running native network with active meters, the three clients and an in-process REST gateway on the adapter. */
export interface FabricBench {
  readonly ledger: ReturnType<typeof createFabricLedger>;
  readonly paths: Readonly<Record<PathName, (batch: ReadingBatch) => Promise<void>>>;
  readonly meters: readonly string[];
  readonly intervalMinutes: number;
  /** The next `size` readings, each for a (meter, finished interval) never sent before: one per meter per interval. */
  nextBatch(size: number): ReadingBatch;
  /** Submit request for the port (startSubmit/commitStatus in the profile). */
  request(batch: ReadingBatch): ReturnType<typeof txRequest>;
  readonly counters: { conflicts: number; retries: number };
  /** What the signed-load-profile ingestion needs (fabric-profiles.ts). */
  readonly profileInputs: ProfileBenchInputs;
  close(): Promise<void>;
}

export async function startFabricBench(file: string, meterCount: number): Promise<FabricBench> {
  const config = readConnectionConfig(file);
  for (const label of [HEAD_END, OPERATOR]) {
    if (!config.identities.some((i) => i.label === label)) throw new Error(`the connection config has no '${label}' identity`);
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-bench-fabric-'));
  const counters = { conflicts: 0, retries: 0 };
  const ledger = createFabricLedger({
    configFile: file,
    dataDir,
    hooks: { onConflict: () => void counters.conflicts++, onRetry: () => void counters.retries++ },
  });
  const raw = connectDirect(config, HEAD_END);
  // A second raw client signing as the adapter does (OpenSSL, msp-identity.ts), so the sweep also compares like with like.
  const rawFast = connectWithOpenSsl(config, HEAD_END);
  const apiKey = newApiKey(HEAD_END);
  const context = new GatewayContext({
    // Request logs at info, as a deployed gateway writes them (to stdout there; to /dev/null here, same serialisation;
    // OBE_BENCH_LOG=<file> keeps them). A failed request's answer says why in the result's firstError.
    logger: pino({ level: process.env.OBE_BENCH_LOG_LEVEL ?? 'info' }, pino.destination({ dest: process.env.OBE_BENCH_LOG ?? '/dev/null', sync: true })),
    keys: new ApiKeyStore([apiKey.stored]),
    dataDir: path.join(dataDir, 'gateway'),
    bodyLimit: '8mb',
    ledger,
    // Throughput is measured here, not the abuse limits: 128 clients exceed the per-key request budget in seconds.
    limits: { rateLimit: false },
  });
  const server = createApp(context).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const address = server.address();
  // node:http on a keep-alive agent, as the adapter section uses: the global fetch costs the (in-process) client
  // 250–550 µs of CPU a request more and adds its own garbage, which would be counted against the gateway.
  const client = new BenchHttpClient(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  const auth = { authorization: `Bearer ${apiKey.key}` };
  const close = async () => {
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await context.submits?.drain();
    raw.close();
    rawFast.close();
    await ledger.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // network:up initialises governance; this is a no-op then, and initialises a network that was not.
    await initGovernance(ledger);
    await enrol(ledger, OPERATOR, OPERATOR, ['MARKET_OPERATOR', 'DSO']);
    await enrol(ledger, HEAD_END, HEAD_END, ['RETAILER']);
    const governance = await call(ledger, TX.Governance.GetConfig, { identity: HEAD_END, channel: 'energy' }, []);
    const intervalMinutes = governance.config.intervalMinutes;
    const intervalMs = intervalMinutes * 60_000;
    const keys = new MeterKeyStore();
    const run = `${Date.now().toString(36)}`;
    const meters = Array.from({ length: meterCount }, (_, i) => `fb-${run}-${String(i).padStart(4, '0')}`);
    const sub = <E extends TxEntry>(identity: string, entry: E, args: TxArgs<E>) => call(ledger, entry, { identity, channel: 'energy' }, args);
    const meteringFrom = Date.now() - METERING_BACKDATE_MS;
    for (let i = 0; i < meters.length; i += 50) {
      await Promise.all(
        meters.slice(i, i + 50).map(async (assetId) => {
          await sub(HEAD_END, TX.Registry.RegisterAsset, [{ assetId, type: 'meter', segment: 'retail', zone: `fb-${run}`, capacityKw: 50, devicePublicKey: keys.get(assetId).publicKeyPem }]);
          // The readings walk back from the last finished interval: the DSO dates the start of metering a month back.
          await settled(() => sub(OPERATOR, TX.Registry.CommissionAsset, [{ assetId, meteringFrom }]));
          await settled(() => sub(HEAD_END, TX.Registry.ActivateAsset, [{ assetId }]));
        }),
      );
    }
    process.stderr.write(`[bench fabric] ${meters.length} meters active (${intervalMinutes}-minute intervals)\n`);
    const lastEnded = Math.floor(Date.now() / intervalMs) * intervalMs - intervalMs;
    // Interval-major: one reading per meter per interval, walking back from the last finished one (metering began a
    // month back, which holds 30 × 96 intervals of 15 minutes: far more than any run sends).
    let cursor = 0;
    const nextBatch = (size: number): ReadingBatch => {
      const readings = Array.from({ length: size }, () => {
        const i = cursor++;
        const intervalStart = lastEnded - Math.floor(i / meters.length) * intervalMs;
        return { assetId: meters[i % meters.length], intervalStart, importedWh: 100 + (i % 900), exportedWh: i % 500, sequence: intervalStart / 1000 };
      });
      return signReadings(readings, (assetId) => keys.get(assetId).privateKey);
    };
    const contract = raw.gateway.getNetwork('energy').getContract(config.chaincode ?? 'obe');
    const contractFast = rawFast.gateway.getNetwork('energy').getContract(config.chaincode ?? 'obe');
    const request = (batch: ReadingBatch) => txRequest(TX.Metering.SubmitReadings, { identity: HEAD_END, channel: 'energy' }, [], { readings: { ...batch, readings: [...batch.readings] } });
    // Committed, and every reading taken: a 202 or a short count fails the transaction instead of counting as fast.
    const restSubmit = async (batch: ReadingBatch, headers: Record<string, string>) => {
      const { result } = await client.submitCommitted<{ accepted: number }>('/api/v1/metering/readings', headers, batch);
      if (result.accepted !== batch.readings.length) throw new Error(`REST accepted ${result.accepted} of ${batch.readings.length} readings`);
    };
    const paths: Record<PathName, (batch: ReadingBatch) => Promise<void>> = {
      rawClient: (batch) => contract.submit(TX.Metering.SubmitReadings.name, { transientData: { readings: Buffer.from(JSON.stringify(batch)) } }).then(() => undefined),
      rawClientOpenSsl: (batch) => contractFast.submit(TX.Metering.SubmitReadings.name, { transientData: { readings: Buffer.from(JSON.stringify(batch)) } }).then(() => undefined),
      port: (batch) => ledger.submit(request(batch)).then(() => undefined),
      rest: (batch) => restSubmit(batch, auth),
      restKeyed: (batch) => restSubmit(batch, { ...auth, 'idempotency-key': randomUUID() }),
    };
    // Warm-up; the first readings also wait, if need be, for every endorsing peer to have the last activations.
    for (const path_ of Object.values(paths)) for (let i = 0; i < 5; i++) await settled(() => path_(nextBatch(1)));
    const profileInputs: ProfileBenchInputs = {
      meters,
      intervalMinutes,
      meteringFrom,
      keyOf: (assetId) => keys.get(assetId).privateKey,
      submitProfiles: async (batch) => (await client.submitCommitted<{ accepted: number }>('/api/v1/metering/profiles', auth, batch)).result.accepted,
      networkDuring: async (work) => {
        const before = await metricsSnapshot();
        const result = await work();
        return { result, network: networkTimings(before, await metricsSnapshot()) };
      },
    };
    return { ledger, paths, meters, intervalMinutes, nextBatch, request, counters, profileInputs, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * One client count: every named path in `rounds` interleaved rounds of `perRound` one-reading transactions. A failed
 * transaction does not end the run: it is counted (with the first error) and left out of tx/s and latency.
 */
export async function measurePoint(bench: FabricBench, names: readonly PathName[], clients: number, perRound: number, rounds: number): Promise<Record<string, PointResult>> {
  const acc: Record<string, { ms: number; lat: number[]; failed: number; firstError?: string }> = Object.fromEntries(names.map((k) => [k, { ms: 0, lat: [] as number[], failed: 0 }]));
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next path: in a fixed order the later paths would always run on a larger ledger and
    // right after the same neighbour, a bias of the order rather than of the path.
    for (const name of [...names.slice(round % names.length), ...names.slice(0, round % names.length)]) {
      const batches = Array.from({ length: perRound }, () => bench.nextBatch(1));
      const a = acc[name];
      const t = await load(perRound, clients, (i) => bench.paths[name](batches[i]));
      a.ms += t.elapsedMs;
      a.lat.push(...t.latenciesMs);
      a.failed += t.failed;
      a.firstError ??= t.firstError;
    }
  }
  return Object.fromEntries(
    Object.entries(acc).map(([name, { ms, lat, failed, firstError }]) => [
      name,
      { tps: Number(((lat.length * 1000) / ms).toFixed(1)), latencyMs: percentiles(lat), failed, ...(firstError ? { firstError } : {}) },
    ]),
  );
}

export default async function fabricSection(opts: { quick: boolean; fabric: boolean }): Promise<Record<string, unknown>> {
  if (!opts.fabric) return { skipped: 'run with --fabric to measure the native network' };
  const status = await fabricNetworkStatus();
  if (!status.up) {
    process.stderr.write(`[bench fabric] skipped: ${status.reason}\n`);
    return { skipped: status.reason };
  }
  const batchSizes = opts.quick ? [1, 100] : [1, 100, 500, 1000];
  const loadBefore = os.loadavg();
  let blockCutting: unknown;
  try {
    blockCutting = readBlockCutting('energy');
  } catch (err) {
    blockCutting = { unknown: err instanceof Error ? err.message : String(err) };
  }
  // Interval-major batches hold one reading per meter: the fleet is as large as the largest batch.
  const bench = await startFabricBench(status.file, Math.max(100, ...batchSizes));
  try {
    // Sweep: per client count, every path in interleaved rounds.
    const sweep: Record<string, Record<string, PointResult>> = {};
    const sweepNetwork: Record<string, ReturnType<typeof networkTimings>> = {};
    const ratios: Record<string, Record<string, { tps: number; p99: number }>> = {};
    const ratiosOpenSsl: Record<string, Record<string, { tps: number; p99: number }>> = {};
    // 100 a round: four rounds give each path 400 transactions at 4 and 32 clients, so that p99 (nearest rank) is the
    // fifth slowest of 400 rather than the third of 200, whose spread between runs of the same code was larger than any
    // path's cost.
    const perRound = Math.max(1, Math.floor(Number(process.env.OBE_BENCH_FABRIC_PER_ROUND ?? 100)) || 100);
    const perRoundOf = (clients: number) => Math.max(opts.quick ? 40 : perRound, clients * 2);
    // Several short rounds rather than two long ones: the machine's other load shifts within seconds, and each path
    // should see as many of its phases as the others.
    const rounds = opts.quick ? 2 : Math.max(1, Math.floor(Number(process.env.OBE_BENCH_FABRIC_ROUNDS ?? 4)) || 4);
    for (const clients of opts.quick ? [4, 32] : [4, 32, 128]) {
      const metricsBefore = await metricsSnapshot();
      const results = await measurePoint(bench, PATHS, clients, perRoundOf(clients), rounds);
      sweepNetwork[String(clients)] = networkTimings(metricsBefore, await metricsSnapshot());
      sweep[String(clients)] = results;
      ratios[String(clients)] = ratiosTo(results, 'rawClient');
      ratiosOpenSsl[String(clients)] = ratiosTo(results, 'rawClientOpenSsl');
      process.stderr.write(`[bench fabric] ${clients} clients: ${Object.entries(results).map(([k, v]) => `${k} ${v.tps} tx/s`).join(', ')}\n`);
    }

    // Ingestion through REST by batch size, at most INGESTION_READINGS_IN_FLIGHT readings in flight.
    const ingestion = [];
    for (const size of batchSizes) {
      const clients = Math.max(4, Math.min(INGESTION_CLIENTS, Math.floor(INGESTION_READINGS_IN_FLIGHT / size)));
      const count = size === 1 ? (opts.quick ? 64 : 256) : opts.quick ? 8 : Math.max(2 * clients, Math.round(20_000 / size));
      const batches = Array.from({ length: count }, () => bench.nextBatch(size));
      const metricsBefore = await metricsSnapshot();
      const t = await load(count, clients, (i) => bench.paths.rest(batches[i]));
      const network = networkTimings(metricsBefore, await metricsSnapshot());
      const row = {
        shape: 'interval',
        batchSize: size,
        transactions: count,
        clients,
        readingsPerSecond: Number((((count - t.failed) * size * 1000) / t.elapsedMs).toFixed(1)),
        latencyMs: percentiles(t.latenciesMs),
        failed: t.failed,
        ...(t.firstError ? { firstError: t.firstError } : {}),
        // Where the network spent the time of this run, per node: means per observation (per proposal, per block, ...).
        network,
      };
      ingestion.push(row);
      process.stderr.write(`[bench fabric] ingestion batch ${size}: ${row.readingsPerSecond} readings/s\n`);
    }

    // Signed load profiles through REST: one signature per meter and run of intervals (fabric-profiles.ts).
    const profileIngestion = await fabricProfileIngestion(bench.profileInputs, opts.quick ? FABRIC_PROFILE_PLAN.quick : FABRIC_PROFILE_PLAN.full).catch((err: unknown): Record<string, unknown>[] => [
      { error: err instanceof Error ? err.message : String(err) },
    ]);
    const bestProfiles = Math.max(0, ...profileIngestion.map((r) => (typeof r.readingsPerSecond === 'number' ? r.readingsPerSecond : 0)));

    // Profile: one batch at a time, medians of a few.
    const profile = [];
    for (const size of opts.quick ? [1, 100] : [1, 500]) {
      const stage = { signing: [] as number[], endorsement: [] as number[], commit: [] as number[], rest: [] as number[] };
      for (let i = 0; i < (opts.quick ? 3 : 5); i++) {
        let t0 = performance.now();
        const batch = bench.nextBatch(size);
        stage.signing.push(performance.now() - t0);
        t0 = performance.now();
        const pending = await bench.ledger.startSubmit(bench.request(batch));
        stage.endorsement.push(performance.now() - t0);
        t0 = performance.now();
        await bench.ledger.commitStatus(pending);
        stage.commit.push(performance.now() - t0);
        const viaRest = bench.nextBatch(size);
        t0 = performance.now();
        await bench.paths.rest(viaRest);
        stage.rest.push(performance.now() - t0);
      }
      const med = (v: number[]) => Number([...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)].toFixed(1));
      const restMs = med(stage.rest);
      const endorsementMs = med(stage.endorsement);
      const commitMs = med(stage.commit);
      profile.push({ batchSize: size, clientSigningMs: med(stage.signing), endorsementMs, commitMs, restMs, gatewayMs: Number(Math.max(0, restMs - endorsementMs - commitMs).toFixed(1)) });
    }

    // One interval of 10,000 orders cleared and settled, each one transaction (issue #14; fabric-settlement.ts).
    const clearingSettlement =
      process.env.OBE_BENCH_FABRIC_SETTLEMENT === 'off'
        ? { skipped: 'OBE_BENCH_FABRIC_SETTLEMENT=off' }
        : await fabricClearingSettlement({ quick: opts.quick, configFile: status.file }).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));

    const bestRest = Math.max(...ingestion.map((r) => r.readingsPerSecond));
    const ratioRows = Object.values(ratios);
    return {
      description: 'Native Fabric network: the same transaction via a raw fabric-gateway client, the Ledger port and REST at 4/32/128 clients; ingestion through REST; the reading path by stage',
      transaction: `${TX.Metering.SubmitReadings.name} (1 reading in the sweep)`,
      transactionsPerPoint: Object.fromEntries((opts.quick ? [4, 32] : [4, 32, 128]).map((c) => [String(c), perRoundOf(c) * rounds])),
      network: { blockCutting, intervalMinutes: bench.intervalMinutes, loadAverageBefore: loadBefore.map((v) => Number(v.toFixed(2))), loadAverageAfter: os.loadavg().map((v) => Number(v.toFixed(2))) },
      sweep,
      ratiosToRawClient: ratios,
      ratiosToRawClientOpenSsl: ratiosOpenSsl,
      // The nodes' own timings during each sweep point (all paths together), per node and metric.
      sweepNetwork,
      ingestion,
      profileIngestion,
      profile,
      goals: {
        ...FABRIC_GOALS,
        portAndRestAtLeastRatio: ratioRows.every((r) => r.port.tps >= FABRIC_GOALS.ratioToRaw && r.rest.tps >= FABRIC_GOALS.ratioToRaw),
        restP99WithinRatio: ratioRows.every((r) => r.rest.p99 <= FABRIC_GOALS.restP99ToRaw),
        bestRestReadingsPerSecond: bestRest,
        restReadingsMet: bestRest >= FABRIC_GOALS.restReadingsPerSecond,
        bestProfileReadingsPerSecond: bestProfiles,
        profileReadingsMet: bestProfiles >= FABRIC_GOALS.restReadingsPerSecond,
        failedTransactions: Object.values(sweep).reduce((n, point) => n + Object.values(point).reduce((m, r) => m + r.failed, 0), 0),
      },
      clearingSettlement,
      mvccConflicts: bench.counters.conflicts,
      retries: bench.counters.retries,
    };
  } finally {
    await bench.close();
  }
}
