/**
 * The packed private chunk (chaincode/src/metering/chunk.ts, docs/adr/0013-compact-reading-chunks.md): whatever the
 * chunk holds — profiles broken anywhere, readings signed alone, a missing owner or key period, a reading from another
 * transaction — reading it back gives exactly the StoredReadings that were packed, in order, and chunks in the first
 * layout are still read.
 */
import fc from 'fast-check';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import { packChunk, unpackChunk } from '../../../chaincode/src/metering/chunk';
import { packedChunkJson } from '../../../chaincode/src/metering/canonical';
import type { StoredReading } from '../../../chaincode/src/metering/reading';

const small = fc.integer({ min: 0, max: 3 });
const value = fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.maxSafeInteger());
/** Chunks shaped like the chaincode's: runs of one profile, broken by a change of any shared field. */
const chunk: fc.Arbitrary<StoredReading[]> = fc
  .array(
    fc.record({
      assetId: fc.constantFrom('m-1', 'm-2', 'm"3'),
      signature: fc.constantFrom('sig-a', 'sig-b'),
      owner: fc.option(fc.constantFrom('o-1', 'o-2'), { nil: undefined }),
      keyValidFrom: fc.option(fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'), { nil: undefined }),
      submittedAt: fc.constantFrom('2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z'),
      profile: fc.option(fc.record({ start: small, intervals: fc.constantFrom(4, 96), jump: fc.constantFrom(1, 1, 1, 0, 2) }), { nil: undefined }),
      intervalStart: value,
      importedWh: value,
      exportedWh: value,
      sequence: value,
      salt: fc.string({ maxLength: 64 }),
    }),
    { maxLength: 50 },
  )
  .map((entries) => {
    let position = 0;
    return entries.map(({ assetId, signature, owner, keyValidFrom, submittedAt, profile, intervalStart, importedWh, exportedWh, sequence, salt }) => {
      position = profile ? position + profile.jump : 0;
      const stored: StoredReading = {
        reading: { assetId, intervalStart, importedWh, exportedWh, sequence },
        signature,
        salt,
        submittedAt,
        ...(owner !== undefined ? { owner } : {}),
        ...(keyValidFrom !== undefined ? { keyValidFrom } : {}),
        ...(profile ? { profile: { start: profile.start, intervals: profile.intervals, position } } : {}),
      };
      return stored;
    });
  });

describe('packed reading chunks', () => {
  it('read back exactly what was packed, in order, and are written as canonical JSON', () => {
    fc.assert(
      fc.property(chunk, (readings) => {
        const json = packedChunkJson(readings);
        expect(json).toBe(canonicalJson(packChunk(readings)));
        expect(unpackChunk(JSON.parse(json))).toStrictEqual(readings);
      }),
      { numRuns: 500 },
    );
  });

  it('name a profile’s shared fields once: 50 readings of one profile are one group, under a fifth of the first layout', () => {
    const readings: StoredReading[] = Array.from({ length: 50 }, (_, k) => ({
      reading: { assetId: 'meter-000123', intervalStart: 1_780_000_000_000 + k * 900_000, importedWh: 1234, exportedWh: 56, sequence: 9_000 + k },
      signature: 'MEUCIQD'.padEnd(96, 'x'),
      salt: k.toString(16).padStart(64, '0'),
      submittedAt: '2026-12-01T00:15:03.123Z',
      owner: 'pseudonym-'.padEnd(64, 'p'),
      keyValidFrom: '2026-01-01T00:00:00.000Z',
      profile: { start: 1_780_000_000_000, intervals: 96, position: k },
    }));
    const packed = packChunk(readings);
    expect(packed.groups).toHaveLength(1);
    expect(packed.groups[0].position).toBe(0);
    expect(packedChunkJson(readings).length).toBeLessThan(canonicalJson({ readings }).length / 5);
  });

  it('never join readings signed alone, nor a profile broken by a gap, into one group', () => {
    const base = { signature: 's', salt: 'a', submittedAt: 't', owner: 'o' };
    const alone = (intervalStart: number): StoredReading => ({ ...base, reading: { assetId: 'm', intervalStart, importedWh: 1, exportedWh: 0, sequence: intervalStart } });
    expect(packChunk([alone(0), alone(1)]).groups).toHaveLength(2);
    const inProfile = (position: number): StoredReading => ({ ...alone(position), profile: { start: 0, intervals: 8, position } });
    expect(packChunk([inProfile(0), inProfile(1), inProfile(3)]).groups.map((g) => g.readings.length)).toEqual([2, 1]);
  });

  it('read chunks written in the first layout as they are', () => {
    fc.assert(
      fc.property(chunk, (readings) => {
        expect(unpackChunk(JSON.parse(canonicalJson({ readings })))).toStrictEqual(readings);
      }),
      { numRuns: 100 },
    );
  });
});
