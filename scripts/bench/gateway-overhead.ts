/**
 * Bench section "gateway": the cost of the REST gateway. The same transaction — Metering:SubmitReadings with one
 * signed reading — is submitted the same number of times with the same concurrency, once through HTTP
 * (auth, OpenAPI validation, idempotency record, JSON mapping, metrics) and once straight to the Ledger port, on the
 * same embedded ledger in the same run. Overhead = REST throughput ÷ direct throughput (1.0 = no overhead), with
 * latency percentiles of both paths; REST is measured without and with an Idempotency-Key (which makes the gateway
 * persist each outcome before answering). The paths alternate in rounds so that ledger growth affects them alike.
 */
import { randomUUID } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { txRequest } from '../../gateway/src/ledger/call';
import { BenchHttpClient } from './http-client';
import { HEAD_END, percentiles, startRestFixture, timed } from './rest-fixture';

const CONCURRENCY = 4;

export default async function gatewayOverheadSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const perRound = opts.quick ? 100 : 300;
  const rounds = opts.quick ? 2 : 3;
  const fixture = await startRestFixture(50);
  // A keep-alive node:http client (http-client.ts): the benchmark's own HTTP cost kept out of the gateway's.
  const client = new BenchHttpClient(fixture.gateway.url);
  try {
    const auth = { authorization: `Bearer ${fixture.gateway.keys[HEAD_END]}` };
    const { ledger } = fixture.gateway;
    const viaRest = async (batch: ReturnType<typeof fixture.nextBatch>) => {
      await client.request('POST', '/api/v1/metering/readings', auth, batch);
    };
    // The same with an Idempotency-Key, which makes the gateway persist the outcome (fsynced) before answering.
    const viaRestIdempotent = async (batch: ReturnType<typeof fixture.nextBatch>) => {
      await client.request('POST', '/api/v1/metering/readings', { ...auth, 'idempotency-key': randomUUID() }, batch);
    };
    const direct = async (batch: ReturnType<typeof fixture.nextBatch>) => {
      await ledger.submit(txRequest(TX.Metering.SubmitReadings, { identity: HEAD_END, channel: 'energy' }, [], { readings: { ...batch, readings: [...batch.readings] } }));
    };
    for (let i = 0; i < 10; i++) {
      await viaRest(fixture.nextBatch(1));
      await direct(fixture.nextBatch(1));
    }
    const rest = { elapsedMs: 0, latencies: [] as number[], count: 0 };
    const restIdempotent = { elapsedMs: 0, latencies: [] as number[], count: 0 };
    const port = { elapsedMs: 0, latencies: [] as number[], count: 0 };
    for (let round = 0; round < rounds; round++) {
      for (const [path, run] of [
        [rest, viaRest],
        [port, direct],
        [restIdempotent, viaRestIdempotent],
      ] as const) {
        const batches = Array.from({ length: perRound }, () => fixture.nextBatch(1));
        const t = await timed(perRound, CONCURRENCY, (i) => run(batches[i]));
        path.elapsedMs += t.elapsedMs;
        path.latencies.push(...t.latenciesMs);
        path.count += perRound;
      }
    }
    const tps = (p: typeof rest) => Number(((p.count * 1000) / p.elapsedMs).toFixed(1));
    return {
      description: 'Same transaction (Metering:SubmitReadings, 1 signed reading) via REST and via the Ledger port, same embedded ledger, same run',
      transaction: `${TX.Metering.SubmitReadings.name} (1 reading)`,
      concurrency: CONCURRENCY,
      transactionsPerPath: rest.count,
      restTps: tps(rest),
      directTps: tps(port),
      overheadRatio: Number((tps(rest) / tps(port)).toFixed(3)),
      restIdempotentTps: tps(restIdempotent),
      idempotentOverheadRatio: Number((tps(restIdempotent) / tps(port)).toFixed(3)),
      latencyMs: { rest: percentiles(rest.latencies), direct: percentiles(port.latencies), restIdempotent: percentiles(restIdempotent.latencies) },
    };
  } finally {
    client.close();
    await fixture.close();
  }
}
