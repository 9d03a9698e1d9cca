import type { Context } from 'fabric-contract-api';
import { KEY, orgCollection, timeKeyPart } from '../common/keys';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import type { PublishedZoneTotal, ReadingHashRecord, StoredReading, ZoneBatchMarker } from './reading';

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

/** One batch's zone-interval entry: the public marker and, under the same key, the private delta in each collection. */
export function zoneDeltaKey(ctx: Context, zone: string, intervalStart: number, txId: string): string {
  return ctx.stub.createCompositeKey(KEY.zoneDelta, [zone, timeKeyPart(intervalStart), txId]);
}

export function zoneTotalKey(ctx: Context, zone: string, intervalStart: number): string {
  return ctx.stub.createCompositeKey(KEY.zoneTotal, [zone, timeKeyPart(intervalStart)]);
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

/** The public batch markers of a zone's interval, in key (txId) order. */
export async function zoneBatchMarkers(ctx: Context, zone: string, intervalStart: number): Promise<ZoneBatchMarker[]> {
  return (await readJsonByPrefix<ZoneBatchMarker>(ctx, KEY.zoneDelta, [zone, timeKeyPart(intervalStart)])).map((entry) => entry.value);
}

export async function findPublishedZoneTotal(ctx: Context, zone: string, intervalStart: number): Promise<PublishedZoneTotal | undefined> {
  return readJson<PublishedZoneTotal>(ctx, zoneTotalKey(ctx, zone, intervalStart));
}
