/**
 * Network settings by measurement, on the RUNNING native network (`npm run network:up` first; Fabric binaries on
 * PATH): `npx tsx scripts/bench/fabric-settings.ts [variant ...]` → $OBE_BENCH_OUT or bench-results/fabric-settings.json.
 *
 * Every variant is measured in the same run as the baseline (the settings in network/native/config), alternating
 * baseline, variant, baseline, variant, ... over the same ledger, so its effect is a same-run ratio against the mean of
 * the two baseline probes around it (the spread between those two is the noise to read it against). A probe is the
 * sweep's transaction (Metering:SubmitReadings, one reading) through the raw fabric-gateway client (OpenSSL signer)
 * and REST at 4, 32 and 128 clients; variants marked `ingest` also time REST ingestion of 500-reading batches.
 *  - orderer variants change the channel's block cutting in place (scripts/bench/block-cutting.ts: a channel
 *    configuration update) and put the baseline back afterwards;
 *  - peer variants restart the three peers (network/native/node.sh) with extra CORE_* environment, which overrides
 *    core.yaml, and restart them without it afterwards.
 * It also reports the envelope size of a SubmitReadings transaction by batch size (what BatchSize's byte limits are
 * compared with). Variants are relative to the committed settings (a variant equal to them measures the noise).
 * Names of variants to run may be given as arguments; all run by default (about 20 minutes).
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TX } from '@obe/chaincode';
import { connectDirect, readConnectionConfig } from '../../network/lib/fabric-client';
import { readBlockCutting, setBlockCutting, type BlockCutting } from './block-cutting';
import { load } from './rest-fixture';
import { fabricNetworkStatus, measurePoint, startFabricBench, type FabricBench, type PathName, type PointResult } from './fabric';

interface Variant {
  name: string;
  /** What the variant changes, in the words of the file that sets it. */
  setting: string;
  orderer?: Partial<BlockCutting>;
  peerEnv?: Record<string, string>;
  ingest?: boolean;
}

const VARIANTS: readonly Variant[] = [
  { name: 'batch-timeout-10ms', setting: 'configtx.yaml Orderer.BatchTimeout 10ms', orderer: { batchTimeout: '10ms' } },
  { name: 'batch-timeout-20ms', setting: 'configtx.yaml Orderer.BatchTimeout 20ms', orderer: { batchTimeout: '20ms' } },
  { name: 'batch-timeout-100ms', setting: 'configtx.yaml Orderer.BatchTimeout 100ms', orderer: { batchTimeout: '100ms' } },
  { name: 'batch-timeout-250ms', setting: 'configtx.yaml Orderer.BatchTimeout 250ms', orderer: { batchTimeout: '250ms' } },
  { name: 'batch-timeout-50ms', setting: 'configtx.yaml Orderer.BatchTimeout 50ms', orderer: { batchTimeout: '50ms' } },
  { name: 'batch-timeout-500ms', setting: 'configtx.yaml Orderer.BatchTimeout 500ms', orderer: { batchTimeout: '500ms' } },
  { name: 'batch-timeout-2s', setting: 'configtx.yaml Orderer.BatchTimeout 2s (Fabric sample default)', orderer: { batchTimeout: '2s' } },
  { name: 'max-message-count-10', setting: 'configtx.yaml Orderer.BatchSize.MaxMessageCount 10 (Fabric sample default)', orderer: { maxMessageCount: 10 } },
  { name: 'max-message-count-50', setting: 'configtx.yaml Orderer.BatchSize.MaxMessageCount 50', orderer: { maxMessageCount: 50 } },
  { name: 'preferred-max-bytes-512kb', setting: 'configtx.yaml Orderer.BatchSize.PreferredMaxBytes 512 KB (Fabric sample default)', orderer: { preferredMaxBytes: 512 * 1024 }, ingest: true },
  { name: 'validator-pool-1', setting: 'core.yaml peer.validatorPoolSize 1 (default: number of CPUs, 2 here)', peerEnv: { CORE_PEER_VALIDATORPOOLSIZE: '1' } },
  { name: 'validator-pool-8', setting: 'core.yaml peer.validatorPoolSize 8', peerEnv: { CORE_PEER_VALIDATORPOOLSIZE: '8' } },
  { name: 'block-gossip-off', setting: 'core.yaml peer.deliveryclient.blockGossipEnabled false', peerEnv: { CORE_PEER_DELIVERYCLIENT_BLOCKGOSSIPENABLED: 'false' } },
  { name: 'block-gossip-on', setting: 'core.yaml peer.deliveryclient.blockGossipEnabled true', peerEnv: { CORE_PEER_DELIVERYCLIENT_BLOCKGOSSIPENABLED: 'true' } },
  { name: 'peer-logging-warning', setting: 'peer log level WARNING instead of INFO (FABRIC_LOGGING_SPEC, lib.sh OBE_PEER_LOGGING_SPEC)', peerEnv: { FABRIC_LOGGING_SPEC: 'WARNING', OBE_PEER_LOGGING_SPEC: 'WARNING' } },
];

const PROBE_PATHS: readonly PathName[] = ['rawClientOpenSsl', 'rest'];
const PROBE_POINTS = [
  { clients: 4, transactions: 40 },
  { clients: 32, transactions: 128 },
  { clients: 128, transactions: 256 },
] as const;
const INGEST = { batchSize: 500, transactions: 16, clients: 32 } as const;
const ORGS = ['gridoperator', 'utility', 'regulator'] as const;
const ROOT = path.resolve(__dirname, '../..');

interface Probe {
  points: Record<string, Record<string, PointResult>>;
  ingestReadingsPerSecond?: number;
}

async function probe(bench: FabricBench, ingest: boolean): Promise<Probe> {
  const points: Probe['points'] = {};
  for (const { clients, transactions } of PROBE_POINTS) points[String(clients)] = await measurePoint(bench, PROBE_PATHS, clients, transactions, 1);
  if (!ingest) return { points };
  const batches = Array.from({ length: INGEST.transactions }, () => bench.nextBatch(INGEST.batchSize));
  const t = await load(INGEST.transactions, INGEST.clients, (i) => bench.paths.rest(batches[i]));
  return { points, ingestReadingsPerSecond: Number((((INGEST.transactions - t.failed) * INGEST.batchSize * 1000) / t.elapsedMs).toFixed(1)) };
}

/** Restarts every peer with `env` added to this process's environment (core.yaml keys as CORE_* variables). */
async function restartPeers(bench: FabricBench, env: Record<string, string>): Promise<void> {
  for (const org of ORGS) {
    const node = (action: string) => execFileSync('bash', [path.join(ROOT, 'network/native/node.sh'), action, `peer-${org}`], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    node('kill');
    node('start');
  }
  // The peers reconnect to the orderer and their chaincode servers; the first calls wait for that.
  for (let ok = 0, attempts = 0; ok < 3 && attempts < 120; attempts++) {
    try {
      await bench.paths.rawClientOpenSsl(bench.nextBatch(1));
      await bench.paths.rest(bench.nextBatch(1));
      ok++;
    } catch {
      ok = 0;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const mean = (a: number, b: number) => (a + b) / 2;

function compare(before: Probe, variant: Probe, after: Probe) {
  const rows: Record<string, unknown> = {};
  for (const clients of Object.keys(variant.points)) {
    for (const name of PROBE_PATHS) {
      const b = [before.points[clients][name], after.points[clients][name]];
      const v = variant.points[clients][name];
      const baseTps = mean(b[0].tps, b[1].tps);
      rows[`${name}@${clients}`] = {
        tps: v.tps,
        baselineTps: [b[0].tps, b[1].tps],
        ratio: Number((v.tps / baseTps).toFixed(3)),
        baselineSpread: Number((Math.abs(b[0].tps - b[1].tps) / baseTps).toFixed(3)),
        p50Ratio: Number((v.latencyMs.p50 / mean(b[0].latencyMs.p50, b[1].latencyMs.p50)).toFixed(3)),
        p99Ratio: Number((v.latencyMs.p99 / mean(b[0].latencyMs.p99, b[1].latencyMs.p99)).toFixed(3)),
      };
    }
  }
  if (variant.ingestReadingsPerSecond !== undefined && before.ingestReadingsPerSecond !== undefined && after.ingestReadingsPerSecond !== undefined) {
    const base = mean(before.ingestReadingsPerSecond, after.ingestReadingsPerSecond);
    rows[`ingest-batch-${INGEST.batchSize}`] = {
      readingsPerSecond: variant.ingestReadingsPerSecond,
      baseline: [before.ingestReadingsPerSecond, after.ingestReadingsPerSecond],
      ratio: Number((variant.ingestReadingsPerSecond / base).toFixed(3)),
    };
  }
  return rows;
}

/** Envelope bytes of a SubmitReadings transaction by batch size (endorsed, not submitted). */
async function envelopeSizes(bench: FabricBench, file: string): Promise<Record<string, number>> {
  const config = readConnectionConfig(file);
  const raw = connectDirect(config, 'utility-admin');
  try {
    const contract = raw.gateway.getNetwork('energy').getContract(config.chaincode ?? 'obe');
    const sizes: Record<string, number> = {};
    for (const size of [1, 100, 500, 1000]) {
      const batch = bench.nextBatch(size);
      const tx = await contract.newProposal(TX.Metering.SubmitReadings.name, { transientData: { readings: Buffer.from(JSON.stringify(batch)) } }).endorse();
      sizes[String(size)] = tx.getBytes().length;
    }
    return sizes;
  } finally {
    raw.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !VARIANTS.some((v) => v.name === n));
  if (unknown.length) throw new Error(`unknown variant(s) ${unknown.join(', ')}; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  const variants = only.length ? VARIANTS.filter((v) => only.includes(v.name)) : VARIANTS;
  const status = await fabricNetworkStatus();
  if (!status.up) throw new Error(status.reason);
  const out = path.resolve(process.env.OBE_BENCH_OUT ?? path.join('bench-results', 'fabric-settings.json'));
  const baseline = readBlockCutting('energy');
  const bench = await startFabricBench(status.file, 500);
  const cpus = os.cpus();
  const document = {
    generatedAt: new Date().toISOString(),
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}` },
    baseline: { blockCutting: baseline, peer: 'network/native/config/core.yaml as committed' },
    probe: { transaction: `${TX.Metering.SubmitReadings.name}, 1 reading`, paths: PROBE_PATHS, points: PROBE_POINTS, ingest: INGEST },
    envelopeBytesByBatchSize: {} as Record<string, number>,
    variants: [] as unknown[],
  };
  const write = () => {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
  };
  try {
    document.envelopeBytesByBatchSize = await envelopeSizes(bench, status.file);
    process.stderr.write(`[settings] envelope bytes by batch size ${JSON.stringify(document.envelopeBytesByBatchSize)}\n`);
    let before = await probe(bench, variants.some((v) => v.ingest));
    for (const variant of variants) {
      const t0 = Date.now();
      let measured: Probe;
      if (variant.orderer) {
        setBlockCutting(variant.orderer);
        try {
          measured = await probe(bench, Boolean(variant.ingest));
        } finally {
          setBlockCutting(baseline);
        }
      } else {
        await restartPeers(bench, variant.peerEnv ?? {});
        try {
          measured = await probe(bench, Boolean(variant.ingest));
        } finally {
          await restartPeers(bench, {});
        }
      }
      const after = await probe(bench, Boolean(variant.ingest) || variants.some((v, i) => v.ingest && i === variants.indexOf(variant) + 1));
      const rows = compare(before, measured, after);
      document.variants.push({ name: variant.name, setting: variant.setting, seconds: Math.round((Date.now() - t0) / 1000), results: rows });
      write();
      const summary = Object.entries(rows).map(([k, r]) => `${k} ${(r as { ratio: number }).ratio}`).join(', ');
      process.stderr.write(`[settings] ${variant.name}: ${summary}\n`);
      before = after;
    }
  } finally {
    await bench.close();
    write();
  }
  process.stdout.write(`${out}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
