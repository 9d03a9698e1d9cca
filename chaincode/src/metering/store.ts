/**
 * Where readings live (see docs/adr/0009-batched-reading-storage.md).
 *
 * - Public, one record per reading: `obe.reading.hash` [assetId, UTC day, interval] → ReadingHashRecord (the salted
 *   hash, the collection holding the values, the batch's txId and the reading's place in it). It is the index that
 *   GetReading, settlement, demand response and audits use, and it is what duplicate detection reads. Keyed by day so
 *   that a batch holding several intervals of one meter's day checks them all with one partial-key range read.
 * - Private, one document per chunk of a batch in each collection: `obe.reading.chunk` [txId, chunk] in the readings
 *   collection of the org that owned the meters at their intervals, holding up to READINGS_PER_CHUNK StoredReadings,
 *   each with its own salt. A lookup parses one chunk, never the whole batch; a batch of 1,000 readings writes 20
 *   private values instead of 1,000.
 */
import type { Context } from 'fabric-contract-api';
import { KEY, orgCollection, timeKeyPart } from '../common/keys';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import type { PublishedZoneTotal, ReadingChunk, ReadingHashRecord, StoredReading, ZoneBatchMarker } from './reading';

/** Readings per private chunk: small enough that one lookup parses ~15 kB, large enough that a batch writes few values. */
export const READINGS_PER_CHUNK = 50;

const DAY_MS = 24 * 3600_000;

/** The collection holding readings of assets owned by members of `ownerMspId`. */
export function readingsCollectionFor(ownerMspId: string): string {
  return orgCollection('readings', ownerMspId);
}

/** The UTC day an interval belongs to (the middle attribute of its public record's key). */
export function readingDay(intervalStart: number): number {
  return intervalStart - (((intervalStart % DAY_MS) + DAY_MS) % DAY_MS);
}

export function readingHashKey(ctx: Context, assetId: string, intervalStart: number): string {
  return ctx.stub.createCompositeKey(KEY.readingHash, [assetId, timeKeyPart(readingDay(intervalStart)), timeKeyPart(intervalStart)]);
}

/** The private chunk holding leaf `leaf` of a batch's readings in one collection. */
export function readingChunkKey(ctx: Context, txId: string, chunk: number): string {
  return ctx.stub.createCompositeKey(KEY.readingChunk, [txId, String(chunk).padStart(6, '0')]);
}

export function chunkOf(leaf: number): { chunk: number; position: number } {
  return { chunk: Math.floor(leaf / READINGS_PER_CHUNK), position: leaf % READINGS_PER_CHUNK };
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

/** Every recorded reading of a meter on one UTC day (one range read), by interval start. */
export async function readingHashesOfDay(ctx: Context, assetId: string, dayStart: number): Promise<Map<number, ReadingHashRecord>> {
  const entries = await readJsonByPrefix<ReadingHashRecord>(ctx, KEY.readingHash, [assetId, timeKeyPart(dayStart)]);
  return new Map(entries.map(({ value }) => [value.intervalStart, value]));
}

/** Chunks read in this transaction, kept on its context (never shared between transactions: the context is per call). */
const CHUNKS = Symbol('obe.metering.chunks');
type WithChunks = Context & { [CHUNKS]?: Map<string, Promise<ReadingChunk | undefined>> };

/**
 * One private chunk, read once per transaction however many of its readings are looked up (settlement and demand
 * response look up many readings of the same batches). A peer answers a transaction's reads from committed state, never
 * from its own writes, so a second read would return the same value and record the same version.
 */
function readChunk(ctx: Context, collection: string, txId: string, chunk: number): Promise<ReadingChunk | undefined> {
  const withChunks = ctx as WithChunks;
  const cache = (withChunks[CHUNKS] ??= new Map());
  const key = readingChunkKey(ctx, txId, chunk);
  const id = `${collection}\u0000${key}`;
  let read = cache.get(id);
  if (!read) {
    read = readPrivateJson<ReadingChunk>(ctx, collection, key);
    cache.set(id, read);
  }
  return read;
}

/** The private reading a public record points to, as this peer holds it (undefined when it holds no such value). */
export async function storedReadingOf(ctx: Context, record: ReadingHashRecord): Promise<StoredReading | undefined> {
  const { chunk, position } = chunkOf(record.leaf);
  const stored = (await readChunk(ctx, record.collection, record.txId, chunk))?.readings[position];
  // The chunk is addressed by the public record; a value that is not this reading would be a corrupt store, never a match.
  return stored && stored.reading.assetId === record.assetId && stored.reading.intervalStart === record.intervalStart ? stored : undefined;
}

/**
 * The private reading of an asset for an interval, as this peer holds it: undefined when none was submitted or when
 * this peer's org is not a member of the collection. Authorisation is the caller's business (see access.ts).
 */
export async function findStoredReading(ctx: Context, assetId: string, intervalStart: number): Promise<StoredReading | undefined> {
  const record = await findReadingHash(ctx, assetId, intervalStart);
  if (!record) return undefined;
  return storedReadingOf(ctx, record);
}

/** The public batch markers of a zone's interval, in key (txId) order. */
export async function zoneBatchMarkers(ctx: Context, zone: string, intervalStart: number): Promise<ZoneBatchMarker[]> {
  return (await readJsonByPrefix<ZoneBatchMarker>(ctx, KEY.zoneDelta, [zone, timeKeyPart(intervalStart)])).map((entry) => entry.value);
}

export async function findPublishedZoneTotal(ctx: Context, zone: string, intervalStart: number): Promise<PublishedZoneTotal | undefined> {
  return readJson<PublishedZoneTotal>(ctx, zoneTotalKey(ctx, zone, intervalStart));
}
