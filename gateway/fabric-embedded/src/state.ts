/**
 * Versioned key-value state as a Fabric peer's state database holds it: every key carries the height
 * (block, tx) of its last write; keys iterate in UTF-8 byte order as in LevelDB.
 */
import { createHash } from 'node:crypto';

export interface Version {
  blockNum: number;
  txNum: number;
}

export function sameVersion(a: Version | null | undefined, b: Version | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return a.blockNum === b.blockNum && a.txNum === b.txNum;
}

export function formatVersion(v: Version | null | undefined): string {
  return v ? `{BlockNum: ${v.blockNum}, TxNum: ${v.txNum}}` : '<nil>';
}

/** UTF-8 byte order (LevelDB's order). JS string order differs only once surrogates are involved. */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : 1;
}

export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Fabric hashes private keys and values with SHA-256 for the hashed (public) side of a collection. */
export function keyHashHex(key: string): string {
  return sha256(Buffer.from(key, 'utf8')).toString('hex');
}

/** A sorted map from key to versioned entry. */
export class KeySpace<T extends { version: Version }> {
  readonly #entries = new Map<string, T>();
  readonly #sorted: string[] = [];

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  set(key: string, entry: T): void {
    if (!this.#entries.has(key)) this.#sorted.splice(this.#lowerBound(key), 0, key);
    this.#entries.set(key, entry);
  }

  delete(key: string): boolean {
    if (!this.#entries.delete(key)) return false;
    this.#sorted.splice(this.#lowerBound(key), 1);
    return true;
  }

  /** Keys in [start, end) in byte order; '' end means unbounded. */
  keysInRange(start: string, end: string): string[] {
    const from = this.#lowerBound(start);
    const to = end === '' ? this.#sorted.length : this.#lowerBound(end);
    return to > from ? this.#sorted.slice(from, to) : [];
  }

  *entries(): IterableIterator<[string, T]> {
    for (const key of this.#sorted) yield [key, this.#entries.get(key) as T];
  }

  #lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.#sorted[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface PublicEntry {
  value: Buffer;
  version: Version;
  metadata?: Record<string, Buffer>;
}

export interface HashedEntry {
  valueHash: Buffer;
  version: Version;
}

export interface PrivateEntry {
  value: Buffer;
  version: Version;
}

export interface HistoryEntry {
  txId: string;
  value: Buffer;
  isDelete: boolean;
  timestamp: Date;
  version: Version;
}

/** One peer's view: the shared public and hashed state plus the private data its org stores. */
export class WorldState {
  /** namespace (chaincode) -> public state */
  readonly public = new Map<string, KeySpace<PublicEntry>>();
  /** `${ns}\u0000${collection}` -> keyHash(hex) -> hashed entry; every peer of the channel has these. */
  readonly hashed = new Map<string, KeySpace<HashedEntry>>();
  /** org -> `${ns}\u0000${collection}` -> key -> private entry; only members' peers store values. */
  readonly private = new Map<string, Map<string, KeySpace<PrivateEntry>>>();
  /** `${ns}\u0000${key}` -> committed history, oldest first. */
  readonly history = new Map<string, HistoryEntry[]>();

  publicSpace(ns: string): KeySpace<PublicEntry> {
    let space = this.public.get(ns);
    if (!space) this.public.set(ns, (space = new KeySpace()));
    return space;
  }

  hashedSpace(ns: string, collection: string): KeySpace<HashedEntry> {
    const id = `${ns}\u0000${collection}`;
    let space = this.hashed.get(id);
    if (!space) this.hashed.set(id, (space = new KeySpace()));
    return space;
  }

  privateSpace(org: string, ns: string, collection: string): KeySpace<PrivateEntry> {
    let perOrg = this.private.get(org);
    if (!perOrg) this.private.set(org, (perOrg = new Map()));
    const id = `${ns}\u0000${collection}`;
    let space = perOrg.get(id);
    if (!space) perOrg.set(id, (space = new KeySpace()));
    return space;
  }

  historyOf(ns: string, key: string): readonly HistoryEntry[] {
    return this.history.get(`${ns}\u0000${key}`) ?? [];
  }

  appendHistory(ns: string, key: string, entry: HistoryEntry): void {
    const id = `${ns}\u0000${key}`;
    let list = this.history.get(id);
    if (!list) this.history.set(id, (list = []));
    list.push(entry);
  }
}
