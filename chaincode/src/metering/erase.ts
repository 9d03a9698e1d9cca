import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { completeScan } from '../common/scan';
import { KEY } from '../common/keys';
import { readJsonByPrefix, readPrivateJson, writeJson, writePrivateJson } from '../common/state';
import { findParticipant } from '../participants/store';
import { shreddableSalt } from '../participants/secret';
import { ownerAt, ownershipHistory, type Asset, type OwnershipPeriod } from '../registry/asset';
import { listAssets } from '../registry/store';
import { readingSaltLabel, type Reading, type ReadingChunk, type ReadingHashRecord, type StoredReading, type ZoneDelta } from './reading';
import { READINGS_PER_CHUNK, chunkOf, findReadingHash, readingChunkKey, readingHashKey, zoneDeltaKey } from './store';

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
  /** Chunks that also held other owners' readings: those were rewritten under a new key (see purgeReadingsOf). */
  readonly rewrittenChunks: number;
  readonly zoneDeltas: number;
}

/**
 * Purges the readings of the meters the participant owned, for the intervals it owned them (ownerAt at the interval),
 * from the readings collection holding them. A private value is purged whole: a chunk that also holds other owners'
 * readings is purged and theirs are written again, unchanged (same reading, signature and salt, so the same public
 * hash), under a chunk key of this transaction, their public records pointing there. A batch's private zone delta
 * whose only owner is the participant is its reading sum and is purged too; one over several owners is an aggregate
 * and stays (its owners list keeps the pseudonym, which no longer resolves).
 */
export async function purgeReadingsOf(ctx: Context, pseudonym: string, assets: readonly Asset[]): Promise<ReadingsPurge> {
  const txId = ctx.stub.getTxID();
  const mine: { record: ReadingHashRecord; zone: string }[] = [];
  for (const asset of assets) {
    for (const { value } of completeScan(await readJsonByPrefix<ReadingHashRecord>(ctx, KEY.readingHash, [asset.assetId]), `the readings of ${asset.assetId}`)) {
      if (ownerAt(asset, value.intervalStart)?.owner === pseudonym) mine.push({ record: value, zone: asset.zone });
    }
  }

  // Chunks by collection, batch and chunk number; the readings of the participant in each.
  const chunks = new Map<string, { collection: string; txId: string; chunk: number; positions: Set<number> }>();
  for (const { record } of mine) {
    const { chunk, position } = chunkOf(record.leaf);
    const id = `${record.collection}\u0000${record.txId}\u0000${chunk}`;
    const entry = chunks.get(id) ?? { collection: record.collection, txId: record.txId, chunk, positions: new Set<number>() };
    entry.positions.add(position);
    chunks.set(id, entry);
  }
  let rewrittenChunks = 0;
  const next = new Map<string, number>();
  for (const id of [...chunks.keys()].sort()) {
    const { collection, txId: batch, chunk, positions } = chunks.get(id)!;
    const key = readingChunkKey(ctx, batch, chunk);
    const stored = await readPrivateJson<ReadingChunk>(ctx, collection, key);
    if (stored === undefined) {
      throw new RuleViolationError(`this peer holds no readings chunk ${chunk} of batch ${batch} (collection ${collection}); erase through a member peer`, {
        reason: 'PRIVATE_DATA_UNAVAILABLE',
      });
    }
    await ctx.stub.purgePrivateData(collection, key);
    const others: StoredReading[] = stored.readings.filter((_, position) => !positions.has(position));
    if (others.length === 0) continue;
    rewrittenChunks++;
    // Fresh chunks of this transaction in the same collection, the others' readings in their old order.
    for (let start = 0; start < others.length; start += READINGS_PER_CHUNK) {
      const number = next.get(collection) ?? 0;
      next.set(collection, number + 1);
      const part = others.slice(start, start + READINGS_PER_CHUNK);
      await writePrivateJson(ctx, collection, readingChunkKey(ctx, txId, number), { readings: part } satisfies ReadingChunk);
      for (const [position, other] of part.entries()) {
        const record = await findReadingHash(ctx, other.reading.assetId, other.reading.intervalStart);
        const leaf = number * READINGS_PER_CHUNK + position;
        if (record) await writeJson(ctx, readingHashKey(ctx, other.reading.assetId, other.reading.intervalStart), { ...record, txId, leaf } satisfies ReadingHashRecord);
      }
    }
  }

  // Zone deltas of the batches that carried the participant's readings.
  let zoneDeltas = 0;
  const seen = new Set<string>();
  for (const { record, zone } of mine) {
    const key = zoneDeltaKey(ctx, zone, record.intervalStart, record.txId);
    const id = `${record.collection}\u0000${key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const delta = await readPrivateJson<ZoneDelta>(ctx, record.collection, key);
    if (delta && delta.owners.length === 1 && delta.owners[0] === pseudonym) {
      await ctx.stub.purgePrivateData(record.collection, key);
      zoneDeltas++;
    }
  }
  return { readings: mine.length, rewrittenChunks, zoneDeltas };
}
