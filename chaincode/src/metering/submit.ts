import type { KeyObject } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, RuleViolationError } from '../common/errors';
import { saltedHash } from '../common/hash';
import { readPrivateJson, transientText, writeJson, writePrivateJson } from '../common/state';
import { txTimeIso, txTimeMs } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { intervalMs, type GovernanceConfig } from '../governance/config';
import { describeOutsider, orgOutsideCollection } from '../governance/collections';
import { getConfig } from '../governance/store';
import { hasRole, requireRole } from '../participants/authorize';
import type { ActingParticipant } from '../participants/participant';
import { maxEnergyWhPerInterval, type Asset } from '../registry/asset';
import { findAsset } from '../registry/store';
import {
  READINGS_TRANSIENT,
  readingBatchSchema,
  readingOf,
  sameReading,
  type Reading,
  type ReadingHashRecord,
  type SignedReading,
  type StoredReading,
  type ZoneDelta,
} from './reading';
import { devicePublicKey, verifyReadingSignature } from './signature';
import { findReadingHash, readingHashKey, readingKey, readingsCollectionFor, zoneDeltaKey } from './store';

export const READINGS_EVENT = 'ReadingsSubmitted';

/** Roles that run meter head-ends: the DSO for every asset, a retailer or aggregator for its own org's assets. */
export const HEAD_END_ROLES = ['DSO', 'RETAILER', 'AGGREGATOR'] as const;

export interface SubmitReadingsResult {
  readonly txId: string;
  readonly accepted: number;
  readonly duplicates: number;
}

interface Checked {
  readonly index: number;
  readonly reading: Reading;
  readonly signature: string;
  readonly asset: Asset;
}

/** Loads each asset and its key once per transaction; a local cache, never shared between transactions. */
class AssetCache {
  readonly #ctx: Context;
  readonly #assets = new Map<string, Asset | null>();
  readonly #keys = new Map<string, KeyObject>();

  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  async asset(assetId: string): Promise<Asset | null> {
    if (!this.#assets.has(assetId)) this.#assets.set(assetId, (await findAsset(this.#ctx, assetId)) ?? null);
    return this.#assets.get(assetId) ?? null;
  }

  key(asset: Asset & { devicePublicKey: string }): KeyObject {
    let key = this.#keys.get(asset.assetId);
    if (!key) {
      key = devicePublicKey(asset.devicePublicKey);
      this.#keys.set(asset.assetId, key);
    }
    return key;
  }
}

function readBatch(ctx: Context) {
  const text = transientText(ctx, READINGS_TRANSIENT);
  if (text === undefined) {
    throw new InvalidArgumentError(`readings travel in the transient map under '${READINGS_TRANSIENT}'; none was given`);
  }
  return parseJsonArg(readingBatchSchema, text, 'reading batch');
}

/** Every rule a single reading must meet; the first failure refuses the whole batch, naming the reading's index. */
async function check(
  ctx: Context,
  config: GovernanceConfig,
  caller: ActingParticipant,
  cache: AssetCache,
  signed: SignedReading,
  index: number,
): Promise<Checked> {
  const at = `reading[${index}]`;
  const reading = readingOf(signed);
  const asset = await cache.asset(reading.assetId);
  if (!asset) throw new NotFoundError(`${at}: asset '${reading.assetId}' does not exist`, { index });
  if (!hasRole(caller, 'DSO') && caller.mspId !== asset.ownerMspId) {
    throw new ForbiddenError(`${at}: a head-end of ${caller.mspId} may not report for asset '${asset.assetId}' of ${asset.ownerMspId}`, { index });
  }
  if (asset.status !== 'ACTIVE') {
    throw new RuleViolationError(`${at}: asset '${asset.assetId}' is ${asset.status}; only ACTIVE assets report readings`, { index });
  }
  if (asset.devicePublicKey === null) {
    throw new RuleViolationError(`${at}: asset '${asset.assetId}' has no device key and cannot report`, { index });
  }
  if (!verifyReadingSignature(cache.key({ ...asset, devicePublicKey: asset.devicePublicKey }), reading, signed.signature)) {
    throw new ForbiddenError(`${at}: the signature does not verify against the device key of asset '${asset.assetId}'`, { index });
  }
  const length = intervalMs(config);
  if (reading.intervalStart % length !== 0) {
    throw new RuleViolationError(`${at}: intervalStart ${reading.intervalStart} is not aligned to the ${config.intervalMinutes}-minute interval`, { index });
  }
  const end = reading.intervalStart + length;
  if (end > txTimeMs(ctx)) {
    throw new RuleViolationError(`${at}: the interval starting ${new Date(reading.intervalStart).toISOString()} has not ended at the transaction time ${txTimeIso(ctx)}`, {
      index,
    });
  }
  const maxWh = maxEnergyWhPerInterval(asset, config.intervalMinutes);
  if (reading.exportedWh > maxWh) {
    throw new RuleViolationError(`${at}: exported ${reading.exportedWh} Wh exceeds the ${maxWh} Wh that ${asset.capacityKw} kW can deliver in ${config.intervalMinutes} minutes`, {
      index,
    });
  }
  return { index, reading, signature: signed.signature, asset };
}

/**
 * Whether the reading is already on the ledger: true for an identical one, a conflict for a different one. The public
 * salted hash settles it when the batch reuses the recorded salt; otherwise the private value is compared, which only
 * members of the collection it was recorded in can read (after a transfer to another org, that may not be the
 * caller's org).
 */
async function alreadyRecorded(ctx: Context, config: GovernanceConfig, salt: string, item: Checked): Promise<boolean> {
  const { reading } = item;
  const existing = await findReadingHash(ctx, reading.assetId, reading.intervalStart);
  if (!existing) return false;
  if (saltedHash(salt, reading) === existing.hash) return true;
  const interval = new Date(reading.intervalStart).toISOString();
  const outsider = orgOutsideCollection(ctx, config, existing.collection);
  if (outsider !== undefined) {
    const remedy = outsider.as === 'caller' ? 'resubmit it with the salt it was recorded with, or through a member of that collection' : 'have it endorsed by peers of member orgs only';
    throw new ConflictError(
      `reading[${item.index}]: asset '${reading.assetId}' already has a reading for the interval starting ${interval} in collection ${existing.collection}, which ${describeOutsider(outsider)} cannot read; ${remedy}`,
      { index: item.index },
    );
  }
  const stored = await readPrivateJson<StoredReading>(ctx, existing.collection, readingKey(ctx, reading.assetId, reading.intervalStart));
  if (stored && sameReading(stored.reading, reading)) return true;
  throw new ConflictError(`reading[${item.index}]: asset '${reading.assetId}' already has a different reading for the interval starting ${interval}`, { index: item.index });
}

/**
 * Records a batch of signed readings (transient `readings`, see readingBatchSchema). All or nothing: any refused
 * reading refuses the batch. A reading identical to one already recorded is skipped, so a head-end may resubmit a
 * batch whose outcome it did not learn. Values go to the owner org's readings collection; public state gets only the
 * salted hash per reading and one delta per zone and interval per batch.
 */
export async function submitReadings(ctx: Context): Promise<SubmitReadingsResult> {
  const batch = readBatch(ctx);
  const caller = await requireRole(ctx, ...HEAD_END_ROLES);
  const config = await getConfig(ctx);
  const cache = new AssetCache(ctx);

  const unique = new Map<string, Checked>();
  let duplicates = 0;
  for (let index = 0; index < batch.readings.length; index++) {
    const item = await check(ctx, config, caller, cache, batch.readings[index], index);
    const id = `${item.reading.assetId}\n${item.reading.intervalStart}`;
    const earlier = unique.get(id);
    if (earlier) {
      if (!sameReading(earlier.reading, item.reading)) {
        throw new ConflictError(`reading[${index}]: differs from reading[${earlier.index}] for the same asset and interval`, { index });
      }
      duplicates++;
      continue;
    }
    unique.set(id, item);
  }

  const fresh: Checked[] = [];
  for (const item of unique.values()) {
    if (await alreadyRecorded(ctx, config, batch.salt, item)) duplicates++;
    else fresh.push(item);
  }

  const txId = ctx.stub.getTxID();
  const submittedAt = txTimeIso(ctx);
  const deltas = new Map<string, { zone: string; intervalStart: number; delta: ZoneDelta }>();
  for (const { reading, signature, asset } of fresh) {
    const collection = readingsCollectionFor(asset.ownerMspId);
    const stored: StoredReading = { reading, signature, salt: batch.salt, submittedAt };
    await writePrivateJson(ctx, collection, readingKey(ctx, reading.assetId, reading.intervalStart), stored);
    const record: ReadingHashRecord = { assetId: reading.assetId, intervalStart: reading.intervalStart, hash: saltedHash(batch.salt, reading), collection, txId };
    await writeJson(ctx, readingHashKey(ctx, reading.assetId, reading.intervalStart), record);

    const id = `${asset.zone}\n${reading.intervalStart}`;
    const current = deltas.get(id)?.delta ?? { importedWh: 0, exportedWh: 0, readings: 0 };
    deltas.set(id, {
      zone: asset.zone,
      intervalStart: reading.intervalStart,
      delta: { importedWh: current.importedWh + reading.importedWh, exportedWh: current.exportedWh + reading.exportedWh, readings: current.readings + 1 },
    });
  }
  const groups = [...deltas.values()].sort((a, b) => (a.zone === b.zone ? a.intervalStart - b.intervalStart : a.zone < b.zone ? -1 : 1));
  for (const { zone, intervalStart, delta } of groups) {
    await writeJson(ctx, zoneDeltaKey(ctx, zone, intervalStart, txId), delta);
  }

  const event = { accepted: fresh.length, duplicates, zones: groups.map(({ zone, intervalStart, delta }) => ({ zone, intervalStart, readings: delta.readings })) };
  ctx.stub.setEvent(READINGS_EVENT, canonicalBytes(event));
  return { txId, accepted: fresh.length, duplicates };
}
