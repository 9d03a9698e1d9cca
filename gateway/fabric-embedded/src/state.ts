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

/** Code units from U+D800 up: the only ones whose UTF-16 order can differ from their UTF-8 byte order. */
const HIGH_CODE_UNIT = /[\ud800-\uffff]/;

/**
 * UTF-8 byte order (LevelDB's order). JS string order differs from it only where, at the first differing position,
 * one string has a surrogate (U+D800–U+DFFF: a code point above U+FFFF, 4 UTF-8 bytes starting 0xF0) and the other a
 * code unit from U+E000 (3 bytes starting 0xEE/0xEF): so both strings must hold a code unit from U+D800 for the orders
 * to differ, and only then are the bytes compared.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (HIGH_CODE_UNIT.test(a) && HIGH_CODE_UNIT.test(b)) return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  return a < b ? -1 : 1;
}

/** compareKeys(a, probe) for a probe known to hold no code unit from U+D800: plain string order is byte order. */
function compareToPlain(a: string, probe: string): number {
  return a === probe ? 0 : a < probe ? -1 : 1;
}

export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Fabric hashes private keys and values with SHA-256 for the hashed (public) side of a collection. */
export function keyHashHex(key: string): string {
  return sha256(Buffer.from(key, 'utf8')).toString('hex');
}

/** Keys per chunk of the sorted index: an insert or delete moves at most about this many entries. */
const CHUNK = 512;

/**
 * A sorted map from key to versioned entry. Entries live in a Map; the key order (UTF-8 byte order, for range and
 * partial-composite-key queries) is kept in a list of sorted chunks of at most 2 × CHUNK keys each, so that inserting or
 * deleting a key costs a binary search and a move within one chunk, not a move of every later key in the ledger (a flat
 * sorted array made each new key O(n), and a ledger of readings adds hundreds per block). `#firsts[i]` is the first key
 * of chunk i.
 */
export class KeySpace<T extends { version: Version }> {
  readonly #entries = new Map<string, T>();
  readonly #chunks: string[][] = [];
  readonly #firsts: string[] = [];

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  set(key: string, entry: T): void {
    if (!this.#entries.has(key)) this.#insert(key);
    this.#entries.set(key, entry);
  }

  delete(key: string): boolean {
    if (!this.#entries.delete(key)) return false;
    const [c, i] = this.#position(key);
    const chunk = this.#chunks[c];
    chunk.splice(i, 1);
    if (chunk.length === 0) {
      this.#chunks.splice(c, 1);
      this.#firsts.splice(c, 1);
    } else if (i === 0) this.#firsts[c] = chunk[0];
    return true;
  }

  /** Keys in [start, end) in byte order; '' end means unbounded. */
  keysInRange(start: string, end: string): string[] {
    const [c1, i1] = this.#position(start);
    const [c2, i2] = end === '' ? [this.#chunks.length, 0] : this.#position(end);
    if (c1 > c2 || (c1 === c2 && i1 >= i2)) return [];
    if (c1 === c2) return this.#chunks[c1].slice(i1, i2);
    const out = this.#chunks[c1].slice(i1);
    for (let c = c1 + 1; c < c2; c++) for (const key of this.#chunks[c]) out.push(key);
    if (c2 < this.#chunks.length) for (let i = 0; i < i2; i++) out.push(this.#chunks[c2][i]);
    return out;
  }

  *entries(): IterableIterator<[string, T]> {
    for (const chunk of this.#chunks) for (const key of chunk) yield [key, this.#entries.get(key) as T];
  }

  #insert(key: string): void {
    if (this.#chunks.length === 0) {
      this.#chunks.push([key]);
      this.#firsts.push(key);
      return;
    }
    const [c, i] = this.#position(key);
    // #position gives the chunk holding the first key ≥ key; past the end of the last chunk, append there.
    const at = c === this.#chunks.length ? c - 1 : c;
    const chunk = this.#chunks[at];
    const index = c === this.#chunks.length ? chunk.length : i;
    chunk.splice(index, 0, key);
    if (index === 0) this.#firsts[at] = key;
    if (chunk.length > 2 * CHUNK) {
      const tail = chunk.splice(CHUNK);
      this.#chunks.splice(at + 1, 0, tail);
      this.#firsts.splice(at + 1, 0, tail[0]);
    }
  }

  /**
   * Where key is or would go: [chunk, index] of the first key ≥ key in byte order, or [chunks.length, 0] past the end.
   */
  #position(key: string): [number, number] {
    const cmp = HIGH_CODE_UNIT.test(key) ? compareKeys : compareToPlain;
    // The last chunk whose first key is ≤ key (or chunk 0).
    let lo = 0;
    let hi = this.#firsts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(this.#firsts[mid], key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const c = lo === 0 ? 0 : lo - 1;
    const chunk = this.#chunks[c];
    if (!chunk) return [0, 0];
    lo = 0;
    hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(chunk[mid], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo < chunk.length ? [c, lo] : [c + 1, 0];
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
