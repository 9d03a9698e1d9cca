import type { Context } from 'fabric-contract-api';
import { KEY, orgCollection, timeKeyPart } from '../common/keys';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import type { ReadingHashRecord, StoredReading, ZoneDelta, ZoneTotal } from './reading';

/** The collection holding readings of assets owned by members of `ownerMspId`. */
export function readingsCollectionFor(ownerMspId: string): string {
  return orgCollection('readings', ownerMspId);
}

export function readingHashKey(ctx: Context, assetId: string, intervalStart: number): string {
  return ctx.stub.createCompositeKey(KEY.readingHash, [assetId, timeKeyPart(intervalStart)]);
}

export function readingKey(ctx: Context, assetId: string, intervalStart: number): string {
  return ctx.stub.createCompositeKey(KEY.reading, [assetId, timeKeyPart(intervalStart)]);
}

export function zoneDeltaKey(ctx: Context, zone: string, intervalStart: number, txId: string): string {
  return ctx.stub.createCompositeKey(KEY.zoneDelta, [zone, timeKeyPart(intervalStart), txId]);
}

export async function findReadingHash(ctx: Context, assetId: string, intervalStart: number): Promise<ReadingHashRecord | undefined> {
  return readJson<ReadingHashRecord>(ctx, readingHashKey(ctx, assetId, intervalStart));
}

/**
 * The private reading of an asset for an interval, as this peer holds it: undefined when none was submitted or when
 * this peer's org is not a member of the collection. Authorisation is the caller's business (see access.ts).
 */
export async function findStoredReading(ctx: Context, assetId: string, intervalStart: number): Promise<StoredReading | undefined> {
  const record = await findReadingHash(ctx, assetId, intervalStart);
  if (!record) return undefined;
  return readPrivateJson<StoredReading>(ctx, record.collection, readingKey(ctx, assetId, intervalStart));
}

/** Sums a zone-interval's delta keys; no single key is ever rewritten by two batches. */
export async function zoneTotal(ctx: Context, zone: string, intervalStart: number): Promise<ZoneTotal> {
  const deltas = await readJsonByPrefix<ZoneDelta>(ctx, KEY.zoneDelta, [zone, timeKeyPart(intervalStart)]);
  return deltas.reduce<ZoneTotal>(
    (total, { value }) => ({
      ...total,
      importedWh: total.importedWh + value.importedWh,
      exportedWh: total.exportedWh + value.exportedWh,
      readings: total.readings + value.readings,
      batches: total.batches + 1,
    }),
    { zone, intervalStart, importedWh: 0, exportedWh: 0, readings: 0, batches: 0 },
  );
}
