/**
 * Bench section "ingestion": signed meter readings per second through the gateway's REST API
 * (POST /api/v1/metering/readings → Metering:SubmitReadings on the embedded ledger), by batch size and batch shape:
 *  - interval-major: one reading per meter per batch, the shape of a head-end reporting each quarter-hour;
 *  - meter-major ('day'): whole UTC days of a meter (96 readings) in a row, the shape of a daily collection.
 * Every reading is signed by its own meter's ECDSA P-256 key and verified by the chaincode on every endorsing peer;
 * each batch is one transaction endorsed, ordered, validated and committed with fsync. Signing happens before the
 * clock starts, as it would on the meters themselves. The same batches straight to the Ledger port (no HTTP) run in
 * the same section, so restVsPort compares like with like. `fabric` is measured by the fabric section.
 *
 * Signed load profiles (POST /api/v1/metering/profiles → Metering:SubmitProfiles, docs/adr/0010) run in the same
 * section and fixture, after the per-reading shapes, so `profileVsReadings` is a ratio measured in one run: each batch
 * is `meters` profiles of `intervals` consecutive intervals, one device signature per profile. The report gives
 * readings/s and signatures/s, and the request body size of each shape.
 */
import { MAX_PROFILE_BATCH_READINGS, TX } from '@obe/chaincode';
import { txRequest } from '../../gateway/src/ledger/call';
import { signProfiles, type ProfileBatch, type ReadingBatch, type ReadingInput } from '../../gateway/src/neighbourhood-sim/readings';
import { BenchHttpClient } from './http-client';
import { HEAD_END, percentiles, startRestFixture, timed, type BatchShape, type RestFixture } from './rest-fixture';

/** Transactions in flight in every ingestion shape. */
export const CONCURRENCY = 4;
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

export interface ProfileRun {
  path: 'rest' | 'port';
  /** Profiles per transaction (one meter each) × consecutive intervals per profile. */
  meters: number;
  intervals: number;
  transactions: number;
  readings: number;
  /** Device signatures verified per transaction (one per profile), on every endorser. */
  signaturesPerTransaction: number;
  /** Size of one request body (JSON), bytes. */
  requestBytes: number;
  elapsedMs: number;
  readingsPerSecond: number;
  signaturesPerSecond: number;
  transactionsPerSecond: number;
  latencyMs: ReturnType<typeof percentiles>;
}

const INTERVAL_MS = 15 * 60_000;
const DAY_MS = 24 * 3600_000;
const INTERVALS_PER_DAY = DAY_MS / INTERVAL_MS;
/** Profiles use the days 14 to 2 before today: clear of the interval-major walk (hours back) and the 'day' shape (15+ days back). */
const PROFILE_DAYS = 13;

/**
 * Signed profile batches over the fixture's meters, each (meter, interval) used once. Each profile length has its own
 * range of days (`days` in the plan, in plan order); within it consecutive slots of a meter fall on different UTC days,
 * so batches in flight at once never range-read the same meter's day (no phantom conflicts).
 */
export function profileSource(fixture: RestFixture, plan: readonly ProfileShape[]): (meters: number, intervals: number) => ProfileBatch {
  const first = Math.floor(Date.now() / DAY_MS) * DAY_MS - 14 * DAY_MS;
  const ranges = new Map<number, { from: number; days: number }>();
  let from = 0;
  for (const { intervals, days } of plan) {
    if (ranges.has(intervals)) continue;
    ranges.set(intervals, { from, days });
    from += days;
  }
  if (from > PROFILE_DAYS) throw new Error(`the profile plan needs ${from} days; the region has ${PROFILE_DAYS}`);
  const used = new Map<number, number>(); // blocks handed out so far, per profile length
  const fleet = fixture.meters.length;
  return (meters, intervals) => {
    const range = ranges.get(intervals);
    if (!range) throw new Error(`profile length ${intervals} is not in the plan`);
    if (intervals % INTERVALS_PER_DAY !== 0 && INTERVALS_PER_DAY % intervals !== 0) throw new Error(`profile length ${intervals} must divide a day or be whole days`);
    const readings: ReadingInput[] = [];
    for (let m = 0; m < meters; m++) {
      const block = used.get(intervals) ?? 0;
      used.set(intervals, block + 1);
      const assetId = fixture.meters[block % fleet];
      const slot = Math.floor(block / fleet);
      let start: number;
      if (intervals <= INTERVALS_PER_DAY) {
        const part = Math.floor(slot / range.days);
        if (part >= INTERVALS_PER_DAY / intervals) throw new Error(`profiles of ${intervals} intervals used up their ${range.days} days; run fewer batches`);
        start = first + (range.from + (slot % range.days)) * DAY_MS + part * intervals * INTERVAL_MS;
      } else {
        const span = intervals / INTERVALS_PER_DAY;
        if ((slot + 1) * span > range.days) throw new Error(`profiles of ${intervals} intervals used up their ${range.days} days; run fewer batches`);
        start = first + (range.from + slot * span) * DAY_MS;
      }
      for (let k = 0; k < intervals; k++) {
        const intervalStart = start + k * INTERVAL_MS;
        readings.push({ assetId, intervalStart, importedWh: 100 + ((block + k) % 900), exportedWh: (block + k) % 500, sequence: intervalStart / 1000 });
      }
    }
    return signProfiles(readings, (assetId) => fixture.keys.get(assetId).privateKey, { intervalMs: INTERVAL_MS, maxIntervals: intervals });
  };
}

export interface ProfileShape {
  /** Profiles per transaction, one meter each. */
  readonly meters: number;
  /** Consecutive intervals per profile. */
  readonly intervals: number;
  readonly batches: number;
  /**
   * Days of the profile region this length may use (see profileSource; checkProfilePlan says how many it needs): a
   * meter's next slot is on the next of these days, and the batches in flight together must not share a meter's day
   * (day-long blocks, ADR 0012), or they make each other phantom reads.
   */
  readonly days: number;
}

/** Profile shapes: meters × intervals readings per transaction, within MAX_PROFILE_BATCH_READINGS. */
export const PROFILE_PLAN: { quick: readonly ProfileShape[]; full: readonly ProfileShape[] } = {
  quick: [
    { meters: 1000, intervals: 4, batches: 4, days: 10 },
    { meters: 100, intervals: 96, batches: 4, days: 3 },
  ],
  full: [
    { meters: 1000, intervals: 4, batches: 12, days: 5 },
    { meters: 100, intervals: 96, batches: 12, days: 3 },
    { meters: 25, intervals: 384, batches: 8, days: 4 },
  ],
};

/**
 * Days a profile length of at most a day needs so that any CONCURRENCY + 1 consecutive batches (those in flight, and
 * one started when a later one finished first) never share a meter's UTC day. profileSource hands out (meter, slot)
 * blocks in order, meter by meter, and slot k of a meter is on day k mod `days`: W consecutive batches of `meters`
 * profiles hold at most ⌈W × meters / fleet⌉ slots of any one meter, which must fall on different days. A batch that
 * stays in flight while more than one later batch finishes can still meet a newer one; the port retries that conflict.
 */
export function profileDaysNeeded(meters: number, fleet: number): number {
  return Math.ceil(((CONCURRENCY + 1) * meters) / fleet);
}

/** Refuses a plan some of whose batches could share a meter's day (profileDaysNeeded); longer profiles take days of their own. */
export function checkProfilePlan(plan: readonly ProfileShape[], fleet: number): void {
  for (const { meters, intervals, days } of plan) {
    if (intervals > INTERVALS_PER_DAY) continue;
    const needed = profileDaysNeeded(meters, fleet);
    if (days < needed) throw new Error(`profiles of ${meters} × ${intervals} on ${fleet} meters need at least ${needed} days (${CONCURRENCY} batches in flight); the plan gives ${days}`);
  }
}

async function runProfiles(
  fixture: RestFixture,
  client: BenchHttpClient,
  auth: Readonly<Record<string, string>>,
  plan: readonly ProfileShape[],
): Promise<ProfileRun[]> {
  const next = profileSource(fixture, plan);
  const { ledger } = fixture.gateway;
  const paths = {
    rest: async (batch: ProfileBatch) => (await client.submitCommitted<{ accepted: number }>('/api/v1/metering/profiles', auth, batch)).result.accepted,
    port: async (batch: ProfileBatch) => {
      const profiles = batch.profiles.map((p) => ({ ...p, readings: [...p.readings] }));
      const result = await ledger.submit(txRequest(TX.Metering.SubmitProfiles, { identity: HEAD_END, channel: 'energy' }, [], { profiles: { salt: batch.salt, profiles } }));
      return (JSON.parse(Buffer.from(result.payload).toString('utf8')) as { accepted: number }).accepted;
    },
  };
  await paths.rest(next(10, 4)); // warm-up of the profile path
  const runs: ProfileRun[] = [];
  for (const { meters, intervals, batches: count } of plan) {
    const size = meters * intervals;
    if (size > MAX_PROFILE_BATCH_READINGS) throw new Error(`${meters} × ${intervals} exceeds ${MAX_PROFILE_BATCH_READINGS} readings per transaction`);
    for (const path of ['rest', 'port'] as const) {
      const batches = Array.from({ length: count }, () => next(meters, intervals));
      const requestBytes = Buffer.byteLength(JSON.stringify(batches[0]));
      const { elapsedMs, latenciesMs } = await timed(count, CONCURRENCY, async (i) => {
        const accepted = await paths[path](batches[i]);
        if (accepted !== size) throw new Error(`profiles ${meters} × ${intervals} via ${path}: ${accepted} accepted`);
      });
      runs.push({
        path,
        meters,
        intervals,
        transactions: count,
        readings: count * size,
        signaturesPerTransaction: meters,
        requestBytes,
        elapsedMs: Math.round(elapsedMs),
        readingsPerSecond: Number(((count * size * 1000) / elapsedMs).toFixed(1)),
        signaturesPerSecond: Number(((count * meters * 1000) / elapsedMs).toFixed(1)),
        transactionsPerSecond: Number(((count * 1000) / elapsedMs).toFixed(1)),
        latencyMs: percentiles(latenciesMs),
      });
    }
  }
  return runs;
}

interface ReadingShape {
  readonly shape: BatchShape;
  readonly batchSize: number;
  readonly batches: number;
}

/** Per-reading shapes: readings signed one by one, interval-major or whole meter-days. */
export const READING_PLAN: { quick: readonly ReadingShape[]; full: readonly ReadingShape[] } = {
  quick: [
    { shape: 'interval', batchSize: 1, batches: 120 },
    { shape: 'interval', batchSize: 100, batches: 12 },
    { shape: 'interval', batchSize: 500, batches: 8 },
    { shape: 'day', batchSize: 480, batches: 8 },
  ],
  full: [
    { shape: 'interval', batchSize: 1, batches: 400 },
    { shape: 'interval', batchSize: 100, batches: 40 },
    { shape: 'interval', batchSize: 500, batches: 24 },
    { shape: 'interval', batchSize: 1000, batches: 16 },
    { shape: 'day', batchSize: 480, batches: 24 },
    { shape: 'day', batchSize: 960, batches: 16 },
  ],
};

/** Interval-major batches hold one reading per meter: the fixture's fleet is as large as the plan's largest batch. */
export const fleetOf = (plan: readonly ReadingShape[]): number => Math.max(...plan.map((p) => p.batchSize));

async function counterTotal(counter: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}

export default async function ingestionSection(opts: { quick: boolean; fabric?: boolean }): Promise<Record<string, unknown>> {
  const plan = opts.quick ? READING_PLAN.quick : READING_PLAN.full;
  const profilePlan = opts.quick ? PROFILE_PLAN.quick : PROFILE_PLAN.full;
  const fleet = fleetOf(plan);
  checkProfilePlan(profilePlan, fleet); // before any run: a bad plan would fail only after the per-reading shapes
  const fixture = await startRestFixture(fleet);
  // node:http on a keep-alive agent (http-client.ts): the global fetch's own CPU would count against the gateway.
  const client = new BenchHttpClient(fixture.gateway.url);
  try {
    const auth = { authorization: `Bearer ${fixture.gateway.keys[HEAD_END]}` };
    const { ledger } = fixture.gateway;
    const paths = {
      rest: async (batch: ReadingBatch) => (await client.submitCommitted<{ accepted: number }>('/api/v1/metering/readings', auth, batch)).result.accepted,
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
    const profileRuns = await runProfiles(fixture, client, auth, profilePlan);
    const rest = runs.filter((r) => r.path === 'rest');
    const perReadingBest = Math.max(...rest.map((r) => r.readingsPerSecond));
    const profileRest = profileRuns.filter((r) => r.path === 'rest');
    const profileBest = Math.max(...profileRest.map((r) => r.readingsPerSecond));
    const best = Math.max(perReadingBest, profileBest);
    return {
      description:
        'Device-signed reading ingestion on the embedded ledger: readings/s by batch size and shape, through REST and straight to the Ledger port (same run); per-reading signatures (runs) and signed load profiles (profileRuns)',
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
      profileRuns,
      profileReadingsPerSecond: Object.fromEntries(profileRest.map((r) => [`profile${r.meters}x${r.intervals}`, r.readingsPerSecond])),
      profileRestVsPort: Object.fromEntries(
        profileRest.flatMap((r) => {
          const port = profileRuns.find((p) => p.path === 'port' && p.meters === r.meters && p.intervals === r.intervals);
          return port ? [[`profile${r.meters}x${r.intervals}`, Number((r.readingsPerSecond / port.readingsPerSecond).toFixed(3))]] : [];
        }),
      ),
      /** Best REST readings/s with profiles ÷ best REST readings/s with per-reading signatures, same run and fixture. */
      profileVsReadings: Number((profileBest / perReadingBest).toFixed(2)),
      // Conflicts the port lost and retried over the whole section (0 when no two batches in flight share a meter's day).
      mvccConflicts: await counterTotal(fixture.gateway.context.metrics.mvccConflicts),
      retries: await counterTotal(fixture.gateway.context.metrics.retries),
      goal: { readingsPerSecond: EMBEDDED_GOAL_READINGS_PER_SECOND, bestRest: best, bestRestPerReading: perReadingBest, bestRestProfiles: profileBest, met: best >= EMBEDDED_GOAL_READINGS_PER_SECOND },
    };
  } finally {
    client.close();
    await fixture.close();
  }
}
