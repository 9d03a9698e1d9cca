/**
 * Signed load profiles through REST on the native network (part of the "fabric" bench section; issue #14's goal of
 * 5,000 device-signed readings per second committed on the network). Each transaction carries `meters` profiles of
 * `intervals` consecutive intervals, one ECDSA signature per profile (docs/adr/0010-signed-load-profiles.md); the
 * chaincode verifies every signature on every endorsing peer and stores every reading as one signed alone.
 *
 * Every transaction gets a UTC day of its own, inside the month before the meters' commissioning date allows: the
 * duplicate check range-reads each meter's day, so transactions in flight at once never touch the same (meter, day)
 * and no MVCC/phantom conflict is measured instead of throughput. The interval-major readings of the sweep and of the
 * per-reading ingestion walk back from the last finished interval, far from these days.
 */
import type { KeyObject } from 'node:crypto';
import { signProfiles, type ProfileBatch } from '../../gateway/src/neighbourhood-sim/readings';
import { load, percentiles } from './rest-fixture';

const DAY_MS = 24 * 3600_000;

export interface ProfileBenchInputs {
  readonly meters: readonly string[];
  readonly intervalMinutes: number;
  /** The earliest metering start of the bench's meters (their commissioning's meteringFrom). */
  readonly meteringFrom: number;
  keyOf(assetId: string): KeyObject;
  /** POST /api/v1/metering/profiles through the in-process REST gateway; resolves to the readings accepted. */
  submitProfiles(batch: ProfileBatch): Promise<number>;
  /**
   * The nodes' own timings over `work` (fabric.ts's metricsSnapshot/networkTimings: per node and metric, the mean and
   * count, e.g. chaincode shim requests per endorsing peer); left out when not given.
   */
  networkDuring?<T>(work: () => Promise<T>): Promise<{ result: T; network: unknown }>;
}

export interface ProfileShape {
  readonly meters: number;
  readonly intervals: number;
  readonly transactions: number;
  readonly clients: number;
}

/** Shapes within the chaincode's bounds (≤ 10,000 readings and ≤ 1,000 profiles per transaction). */
export const FABRIC_PROFILE_PLAN: { quick: readonly ProfileShape[]; full: readonly ProfileShape[] } = {
  quick: [{ meters: 100, intervals: 24, transactions: 4, clients: 2 }],
  full: [
    { meters: 1000, intervals: 4, transactions: 8, clients: 4 },
    { meters: 100, intervals: 96, transactions: 8, clients: 4 },
  ],
};

/** Days a plan needs: one per transaction. */
export function daysNeeded(plan: readonly ProfileShape[]): number {
  return plan.reduce((n, shape) => n + shape.transactions, 0);
}

export async function fabricProfileIngestion(inputs: ProfileBenchInputs, plan: readonly ProfileShape[]): Promise<Record<string, unknown>[]> {
  const intervalMs = inputs.intervalMinutes * 60_000;
  const intervalsPerDay = DAY_MS / intervalMs;
  // The first whole UTC day after metering began, and one day per transaction from there.
  let day = Math.ceil(inputs.meteringFrom / DAY_MS) * DAY_MS + DAY_MS;
  const lastUsable = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS;
  const rows: Record<string, unknown>[] = [];
  for (const shape of plan) {
    if (shape.meters > inputs.meters.length) throw new Error(`profile shape needs ${shape.meters} meters; the bench has ${inputs.meters.length}`);
    if (shape.intervals > intervalsPerDay) throw new Error(`profiles of ${shape.intervals} intervals do not fit a day of ${intervalsPerDay}`);
    const batches: ProfileBatch[] = [];
    for (let t = 0; t < shape.transactions; t++, day += DAY_MS) {
      if (day > lastUsable) throw new Error('the profile plan needs more days than the meters have been metered');
      const readings = inputs.meters.slice(0, shape.meters).flatMap((assetId, m) =>
        Array.from({ length: shape.intervals }, (_, k) => {
          const intervalStart = day + k * intervalMs;
          return { assetId, intervalStart, importedWh: 100 + ((m + k) % 900), exportedWh: (m + k) % 500, sequence: intervalStart / 1000 };
        }),
      );
      batches.push(signProfiles(readings, inputs.keyOf, { intervalMs, maxIntervals: shape.intervals }));
    }
    const size = shape.meters * shape.intervals;
    const run = () =>
      load(shape.transactions, shape.clients, async (i) => {
        const accepted = await inputs.submitProfiles(batches[i]);
        if (accepted !== size) throw new Error(`${accepted} of ${size} readings accepted`);
      });
    const { result: t, network } = inputs.networkDuring ? await inputs.networkDuring(run) : { result: await run(), network: undefined };
    const committed = shape.transactions - t.failed;
    const row = {
      shape: 'profiles',
      meters: shape.meters,
      intervals: shape.intervals,
      readingsPerTransaction: size,
      transactions: shape.transactions,
      clients: shape.clients,
      requestBytes: Buffer.byteLength(JSON.stringify(batches[0])),
      readingsPerSecond: Number(((committed * size * 1000) / t.elapsedMs).toFixed(1)),
      signaturesPerSecond: Number(((committed * shape.meters * 1000) / t.elapsedMs).toFixed(1)),
      latencyMs: percentiles(t.latenciesMs),
      failed: t.failed,
      ...(t.firstError ? { firstError: t.firstError } : {}),
      ...(network === undefined ? {} : { network }),
    };
    rows.push(row);
    process.stderr.write(`[bench fabric] profiles ${shape.meters} × ${shape.intervals}: ${row.readingsPerSecond} readings/s\n`);
  }
  return rows;
}
