/**
 * Bench section "ingestion": signed meter readings per second through the gateway's REST API
 * (POST /api/v1/metering/readings → Metering:SubmitReadings on the embedded ledger), at batch sizes 1, 100 and 500.
 * Every reading is signed by its own meter's ECDSA P-256 key and verified by the chaincode; each batch is one
 * transaction endorsed, ordered, validated and committed with fsync. Signing happens before the clock starts, as
 * it would on the meters themselves. `fabric` is measured by the fabric section.
 */
import { GatewayClient } from '../../gateway/src/neighbourhood-sim/gateway-client';
import type { ReadingBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { HEAD_END, percentiles, startRestFixture, timed } from './rest-fixture';

const BATCH_SIZES = [1, 100, 500] as const;
const CONCURRENCY = 4;

export interface IngestionRun {
  batchSize: number;
  transactions: number;
  readings: number;
  elapsedMs: number;
  readingsPerSecond: number;
  transactionsPerSecond: number;
  latencyMs: ReturnType<typeof percentiles>;
}

export default async function ingestionSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const batchesFor = (size: number) => (opts.quick ? { 1: 120, 100: 8, 500: 4 } : { 1: 400, 100: 30, 500: 12 })[size as 1 | 100 | 500];
  // A batch may hold several intervals of one meter: only (meter, interval) pairs must be distinct.
  const fixture = await startRestFixture(opts.quick ? 100 : 250);
  try {
    const client = new GatewayClient(fixture.gateway.url);
    const key = fixture.gateway.keys[HEAD_END];
    // Warm-up: JIT, connection pool, first-block effects.
    for (let i = 0; i < 5; i++) await client.submit('POST', '/api/v1/metering/readings', key, fixture.nextBatch(10));
    const runs: IngestionRun[] = [];
    for (const size of BATCH_SIZES) {
      const count = batchesFor(size);
      const batches: ReadingBatch[] = Array.from({ length: count }, () => fixture.nextBatch(size));
      const { elapsedMs, latenciesMs } = await timed(count, CONCURRENCY, async (i) => {
        const answer = await client.submit<{ accepted: number }>('POST', '/api/v1/metering/readings', key, batches[i]);
        if (answer.result.accepted !== size) throw new Error(`batch of ${size}: ${answer.result.accepted} accepted`);
      });
      runs.push({
        batchSize: size,
        transactions: count,
        readings: count * size,
        elapsedMs: Math.round(elapsedMs),
        readingsPerSecond: Number(((count * size * 1000) / elapsedMs).toFixed(1)),
        transactionsPerSecond: Number(((count * 1000) / elapsedMs).toFixed(1)),
        latencyMs: percentiles(latenciesMs),
      });
    }
    return {
      description: 'Signed-reading ingestion through REST on the embedded ledger: readings/s by batch size',
      concurrency: CONCURRENCY,
      meters: fixture.meters.length,
      runs,
      readingsPerSecond: Object.fromEntries(runs.map((r) => [`batch${r.batchSize}`, r.readingsPerSecond])),
    };
  } finally {
    await fixture.close();
  }
}
