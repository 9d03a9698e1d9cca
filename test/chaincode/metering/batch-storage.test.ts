/**
 * Batched reading storage (metering/store.ts, docs/adr/0009 and 0012): private chunks per batch and collection, one
 * public record per RUN of a batch's consecutive readings of one meter (one collection, one owner, one block — a UTC
 * day, BLOCK_MS — and one chunk), duplicate detection by one range read per meter and block. These tests pin what the layout must keep:
 * every reading findable by (meter, interval) with the same public view as a record per reading, duplicates and
 * contradictions caught within a batch, across batches and between concurrent batches, and exactly the state
 * operations the design promises.
 */
import { createHash } from 'node:crypto';
import { BLOCK_MS, READINGS_PER_CHUNK, readingBlock } from '../../../chaincode/src/metering/store';
import { readingSigningPayload, type ReadingHashRecord, type ReadingRunRecord } from '../../../chaincode/src/metering/reading';
import { TxValidationError, type EndorsedTx } from '@obe/fabric-embedded';
import {
  atTime,
  DAY_MS,
  expectRefused,
  GRID,
  INTERVAL_MS,
  ObeNet,
  profilesTransient,
  readingsTransient,
  registerAsset,
  REGULATOR,
  signProfile,
  signReading,
  UTILITY,
  type Actor,
  type Cast,
  type Meter,
  type SignedReadingInput,
} from '../support';
import { TX } from '@obe/chaincode';

const NOW = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
const ENDORSERS = [GRID, REGULATOR];
/** A block is a UTC day: each test takes its own days, well in the past and after commissioning. */
const COMMISSIONED_AT = NOW - 30 * DAY_MS;
/**
 * The start of the block (UTC midnight) `daysBack` days before NOW, one per test (the next block, `+ BLOCK_MS`, is the
 * next day: a test that reaches into it owns that day too), so that no two tests share a meter's block. Every reading
 * is placed relative to a block start, never to NOW, so which readings share a block does not depend on the time of day.
 */
const block = (daysBack: number) => readingBlock(NOW - daysBack * DAY_MS);
const at = (blockStart: number, k: number) => blockStart + k * INTERVAL_MS;
/** Intervals per block: interval k of a block start b is in the next block from k = BLOCK_INTERVALS on. */
const BLOCK_INTERVALS = BLOCK_MS / INTERVAL_MS;
const PROFILE_METERS = 100;
const PROFILE_INTERVALS = 96;

const typeOf = (key: string) => key.split('\u0000')[1];
/** The run records a transaction writes, decoded, by asset and first interval. */
const runsWritten = (tx: EndorsedTx): ReadingRunRecord[] =>
  tx.rwset.writes
    .filter((w) => typeOf(w.key) === 'obe.reading.run')
    .map((w) => JSON.parse(Buffer.from(w.value ?? '', 'base64').toString('utf8')) as ReadingRunRecord)
    .sort((a, b) => (a.assetId === b.assetId ? a.intervalStart - b.intervalStart : a.assetId < b.assetId ? -1 : 1));
/** Every reading of those runs as the per-reading public view. */
const viewsOf = (runs: readonly ReadingRunRecord[]): ReadingHashRecord[] =>
  runs.flatMap((run) =>
    run.hashes.map((hash, i) => ({ assetId: run.assetId, intervalStart: run.intervalStart + i * run.stepMs, hash, collection: run.collection, txId: run.txId, leaf: run.leaf + i })),
  );

/**
 * The runs a batch must make, derived from the rules alone: readings of one collection in (asset, interval) order
 * take leaves 0, 1, …; a run starts at the first reading, at a new asset, owner, block or chunk, and after a gap.
 */
function expectedRunStarts(readings: readonly { assetId: string; intervalStart: number; owner?: string }[]): { assetId: string; intervalStart: number; leaf: number; length: number }[] {
  const sorted = [...readings].sort((a, b) => (a.assetId === b.assetId ? a.intervalStart - b.intervalStart : a.assetId < b.assetId ? -1 : 1));
  const runs: { assetId: string; intervalStart: number; leaf: number; length: number }[] = [];
  for (const [leaf, r] of sorted.entries()) {
    const prev = sorted[leaf - 1];
    const starts =
      leaf === 0 ||
      leaf % READINGS_PER_CHUNK === 0 ||
      prev.assetId !== r.assetId ||
      prev.owner !== r.owner ||
      r.intervalStart !== prev.intervalStart + INTERVAL_MS ||
      Math.floor(r.intervalStart / BLOCK_MS) !== Math.floor(prev.intervalStart / BLOCK_MS);
    if (starts) runs.push({ assetId: r.assetId, intervalStart: r.intervalStart, leaf, length: 1 });
    else runs[runs.length - 1].length++;
  }
  return runs;
}

describe('reading runs: batched reading storage', () => {
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
  const hashOf = (meter: Meter | string, intervalStart: number) =>
    net.evaluate<ReadingHashRecord>(cast.regulator.identity, TX.Metering.GetReadingHash, [typeof meter === 'string' ? meter : meter.assetId, String(intervalStart)]);
  const valuesOf = (meter: Meter | string, intervalStart: number) =>
    net.evaluate<{ reading: { assetId: string; importedWh: number; intervalStart: number; exportedWh: number; sequence: number }; hash: string; salt: string; collection: string; owner?: string }>(
      cast.regulator.identity,
      TX.Metering.GetReading,
      [typeof meter === 'string' ? meter : meter.assetId, String(intervalStart)],
    );
  /** Reading values and public view agree: the hash covers the stored reading with its own salt. */
  const expectReadable = async (meter: Meter, intervalStart: number, importedWh: number) => {
    const [record, view] = await Promise.all([hashOf(meter, intervalStart), valuesOf(meter, intervalStart)]);
    expect(view.reading).toMatchObject({ assetId: meter.assetId, intervalStart, importedWh });
    expect(view.hash).toBe(record.hash);
    expect(record.hash).toBe(createHash('sha256').update(`${view.salt}\n${readingSigningPayload(view.reading)}`).digest('hex'));
    return { record, view };
  };
  const newMeter = (owner: Actor, assetId: string) => atTime(COMMISSIONED_AT, () => registerAsset(net, owner, cast.dso, { assetId, zone: 'zone-bs', capacityKw: 10 }));

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('bst');
    meters = [];
    await atTime(COMMISSIONED_AT, async () => {
      for (let i = 0; i < 4; i++) meters.push(await registerAsset(net, cast.prosumer, cast.dso, { assetId: `bs-${i}`, zone: 'zone-bs', capacityKw: 10 }));
    });
  });
  afterAll(() => net.close());

  it('stores a 100 × 96 load profile batch as one public record per run and one range read per meter and block; every reading is found again', async () => {
    const fleet: Meter[] = [];
    await atTime(COMMISSIONED_AT, async () => {
      for (let i = 0; i < PROFILE_METERS; i++) fleet.push(await registerAsset(net, cast.prosumer, cast.dso, { assetId: `pf-${String(i).padStart(3, '0')}`, zone: 'zone-pf', capacityKw: 10 }));
    });
    // Three intervals into a UTC day (days 28 and 27 back): each meter's 96 intervals span two blocks (93 + 3).
    const first = at(block(28), 3);
    const offset = (first - readingBlock(first)) / INTERVAL_MS;
    expect(offset).toBe(3);
    const piecesPerMeter = Math.ceil((offset + PROFILE_INTERVALS) / BLOCK_INTERVALS);
    const valueOf = (m: number, k: number) => 1000 * m + k;
    const profiles = fleet.map((meter, m) =>
      signProfile(meter.device, {
        assetId: meter.assetId,
        readings: Array.from({ length: PROFILE_INTERVALS }, (_, k) => ({ intervalStart: at(first, k), importedWh: valueOf(m, k), exportedWh: 0, sequence: k })),
      }),
    );
    const tx = await net.endorse(cast.dso.identity, TX.Metering.SubmitProfiles, [], { transient: profilesTransient(profiles), endorsingOrgs: ENDORSERS });

    const readings = profiles.flatMap((p) => p.readings.map((r) => ({ assetId: p.assetId, intervalStart: r.intervalStart })));
    const expected = expectedRunStarts(readings);
    const groups = new Set(readings.map((r) => `${r.assetId}|${readingBlock(r.intervalStart)}`));
    expect(groups.size).toBe(PROFILE_METERS * piecesPerMeter);
    expect(groups.size).toBe(200);
    // The block pieces, and every chunk boundary (every 50 leaves) that falls inside a piece splits it once more: a
    // piece starts at leaf 96m or 96m + 93, so of the 191 boundaries in 9,600 leaves only 2,400, 4,800 and 7,200 (a
    // meter's first reading) split nothing.
    const pieceStarts = new Set(Array.from({ length: PROFILE_METERS }, (_, m) => [m * PROFILE_INTERVALS, m * PROFILE_INTERVALS + BLOCK_INTERVALS - offset]).flat());
    const chunkSplits = Array.from({ length: Math.ceil(readings.length / READINGS_PER_CHUNK) - 1 }, (_, i) => (i + 1) * READINGS_PER_CHUNK).filter((leaf) => !pieceStarts.has(leaf));
    expect(expected).toHaveLength(PROFILE_METERS * piecesPerMeter + chunkSplits.length);
    expect(expected).toHaveLength(200 + 188);
    const runs = runsWritten(tx);
    expect(runs.map(({ assetId, intervalStart, leaf, hashes }) => ({ assetId, intervalStart, leaf, length: hashes.length }))).toEqual(
      expect.arrayContaining(expected),
    );
    expect(runs).toHaveLength(expected.length);
    // Public writes: the runs and one marker per zone interval; private: one value per chunk and per zone interval.
    expect(tx.rwset.writes).toHaveLength(expected.length + PROFILE_INTERVALS);
    const hashed = tx.rwset.collections.flatMap((c) => c.hashedWrites.map(() => c.collection));
    expect(hashed).toEqual(Array(Math.ceil(readings.length / READINGS_PER_CHUNK) + PROFILE_INTERVALS).fill('readings_UtilityMSP'));
    // Reads of readings: one range read per (meter, block), no point read of a run.
    expect(tx.rwset.rangeQueries).toHaveLength(groups.size);
    expect(tx.rwset.reads.filter((r) => typeOf(r.key) === 'obe.reading.run')).toEqual([]);
    await net.fabric.commit(tx);

    // Every reading is found again with the per-reading view: its leaf is its place in (meter, interval) order.
    const views = viewsOf(runs);
    expect(views).toHaveLength(readings.length);
    for (const [m, meter] of fleet.entries()) {
      const mine = views.filter((v) => v.assetId === meter.assetId).sort((a, b) => a.intervalStart - b.intervalStart);
      expect(mine.map((v) => [v.intervalStart, v.leaf])).toEqual(Array.from({ length: PROFILE_INTERVALS }, (_, k) => [at(first, k), m * PROFILE_INTERVALS + k]));
    }
    const answers = await Promise.all(views.map((v) => hashOf(v.assetId, v.intervalStart)));
    expect(answers).toEqual(views.map((v) => ({ ...v, txId: tx.txId, collection: 'readings_UtilityMSP' })));
    // Values on both sides of every boundary (block and chunk) of the first meters, and their first and last.
    for (const m of [0, 1, 2]) {
      const starts = expected.filter((r) => r.assetId === fleet[m].assetId).map((r) => (r.intervalStart - first) / INTERVAL_MS);
      expect(starts).toEqual(expect.arrayContaining([0, BLOCK_INTERVALS - offset]));
      expect(starts.length).toBeGreaterThan(piecesPerMeter); // a chunk boundary too (leaf 50, 100 and 150, 200 and 250)
      const ks = new Set([0, PROFILE_INTERVALS - 1, ...starts.flatMap((k) => (k > 0 ? [k - 1, k] : []))]);
      for (const k of ks) await expectReadable(fleet[m], at(first, k), valueOf(m, k));
    }
    // Intervals next to the run but not in it have no reading.
    await expect(hashOf(fleet[0], at(first, -1))).rejects.toThrow('[NOT_FOUND]');
    await expect(hashOf(fleet[0], at(first, PROFILE_INTERVALS))).rejects.toThrow('[NOT_FOUND]');
  });

  describe('a run ends', () => {
    it('at a block boundary (UTC midnight) and at a gap', async () => {
      const b = block(26); // and the next day
      const meter = meters[0];
      const N = BLOCK_INTERVALS;
      // N-2, N-1 | N, N+1 (the block boundary at N, the next day's first interval) and N+4, N+5 | N+7 (gap).
      const ks = [N - 2, N - 1, N, N + 1, N + 4, N + 5, N + 7];
      expect(b % DAY_MS).toBe(0); // UTC midnight
      expect(readingBlock(at(b, N - 1))).toBe(b);
      expect(readingBlock(at(b, N))).toBe(b + DAY_MS);
      const tx = await endorse(ks.map((k) => reading(meter, at(b, k), 500 + k)));
      expect(runsWritten(tx).map((r) => [(r.intervalStart - b) / INTERVAL_MS, r.hashes.length])).toEqual([
        [N - 2, 2],
        [N, 2],
        [N + 4, 2],
        [N + 7, 1],
      ]);
      expect(runsWritten(tx)).toHaveLength(expectedRunStarts(ks.map((k) => ({ assetId: meter.assetId, intervalStart: at(b, k) }))).length);
      await net.fabric.commit(tx);
      for (const k of ks) await expectReadable(meter, at(b, k), 500 + k);
      for (const k of [N - 3, N + 2, N + 3, N + 6, N + 8]) await expect(hashOf(meter, at(b, k))).rejects.toThrow('[NOT_FOUND]');
    });

    it('at a chunk boundary, inside a block', async () => {
      const b = block(24);
      // bs-0 takes leaves 0..44 (45 readings, one run); bs-1's 10 readings of one block take 45..54 and split at leaf 50.
      const batch = [
        ...Array.from({ length: 45 }, (_, k) => reading(meters[0], at(b, k), 600 + k)),
        ...Array.from({ length: 10 }, (_, k) => reading(meters[1], at(b, k), 700 + k)),
      ];
      const tx = await endorse(batch);
      expect(runsWritten(tx).filter((r) => r.assetId === meters[0].assetId).map((r) => [(r.intervalStart - b) / INTERVAL_MS, r.hashes.length, r.leaf])).toEqual([[0, 45, 0]]);
      const ofSecond = runsWritten(tx).filter((r) => r.assetId === meters[1].assetId);
      expect(ofSecond.map((r) => [(r.intervalStart - b) / INTERVAL_MS, r.hashes.length, r.leaf])).toEqual([
        [0, 5, 45],
        [5, 5, 50],
      ]);
      expect(runsWritten(tx)).toHaveLength(expectedRunStarts(batch).length);
      await net.fabric.commit(tx);
      for (const k of [3, 4, 5, 6, 9]) {
        const { record } = await expectReadable(meters[1], at(b, k), 700 + k);
        expect(record.leaf).toBe(45 + k);
      }
    });

    it('at a change of owner within one org (same collection)', async () => {
      const seller = await net.participant(UTILITY, 'bs-seller', ['PROSUMER']);
      const buyer = await net.participant(UTILITY, 'bs-buyer', ['PROSUMER']);
      const meter = await newMeter(seller, 'bs-sold');
      const b = block(23);
      await atTime(at(b, 2) - 1, () => net.submit(seller.identity, TX.Registry.OfferTransfer, [{ assetId: meter.assetId, to: buyer.pseudonym }]));
      await atTime(at(b, 2), () => net.submit(buyer.identity, TX.Registry.AcceptTransfer, [{ assetId: meter.assetId }]));
      const tx = await endorse([0, 1, 2, 3].map((k) => reading(meter, at(b, k), 800 + k)));
      expect(runsWritten(tx).map((r) => [(r.intervalStart - b) / INTERVAL_MS, r.hashes.length, r.collection])).toEqual([
        [0, 2, 'readings_UtilityMSP'],
        [2, 2, 'readings_UtilityMSP'],
      ]);
      await net.fabric.commit(tx);
      for (const k of [0, 1, 2, 3]) {
        const { view } = await expectReadable(meter, at(b, k), 800 + k);
        expect(view.owner).toBe(k < 2 ? seller.pseudonym : buyer.pseudonym);
      }
      // Each owner reads its own side only.
      await expect(net.evaluate(buyer.identity, TX.Metering.GetReading, [meter.assetId, String(at(b, 1))])).rejects.toThrow('[FORBIDDEN]');
      await expect(net.evaluate(buyer.identity, TX.Metering.GetReading, [meter.assetId, String(at(b, 2))])).resolves.toBeDefined();
      await expect(net.evaluate(seller.identity, TX.Metering.GetReading, [meter.assetId, String(at(b, 1))])).resolves.toBeDefined();
    });

    it('at a change of collection (a transfer to another org)', async () => {
      const meter = await newMeter(cast.generator, 'bs-moved');
      const b = block(22);
      await atTime(at(b, 2) - 1, () => net.submit(cast.generator.identity, TX.Registry.OfferTransfer, [{ assetId: meter.assetId, to: cast.prosumer.pseudonym }]));
      await atTime(at(b, 2), () => net.submit(cast.prosumer.identity, TX.Registry.AcceptTransfer, [{ assetId: meter.assetId }]));
      const tx = await endorse([0, 1, 2, 3].map((k) => reading(meter, at(b, k), 900 + k)));
      expect(runsWritten(tx).map((r) => [(r.intervalStart - b) / INTERVAL_MS, r.hashes.length, r.collection, r.leaf])).toEqual(
        expect.arrayContaining([
          [0, 2, 'readings_GridOperatorMSP', 0],
          [2, 2, 'readings_UtilityMSP', 0],
        ]),
      );
      expect(runsWritten(tx)).toHaveLength(2);
      await net.fabric.commit(tx);
      for (const k of [0, 1, 2, 3]) {
        const { view } = await expectReadable(meter, at(b, k), 900 + k);
        expect(view.collection).toBe(k < 2 ? 'readings_GridOperatorMSP' : 'readings_UtilityMSP');
      }
    });
  });

  describe('duplicates and conflicts', () => {
    it('counts a reading repeated within a batch once and refuses a different one for the same interval', async () => {
      const b = block(21);
      expect(await submit([reading(meters[2], at(b, 0), 1), reading(meters[2], at(b, 1), 2), reading(meters[2], at(b, 0), 1)])).toMatchObject({ accepted: 2, duplicates: 1 });
      await expectRefused(net, () => submit([reading(meters[2], at(b, 5), 1), reading(meters[2], at(b, 5), 2)]), 'CONFLICT', /reading\[1\]: differs from reading\[0\]/);
    });

    it('finds a whole run again with one range read and writes nothing; a new salt compares the private values', async () => {
      const b = block(20);
      const batch = Array.from({ length: 16 }, (_, k) => reading(meters[2], at(b, k), 100 + k));
      expect(await submit(batch)).toMatchObject({ accepted: 16, duplicates: 0 });
      const again = await endorse(batch);
      expect(again.rwset.writes).toEqual([]);
      expect(again.rwset.collections.every((c) => c.hashedWrites.length === 0)).toBe(true);
      expect(again.rwset.rangeQueries).toHaveLength(1);
      expect(again.rwset.reads.filter((r) => typeOf(r.key) === 'obe.reading.run')).toEqual([]);
      expect(await submit(batch)).toMatchObject({ accepted: 0, duplicates: 16 });
      // With another salt the public hashes differ: each reading is compared with its private value, the one chunk read once.
      const salted = await endorse(batch, 'a-different-salt-of-at-least-thirty-two-chars');
      expect(salted.rwset.writes).toEqual([]);
      expect(salted.rwset.collections.filter((c) => c.collection === 'readings_UtilityMSP').flatMap((c) => c.hashedReads)).toHaveLength(1);
    });

    it('takes a batch overlapping a run: the repeated intervals are duplicates, the new ones recorded', async () => {
      const b = block(19); // and the next day
      const meter = meters[3];
      const N = BLOCK_INTERVALS;
      // The day's last 16 intervals, N-16..N-1, recorded; then N-13..N+4 (18 intervals), 5 of them the next day's.
      expect(await submit(Array.from({ length: 16 }, (_, j) => reading(meter, at(b, N - 16 + j), 200 + j)))).toMatchObject({ accepted: 16 });
      const overlap = Array.from({ length: 18 }, (_, j) => reading(meter, at(b, N - 13 + j), 200 + j + 3));
      expect(new Set(overlap.map((r) => readingBlock(r.intervalStart)))).toEqual(new Set([b, b + BLOCK_MS]));
      const tx = await endorse(overlap);
      // Intervals N..N+4 lie in the next block: one new run there; two range reads (one per block).
      expect(runsWritten(tx).map((r) => [(r.intervalStart - b) / INTERVAL_MS, r.hashes.length])).toEqual([[N, 5]]);
      expect(tx.rwset.rangeQueries).toHaveLength(2);
      expect(await submit(overlap)).toMatchObject({ accepted: 5, duplicates: 13 });
      await expectReadable(meter, at(b, N - 1), 215);
      await expectReadable(meter, at(b, N + 4), 220);
      // The brief's case exactly: 3..10 again with 16..20 new → 8 duplicates, 5 new.
      const b2 = block(17);
      expect(await submit(Array.from({ length: 16 }, (_, k) => reading(meter, at(b2, k), 300 + k)))).toMatchObject({ accepted: 16 });
      const mixed = [...[3, 4, 5, 6, 7, 8, 9, 10].map((k) => reading(meter, at(b2, k), 300 + k)), ...[16, 17, 18, 19, 20].map((k) => reading(meter, at(b2, k), 300 + k))];
      expect(await submit(mixed)).toMatchObject({ accepted: 5, duplicates: 8 });
      for (const k of [0, 3, 10, 15, 16, 20]) await expectReadable(meter, at(b2, k), 300 + k);
    });

    it('refuses a reading that contradicts one inside a recorded run, naming its index', async () => {
      const b = block(15); // and the day before
      const meter = meters[1];
      expect(await submit(Array.from({ length: 16 }, (_, k) => reading(meter, at(b, k), 400 + k)))).toMatchObject({ accepted: 16 });
      // A new reading of the previous block (the day before's last interval) comes first in the refused batch.
      const before = at(b, -1);
      expect(readingBlock(before)).toBe(b - BLOCK_MS);
      await expectRefused(
        net,
        () => submit([reading(meter, before, 1), reading(meter, at(b, 6), 406), reading(meter, at(b, 7), 999_999)]),
        'CONFLICT',
        /reading\[2\]: asset 'bs-1' already has a different reading for the interval starting/,
      );
      // Nothing of the refused batch was kept.
      await expect(hashOf(meter, before)).rejects.toThrow('[NOT_FOUND]');
      expect((await valuesOf(meter, at(b, 7))).reading.importedWh).toBe(407);
    });
  });

  it('refuses with the first broken rule in reading order, though the signatures are verified together', async () => {
    const t = at(block(14), 5);
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

  describe('concurrent batches', () => {
    it('never commits two that both record the same meter and interval', async () => {
      const t = at(block(13), 4);
      const first = await endorse([reading(meters[2], t, 1)]);
      const second = await endorse([reading(meters[2], t, 2)]);
      const outcomes = await Promise.allSettled([net.fabric.commit(first), net.fabric.commit(second)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(TxValidationError);
      expect((await valuesOf(meters[2], t)).reading.importedWh).toBe(1);
    });

    it('conflict when they hold several intervals of the same meter in the same block, hours apart on one UTC day (a phantom read): the later is invalid', async () => {
      const b = block(12);
      const N = BLOCK_INTERVALS;
      // The day's first three intervals and its last three: no interval in common, the same block.
      const late = [N - 3, N - 2, N - 1];
      expect(new Set([0, 1, 2, ...late].map((k) => readingBlock(at(b, k))))).toEqual(new Set([b]));
      const first = await endorse([0, 1, 2].map((k) => reading(meters[3], at(b, k), 10)));
      const second = await endorse(late.map((k) => reading(meters[3], at(b, k), 20)));
      const outcomes = await Promise.allSettled([net.fabric.commit(first), net.fabric.commit(second)]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
      const failure = (outcomes[1] as PromiseRejectedResult).reason as TxValidationError;
      expect(failure).toBeInstanceOf(TxValidationError);
      expect(failure.message).toMatch(/PHANTOM_READ_CONFLICT/);
      await expect(hashOf(meters[3], at(b, N - 3))).rejects.toThrow('[NOT_FOUND]');
      // Retried (what the gateway does), it is recorded.
      expect(await submit(late.map((k) => reading(meters[3], at(b, k), 20)))).toMatchObject({ accepted: 3 });
      await expectReadable(meters[3], at(b, N - 1), 20);
    });

    it('do not conflict when each holds one reading of the meter in the block (interval-major head-end batches in flight)', async () => {
      const b = block(11);
      // Four quarter-hours of the same two meters endorsed before any commits, as a catching-up head-end sends them.
      const endorsed = [];
      for (const k of [0, 1, 2, 3]) endorsed.push(await endorse([reading(meters[0], at(b, k), 70 + k), reading(meters[1], at(b, k), 80 + k)]));
      for (const tx of endorsed) expect(tx.rwset.rangeQueries).toHaveLength(2); // the runs of several readings, per meter
      const results = await Promise.all(endorsed.map((tx) => net.fabric.commit(tx)));
      for (const r of results) expect(net.fabric.txStatus('energy', r.txId)?.validationCode).toBe('VALID');
      for (const k of [0, 1, 2, 3]) await expectReadable(meters[1], at(b, k), 80 + k);
      // A batch with one reading of that block, endorsed before a run of several committed there, is a phantom read,
      // however far apart on the UTC day the two are.
      const single = await endorse([reading(meters[0], at(b, 8), 1)]);
      const lastTwo = [BLOCK_INTERVALS - 2, BLOCK_INTERVALS - 1];
      expect(lastTwo.map((k) => readingBlock(at(b, k)))).toEqual([b, b]);
      const several = await endorse(lastTwo.map((k) => reading(meters[0], at(b, k), 2)));
      await net.fabric.commit(several);
      await expect(net.fabric.commit(single)).rejects.toThrow(/PHANTOM_READ_CONFLICT/);
    });

    it('both commit when they hold the same meter in different blocks, or different meters in the same block', async () => {
      const b = block(10); // and the next day
      const N = BLOCK_INTERVALS;
      // The same meter's consecutive quarter-hours astride UTC midnight are in different blocks.
      expect(readingBlock(at(b, N - 1))).toBe(b);
      expect(readingBlock(at(b, N))).toBe(b + BLOCK_MS);
      const pairs = [
        [[N - 2, N - 1].map((k) => reading(meters[0], at(b, k), 30)), [N, N + 1].map((k) => reading(meters[0], at(b, k), 31))],
        [[2, 3].map((k) => reading(meters[1], at(b, k), 32)), [2, 3].map((k) => reading(meters[2], at(b, k), 33))],
      ];
      for (const [a, c] of pairs) {
        const endorsed = [await endorse(a), await endorse(c)];
        const results = await Promise.all(endorsed.map((tx) => net.fabric.commit(tx)));
        for (const r of results) expect(net.fabric.txStatus('energy', r.txId)?.validationCode).toBe('VALID');
      }
      await expectReadable(meters[0], at(b, N - 1), 30);
      await expectReadable(meters[0], at(b, N + 1), 31);
      await expectReadable(meters[2], at(b, 3), 33);
    });
  });

  it('looks a reading up as a run of one first, then among the block\u2019s runs of several; later readings leave either lookup valid', async () => {
    // A head-end reporting interval by interval makes runs of one: a lookup is one point read, and a transaction that
    // made it (a settlement) is not invalidated by the meter's later readings in the block.
    const b = block(8);
    for (const k of [0, 1, 2]) await submit([reading(meters[0], at(b, k), 50 + k)]);
    const single = await net.endorse(cast.regulator.identity, TX.Metering.GetReadingHash, [meters[0].assetId, String(at(b, 1))]);
    expect(single.rwset.reads.filter((r) => typeOf(r.key) === 'obe.reading.run')).toHaveLength(1);
    expect(single.rwset.rangeQueries).toEqual([]);
    expect(await submit([reading(meters[0], at(b, 3), 53)])).toMatchObject({ accepted: 1 });
    await net.fabric.commit(single);
    expect(net.fabric.txStatus('energy', single.txId)?.validationCode).toBe('VALID');
    // Inside a longer run: the point read misses, one range read over the block answers.
    const b2 = block(7);
    await submit([0, 1, 2, 3].map((k) => reading(meters[1], at(b2, k), 60 + k)));
    const inside = await net.endorse(cast.regulator.identity, TX.Metering.GetReadingHash, [meters[1].assetId, String(at(b2, 2))]);
    expect(inside.rwset.reads.filter((r) => typeOf(r.key) === 'obe.reading.run')).toHaveLength(1);
    expect(inside.rwset.rangeQueries).toHaveLength(1);
    // The range covers the block's runs of several readings: a later reading of the block reported alone leaves it valid.
    expect(await submit([reading(meters[1], at(b2, 5), 65)])).toMatchObject({ accepted: 1 });
    await net.fabric.commit(inside);
    expect(net.fabric.txStatus('energy', inside.txId)?.validationCode).toBe('VALID');
    for (const k of [0, 1, 2, 3]) await expectReadable(meters[1], at(b2, k), 60 + k);
  });
});
