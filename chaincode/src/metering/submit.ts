import type { KeyObject } from 'node:crypto';
import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, RuleViolationError } from '../common/errors';
import { deriveSalt, sha256Hex } from '../common/hash';
import { transientText, writeJson, writePrivateJson } from '../common/state';
import { txTimeIso, txTimeMs } from '../common/tx-time';
import { parseJsonArg, parseWith } from '../common/validate';
import { intervalMs, type GovernanceConfig } from '../governance/config';
import { describeOutsider, orgOutsideCollection } from '../governance/collections';
import { getConfig } from '../governance/store';
import { hasRole, requireRole } from '../participants/authorize';
import type { ActingParticipant } from '../participants/participant';
import { findParticipantSecret, participantSecretCollection, shreddableSaltBase } from '../participants/secret';
import { deviceKeyAt, maxEnergyWhPerInterval, meteringStartMs, ownerAt, suspensionDuring, type Asset, type DeviceKeyPeriod, type OwnershipPeriod } from '../registry/asset';
import { findAsset } from '../registry/store';
import {
  MAX_BATCH_TEXT_BYTES,
  MAX_PROFILE_BATCH_READINGS,
  MAX_PROFILES,
  PROFILES_TRANSIENT,
  READINGS_TRANSIENT,
  profileBatchSchema,
  profileSigningPayload,
  readingBatchSchema,
  readingOf,
  readingSaltLabel,
  readingSigningPayload,
  zoneDeltaSaltLabel,
  sameReading,
  type ProfileRef,
  type Reading,
  type ReadingHashRecord,
  type ReadingRunRecord,
  type SignedProfile,
  type SignedReading,
  type StoredReading,
  type ZoneBatchMarker,
  type ZoneDelta,
} from './reading';
import { packedChunkJson, readingRunRecordJson } from './canonical';
import { assertOwnerNotErased } from './erase';
import { devicePublicKey, verifySignatures } from './signature';
import { READINGS_PER_CHUNK, readingBlock, readingChunkKey, readingRunKey, readingsCollectionFor, runHolding, runReading, runsOfBlock, singleRunAt, storedReadingOf, zoneDeltaKey } from './store';

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
  /** The reading's canonical JSON: the bytes the device signed, and what its salted hash covers. */
  readonly payload: string;
  readonly signature: string;
  readonly asset: Asset;
  /** The owner at the reading's interval: its org's collection holds the reading, and access follows it. */
  readonly owner: OwnershipPeriod;
  /** The device key period whose key verified the signature. */
  readonly keyValidFrom: string;
  /** Set when the reading came in a signed load profile (its signature is then the profile's). */
  readonly profile?: ProfileRef;
}

/**
 * Loads each asset, each key, each owner's erasure status and each owner's participant secret once per transaction;
 * a local cache, never shared between transactions.
 */
class AssetCache {
  readonly #ctx: Context;
  readonly #assets = new Map<string, Asset | null>();
  readonly #keys = new Map<string, KeyObject>();
  readonly #liveOwners = new Set<string>();
  readonly #secrets = new Map<string, string | undefined>();
  readonly #saltBases = new Map<string, string>();

  constructor(ctx: Context) {
    this.#ctx = ctx;
  }

  async asset(assetId: string): Promise<Asset | null> {
    if (!this.#assets.has(assetId)) this.#assets.set(assetId, (await findAsset(this.#ctx, assetId)) ?? null);
    return this.#assets.get(assetId) ?? null;
  }

  key(pem: string): KeyObject {
    let key = this.#keys.get(pem);
    if (!key) {
      key = devicePublicKey(pem);
      this.#keys.set(pem, key);
    }
    return key;
  }

  /** Refuses the reading when the owner at its interval was erased; one participant read per owner and batch. */
  async assertOwnerNotErased(owner: OwnershipPeriod, index: number): Promise<void> {
    if (this.#liveOwners.has(owner.owner)) return;
    await assertOwnerNotErased(this.#ctx, owner, index);
    this.#liveOwners.add(owner.owner);
  }

  /**
   * The owner's participant secret (crypto-shredding), read once per owner and batch; undefined when it has none.
   * It lives in tokens_<owner's MSP>, whose members are by construction those of readings_<owner's MSP> (the owner
   * org and the oversight orgs, governance/collections.ts): every peer that may endorse the write can read it, so all
   * endorsers derive the same salt. A caller or peer outside it is refused rather than silently falling back to the
   * batch-only salt, which would make its endorsement differ and leave the reading's hash unshredded.
   */
  /** shreddableSalt's secret for this owner's readings of the batch (see saltOf), computed once per owner. */
  async saltBase(config: GovernanceConfig, owner: OwnershipPeriod, index: number, batchSecret: string): Promise<string> {
    let base = this.#saltBases.get(owner.owner);
    if (base === undefined) {
      const secret = await this.ownerSecret(config, owner, index);
      base = shreddableSaltBase(secret, batchSecret);
      this.#saltBases.set(owner.owner, base);
    }
    return base;
  }

  async ownerSecret(config: GovernanceConfig, owner: OwnershipPeriod, index: number): Promise<string | undefined> {
    if (this.#secrets.has(owner.owner)) return this.#secrets.get(owner.owner);
    const collection = participantSecretCollection(owner.ownerMspId);
    const outsider = orgOutsideCollection(this.#ctx, config, collection);
    if (outsider !== undefined) {
      throw new ForbiddenError(`reading[${index}]: ${describeOutsider(outsider)} cannot read collection ${collection}, which holds the salt secret of the meter's owner; submit through a member`, {
        index,
        reason: 'PRIVATE_DATA_UNAVAILABLE',
      });
    }
    const secret = await findParticipantSecret(this.#ctx, owner.owner, owner.ownerMspId);
    this.#secrets.set(owner.owner, secret);
    return secret;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A batch's transient text, refused unread beyond MAX_BATCH_TEXT_BYTES: every endorser would otherwise parse whatever a
 * caller sends before any bound applies (a 100 MB text costs seconds of each peer's endorsement).
 */
function batchText(ctx: Context, name: string, what: string): string {
  const bytes = ctx.stub.getTransient().get(name);
  if (bytes === undefined) throw new InvalidArgumentError(`${what} travel in the transient map under '${name}'; none was given`);
  if (bytes.length > MAX_BATCH_TEXT_BYTES) {
    throw new InvalidArgumentError(`transient '${name}' has ${bytes.length} bytes; at most ${MAX_BATCH_TEXT_BYTES} bytes are read (split the batch)`);
  }
  return transientText(ctx, name) ?? '';
}

function readBatch(ctx: Context) {
  return parseJsonArg(readingBatchSchema, batchText(ctx, READINGS_TRANSIENT, 'readings'), 'reading batch');
}

/** Readings of a parsed profile batch, counted before the schema checks each of them (it bounds the sum last). */
function profileReadingCount(value: unknown): number {
  const profiles = (value as { profiles?: unknown } | null)?.profiles;
  if (!Array.isArray(profiles) || profiles.length > MAX_PROFILES) return 0;
  let total = 0;
  for (const profile of profiles) {
    const readings = (profile as { readings?: unknown } | null)?.readings;
    if (Array.isArray(readings)) total += readings.length;
  }
  return total;
}

function readProfileBatch(ctx: Context) {
  const text = batchText(ctx, PROFILES_TRANSIENT, 'profiles');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('invalid profile batch: not valid JSON');
  }
  // Up to MAX_PROFILES × MAX_PROFILE_INTERVALS readings would pass every per-array bound and be checked one by one
  // before the sum's bound refuses them: count first.
  if (profileReadingCount(value) > MAX_PROFILE_BATCH_READINGS) {
    throw new InvalidArgumentError(`invalid profile batch: profiles: at most ${MAX_PROFILE_BATCH_READINGS} readings per transaction over all profiles`);
  }
  return parseWith(profileBatchSchema, value, 'profile batch');
}

/**
 * A reading that passed every rule up to its signature: the signature is checked later, together with the batch's
 * others (see checkUnits), and `after` holds the first rule after the signature it breaks, if any.
 */
interface Pending extends Checked {
  readonly after?: Error;
}

/** A reading's rules up to its signature, and the key period and owner its interval falls in. */
interface Ruled {
  readonly reading: Reading;
  readonly payload: string;
  readonly asset: Asset;
  readonly owner: OwnershipPeriod;
  readonly keyPeriod: DeviceKeyPeriod;
  readonly after?: Error;
}

/**
 * One signature and what it covers: a reading signed alone (one item) or a load profile (its readings, in order).
 * `refusal` is the error when the signature does not verify.
 */
interface Unit {
  readonly key: KeyObject;
  /** The exact bytes the device signed. */
  readonly signed: string;
  readonly signature: string;
  readonly items: readonly Pending[];
  readonly refusal: () => Error;
}

/**
 * Every rule a single reading must meet before its signature, in order; each throws at once. `at` names the reading in
 * messages (reading[i], or profile[p].readings[j]); `index` goes into the error's details.
 */
async function checkRules(
  ctx: Context,
  config: GovernanceConfig,
  caller: ActingParticipant,
  cache: AssetCache,
  reading: Reading,
  index: number,
  at: string,
): Promise<Ruled> {
  const asset = await cache.asset(reading.assetId);
  if (!asset) throw new NotFoundError(`${at}: asset '${reading.assetId}' does not exist`, { index });
  const interval = () => iso(reading.intervalStart); // built only for a refusal: most readings pass
  const owner = ownerAt(asset, reading.intervalStart);
  if (!hasRole(caller, 'DSO') && caller.mspId !== (owner ?? asset).ownerMspId) {
    throw new ForbiddenError(`${at}: a head-end of ${caller.mspId} may not report for asset '${asset.assetId}' of ${(owner ?? asset).ownerMspId}`, { index });
  }
  if (asset.status !== 'ACTIVE') {
    throw new RuleViolationError(`${at}: asset '${asset.assetId}' is ${asset.status}; only ACTIVE assets report readings`, { index });
  }
  const length = intervalMs(config);
  if (reading.intervalStart % length !== 0) {
    throw new RuleViolationError(`${at}: intervalStart ${reading.intervalStart} is not aligned to the ${config.intervalMinutes}-minute interval`, { index });
  }
  if (reading.intervalStart + length > txTimeMs(ctx)) {
    throw new RuleViolationError(`${at}: the interval starting ${interval()} has not ended at the transaction time ${txTimeIso(ctx)}`, { index });
  }
  // Metering starts at commissioning: the DSO vouched for the meter then, and nothing it "measured" earlier counts.
  const start = meteringStartMs(asset);
  if (start === undefined || reading.intervalStart < start || !owner) {
    const since = start === undefined ? 'was never commissioned' : `was commissioned at ${new Date(start).toISOString()}`;
    throw new RuleViolationError(`${at}: the interval starting ${interval()} is before metering of asset '${asset.assetId}' began (it ${since})`, { index });
  }
  // An erased owner's intervals take no new readings: they would be new personal data of it, unshreddable.
  await cache.assertOwnerNotErased(owner, index);
  // A suspended meter is out of service: nothing it reports for those intervals counts, even after it resumes.
  const suspension = suspensionDuring(asset, reading.intervalStart, reading.intervalStart + length);
  if (suspension) {
    throw new RuleViolationError(`${at}: asset '${asset.assetId}' was suspended (by its ${suspension.by === 'DSO' ? 'DSO' : 'owner'}) during the interval starting ${interval()}`, { index });
  }
  // The key in force at the interval's start: a key set later cannot sign an earlier interval.
  const keyPeriod = deviceKeyAt(asset, reading.intervalStart);
  if (!keyPeriod) {
    throw new RuleViolationError(`${at}: asset '${asset.assetId}' had no device key in force at ${interval()} and cannot report for it`, { index });
  }
  const payload = readingSigningPayload(reading);
  const maxWh = maxEnergyWhPerInterval(asset, config.intervalMinutes);
  const after =
    reading.exportedWh > maxWh
      ? new RuleViolationError(`${at}: exported ${reading.exportedWh} Wh exceeds the ${maxWh} Wh that ${asset.capacityKw} kW can deliver in ${config.intervalMinutes} minutes`, { index })
      : undefined;
  return { reading, payload, asset, owner, keyPeriod, after };
}

/** A reading signed alone: its rules, then one signature over its own canonical JSON. */
async function checkReading(ctx: Context, config: GovernanceConfig, caller: ActingParticipant, cache: AssetCache, signed: SignedReading, index: number): Promise<Unit> {
  const { reading, payload, asset, owner, keyPeriod, after } = await checkRules(ctx, config, caller, cache, readingOf(signed), index, `reading[${index}]`);
  const item: Pending = { index, reading, payload, signature: signed.signature, asset, owner, keyValidFrom: keyPeriod.validFrom, after };
  return {
    key: cache.key(keyPeriod.devicePublicKey),
    signed: payload,
    signature: signed.signature,
    items: [item],
    refusal: () =>
      new ForbiddenError(`reading[${index}]: the signature does not verify against the device key of asset '${asset.assetId}' in force at ${iso(reading.intervalStart)}`, { index }),
  };
}

/**
 * A load profile: one run of consecutive intervals of one asset, in ascending order, every interval meeting the rules
 * of a reading signed alone, all of them in ONE device key period and ONE ownership period (a profile across a key
 * change or a transfer is refused: the head-end splits it there), then one signature over profileSigningPayload.
 * Items are numbered across the batch's profiles (`first` is this profile's first number), so duplicates and conflicts
 * between profiles name a reading as a batch of readings would.
 */
async function checkProfile(
  ctx: Context,
  config: GovernanceConfig,
  caller: ActingParticipant,
  cache: AssetCache,
  profile: SignedProfile,
  p: number,
  first: number,
): Promise<Unit> {
  const at = `profile[${p}]`;
  const length = intervalMs(config);
  const { readings } = profile;
  for (let j = 1; j < readings.length; j++) {
    if (readings[j].intervalStart !== readings[j - 1].intervalStart + length) {
      throw new RuleViolationError(
        `${at}.readings[${j}]: intervalStart ${readings[j].intervalStart} does not follow ${readings[j - 1].intervalStart} by one ${config.intervalMinutes}-minute interval; a profile is one run of consecutive intervals in ascending order, without gaps or repeats`,
        { profile: p, index: j },
      );
    }
  }
  const start = readings[0].intervalStart;
  const items: Pending[] = [];
  let firstRuled: Ruled | undefined;
  for (const [j, entry] of readings.entries()) {
    const ruled = await checkRules(ctx, config, caller, cache, { assetId: profile.assetId, ...entry }, first + j, `${at}.readings[${j}]`);
    firstRuled ??= ruled;
    if (ruled.keyPeriod.validFrom !== firstRuled.keyPeriod.validFrom) {
      throw new RuleViolationError(
        `${at}.readings[${j}]: the device key of asset '${profile.assetId}' in force at ${iso(ruled.reading.intervalStart)} is not the one in force at ${iso(firstRuled.reading.intervalStart)}; a profile must lie within one key period — split it at ${ruled.keyPeriod.validFrom}`,
        { profile: p, index: j, reason: 'PROFILE_SPANS_KEY_CHANGE' },
      );
    }
    if (ruled.owner.from !== firstRuled.owner.from || ruled.owner.owner !== firstRuled.owner.owner) {
      throw new RuleViolationError(
        `${at}.readings[${j}]: asset '${profile.assetId}' changed owner at ${ruled.owner.from}; a profile must lie within one ownership period, so that each owner's readings are re-verifiable from its own — split it there`,
        { profile: p, index: j, reason: 'PROFILE_SPANS_OWNER_CHANGE' },
      );
    }
    const ref: ProfileRef = { start, intervals: readings.length, position: j };
    items.push({
      index: first + j,
      reading: ruled.reading,
      payload: ruled.payload,
      signature: profile.signature,
      asset: ruled.asset,
      owner: ruled.owner,
      keyValidFrom: ruled.keyPeriod.validFrom,
      profile: ref,
      after: ruled.after,
    });
  }
  const head = firstRuled as Ruled; // readings has at least one entry (profileBatchSchema)
  return {
    key: cache.key(head.keyPeriod.devicePublicKey),
    signed: profileSigningPayload(profile),
    signature: profile.signature,
    items,
    refusal: () =>
      new ForbiddenError(`${at}: the signature does not verify as a load profile against the device key of asset '${profile.assetId}' in force at ${iso(head.reading.intervalStart)}`, { profile: p }),
  };
}

/**
 * Checks every unit (a reading, or a profile) with the same outcome as checking them one by one in order — the first
 * broken rule of the first unit that breaks one refuses the batch — but verifies the signatures together, off the
 * chaincode's thread (verifySignatures): they are most of a batch's endorsement. Readings identical to an earlier one
 * in the batch are counted as duplicates; a different one for the same asset and interval is a conflict.
 */
async function checkUnits(count: number, build: (i: number) => Promise<Unit>) {
  const units: Unit[] = [];
  let refusal: unknown;
  for (let i = 0; i < count && refusal === undefined; i++) {
    try {
      units.push(await build(i));
    } catch (err) {
      refusal = err; // this unit's rule before its signature; an earlier unit's signature may still come first
    }
  }
  const valid = await verifySignatures(units.map(({ key, signed, signature }) => ({ key, payload: signed, signature })));
  const unique = new Map<string, Checked>();
  let duplicates = 0;
  for (const [u, unit] of units.entries()) {
    if (!valid[u]) throw unit.refusal();
    for (const item of unit.items) {
      if (item.after) throw item.after;
      const id = `${item.reading.assetId}\n${item.reading.intervalStart}`;
      const earlier = unique.get(id);
      if (earlier) {
        if (!sameReading(earlier.reading, item.reading)) {
          throw new ConflictError(`reading[${item.index}]: differs from reading[${earlier.index}] for the same asset and interval`, { index: item.index });
        }
        duplicates++;
        continue;
      }
      const { index, reading, payload, signature, asset, owner, keyValidFrom, profile } = item;
      unique.set(id, profile ? { index, reading, payload, signature, asset, owner, keyValidFrom, profile } : { index, reading, payload, signature, asset, owner, keyValidFrom });
    }
  }
  if (refusal !== undefined) throw refusal;
  return { unique, duplicates };
}

/**
 * The batch-only salt: derived from the batch's secret and the reading's asset and interval. Readings of an owner
 * without a participant secret (registered before secrets existed) still get it; see saltOf for every other.
 */
export function readingSalt(secret: string, reading: Reading): string {
  return deriveSalt(secret, readingSaltLabel(reading.assetId, reading.intervalStart));
}

/**
 * The reading's own salt (crypto-shredding, docs/adr/0007): from the secret of the participant that owned the meter at
 * the interval together with the batch's secret, so a head-end that keeps its batch secret cannot re-derive it once
 * erasure purged the owner's secret. Equal to readingSalt when the owner has no secret.
 */
async function saltOf(cache: AssetCache, config: GovernanceConfig, batchSecret: string, item: Checked): Promise<string> {
  // shreddableReadingSalt, with its per-owner step (an HMAC of the batch secret under the owner's secret) done once per
  // owner and batch instead of once per reading; shredding.test.ts checks the result against shreddableReadingSalt.
  const base = await cache.saltBase(config, item.owner, item.index, batchSecret);
  return deriveSalt(base, readingSaltLabel(item.reading.assetId, item.reading.intervalStart));
}

/** saltedHash(salt, reading) from the reading's canonical JSON, which check() built once already. */
function readingHashOf(salt: string, item: Checked): string {
  return sha256Hex(`${salt}\n${item.payload}`);
}

/**
 * The records already on the ledger for the batch's readings, per meter and block (UTC day) the batch touches (store.ts):
 * one partial-key range read over the block when the batch holds several of its readings; for a block the batch holds
 * ONE reading of, a point read of a run of one at that interval and a range read over the block's runs of several
 * readings. Only that meter's own keys are read, so another head-end's concurrent batch for other meters never makes
 * this transaction a phantom read. A concurrent batch writing runs of several readings of the same meter's block does
 * (a meter-major batch), and so does one with any reading of that block when this batch holds several; the gateway
 * retries the later one. Interval-major batches of the same meters (each one reading per meter) never conflict.
 */
async function existingRecords(ctx: Context, items: readonly Checked[]): Promise<Map<Checked, ReadingHashRecord>> {
  const blocks = new Map<string, Checked[]>();
  for (const item of items) {
    const id = `${item.reading.assetId}\n${readingBlock(item.reading.intervalStart)}`;
    const group = blocks.get(id);
    if (group) group.push(item);
    else blocks.set(id, [item]);
  }
  const found = new Map<Checked, ReadingHashRecord>();
  for (const id of [...blocks.keys()].sort()) {
    const group = blocks.get(id) ?? [];
    const { assetId, intervalStart } = group[0].reading;
    if (group.length === 1) {
      const single = await singleRunAt(ctx, assetId, intervalStart);
      const held = single?.intervalStart === intervalStart ? { run: single, index: 0 } : runHolding(await runsOfBlock(ctx, assetId, readingBlock(intervalStart), 'run'), intervalStart);
      if (held) found.set(group[0], runReading(held.run, held.index));
      continue;
    }
    const runs = await runsOfBlock(ctx, assetId, readingBlock(intervalStart));
    if (runs.length === 0) continue;
    for (const item of group) {
      const held = runHolding(runs, item.reading.intervalStart);
      if (held) found.set(item, runReading(held.run, held.index));
    }
  }
  return found;
}

/**
 * Whether the reading is already on the ledger: true for an identical one, a conflict for a different one. The public
 * salted hash settles it when the batch reuses the recorded salt; otherwise the private value is compared, which only
 * members of the collection it was recorded in can read (after a transfer to another org, that may not be the
 * caller's org).
 */
async function alreadyRecorded(ctx: Context, config: GovernanceConfig, salt: string, item: Checked, existing: ReadingHashRecord | undefined): Promise<boolean> {
  const { reading } = item;
  if (!existing) return false;
  if (readingHashOf(salt, item) === existing.hash) return true;
  const interval = new Date(reading.intervalStart).toISOString();
  const outsider = orgOutsideCollection(ctx, config, existing.collection);
  if (outsider !== undefined) {
    const remedy = outsider.as === 'caller' ? 'resubmit it with the batch secret it was recorded with, or through a member of that collection' : 'have it endorsed by peers of member orgs only';
    throw new ConflictError(
      `reading[${item.index}]: asset '${reading.assetId}' already has a reading for the interval starting ${interval} in collection ${existing.collection}, which ${describeOutsider(outsider)} cannot read; ${remedy}`,
      { index: item.index },
    );
  }
  const stored = await storedReadingOf(ctx, existing);
  if (stored && sameReading(stored.reading, reading)) return true;
  throw new ConflictError(`reading[${item.index}]: asset '${reading.assetId}' already has a different reading for the interval starting ${interval}`, { index: item.index });
}

/**
 * Records a batch of signed readings (transient `readings`, see readingBatchSchema). All or nothing: any refused
 * reading refuses the batch. A reading identical to one already recorded is skipped, so a head-end may resubmit a
 * batch whose outcome it did not learn. Values go to the readings collection of the org that owned the meter at the
 * reading's interval; public state gets only a hash per reading, salted with that reading's own salt, and per zone and
 * interval a marker that the batch contributed (a count, no values; the values' delta is private, see zone.ts).
 */
export async function submitReadings(ctx: Context): Promise<SubmitReadingsResult> {
  const batch = readBatch(ctx);
  const caller = await requireRole(ctx, ...HEAD_END_ROLES);
  const config = await getConfig(ctx);
  const cache = new AssetCache(ctx);
  const checked = await checkUnits(batch.readings.length, (i) => checkReading(ctx, config, caller, cache, batch.readings[i], i));
  return record(ctx, config, cache, batch.salt, checked);
}

/**
 * Records a batch of signed load profiles (transient `profiles`, see profileBatchSchema; docs/adr/0010): each profile
 * is checked as a whole (consecutive intervals, one key period, one owner, one signature over profileSigningPayload)
 * and each of its readings then exactly as a reading signed alone — same rules, same duplicate and conflict answers,
 * same storage (public salted hash, private chunk, zone deltas) — with the profile's signature and the reading's place
 * in it kept as the reading's evidence. All or nothing, as SubmitReadings.
 */
export async function submitProfiles(ctx: Context): Promise<SubmitReadingsResult> {
  const batch = readProfileBatch(ctx);
  const caller = await requireRole(ctx, ...HEAD_END_ROLES);
  const config = await getConfig(ctx);
  const cache = new AssetCache(ctx);
  const firsts: number[] = [];
  let total = 0;
  for (const profile of batch.profiles) {
    firsts.push(total);
    total += profile.readings.length;
  }
  const checked = await checkUnits(batch.profiles.length, (p) => checkProfile(ctx, config, caller, cache, batch.profiles[p], p, firsts[p]));
  return record(ctx, config, cache, batch.salt, checked);
}

/** Writes the checked readings that are not on the ledger yet (see submitReadings); shared by both ways of signing. */
async function record(
  ctx: Context,
  config: GovernanceConfig,
  cache: AssetCache,
  batchSalt: string,
  checked: { unique: Map<string, Checked>; duplicates: number },
): Promise<SubmitReadingsResult> {
  const batch = { salt: batchSalt };
  const { unique } = checked;
  let { duplicates } = checked;

  const fresh: Checked[] = [];
  const salts = new Map<Checked, string>();
  const existing = await existingRecords(ctx, [...unique.values()]);
  for (const item of unique.values()) {
    const salt = await saltOf(cache, config, batch.salt, item);
    if (await alreadyRecorded(ctx, config, salt, item, existing.get(item))) duplicates++;
    else {
      fresh.push(item);
      salts.set(item, salt);
    }
  }

  const txId = ctx.stub.getTxID();
  const submittedAt = txTimeIso(ctx);
  // Per zone and interval: one private delta per collection (the owners' org), one public marker without values.
  const deltas = new Map<string, { zone: string; intervalStart: number; collection: string; importedWh: number; exportedWh: number; readings: number; owners: Set<string> }>();
  // Per collection, the batch's readings in (asset, interval) order: leaf i sits in chunk ⌊i / READINGS_PER_CHUNK⌋.
  const byCollection = new Map<string, Checked[]>();
  for (const item of fresh) {
    const collection = readingsCollectionFor(item.owner.ownerMspId);
    const list = byCollection.get(collection);
    if (list) list.push(item);
    else byCollection.set(collection, [item]);
  }
  const order = (a: Checked, b: Checked) =>
    a.reading.assetId === b.reading.assetId ? a.reading.intervalStart - b.reading.intervalStart : a.reading.assetId < b.reading.assetId ? -1 : 1;
  const stepMs = intervalMs(config);
  for (const collection of [...byCollection.keys()].sort()) {
    const items = (byCollection.get(collection) ?? []).sort(order);
    // Runs of consecutive readings: one public record each (docs/adr/0012). A run ends at a chunk boundary, so that
    // erasure, which rewrites a chunk's surviving readings in order, only moves whole runs.
    let run: { first: Checked; hashes: string[]; leaf: number; last: number } | undefined;
    const close = async () => {
      if (!run) return;
      const { reading } = run.first;
      const value: ReadingRunRecord = { assetId: reading.assetId, intervalStart: reading.intervalStart, stepMs, hashes: run.hashes, collection, txId, leaf: run.leaf };
      // Canonical JSON written field by field (canonical.ts; byte-identical to writeJson's).
      await ctx.stub.putState(readingRunKey(ctx, reading.assetId, reading.intervalStart, value.hashes.length), Buffer.from(readingRunRecordJson(value), 'utf8'));
      run = undefined;
    };
    for (let first = 0; first < items.length; first += READINGS_PER_CHUNK) {
      const readings: StoredReading[] = [];
      for (let leaf = first; leaf < Math.min(items.length, first + READINGS_PER_CHUNK); leaf++) {
        const item = items[leaf];
        const { reading } = item;
        const salt = salts.get(item) ?? (await saltOf(cache, config, batch.salt, item));
        readings.push({ reading, signature: item.signature, salt, submittedAt, owner: item.owner.owner, keyValidFrom: item.keyValidFrom, ...(item.profile ? { profile: item.profile } : {}) });
        const continues =
          run !== undefined &&
          run.first.reading.assetId === reading.assetId &&
          run.first.owner.owner === item.owner.owner &&
          reading.intervalStart === run.last + stepMs &&
          readingBlock(reading.intervalStart) === readingBlock(run.first.reading.intervalStart);
        if (!continues) {
          await close();
          run = { first: item, hashes: [], leaf, last: reading.intervalStart };
        }
        const current = run as NonNullable<typeof run>;
        current.hashes.push(readingHashOf(salt, item));
        current.last = reading.intervalStart;
      }
      await close();
      await ctx.stub.putPrivateData(collection, readingChunkKey(ctx, txId, first / READINGS_PER_CHUNK), Buffer.from(packedChunkJson(readings), 'utf8'));
    }
  }
  for (const { reading, owner, asset } of fresh) {
    const collection = readingsCollectionFor(owner.ownerMspId);
    const id = `${asset.zone}\n${reading.intervalStart}\n${collection}`;
    const current = deltas.get(id) ?? { zone: asset.zone, intervalStart: reading.intervalStart, collection, importedWh: 0, exportedWh: 0, readings: 0, owners: new Set<string>() };
    current.importedWh += reading.importedWh;
    current.exportedWh += reading.exportedWh;
    current.readings += 1;
    current.owners.add(owner.owner);
    deltas.set(id, current);
  }
  const byKey = (a: { zone: string; intervalStart: number }, b: { zone: string; intervalStart: number }) =>
    a.zone === b.zone ? a.intervalStart - b.intervalStart : a.zone < b.zone ? -1 : 1;
  const entries = [...deltas.values()].sort((a, b) => byKey(a, b) || (a.collection < b.collection ? -1 : a.collection > b.collection ? 1 : 0));
  const markers = new Map<string, ZoneBatchMarker>();
  for (const entry of entries) {
    const delta: ZoneDelta = {
      importedWh: entry.importedWh,
      exportedWh: entry.exportedWh,
      readings: entry.readings,
      owners: [...entry.owners].sort(),
      salt: deriveSalt(batch.salt, zoneDeltaSaltLabel(entry.zone, entry.intervalStart, entry.collection)),
    };
    await writePrivateJson(ctx, entry.collection, zoneDeltaKey(ctx, entry.zone, entry.intervalStart, txId), delta);
    const id = `${entry.zone}\n${entry.intervalStart}`;
    const marker = markers.get(id);
    markers.set(id, {
      zone: entry.zone,
      intervalStart: entry.intervalStart,
      txId,
      readings: (marker?.readings ?? 0) + entry.readings,
      collections: [...(marker?.collections ?? []), entry.collection],
    });
  }
  const groups = [...markers.values()].sort(byKey);
  for (const marker of groups) {
    await writeJson(ctx, zoneDeltaKey(ctx, marker.zone, marker.intervalStart, txId), marker);
  }

  const event = { accepted: fresh.length, duplicates, zones: groups.map(({ zone, intervalStart, readings }) => ({ zone, intervalStart, readings })) };
  ctx.stub.setEvent(READINGS_EVENT, canonicalBytes(event));
  return { txId, accepted: fresh.length, duplicates };
}
