/**
 * Erasure over reading runs (metering/erase.ts, docs/adr/0012): a chunk holding runs of the erased participant and of
 * others is purged and the others' readings written again; their runs must point at the new chunk so that every one
 * of them is still readable with its public hash unchanged, while the erased participant's values are gone.
 */
import { TX } from '@obe/chaincode';
import { relocatedRun } from '../../../chaincode/src/metering/erase';
import { READINGS_PER_CHUNK, readingBlock } from '../../../chaincode/src/metering/store';
import type { ReadingHashRecord, ReadingRunRecord } from '../../../chaincode/src/metering/reading';
import { atTime, DAY_MS, GRID, INTERVAL_MS, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, UTILITY, type Actor, type Cast, type Meter } from '../support';

const NOW = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
const ENDORSERS = [GRID, REGULATOR];

describe('erasure of readings stored as runs', () => {
  let net: ObeNet;
  let cast: Cast;
  let erased: Actor;
  let other: Actor;
  let erasedMeter: Meter;
  let otherMeter: Meter;
  const first = readingBlock(NOW - 3 * DAY_MS) + 2 * INTERVAL_MS;
  const ERASED_READINGS = 20;
  const OTHER_READINGS = 40;
  const at = (k: number) => first + k * INTERVAL_MS;

  const hashOf = (meter: Meter, intervalStart: number) => net.evaluate<ReadingHashRecord>(cast.regulator.identity, TX.Metering.GetReadingHash, [meter.assetId, String(intervalStart)]);
  const valuesOf = (meter: Meter, intervalStart: number) =>
    net.evaluate<{ reading: { importedWh: number }; hash: string }>(cast.regulator.identity, TX.Metering.GetReading, [meter.assetId, String(intervalStart)]);

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('err');
    erased = await net.participant(UTILITY, 'err-erased', ['PROSUMER']);
    other = await net.participant(UTILITY, 'err-other', ['PROSUMER']);
    await atTime(NOW - 8 * DAY_MS, async () => {
      // Asset ids sort the erased meter first: its 20 readings take leaves 0..19, the other's 40 take 20..59.
      erasedMeter = await registerAsset(net, erased, cast.dso, { assetId: 'err-a', zone: 'zone-err' });
      otherMeter = await registerAsset(net, other, cast.dso, { assetId: 'err-b', zone: 'zone-err' });
    });
  });
  afterAll(() => net.close());

  it('keeps every other reading readable with its hash after the shared chunk is rewritten; the erased values are gone', async () => {
    const reading = (meter: Meter, k: number, importedWh: number) =>
      signReading(meter.device, { assetId: meter.assetId, intervalStart: at(k), importedWh, exportedWh: 0, sequence: k });
    const batch = [
      ...Array.from({ length: ERASED_READINGS }, (_, k) => reading(erasedMeter, k, 44_000 + k)),
      ...Array.from({ length: OTHER_READINGS }, (_, k) => reading(otherMeter, k, 1000 + k)),
    ];
    await net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient(batch), endorsingOrgs: ENDORSERS });
    const before = new Map<number, ReadingHashRecord>();
    for (let k = 0; k < OTHER_READINGS; k++) before.set(k, await hashOf(otherMeter, at(k)));
    // Chunk 0 holds both participants' readings (runs of the erased meter and the other's first 30).
    expect(before.get(0)?.leaf).toBe(ERASED_READINGS);
    expect(before.get(OTHER_READINGS - 1)?.leaf).toBe(ERASED_READINGS + OTHER_READINGS - 1);
    const erasedHashes = await Promise.all(Array.from({ length: ERASED_READINGS }, (_, k) => hashOf(erasedMeter, at(k))));

    await net.submit(erased.identity, TX.Registry.DecommissionAsset, [{ assetId: erasedMeter.assetId }]);
    const result = await net.submit<{ purged: { readings: number } }>(erased.identity, TX.Participants.Erase, [{ pseudonym: erased.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    expect(result.purged).toMatchObject({ readings: ERASED_READINGS });

    // The other's readings of chunk 0 moved to the rewritten chunk, in order; those of chunk 1 stayed.
    const moved = READINGS_PER_CHUNK - ERASED_READINGS;
    for (let k = 0; k < OTHER_READINGS; k++) {
      const record = await hashOf(otherMeter, at(k));
      expect(record.hash).toBe(before.get(k)?.hash);
      expect(record.txId).toBe(before.get(k)?.txId);
      if (k < moved) expect(Math.floor(record.leaf / READINGS_PER_CHUNK)).toBeGreaterThanOrEqual(1000);
      else expect(record.leaf).toBe(before.get(k)?.leaf);
      const view = await valuesOf(otherMeter, at(k));
      expect(view.reading.importedWh).toBe(1000 + k);
      expect(view.hash).toBe(record.hash);
    }
    // The erased participant's public hashes stay (unlinkable once shredded); its values are gone for everyone.
    for (let k = 0; k < ERASED_READINGS; k++) {
      expect((await hashOf(erasedMeter, at(k))).hash).toBe(erasedHashes[k].hash);
      await expect(valuesOf(erasedMeter, at(k))).rejects.toThrow();
    }
  });

  it('splits a run only part of which moved, so that each reading keeps its own leaf', () => {
    const run: ReadingRunRecord = { assetId: 'm', intervalStart: 1000, stepMs: 10, hashes: ['a', 'b', 'c', 'd', 'e'], collection: 'c', txId: 't', leaf: 7 };
    expect(relocatedRun(run, [50_000, 50_001, 50_002, 50_003, 50_004])).toEqual([{ ...run, leaf: 50_000 }]);
    expect(relocatedRun(run, [undefined, undefined, 50_000, 50_001, undefined])).toEqual([
      { ...run, hashes: ['a', 'b'], leaf: 7 },
      { ...run, intervalStart: 1020, hashes: ['c', 'd'], leaf: 50_000 },
      { ...run, intervalStart: 1040, hashes: ['e'], leaf: 11 },
    ]);
    expect(relocatedRun(run, [undefined, undefined, undefined, undefined, undefined])).toEqual([run]);
  });
});
