/**
 * Where readings live (see docs/adr/0009-batched-reading-storage.md and docs/adr/0012-reading-runs.md).
 *
 * - Public, one record per run: `obe.reading.run` [assetId, UTC day, one|run, first interval] → ReadingRunRecord, the
 *   salted hashes of a batch's consecutive readings of one meter (one collection, one owner, one block, one chunk),
 *   the collection holding the values, the batch's txId and the first reading's place in it. It is the index that
 *   GetReading, settlement, demand response and audits use (through findReadingHash, which answers per reading), and
 *   it is what duplicate detection reads: one partial-key range read per meter and block (see runKind for a block the
 *   batch holds one reading of).
 * - Private, one document per chunk of a batch in each collection: `obe.reading.chunk` [txId, chunk] in the readings
 *   collection of the org that owned the meters at their intervals, holding up to READINGS_PER_CHUNK StoredReadings,
 *   each with its own salt, packed (chunk.ts, docs/adr/0013-compact-reading-chunks.md). A lookup parses one chunk,
 *   never the whole batch; a batch of 1,000 readings writes 20 private values instead of 1,000.
 */
import type { Context } from 'fabric-contract-api';
import { KEY, orgCollection, timeKeyPart } from '../common/keys';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { unpackChunk, type StoredReadingChunk } from './chunk';
import type { PublishedZoneTotal, ReadingHashRecord, ReadingRunRecord, StoredReading, ZoneBatchMarker } from './reading';

/** Readings per private chunk: small enough that one lookup parses ~15 kB, large enough that a batch writes few values. */
export const READINGS_PER_CHUNK = 50;

/**
 * A run never crosses a multiple of this (UTC days): the duplicate check reads one meter's block with one range read,
 * and two concurrent batches conflict only when both hold several readings of the same meter in the same block.
 * A day, not the 4 hours first chosen (docs/adr/0012-reading-runs.md): a 100 × 96 load-profile transaction writes
 * about 2 runs a meter instead of 7–9 and makes a third of the range reads, and every peer validates and commits that
 * many fewer keys; a lookup's range read over a day's runs of several readings returns at most 48 at 15 minutes.
 */
export const BLOCK_MS = 24 * 3600_000;

/** The readings collection of the org whose members own the asset at the interval. */
export function readingsCollectionFor(ownerMspId: string): string {
  return orgCollection('readings', ownerMspId);
}

/** The start of the block (UTC day) an interval belongs to (the middle attribute of its run's key). */
export function readingBlock(intervalStart: number): number {
  return intervalStart - (((intervalStart % BLOCK_MS) + BLOCK_MS) % BLOCK_MS);
}

/**
 * Which records of a block a key holds: a run of one reading (`one`, found by a point read at its interval) or of
 * several (`run`, found by a range read over the block's `run` records). Interval-major batches (a quarter-hour of
 * every meter, as head-ends send them) write only `one` records and check for duplicates by a point read and a range
 * read over `run` records, so two of them in flight for the same meters never make each other a phantom read.
 */
export type RunKind = 'one' | 'run';
export const runKind = (length: number): RunKind => (length === 1 ? 'one' : 'run');

/** The public record of the run whose first reading is at `firstIntervalStart` and that holds `length` readings. */
export function readingRunKey(ctx: Context, assetId: string, firstIntervalStart: number, length: number): string {
  return ctx.stub.createCompositeKey(KEY.readingRun, [assetId, timeKeyPart(readingBlock(firstIntervalStart)), runKind(length), timeKeyPart(firstIntervalStart)]);
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

/** The place of interval `intervalStart` in the run, or undefined when the run does not hold it. */
export function runIndexOf(run: ReadingRunRecord, intervalStart: number): number | undefined {
  const offset = intervalStart - run.intervalStart;
  if (offset < 0 || !(run.stepMs > 0) || offset % run.stepMs !== 0) return undefined;
  const index = offset / run.stepMs;
  return index < run.hashes.length ? index : undefined;
}

/** Reading `index` of a run, as the per-reading record settlement, certificates and GetReadingHash know. */
export function runReading(run: ReadingRunRecord, index: number): ReadingHashRecord {
  return {
    assetId: run.assetId,
    intervalStart: run.intervalStart + index * run.stepMs,
    hash: run.hashes[index],
    collection: run.collection,
    txId: run.txId,
    leaf: run.leaf + index,
  };
}

/**
 * Runs read in this transaction, kept on its context: a meter's blocks by (asset, block, kind), and runs of one read
 * by key. They hold committed state only — a transaction never reads its own writes — so never what it wrote.
 */
const RUNS = Symbol('obe.metering.runs');
interface RunCache {
  readonly blocks: Map<string, Promise<readonly ReadingRunRecord[]>>;
  readonly singles: Map<string, Promise<ReadingRunRecord | undefined>>;
}
type WithRuns = Context & { [RUNS]?: RunCache };

function runCache(ctx: Context): RunCache {
  return ((ctx as WithRuns)[RUNS] ??= { blocks: new Map(), singles: new Map() });
}

/**
 * The runs of a meter in one block (UTC day), in key order: all of them, or those of several readings only (`run`); one
 * partial-key range read per transaction.
 */
export function runsOfBlock(ctx: Context, assetId: string, blockStart: number, kind?: 'run'): Promise<readonly ReadingRunRecord[]> {
  const { blocks } = runCache(ctx);
  const id = `${assetId}\u0000${blockStart}\u0000${kind ?? ''}`;
  let read = blocks.get(id);
  if (!read) {
    const attributes = [assetId, timeKeyPart(blockStart), ...(kind ? [kind] : [])];
    read = readJsonByPrefix<ReadingRunRecord>(ctx, KEY.readingRun, attributes).then((entries) => entries.map((entry) => entry.value));
    blocks.set(id, read);
  }
  return read;
}

/** The run holding (asset, interval) among a block's runs, and the reading's place in it. */
export function runHolding(runs: readonly ReadingRunRecord[], intervalStart: number): { run: ReadingRunRecord; index: number } | undefined {
  for (const run of runs) {
    const index = runIndexOf(run, intervalStart);
    if (index !== undefined) return { run, index };
  }
  return undefined;
}

/** The run of one reading at the interval, if there is one (a point read, once per transaction). */
export function singleRunAt(ctx: Context, assetId: string, intervalStart: number): Promise<ReadingRunRecord | undefined> {
  const { singles } = runCache(ctx);
  const key = readingRunKey(ctx, assetId, intervalStart, 1);
  let read = singles.get(key);
  if (!read) {
    read = readJson<ReadingRunRecord>(ctx, key);
    singles.set(key, read);
  }
  return read;
}

/**
 * The run holding a meter's reading for an interval: from the whole block when this transaction read it already,
 * otherwise the run of one at the interval (a point read) and, failing that, the block's runs of several readings (a
 * range read). Neither read is disturbed by the meter's later readings arriving interval by interval, which a range
 * read over the whole block would be (a settlement endorsed before the next quarter-hour's batch committed).
 */
export async function findReadingRun(ctx: Context, assetId: string, intervalStart: number): Promise<{ run: ReadingRunRecord; index: number } | undefined> {
  const blockStart = readingBlock(intervalStart);
  const whole = runCache(ctx).blocks.get(`${assetId}\u0000${blockStart}\u0000`);
  if (whole) return runHolding(await whole, intervalStart);
  const single = await singleRunAt(ctx, assetId, intervalStart);
  if (single && runIndexOf(single, intervalStart) === 0) return { run: single, index: 0 };
  return runHolding(await runsOfBlock(ctx, assetId, blockStart, 'run'), intervalStart);
}

/** The public record of a meter's reading for an interval (one reading of its run), or undefined when none exists. */
export async function findReadingHash(ctx: Context, assetId: string, intervalStart: number): Promise<ReadingHashRecord | undefined> {
  const found = await findReadingRun(ctx, assetId, intervalStart);
  return found && runReading(found.run, found.index);
}

/** Chunks read in this transaction, kept on its context (never shared between transactions: the context is per call). */
const CHUNKS = Symbol('obe.metering.chunks');
type WithChunks = Context & { [CHUNKS]?: Map<string, Promise<readonly StoredReading[] | undefined>> };

/**
 * One private chunk, read once per transaction however many of its readings are looked up (settlement and demand
 * response look up many readings of the same batches). A peer answers a transaction's reads from committed state, never
 * from its own writes, so a second read would return the same value and record the same version.
 */
function readChunk(ctx: Context, collection: string, txId: string, chunk: number): Promise<readonly StoredReading[] | undefined> {
  const withChunks = ctx as WithChunks;
  const cache = (withChunks[CHUNKS] ??= new Map());
  const key = readingChunkKey(ctx, txId, chunk);
  const id = `${collection}\u0000${key}`;
  let read = cache.get(id);
  if (!read) {
    read = readPrivateJson<StoredReadingChunk>(ctx, collection, key).then((stored) => stored && unpackChunk(stored));
    cache.set(id, read);
  }
  return read;
}

/** The private reading a public record points to, as this peer holds it (undefined when it holds no such value). */
export async function storedReadingOf(ctx: Context, record: ReadingHashRecord): Promise<StoredReading | undefined> {
  const { chunk, position } = chunkOf(record.leaf);
  const stored = (await readChunk(ctx, record.collection, record.txId, chunk))?.[position];
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
