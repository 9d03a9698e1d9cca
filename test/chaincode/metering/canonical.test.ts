/**
 * The reading path's field-by-field serializers (chaincode/src/metering/canonical.ts) must write exactly the bytes the
 * generic RFC 8785 serializer writes: every endorser must produce the same write set, and a reading's public hash and
 * a device's signed payload must not depend on which serializer built them.
 */
import fc from 'fast-check';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import { packedChunkJson, profileJson, readingJson, readingRunRecordJson, readingSaltLabelJson } from '../../../chaincode/src/metering/canonical';
import { packChunk, unpackChunk } from '../../../chaincode/src/metering/chunk';
import { PROFILE_DOMAIN, profileSigningPayload, readingOf, readingSigningPayload, type Reading, type StoredReading } from '../../../chaincode/src/metering/reading';

// Strings with escapes, quotes, control characters, astral and lone-surrogate code units.
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constantFrom('', '"', '\\', '\u2028', '\ud800', 'a\u0000b', '😀'));
const int = fc.oneof(fc.integer({ min: 0, max: 2_000_000 }), fc.maxSafeInteger(), fc.constant(0));
const profileReading = fc.record({ intervalStart: int, importedWh: int, exportedWh: int, sequence: int });
const reading = fc.record({ assetId: text, intervalStart: int, importedWh: int, exportedWh: int, sequence: int });
const ref = fc.record({ start: int, intervals: int, position: int });
const stored = fc.record(
  { reading, signature: text, salt: text, submittedAt: text, owner: text, keyValidFrom: text, profile: ref },
  { requiredKeys: ['reading', 'signature', 'salt', 'submittedAt'] },
) as fc.Arbitrary<StoredReading>;
// Values outside the schemas: the serializers must still agree (they fall back to the generic path).
const odd = fc.oneof(fc.double(), fc.constant(undefined), fc.constant(null), fc.string(), fc.constant(-0), fc.constant(1e21), fc.constant(1.5));

/** The text, or that it threw (the generic serializer refuses non-finite numbers). */
const outcome = (f: () => string): { text: string } | { threw: true } => {
  try {
    return { text: f() };
  } catch {
    return { threw: true };
  }
};

describe('field-by-field canonical JSON of the reading path', () => {
  it('a reading, its signing payload and a profile payload equal canonicalJson', () => {
    fc.assert(
      fc.property(reading, (r) => {
        expect(readingJson(r)).toBe(canonicalJson(r));
        expect(readingSigningPayload({ ...r, signature: 'x' } as Reading)).toBe(canonicalJson(readingOf(r)));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(text, fc.array(profileReading, { maxLength: 20 }), (assetId, readings) => {
        expect(profileSigningPayload({ assetId, readings })).toBe(canonicalJson({ domain: PROFILE_DOMAIN, assetId, readings }));
      }),
      { numRuns: 300 },
    );
  });

  it('the salt label of a reading equals canonicalJson, for any id and interval', () => {
    fc.assert(
      fc.property(text, fc.oneof(int, odd), (assetId, intervalStart) => {
        expect(outcome(() => readingSaltLabelJson(assetId, intervalStart as number))).toEqual(outcome(() => canonicalJson(['reading', assetId, intervalStart])));
      }),
      { numRuns: 500 },
    );
  });

  it('public records, stored readings and chunks equal canonicalJson', () => {
    fc.assert(
      fc.property(
        fc.record({ assetId: text, intervalStart: int, stepMs: int, hashes: fc.array(text, { maxLength: 16 }), collection: text, txId: text, leaf: int }),
        (record) => {
          expect(readingRunRecordJson(record)).toBe(canonicalJson(record));
        },
      ),
      { numRuns: 300 },
    );
    // Values the schemas never write (a run record is the chaincode's own) still agree, through the generic path.
    fc.assert(
      fc.property(fc.constantFrom('assetId', 'intervalStart', 'stepMs', 'hashes', 'leaf', 'txId'), odd, (field, value) => {
        const record = { assetId: 'm', intervalStart: 0, stepMs: 900_000, hashes: ['a', 'b'], collection: 'c', txId: 't', leaf: 0, [field]: value };
        expect(outcome(() => readingRunRecordJson(record as never))).toEqual(outcome(() => canonicalJson(record)));
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 5 }), (readings) => {
        expect(packedChunkJson(readings)).toBe(canonicalJson(packChunk(readings)));
        expect(unpackChunk(JSON.parse(packedChunkJson(readings)))).toEqual(readings);
      }),
      { numRuns: 300 },
    );
  });

  it('agree with canonicalJson on values the schemas refuse as well', () => {
    fc.assert(
      fc.property(reading, fc.constantFrom('assetId', 'intervalStart', 'importedWh', 'exportedWh', 'sequence'), odd, (r, field, value) => {
        const bad = { ...r, [field]: value } as unknown as Reading;
        let expected: string | Error;
        try {
          expected = canonicalJson(readingOf(bad));
        } catch (err) {
          expected = err as Error;
        }
        if (expected instanceof Error) expect(() => readingJson(bad)).toThrow();
        else expect(readingJson(bad)).toBe(expected);
        const assetId = field === 'assetId' ? (value as string) : r.assetId;
        if (typeof assetId === 'string' || field !== 'assetId') {
          try {
            const generic = canonicalJson({ domain: PROFILE_DOMAIN, assetId, readings: [readingOf(bad)].map(({ intervalStart, importedWh, exportedWh, sequence }) => ({ intervalStart, importedWh, exportedWh, sequence })) });
            expect(profileJson(PROFILE_DOMAIN, assetId, [bad])).toBe(generic);
          } catch {
            expect(() => profileJson(PROFILE_DOMAIN, assetId, [bad])).toThrow();
          }
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(stored, fc.constantFrom('salt', 'owner', 'signature', 'submittedAt', 'keyValidFrom'), fc.oneof(odd, fc.constant({ b: 1, a: 2 })), (s, field, value) => {
        const bad = { ...s, [field]: value } as unknown as StoredReading;
        expect(outcome(() => packedChunkJson([s, bad]))).toEqual(outcome(() => canonicalJson(packChunk([s, bad]))));
        expect(outcome(() => packedChunkJson([bad, s]))).toEqual(outcome(() => canonicalJson(packChunk([bad, s]))));
      }),
      { numRuns: 300 },
    );
  });
});
