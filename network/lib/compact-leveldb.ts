/**
 * Compacts the LevelDB stores of a STOPPED Fabric peer so that values Fabric has deleted (a private data purge, an
 * expired blockToLive, a cleared transient store entry) are physically gone from its disk (docs/privacy-and-erasure.md,
 * On disk; docs/operations.md, After an erasure).
 *
 * Why: a peer keeps its state, private data, history, transient and bookkeeping stores in goleveldb. A delete only
 * appends a tombstone; the old value stays byte for byte in the journal (*.log) and in the tables (*.ldb) until
 * LevelDB compacts the range it sits in, which a quiet peer may never do. Fabric has no command for that.
 *
 * How: every directory under the given root that is a LevelDB store (a CURRENT file naming a MANIFEST) is rebuilt
 * with classic-level (Google's LevelDB, whose on-disk format goleveldb reads and writes): its live entries, as a
 * read sees them (the journal replayed, every tombstone applied), are copied into a new store beside it, which is
 * compacted, synced and checked against the original (entry count and a SHA-256 over every key and value), and then
 * takes its place. A compaction in place (compactRange) would drop the deleted values too, but LevelDB's MANIFEST
 * keeps the key where each level's last compaction stopped and its info log names such keys; the rebuilt store holds
 * nothing but the live entries. A crash midway leaves the original or the finished copy, and the next run completes
 * or undoes the swap (recoverInterruptedRebuild). The time is that of reading and writing the store once.
 *
 * The peer must be stopped: goleveldb locks a store's LOCK file with flock(2), LevelDB with fcntl(2), and on Linux
 * the two do not see each other, so LevelDB's own lock would not stop it from writing under a running peer. On Linux
 * the tool therefore looks the LOCK file up in /proc/locks and refuses a store any process holds a lock on.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';

/** LevelDB's number of levels (config::kNumLevels). */
const LEVELS = 7;
/** Suffixes of the sibling directories a rebuild works in (see compactStore); never stores of the peer's own. */
const REBUILD_SUFFIX = '.obe-compact-new';
const RETIRED_SUFFIX = '.obe-compact-old';
const COPY_BATCH_BYTES = 4 * 1024 * 1024;

export interface StoreReport {
  /** The store's directory, relative to the root given to compactStores (`.` for the root itself). */
  store: string;
  /** Live entries (the same before and after). */
  entries: number;
  /** Bytes of the store's files before and after. */
  bytesBefore: number;
  bytesAfter: number;
  /** The deepest level holding tables after the rebuild (-1: the store holds no table). */
  level: number;
  millis: number;
}

/** Whether `dir` is a LevelDB store (goleveldb or LevelDB): a CURRENT file naming a MANIFEST that exists. */
export function isLevelDbStore(dir: string): boolean {
  const current = path.join(dir, 'CURRENT');
  if (!fs.existsSync(current) || !fs.statSync(current).isFile()) return false;
  const manifest = fs.readFileSync(current, 'utf8').trim();
  return /^MANIFEST-\d+$/.test(manifest) && fs.existsSync(path.join(dir, manifest));
}

/**
 * Every LevelDB store at or under `root`, sorted (a store's own directory is not searched further). The directories
 * a rebuild works in (compactStore) are not stores of their own: a half-built copy is skipped, and a retired store
 * whose rebuild was interrupted counts as the store it was (compactStore puts it back first).
 */
export function findLevelDbStores(root: string): string[] {
  const stores = new Set<string>();
  const walk = (dir: string): void => {
    if (dir.endsWith(REBUILD_SUFFIX)) return;
    if (isLevelDbStore(dir)) {
      stores.add(dir.endsWith(RETIRED_SUFFIX) ? dir.slice(0, -RETIRED_SUFFIX.length) : dir);
      return;
    }
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.isSymbolicLink()) walk(path.join(dir, entry.name));
    }
  };
  walk(root);
  return [...stores].sort();
}

/**
 * The lines of `locksText` (the format of /proc/locks) that lock the file with inode `inode`: each line is
 * `<n>: <FLOCK|POSIX|OFDLCK> <ADVISORY|MANDATORY> <READ|WRITE> <pid> <major>:<minor>:<inode> <start> <end>`.
 * Matching on the inode alone may over-report (another device's file with the same number), which only refuses.
 */
export function locksOnInode(locksText: string, inode: number): string[] {
  return locksText.split('\n').filter((line) => {
    const id = line.trim().split(/\s+/).find((field) => /^[0-9a-f]+:[0-9a-f]+:\d+$/i.test(field));
    return id !== undefined && Number(id.split(':')[2]) === inode;
  });
}

/** Refuses a store whose LOCK file a process holds a lock on (Linux; elsewhere the caller must know the peer stopped). */
export function assertUnlocked(store: string, procLocks = '/proc/locks'): void {
  const lockFile = path.join(store, 'LOCK');
  if (!fs.existsSync(lockFile) || !fs.existsSync(procLocks)) return;
  const held = locksOnInode(fs.readFileSync(procLocks, 'utf8'), fs.statSync(lockFile).ino);
  if (held.length > 0) {
    throw new Error(`${store} is in use (its LOCK file is locked: ${held[0].trim()}); stop the peer before compacting its stores`);
  }
}

function storeBytes(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => (e.isFile() ? sum + fs.statSync(path.join(dir, e.name)).size : sum), 0);
}

type Db = ClassicLevel<Buffer, Buffer>;

/** Count and SHA-256 of every live key and value, each length-prefixed, in key order. */
async function contentDigest(db: Db): Promise<{ entries: number; digest: string }> {
  const hash = createHash('sha256');
  const length = Buffer.alloc(4);
  let entries = 0;
  for await (const [key, value] of db.iterator()) {
    for (const part of [key, value]) {
      length.writeUInt32BE(part.length);
      hash.update(length).update(part);
    }
    entries += 1;
  }
  return { entries, digest: hash.digest('hex') };
}

/** Levels holding at least one table. */
function levelsWithTables(db: Db): number[] {
  const levels: number[] = [];
  for (let level = 0; level < LEVELS; level += 1) {
    if (Number(db.getProperty(`leveldb.num-files-at-level${level}`)) > 0) levels.push(level);
  }
  return levels;
}

async function openStore(store: string, createIfMissing = false): Promise<Db> {
  const db: Db = new ClassicLevel<Buffer, Buffer>(store, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open({ createIfMissing, errorIfExists: createIfMissing });
  return db;
}

/** Gives the rebuilt store the original's owner (a peer often runs as its own user; changing it needs root). */
function keepOwner(original: string, rebuilt: string): void {
  const { uid, gid } = fs.statSync(original);
  if (fs.statSync(rebuilt).uid === uid && fs.statSync(rebuilt).gid === gid) return;
  for (const name of ['', ...fs.readdirSync(rebuilt)]) fs.chownSync(path.join(rebuilt, name), uid, gid);
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Finishes or undoes a rebuild a crash interrupted (before anything else touches `store`): a retired copy next to a
 * complete store is deleted, a retired copy without a store is put back, and a half-built copy is discarded.
 */
export function recoverInterruptedRebuild(store: string): void {
  const retired = store + RETIRED_SUFFIX;
  if (fs.existsSync(retired)) {
    if (isLevelDbStore(store)) fs.rmSync(retired, { recursive: true, force: true });
    else {
      fs.rmSync(store, { recursive: true, force: true });
      fs.renameSync(retired, store);
    }
  }
  fs.rmSync(store + REBUILD_SUFFIX, { recursive: true, force: true });
}

/**
 * Compacts one stopped store by rebuilding it: every live entry is copied in key order into a new LevelDB store next
 * to it, which is compacted into one level, made durable and checked (same entries, same digest), and then takes the
 * old store's place (rename; the old directory is deleted afterwards). The result holds live entries only: no
 * deleted value, no tombstone, and none of the traces a compaction in place leaves of deleted keys (the MANIFEST keeps
 * the key each level's last compaction stopped at; the info logs name such keys too). Throws, leaving the original
 * store as it was, when the copy differs. Needs free space for one more copy of the store.
 */
export async function compactStore(store: string, relativeTo = store): Promise<StoreReport> {
  const started = Date.now();
  recoverInterruptedRebuild(store);
  assertUnlocked(store);
  const bytesBefore = storeBytes(store);
  const rebuilt = store + REBUILD_SUFFIX;
  const source = await openStore(store);
  let before: { entries: number; digest: string };
  let level: number;
  try {
    before = await contentDigest(source);
    const target = await openStore(rebuilt, true);
    try {
      let batch = target.batch();
      let bytes = 0;
      for await (const [key, value] of source.iterator()) {
        batch.put(key, value);
        bytes += key.length + value.length;
        if (bytes >= COPY_BATCH_BYTES) {
          await batch.write();
          batch = target.batch();
          bytes = 0;
        }
      }
      await batch.write({ sync: true });
      const last = await target.keys({ reverse: true, limit: 1 }).all();
      if (last.length > 0) await target.compactRange(Buffer.alloc(0), last[0]); // memtable to synced tables, one level
      const levels = levelsWithTables(target);
      level = levels.length === 0 ? -1 : levels[levels.length - 1];
      const copied = await contentDigest(target);
      if (copied.digest !== before.digest || copied.entries !== before.entries) {
        throw new Error(`${store}: the rebuilt copy differs (${before.entries} entries ${before.digest} -> ${copied.entries} ${copied.digest})`);
      }
    } finally {
      await target.close();
    }
  } catch (err) {
    fs.rmSync(rebuilt, { recursive: true, force: true });
    throw err;
  } finally {
    await source.close();
  }
  for (const name of ['LOG', 'LOG.old']) fs.rmSync(path.join(rebuilt, name), { force: true }); // info logs: never read back
  keepOwner(store, rebuilt);
  fsyncDir(rebuilt);
  fs.renameSync(store, store + RETIRED_SUFFIX);
  fs.renameSync(rebuilt, store);
  fsyncDir(path.dirname(store));
  fs.rmSync(store + RETIRED_SUFFIX, { recursive: true, force: true });
  return {
    store: path.relative(relativeTo, store) || '.',
    entries: before.entries,
    bytesBefore,
    bytesAfter: storeBytes(store),
    level,
    millis: Date.now() - started,
  };
}

/** Compacts every LevelDB store under `root` (a stopped peer's file system path), one after the other. */
export async function compactStores(root: string, onStore: (report: StoreReport) => void = () => undefined): Promise<StoreReport[]> {
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new Error(`${root} is not a directory`);
  const stores = findLevelDbStores(root);
  if (stores.length === 0) throw new Error(`no LevelDB store under ${root} (expected a peer's file system path, e.g. /var/hyperledger/production)`);
  for (const store of stores) assertUnlocked(store); // all checked before any is touched
  const reports: StoreReport[] = [];
  for (const store of stores) {
    const report = await compactStore(store, root);
    reports.push(report);
    onStore(report);
  }
  return reports;
}
