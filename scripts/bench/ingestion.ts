/**
 * Bench section "ingestion": signed meter readings per second through the gateway's REST API
 * (POST /api/v1/metering/readings → Metering:SubmitReadings on the embedded ledger), by batch size and batch shape:
 *  - interval-major: one reading per meter per batch, the shape of a head-end reporting each quarter-hour;
 *  - meter-major ('day'): whole UTC days of a meter (96 readings) in a row, the shape of a daily collection.
 * Every reading is signed by its own meter's ECDSA P-256 key and verified by the chaincode on every endorsing peer;
 * each batch is one transaction endorsed, ordered, validated and committed with fsync. Signing happens before the
 * clock starts, as it would on the meters themselves. The same batches straight to the Ledger port (no HTTP) run in
 * the same section, so restVsPort compares like with like. `fabric` is measured by the fabric section.
 */
import { TX } from '@obe/chaincode';
import { txRequest } from '../../gateway/src/ledger/call';
import { GatewayClient } from '../../gateway/src/neighbourhood-sim/gateway-client';
import type { ReadingBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { HEAD_END, percentiles, startRestFixture, timed, type BatchShape } from './rest-fixture';

const CONCURRENCY = 4;
/** Issue #14's goal on embedded: committed device-signed readings per second through REST. */
export const EMBEDDED_GOAL_READINGS_PER_SECOND = 20_000;

export interface IngestionRun {
  path: 'rest' | 'port';
  shape: BatchShape;
  batchSize: number;
  transactions: number;
  readings: number;
  elapsedMs: number;
  readingsPerSecond: number;
  transactionsPerSecond: number;
  latencyMs: ReturnType<typeof percentiles>;
}

export default async function ingestionSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const plan: { shape: BatchShape; batchSize: number; batches: number }[] = opts.quick
    ? [
        { shape: 'interval', batchSize: 1, batches: 120 },
        { shape: 'interval', batchSize: 100, batches: 12 },
        { shape: 'interval', batchSize: 500, batches: 8 },
        { shape: 'day', batchSize: 480, batches: 8 },
      ]
    : [
        { shape: 'interval', batchSize: 1, batches: 400 },
        { shape: 'interval', batchSize: 100, batches: 40 },
        { shape: 'interval', batchSize: 500, batches: 24 },
        { shape: 'interval', batchSize: 1000, batches: 16 },
        { shape: 'day', batchSize: 480, batches: 24 },
        { shape: 'day', batchSize: 960, batches: 16 },
      ];
  // Interval-major batches hold one reading per meter: the fleet is as large as the largest batch.
  const fixture = await startRestFixture(Math.max(...plan.map((p) => p.batchSize)));
  try {
    const client = new GatewayClient(fixture.gateway.url);
    const key = fixture.gateway.keys[HEAD_END];
    const { ledger } = fixture.gateway;
    const paths = {
      rest: async (batch: ReadingBatch) => (await client.submit<{ accepted: number }>('POST', '/api/v1/metering/readings', key, batch, null)).result.accepted,
      port: async (batch: ReadingBatch) => {
        const result = await ledger.submit(txRequest(TX.Metering.SubmitReadings, { identity: HEAD_END, channel: 'energy' }, [], { readings: { ...batch, readings: [...batch.readings] } }));
        return (JSON.parse(Buffer.from(result.payload).toString('utf8')) as { accepted: number }).accepted;
      },
    };
    // Warm-up: JIT, connection pool, first-block effects.
    for (let i = 0; i < 5; i++) await paths.rest(fixture.nextBatch(10));
    const runs: IngestionRun[] = [];
    for (const { shape, batchSize, batches: count } of plan) {
      for (const path of ['rest', 'port'] as const) {
        if (path === 'port' && batchSize === 1) continue;
        const batches: ReadingBatch[] = Array.from({ length: count }, () => fixture.nextBatch(batchSize, shape));
        const { elapsedMs, latenciesMs } = await timed(count, CONCURRENCY, async (i) => {
          const accepted = await paths[path](batches[i]);
          if (accepted !== batchSize) throw new Error(`${shape} batch of ${batchSize} via ${path}: ${accepted} accepted`);
        });
        runs.push({
          path,
          shape,
          batchSize,
          transactions: count,
          readings: count * batchSize,
          elapsedMs: Math.round(elapsedMs),
          readingsPerSecond: Number(((count * batchSize * 1000) / elapsedMs).toFixed(1)),
          transactionsPerSecond: Number(((count * 1000) / elapsedMs).toFixed(1)),
          latencyMs: percentiles(latenciesMs),
        });
      }
    }
    const rest = runs.filter((r) => r.path === 'rest');
    const best = Math.max(...rest.map((r) => r.readingsPerSecond));
    return {
      description: 'Signed-reading ingestion on the embedded ledger: readings/s by batch size and shape, through REST and straight to the Ledger port (same run)',
      concurrency: CONCURRENCY,
      meters: fixture.meters.length,
      runs,
      readingsPerSecond: Object.fromEntries(rest.map((r) => [`${r.shape}${r.batchSize}`, r.readingsPerSecond])),
      restVsPort: Object.fromEntries(
        rest.flatMap((r) => {
          const port = runs.find((p) => p.path === 'port' && p.shape === r.shape && p.batchSize === r.batchSize);
          return port ? [[`${r.shape}${r.batchSize}`, Number((r.readingsPerSecond / port.readingsPerSecond).toFixed(3))]] : [];
        }),
      ),
      goal: { readingsPerSecond: EMBEDDED_GOAL_READINGS_PER_SECOND, bestRest: best, met: best >= EMBEDDED_GOAL_READINGS_PER_SECOND },
    };
  } finally {
    await fixture.close();
  }
}
