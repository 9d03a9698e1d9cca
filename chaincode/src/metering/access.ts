import type { Context } from 'fabric-contract-api';
import { ForbiddenError, NotFoundError } from '../common/errors';
import { describeOutsider, orgOutsideCollection } from '../governance/collections';
import { getConfig } from '../governance/store';
import { hasRole, requireParticipant } from '../participants/authorize';
import type { ActingParticipant } from '../participants/participant';
import { ownerAt, type Asset, type OwnershipPeriod } from '../registry/asset';
import { getAsset } from '../registry/store';
import type { ReadingHashRecord, StoredReading } from './reading';
import { findReadingHash, findStoredReading } from './store';
import { readingTrusted } from './trust';

/**
 * Who may see a reading's values: the asset's owner AT THE READING'S INTERVAL (a later owner never sees an earlier
 * owner's readings, nor the earlier owner the later ones); the market operator, DSOs and the regulator; and the
 * retailers and aggregators of that owner's org (they run its head-ends and bill it). The collection enforces the org
 * level; this check keeps one household's readings from its neighbours in the same org.
 */
export function mayReadValues(caller: ActingParticipant, owner: Pick<OwnershipPeriod, 'owner' | 'ownerMspId'> | Asset): boolean {
  if (caller.pseudonym === owner.owner) return true;
  if (hasRole(caller, 'MARKET_OPERATOR', 'DSO', 'REGULATOR')) return true;
  return caller.mspId === owner.ownerMspId && hasRole(caller, 'RETAILER', 'AGGREGATOR');
}

export interface ReadingView extends StoredReading {
  readonly hash: string;
  readonly collection: string;
  readonly txId: string;
  /** The signing key has since been declared compromised for this interval: the reading no longer counts. */
  readonly voided: boolean;
}

export async function readingHash(ctx: Context, assetId: string, intervalStart: number): Promise<ReadingHashRecord> {
  const record = await findReadingHash(ctx, assetId, intervalStart);
  if (!record) throw new NotFoundError(`asset '${assetId}' has no reading for the interval starting ${new Date(intervalStart).toISOString()}`);
  return record;
}

/** A reading's values for a caller entitled to them (evaluate only: a submit never returns private data). */
export async function readReading(ctx: Context, assetId: string, intervalStart: number): Promise<ReadingView> {
  const caller = await requireParticipant(ctx);
  const asset = await getAsset(ctx, assetId);
  const owner = ownerAt(asset, intervalStart);
  if (!owner || !mayReadValues(caller, owner)) {
    throw new ForbiddenError(`participant ${caller.pseudonym} may not read the readings of asset '${assetId}' for the interval starting ${new Date(intervalStart).toISOString()}`);
  }
  const record = await readingHash(ctx, assetId, intervalStart);
  // The collection is the owner org's at submission time; after a transfer to another org the new owner's org may not
  // be a member, and the peer's own refusal would carry no code.
  const outsider = orgOutsideCollection(ctx, await getConfig(ctx), record.collection);
  if (outsider !== undefined) {
    throw new ForbiddenError(
      `the reading of asset '${assetId}' for the interval starting ${new Date(intervalStart).toISOString()} is held in collection ${record.collection}, which is not visible to ${describeOutsider(outsider)}`,
    );
  }
  const stored = await findStoredReading(ctx, assetId, intervalStart);
  if (!stored) throw new NotFoundError(`this peer holds no private data of collection ${record.collection} for that reading`);
  // The owner recorded with the reading (the owner at its interval when it was submitted) must agree as well.
  if (stored.owner !== undefined && stored.owner !== owner.owner && !mayReadValues(caller, { owner: stored.owner, ownerMspId: owner.ownerMspId })) {
    throw new ForbiddenError(`participant ${caller.pseudonym} may not read the readings of asset '${assetId}' for the interval starting ${new Date(intervalStart).toISOString()}`);
  }
  return { ...stored, hash: record.hash, collection: record.collection, txId: record.txId, voided: !readingTrusted(asset, stored) };
}
