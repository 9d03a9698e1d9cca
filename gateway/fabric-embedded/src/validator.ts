/**
 * Commit-time validation of one block's transactions in order, as Fabric's committer does: endorsement policy
 * (chaincode-level, or collection-level for collection writes), then MVCC on every read, re-execution of every
 * range query (phantoms), and MVCC on private (hashed) reads. Earlier valid transactions of the same block count.
 */
import type { Collection } from './collections';
import type { ValidationCode } from './errors';
import { isSatisfied, type Policy } from './policy';
import { summarizeReads, type TxRwSet } from './rwset';
import { compareKeys, sameVersion, type Version, type WorldState } from './state';

export interface ChaincodePolicies {
  endorsementPolicy: Policy;
  collections: ReadonlyMap<string, Collection>;
}

/** Writes of the block's earlier valid transactions: key -> new version, or null when deleted. */
export class BlockUpdates {
  readonly public = new Map<string, Map<string, Version | null>>();
  readonly hashed = new Map<string, Map<string, Version | null>>();
  /** `${ns}\u0000${key}` -> key-level endorsement policy bytes set (or removed: null) by an earlier transaction */
  readonly validationParameters = new Map<string, Buffer | null>();

  recordPublic(ns: string, key: string, version: Version | null): void {
    let m = this.public.get(ns);
    if (!m) this.public.set(ns, (m = new Map()));
    m.set(key, version);
  }

  recordHashed(ns: string, collection: string, keyHash: string, version: Version | null): void {
    const id = `${ns}\u0000${collection}`;
    let m = this.hashed.get(id);
    if (!m) this.hashed.set(id, (m = new Map()));
    m.set(keyHash, version);
  }
}

function publicVersion(state: WorldState, updates: BlockUpdates, ns: string, key: string): Version | null {
  const pending = updates.public.get(ns);
  if (pending?.has(key)) return pending.get(key) ?? null;
  return state.publicSpace(ns).get(key)?.version ?? null;
}

function hashedVersion(state: WorldState, updates: BlockUpdates, ns: string, collection: string, keyHash: string): Version | null {
  const pending = updates.hashed.get(`${ns}\u0000${collection}`);
  if (pending?.has(keyHash)) return pending.get(keyHash) ?? null;
  return state.hashedSpace(ns, collection).get(keyHash)?.version ?? null;
}

/** The keys and versions a range query would return now (committed state plus this block's earlier writes). */
function rangeNow(state: WorldState, updates: BlockUpdates, ns: string, start: string, end: string): { key: string; version: Version }[] {
  const result = new Map<string, Version>();
  const space = state.publicSpace(ns);
  for (const key of space.keysInRange(start, end)) result.set(key, (space.get(key) as { version: Version }).version);
  for (const [key, version] of updates.public.get(ns) ?? []) {
    const inRange = compareKeys(key, start) >= 0 && (end === '' || compareKeys(key, end) < 0);
    if (!inRange) continue;
    if (version) result.set(key, version);
    else result.delete(key);
  }
  return [...result.entries()].sort(([a], [b]) => compareKeys(a, b)).map(([key, version]) => ({ key, version }));
}

export const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';

/**
 * Fabric's state-based validation: a written key with a key-level policy (setStateValidationParameter) needs that
 * policy instead of the chaincode's; collection writes need the collection's policy when it has one; every other
 * write, and a transaction without writes, needs the chaincode's.
 */
export function checkEndorsementPolicy(
  rwset: TxRwSet,
  endorsers: readonly string[],
  policies: ChaincodePolicies,
  keyPolicy: (key: string) => Policy | undefined = () => undefined,
): boolean {
  const collectionWrites = rwset.collections.filter((c) => c.hashedWrites.length > 0);
  const publicKeys = new Set([...rwset.writes.map((w) => w.key), ...rwset.metadataWrites.map((m) => m.key)]);
  let chaincodePolicyNeeded = publicKeys.size === 0 && collectionWrites.length === 0;
  for (const key of publicKeys) {
    const policy = keyPolicy(key);
    if (!policy) chaincodePolicyNeeded = true;
    else if (!isSatisfied(policy, endorsers)) return false;
  }
  for (const c of collectionWrites) {
    const policy = policies.collections.get(c.collection)?.endorsementPolicy;
    if (policy) {
      if (!isSatisfied(policy, endorsers)) return false;
    } else {
      chaincodePolicyNeeded = true;
    }
  }
  return !chaincodePolicyNeeded || isSatisfied(policies.endorsementPolicy, endorsers);
}

export function validateReads(rwset: TxRwSet, state: WorldState, updates: BlockUpdates): ValidationCode {
  const ns = rwset.namespace;
  for (const read of rwset.reads) {
    if (!sameVersion(read.version, publicVersion(state, updates, ns, read.key))) return 'MVCC_READ_CONFLICT';
  }
  for (const rq of rwset.rangeQueries) {
    let now = rangeNow(state, updates, ns, rq.startKey, rq.endKey);
    if (!rq.itrExhausted) {
      // The chaincode stopped early: only the part of the range it actually read must be unchanged.
      const last = rq.readsSummary ? rq.readsSummary.lastKey || undefined : rq.reads.length ? rq.reads[rq.reads.length - 1].key : undefined;
      now = last === undefined ? [] : now.filter((r) => compareKeys(r.key, last) <= 0);
    }
    if (rq.readsSummary) {
      const summary = summarizeReads(now);
      if (summary.count !== rq.readsSummary.count || summary.hash !== rq.readsSummary.hash) return 'PHANTOM_READ_CONFLICT';
      continue;
    }
    if (now.length !== rq.reads.length) return 'PHANTOM_READ_CONFLICT';
    for (let i = 0; i < now.length; i++) {
      if (now[i].key !== rq.reads[i].key || !sameVersion(now[i].version, rq.reads[i].version)) return 'PHANTOM_READ_CONFLICT';
    }
  }
  for (const coll of rwset.collections) {
    for (const read of coll.hashedReads) {
      if (!sameVersion(read.version, hashedVersion(state, updates, ns, coll.collection, read.keyHash))) return 'MVCC_READ_CONFLICT';
    }
  }
  return 'VALID';
}

/** Records a valid transaction's writes so later transactions of the same block validate against them. */
export function recordUpdates(rwset: TxRwSet, version: Version, updates: BlockUpdates): void {
  for (const w of rwset.writes) {
    updates.recordPublic(rwset.namespace, w.key, w.isDelete ? null : version);
    if (w.isDelete) updates.validationParameters.set(`${rwset.namespace}\u0000${w.key}`, null);
  }
  for (const m of rwset.metadataWrites) {
    const vp = m.entries[VALIDATION_PARAMETER];
    if (vp !== undefined) updates.validationParameters.set(`${rwset.namespace}\u0000${m.key}`, Buffer.from(vp, 'base64'));
  }
  for (const c of rwset.collections) {
    for (const w of c.hashedWrites) updates.recordHashed(rwset.namespace, c.collection, w.keyHash, w.isDelete ? null : version);
  }
}
