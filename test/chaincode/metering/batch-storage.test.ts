/**
 * Batched reading storage (metering/store.ts, docs/adr/0007): private chunks per batch and collection, one public
 * record per reading, duplicate detection by one read per meter and day. These tests pin what the layout must keep:
 * every reading findable by (meter, interval), duplicates and contradictions caught within a batch, across batches and
 * between concurrent batches, and no more state operations than the design promises.
 */
import { readingDay, READINGS_PER_CHUNK } from '../../../chaincode/src/metering/store';
import { RANGE_READ_FROM } from '../../../chaincode/src/metering/submit';
import type { ReadingHashRecord } from '../../../chaincode/src/metering/reading';
import { TxValidationError } from '@obe/fabric-embedded';
import {
  atTime,
  DAY_MS,
  expectRefused,
  GRID,
  INTERVAL_MS,
  ObeNet,
  pastInterval as intervalBefore,
  readingsTransient,
  registerAsset,
  REGULATOR,
  signReading,
  type Cast,
  type Meter,
  type SignedReadingInput,
} from '../support';
import { TX } from '@obe/chaincode';

const NOW = Date.now();
const pastInterval = (back: number) => intervalBefore(back, NOW);
const ENDORSERS = [GRID, REGULATOR];
const COMMISSIONED_AT = NOW - 8 * DAY_MS;

describe('batched reading storage', () => {
  let net: ObeNet;
  let cast: Cast;
  let meters: Meter[];

  const reading = (meter: Meter, intervalStart: number, importedWh = 100, exportedWh = 0): SignedReadingInput =>
    signReading(meter.device, { assetId: meter.assetId, intervalStart, importedWh, exportedWh, sequence: Math.floor(intervalStart / INTERVAL_MS) });
  const endorse = (readings: SignedReadingInput[], salt?: string) =>
    net.endorse(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient(readings, salt), endorsingOrgs: ENDORSERS });
  const submit = (readings: SignedReadingInput[], salt?: string) =>
    net.submit<{ accepted: number; duplicates: number; txId: string }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient(readings, salt),
      endorsingOrgs: ENDORSERS,
    });
  const hashOf = (meter: Meter, intervalStart: number) => net.evaluate<ReadingHashRecord>(cast.regulator.identity, TX.Metering.GetReadingHash, [meter.assetId, String(intervalStart)]);
  const valuesOf = (meter: Meter, intervalStart: number) =>
    net.evaluate<{ reading: { importedWh: number; intervalStart: number } }>(cast.regulator.identity, TX.Metering.GetReading, [meter.assetId, String(intervalStart)]);
  /** (meter, UTC day) groups of a batch: one read each. */
  const dayGroups = (batch: readonly SignedReadingInput[]) => {
    const groups = new Map<string, number>();
    for (const r of batch) groups.set(`${r.assetId}|${readingDay(r.intervalStart)}`, (groups.get(`${r.assetId}|${readingDay(r.intervalStart)}`) ?? 0) + 1);
    return [...groups.values()];
  };

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('bst');
    meters = [];
    await atTime(COMMISSIONED_AT, async () => {
      for (let i = 0; i < 4; i++) meters.push(await registerAsset(net, cast.prosumer, cast.dso, { assetId: `bs-${i}`, zone: 'zone-bs', capacityKw: 10 }));
    });
  });
  afterAll(() => net.close());

  it('writes one private chunk per READINGS_PER_CHUNK readings and one public record per reading; every reading is found again', async () => {
    const batch = meters.slice(0, 2).flatMap((meter, m) => Array.from({ length: 60 }, (_, k) => reading(meter, pastInterval(k), 1000 * m + k)));
    const tx = await endorse(batch);
    const readingRecords = tx.rwset.writes.filter((w) => w.key.split('\u0000')[1] === 'obe.reading.hash');
    expect(readingRecords).toHaveLength(120);
    const chunks = tx.rwset.collections.flatMap((c) => c.hashedWrites.map(() => c.collection));
    // 120 readings in one collection: three chunks, plus one private zone delta per interval touched (60).
    expect(chunks.filter((c) => c === 'readings_UtilityMSP')).toHaveLength(Math.ceil(120 / READINGS_PER_CHUNK) + 60);
    // Reads: one range read per meter and day holding RANGE_READ_FROM or more of the batch's readings, else point reads.
    const groups = dayGroups(batch);
    expect(groups.some((n) => n >= RANGE_READ_FROM)).toBe(true);
    expect(tx.rwset.rangeQueries).toHaveLength(groups.filter((n) => n >= RANGE_READ_FROM).length);
    expect(tx.rwset.reads.filter((r) => r.key.includes('obe.reading.hash'))).toHaveLength(groups.filter((n) => n < RANGE_READ_FROM).reduce((a, n) => a + n, 0));
    await net.fabric.commit(tx);

    const leaves = new Set<number>();
    for (const [m, meter] of meters.slice(0, 2).entries()) {
      for (const k of [0, 1, 29, 49, 50, 59]) {
        const record = await hashOf(meter, pastInterval(k));
        expect(record).toMatchObject({ txId: tx.txId, collection: 'readings_UtilityMSP' });
        leaves.add(record.leaf);
        expect((await valuesOf(meter, pastInterval(k))).reading).toMatchObject({ intervalStart: pastInterval(k), importedWh: 1000 * m + k });
      }
    }
    expect(leaves.size).toBe(12);
    expect(Math.max(...leaves)).toBeGreaterThanOrEqual(2 * READINGS_PER_CHUNK);
  });

  it('finds duplicates across batches with one range read per meter and day, and writes nothing for them', async () => {
    const batch = meters.slice(0, 2).flatMap((meter, m) => Array.from({ length: 60 }, (_, k) => reading(meter, pastInterval(k), 1000 * m + k)));
    const again = await endorse(batch);
    expect(again.rwset.writes).toEqual([]);
    expect(again.rwset.collections.every((c) => c.hashedWrites.length === 0)).toBe(true);
    const groups = dayGroups(batch);
    expect(again.rwset.rangeQueries).toHaveLength(groups.filter((n) => n >= RANGE_READ_FROM).length);
    expect(again.rwset.reads.filter((r) => r.key.includes('obe.reading.hash'))).toHaveLength(groups.filter((n) => n < RANGE_READ_FROM).reduce((a, n) => a + n, 0));
    // With another salt the public hashes differ: each of the 120 is compared with its private value, the chunks read
    // once per transaction however many of their readings are looked up.
    const salted = await endorse(batch, 'a-different-salt-of-at-least-thirty-two-chars');
    expect(salted.rwset.writes).toEqual([]);
    expect(salted.rwset.collections.filter((c) => c.collection === 'readings_UtilityMSP').flatMap((c) => c.hashedReads)).toHaveLength(Math.ceil(120 / READINGS_PER_CHUNK));
    // Mixed with new readings: the old ones are duplicates, the new ones are stored.
    const mixed = [...batch.slice(0, 5), reading(meters[0], pastInterval(70), 7), reading(meters[2], pastInterval(0), 8)];
    expect(await submit(mixed)).toMatchObject({ accepted: 2, duplicates: 5 });
    expect((await valuesOf(meters[0], pastInterval(70))).reading.importedWh).toBe(7);
  });

  it('refuses a reading that contradicts a recorded one found by the day range read, naming its index', async () => {
    // Five intervals of one meter: a range read (or two, across midnight) finds the contradiction at index 1.
    const batch = [3, 4, 5, 6, 7].map((k) => reading(meters[1], pastInterval(k), k === 4 ? 999_999 : 1000 + k));
    await expectRefused(net, () => submit(batch), 'CONFLICT', /reading\[1\]: asset 'bs-1' already has a different reading/);
    // With a new salt an identical reading is still a duplicate: the private value is compared.
    expect(await submit([reading(meters[1], pastInterval(3), 1003), reading(meters[1], pastInterval(2), 1002)], 'another-salt-of-at-least-thirty-two-chars')).toMatchObject({
      accepted: 0,
      duplicates: 2,
    });
  });

  it('refuses with the first broken rule in reading order, though the signatures are verified together', async () => {
    const t = pastInterval(400);
    const forged = (r: SignedReadingInput) => ({ ...r, importedWh: r.importedWh + 1 });
    const batch = () => meters.map((meter, i) => reading(meter, t - i * INTERVAL_MS, 10 + i));
    // A forged signature at 1 comes before an unknown asset at 3, and an unknown asset at 1 before a forgery at 3.
    let b = batch();
    b[1] = forged(b[1]);
    b[3] = { ...b[3], assetId: 'ghost' };
    await expectRefused(net, () => submit(b), 'FORBIDDEN', /^.*reading\[1\]: the signature does not verify/);
    b = batch();
    b[1] = { ...b[1], assetId: 'ghost' };
    b[3] = forged(b[3]);
    await expectRefused(net, () => submit(b), 'NOT_FOUND', /reading\[1\]: asset 'ghost' does not exist/);
    // Within one reading the signature comes before the capacity rule; the capacity rule of an earlier reading first.
    b = batch();
    b[2] = forged(reading(meters[2], t - 2 * INTERVAL_MS, 0, 10_000_000));
    await expectRefused(net, () => submit(b), 'FORBIDDEN', /reading\[2\]: the signature does not verify/);
    b = batch();
    b[0] = reading(meters[0], t, 0, 10_000_000);
    b[2] = forged(b[2]);
    await expectRefused(net, () => submit(b), 'RULE_VIOLATION', /reading\[0\]: exported 10000000 Wh exceeds/);
    // A contradiction inside the batch at 2 comes before a forgery at 3.
    b = batch();
    b[2] = reading(meters[0], t, 11);
    b[3] = forged(b[3]);
    await expectRefused(net, () => submit(b), 'CONFLICT', /reading\[2\]: differs from reading\[0\]/);
    expect(await submit(batch())).toMatchObject({ accepted: 4, duplicates: 0 });
  });

  it('never commits two concurrent batches that both record the same meter and interval (point read or day range read)', async () => {
    const t = pastInterval(200);
    for (const [name, extra] of [
      ['point read', [] as number[]],
      ['day range read', [1, 2, 3].map((k) => k * INTERVAL_MS)],
    ] as const) {
      const meter = name === 'point read' ? meters[2] : meters[3];
      const first = await endorse([reading(meter, t, 1), ...extra.map((d) => reading(meter, t - d, 5))]);
      const second = await endorse([reading(meter, t, 2), ...extra.map((d) => reading(meter, t - 4 * INTERVAL_MS - d, 6))]);
      const outcomes = await Promise.allSettled([net.fabric.commit(first), net.fabric.commit(second)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      const failure = (outcomes[1] as PromiseRejectedResult).reason as TxValidationError;
      expect(failure).toBeInstanceOf(TxValidationError);
      expect(failure.message).toMatch(name === 'point read' ? /MVCC_READ_CONFLICT/ : /PHANTOM_READ_CONFLICT|MVCC_READ_CONFLICT/);
      expect((await valuesOf(meter, t)).reading.importedWh).toBe(1);
    }
  });

  it('lets concurrent batches of different meters on the same day commit: the range covers one meter only', async () => {
    const t = pastInterval(300);
    const endorsed = await Promise.all(meters.map((meter, i) => endorse([reading(meter, t, 10 + i), reading(meter, t - INTERVAL_MS, 20 + i)])));
    const results = await Promise.all(endorsed.map((tx) => net.fabric.commit(tx)));
    for (const r of results) expect(net.fabric.txStatus('energy', r.txId)?.validationCode).toBe('VALID');
  });
});
