import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { completeScan } from '../common/scan';
import { deriveSalt, sha256Hex } from '../common/hash';
import { KEY } from '../common/keys';
import { readJsonByPrefix, readPrivateJson, writeJson, writePrivateJson } from '../common/state';
import { findParticipant } from '../participants/store';
import { shreddableSalt } from '../participants/secret';
import { ownerAt, ownershipHistory, type Asset, type OwnershipPeriod } from '../registry/asset';
import { listAssets } from '../registry/store';
import { packedChunkJson, readingRunRecordJson } from './canonical';
import { unpackChunk, type StoredReadingChunk } from './chunk';
import { readingSaltLabel, type PublishedZoneTotal, type Reading, type ReadingHashRecord, type ReadingRunRecord, type StoredReading, type ZoneBatchMarker, type ZoneDelta } from './reading';
import { READINGS_PER_CHUNK, chunkOf, findPublishedZoneTotal, readingBlock, readingChunkKey, readingRunKey, runHolding, runReading, runsOfBlock, zoneBatchMarkers, zoneDeltaKey, zoneTotalKey } from './store';

/**
 * Metering's part of erasure and crypto-shredding (docs/privacy-and-erasure.md). Owned by the erasure work; it uses
 * only what metering/store.ts exports, so the reading storage may change underneath as long as those functions keep
 * their meaning (see the report of issue 17 for what that storage must preserve).
 */

/**
 * The salt of one reading: from the batch's secret, the reading's identity and — crypto-shredding — the secret of the
 * participant that owned the meter at the interval (undefined: it has none, the old derivation). A head-end that keeps
 * its batch secret cannot re-derive the salt once erasure purged the owner's secret.
 */
export function shreddableReadingSalt(ownerSecret: string | undefined, batchSecret: string, reading: Pick<Reading, 'assetId' | 'intervalStart'>): string {
  return shreddableSalt(ownerSecret, batchSecret, readingSaltLabel(reading.assetId, reading.intervalStart));
}

/** Readings for an interval an erased participant owned are refused: they would be new personal data of it. */
export async function assertOwnerNotErased(ctx: Context, owner: Pick<OwnershipPeriod, 'owner'>, index: number): Promise<void> {
  if ((await findParticipant(ctx, owner.owner))?.status === 'ERASED') {
    throw new RuleViolationError(`reading[${index}]: the meter's owner at that interval was erased; its readings are not taken`, { index, reason: 'OWNER_ERASED' });
  }
}

/** Assets whose ownership history names the participant (it owns them now or did once). */
export async function assetsEverOwnedBy(ctx: Context, pseudonym: string): Promise<Asset[]> {
  return completeScan(await listAssets(ctx), 'the asset registry').filter((asset) => ownershipHistory(asset).some((period) => period.owner === pseudonym));
}

export interface ReadingsPurge {
  readonly readings: number;
  /** Chunks that also held other owners' readings: those were written again under another chunk number. */
  readonly rewrittenChunks: number;
  /** Zone deltas that held the participant's readings (purged; the other owners' part written again). */
  readonly zoneDeltas: number;
}

/**
 * A run whose readings moved to a rewritten chunk: `leaves[i]` is reading i's new leaf, undefined for a reading that
 * stays where it was (purged with its chunk). Usually every reading moved, consecutively, and the run only gets its new
 * `leaf`. Should only part of a run move (a run has one owner, so erasure by owner keeps runs whole), the run is split
 * into its consecutive pieces, each under its own key, so that every reading stays findable with its own leaf.
 */
export function relocatedRun(run: ReadingRunRecord, leaves: readonly (number | undefined)[]): ReadingRunRecord[] {
  const leafOf = (i: number) => leaves[i] ?? run.leaf + i;
  const pieces: ReadingRunRecord[] = [];
  let start = 0;
  for (let i = 1; i <= run.hashes.length; i++) {
    const joined = i < run.hashes.length && (leaves[i] === undefined) === (leaves[i - 1] === undefined) && leafOf(i) === leafOf(i - 1) + 1;
    if (joined) continue;
    pieces.push({ ...run, intervalStart: run.intervalStart + start * run.stepMs, hashes: run.hashes.slice(start, i), leaf: leafOf(start) });
    start = i;
  }
  return pieces;
}

/**
 * Chunk numbers of rewritten chunks start here, clear of a batch's own chunks: at most MAX_PROFILE_BATCH_READINGS /
 * READINGS_PER_CHUNK = 200 in a collection (profiles-attack.test.ts pins it for both batch bounds).
 */
export const REWRITTEN_CHUNK_BASE = 1000;

/**
 * Purges the readings of the meters the participant owned, for the intervals it owned them (ownerAt at the interval),
 * from the readings collection holding them. Fabric purges whole private values, and two kinds hold several owners:
 *
 * - A chunk of a batch (up to READINGS_PER_CHUNK readings): purged; the other owners' readings are written again,
 *   unchanged (same reading, signature and salt, so the same public hash), as a new chunk of the same batch (a chunk
 *   number from REWRITTEN_CHUNK_BASE up that this batch does not use yet, by its private-data hash), and their public
 *   records point there (`leaf`; `txId` stays the batch's).
 * - A batch's zone delta (its sum per zone, interval and collection): collection members hold the other owners'
 *   readings and could subtract them, so every delta that counts the participant is purged, and the others' part is
 *   written as the delta of a batch SHA-256(`<batch>/<erasure txId>`) with its own public marker (the private delta
 *   names the batch it came from); the old marker loses the
 *   collection (or goes). A publication that included the old batch includes the new one, so its figures stand and a
 *   republication never sees the erasure as new readings (which would reveal the participant's part by difference).
 */
export async function purgeReadingsOf(ctx: Context, pseudonym: string, assets: readonly Asset[]): Promise<ReadingsPurge> {
  const erasure = ctx.stub.getTxID();
  const mine: { record: ReadingHashRecord; zone: string }[] = [];
  for (const asset of assets) {
    for (const { value: run } of completeScan(await readJsonByPrefix<ReadingRunRecord>(ctx, KEY.readingRun, [asset.assetId]), `the readings of ${asset.assetId}`)) {
      for (let index = 0; index < run.hashes.length; index++) {
        const record = runReading(run, index);
        if (ownerAt(asset, record.intervalStart)?.owner === pseudonym) mine.push({ record, zone: asset.zone });
      }
    }
  }

  // Chunks by collection, batch and chunk number; the participant's readings in each (kept for the zone deltas).
  const chunks = new Map<string, { collection: string; batch: string; chunk: number; positions: Set<number> }>();
  for (const { record } of mine) {
    const { chunk, position } = chunkOf(record.leaf);
    const id = `${record.collection}\u0000${record.txId}\u0000${String(chunk).padStart(6, '0')}`;
    const entry = chunks.get(id) ?? { collection: record.collection, batch: record.txId, chunk, positions: new Set<number>() };
    entry.positions.add(position);
    chunks.set(id, entry);
  }
  const values = new Map<string, Reading>();
  const used = new Set<string>();
  let rewrittenChunks = 0;
  for (const id of [...chunks.keys()].sort()) {
    const { collection, batch, chunk, positions } = chunks.get(id)!;
    const key = readingChunkKey(ctx, batch, chunk);
    const chunkValue = await readPrivateJson<StoredReadingChunk>(ctx, collection, key);
    if (chunkValue === undefined) {
      throw new RuleViolationError(`this peer holds no readings chunk ${chunk} of batch ${batch} (collection ${collection}); erase through a member peer`, {
        reason: 'PRIVATE_DATA_UNAVAILABLE',
      });
    }
    const stored = unpackChunk(chunkValue);
    for (const position of positions) {
      const reading = stored[position]?.reading;
      if (reading) values.set(`${collection}\u0000${batch}\u0000${reading.assetId}\u0000${reading.intervalStart}`, reading);
    }
    await ctx.stub.purgePrivateData(collection, key);
    const others: StoredReading[] = stored.filter((_, position) => !positions.has(position));
    if (others.length === 0) continue;
    rewrittenChunks++;
    // A chunk number of this batch nobody holds yet: the hashed state says (readable on every peer, so deterministic).
    let number = REWRITTEN_CHUNK_BASE;
    for (;;) {
      const taken = used.has(`${collection}\u0000${batch}\u0000${number}`) || (await ctx.stub.getPrivateDataHash(collection, readingChunkKey(ctx, batch, number))).length > 0;
      if (!taken) break;
      number++;
    }
    used.add(`${collection}\u0000${batch}\u0000${number}`);
    await ctx.stub.putPrivateData(collection, readingChunkKey(ctx, batch, number), Buffer.from(packedChunkJson(others), 'utf8'));
    // The surviving readings' runs (whole runs: a run never spans chunks, and has one owner) move to the new chunk.
    const moved = new Map<string, { run: ReadingRunRecord; leaves: (number | undefined)[] }>();
    for (const [position, other] of others.entries()) {
      const { assetId, intervalStart } = other.reading;
      const held = runHolding(await runsOfBlock(ctx, assetId, readingBlock(intervalStart)), intervalStart);
      if (!held || held.run.txId !== batch || held.run.collection !== collection) continue;
      const runId = `${assetId}\u0000${held.run.intervalStart}`;
      const entry = moved.get(runId) ?? { run: held.run, leaves: held.run.hashes.map(() => undefined) };
      entry.leaves[held.index] = number * READINGS_PER_CHUNK + position;
      moved.set(runId, entry);
    }
    for (const runId of [...moved.keys()].sort()) {
      const { run, leaves } = moved.get(runId)!;
      const keys = new Set<string>();
      for (const part of relocatedRun(run, leaves)) {
        const key = readingRunKey(ctx, part.assetId, part.intervalStart, part.hashes.length);
        keys.add(key);
        await ctx.stub.putState(key, Buffer.from(readingRunRecordJson(part), 'utf8'));
      }
      // A split can leave a run of one where a run of several started (its key names the kind): the old key goes.
      const original = readingRunKey(ctx, run.assetId, run.intervalStart, run.hashes.length);
      if (!keys.has(original)) await ctx.stub.deleteState(original);
    }
  }

  // Zone deltas: per zone and interval, every batch marker of the participant's collections whose delta counts it.
  let zoneDeltas = 0;
  const slots = new Map<string, { zone: string; intervalStart: number; collections: Set<string> }>();
  for (const { record, zone } of mine) {
    const id = `${zone}\u0000${record.intervalStart}`;
    const slot = slots.get(id) ?? { zone, intervalStart: record.intervalStart, collections: new Set<string>() };
    slot.collections.add(record.collection);
    slots.set(id, slot);
  }
  for (const id of [...slots.keys()].sort()) {
    const { zone, intervalStart, collections } = slots.get(id)!;
    const published = await findPublishedZoneTotal(ctx, zone, intervalStart);
    const included = new Set(published?.includedBatches ?? []);
    let batchesChange = 0;
    let includedChanged = false;
    for (const marker of await zoneBatchMarkers(ctx, zone, intervalStart)) {
      const markerKey = zoneDeltaKey(ctx, zone, intervalStart, marker.txId);
      let remaining = marker;
      for (const collection of marker.collections.filter((c) => collections.has(c))) {
        const delta = await readPrivateJson<ZoneDelta>(ctx, collection, markerKey);
        if (!delta || !delta.owners.includes(pseudonym)) continue;
        // The participant's part: its readings of the batch this delta (or an earlier erasure's remainder) came from.
        const batch = (delta as ZoneDelta & { batch?: string }).batch ?? marker.txId;
        const part = [...values.entries()]
          .filter(([key]) => key.startsWith(`${collection}\u0000${batch}\u0000`))
          .map(([, reading]) => reading)
          .filter((reading) => reading.intervalStart === intervalStart && mine.some((m) => m.zone === zone && m.record.assetId === reading.assetId));
        await ctx.stub.purgePrivateData(collection, markerKey);
        zoneDeltas++;
        remaining = { ...remaining, collections: remaining.collections.filter((c) => c !== collection), readings: remaining.readings - delta.readings };
        const rest: ZoneDelta & { batch: string } = {
          importedWh: delta.importedWh - part.reduce((sum, r) => sum + r.importedWh, 0),
          exportedWh: delta.exportedWh - part.reduce((sum, r) => sum + r.exportedWh, 0),
          readings: delta.readings - part.length,
          owners: delta.owners.filter((owner) => owner !== pseudonym),
          salt: deriveSalt(delta.salt, `erasure:${erasure}`),
          batch,
        };
        if (rest.readings <= 0) continue;
        // A batch id of the transaction-id form, unique to this batch and erasure.
        const successor = sha256Hex(`${batch}/${erasure}`);
        await writePrivateJson(ctx, collection, zoneDeltaKey(ctx, zone, intervalStart, successor), rest);
        await writeJson(ctx, zoneDeltaKey(ctx, zone, intervalStart, successor), { zone, intervalStart, txId: successor, readings: rest.readings, collections: [collection] } satisfies ZoneBatchMarker);
        batchesChange++;
        if (included.has(marker.txId)) {
          included.add(successor);
          includedChanged = true;
        }
      }
      if (remaining === marker) continue;
      if (remaining.collections.length > 0) {
        await writeJson(ctx, markerKey, remaining);
      } else {
        await ctx.stub.deleteState(markerKey);
        batchesChange--;
        if (included.delete(marker.txId)) includedChanged = true;
      }
    }
    // The publication keeps its figures; its batch list follows the markers, so it still matches them.
    if (published && (includedChanged || batchesChange !== 0)) {
      await writeJson(ctx, zoneTotalKey(ctx, zone, intervalStart), { ...published, batches: published.batches + batchesChange, includedBatches: [...included].sort() } satisfies PublishedZoneTotal);
    }
  }
  return { readings: mine.length, rewrittenChunks, zoneDeltas };
}
