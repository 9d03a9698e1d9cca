/**
 * The peer store compaction (network/lib/compact-leveldb.ts, `npm run peer:compact`) on LevelDB stores made here in a
 * temp dir, laid out like a peer's file system path. The positive control: a deleted value's bytes are still in the
 * store's files after the delete (LevelDB appends a tombstone to its journal) and gone after the compaction, while
 * every other key keeps its value. Runs without Fabric.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClassicLevel } from 'classic-level';
import { main as cli } from '../../network/lib/compact-leveldb-cli';
import { assertUnlocked, compactStore, compactStores, findLevelDbStores, locksOnInode, recoverInterruptedRebuild } from '../../network/lib/compact-leveldb';
import { filesContaining } from './support/peer-store';
import { isolatedPath, NATIVE, ROOT, runBash } from './support/shell';

type Db = ClassicLevel<string, string>;
const open = async (dir: string): Promise<Db> => {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' });
  await db.open();
  return db;
};

describe('compacting a stopped peer’s LevelDB stores', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-compact-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A store whose secret value was written, then deleted, with `kept` other entries (some flushed to tables). */
  async function storeWithDeletedValue(rel: string, secret: string, kept = 50): Promise<string> {
    const dir = path.join(root, rel);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const db = await open(dir);
    for (let i = 0; i < kept; i += 1) await db.put(`key-${String(i).padStart(4, '0')}`, `value-${i}-${'x'.repeat(200)}`);
    await db.put('private/household', `{${secret},"salt":"9f3a"}`);
    await db.compactRange('', '\xff'); // the value now also sits in a table, not only in the journal
    await db.put('key-late', 'written after the first compaction');
    await db.del('private/household');
    await db.close();
    return dir;
  }

  it('drops a deleted value and its key from every file, keeps every other entry, and the store reopens', async () => {
    const secret = '"amount":7340129';
    const dir = await storeWithDeletedValue('ledgersData/pvtdataStore', secret);
    expect(filesContaining(root, secret).length).toBeGreaterThan(0); // positive control: delete alone leaves the bytes

    const report = await compactStore(dir, root);
    expect(report).toMatchObject({ store: 'ledgersData/pvtdataStore', entries: 51 });
    expect(report.level).toBeGreaterThanOrEqual(1);
    expect(filesContaining(root, secret)).toEqual([]);
    expect(filesContaining(root, 'private/household')).toEqual([]); // the tombstone (the key) is gone too

    const db = await open(dir);
    expect(await db.get('key-0007')).toBe(`value-7-${'x'.repeat(200)}`);
    expect(await db.get('key-late')).toBe('written after the first compaction');
    expect(await db.get('private/household')).toBeUndefined();
    expect((await db.keys().all()).length).toBe(51);
    await db.close();
  });

  it('finds every store of a peer’s file system path, compacts them all, and skips what is not LevelDB', async () => {
    await storeWithDeletedValue('ledgersData/stateLeveldb', 'state-secret-1');
    await storeWithDeletedValue('transientstore', 'transient-secret-2', 3);
    fs.mkdirSync(path.join(root, 'ledgersData/chains/chains/energy'), { recursive: true });
    fs.writeFileSync(path.join(root, 'ledgersData/chains/chains/energy/blockfile_000000'), 'block bytes, only hashes of private data');
    expect(findLevelDbStores(root).map((s) => path.relative(root, s))).toEqual(['ledgersData/stateLeveldb', 'transientstore']);
    expect(filesContaining(root, 'state-secret-1')).toEqual([expect.stringMatching(/^ledgersData\/stateLeveldb\/\d+\.ldb$/)]);
    expect(filesContaining(root, 'transient-secret-2')).toEqual([expect.stringMatching(/^transientstore\/\d+\.ldb$/)]);

    const lines: string[] = [];
    const error = jest.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
    try {
      expect(await cli([root])).toBe(0);
    } finally {
      error.mockRestore();
    }
    expect(lines.join('\n')).toMatch(/2 stores compacted/);
    expect(filesContaining(root, 'state-secret-1')).toEqual([]);
    expect(filesContaining(root, 'transient-secret-2')).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'ledgersData/chains/chains/energy/blockfile_000000'), 'utf8')).toMatch(/^block bytes/);
  });

  it('runs as `npm run peer:compact` does (tsx): one line per store, and a failure as one line with exit 1', async () => {
    await storeWithDeletedValue('ledgersData/configHistory', 'config-secret', 2);
    const run = (dir: string) =>
      spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'network/lib/compact-leveldb-cli.ts'), dir], { encoding: 'utf8', timeout: 60_000 });
    const ok = run(root);
    expect(ok.status).toBe(0);
    expect(ok.stderr).toMatch(/^\[peer:compact\] ledgersData\/configHistory: 3 entries, \d+ -> \d+ bytes/m);
    expect(filesContaining(root, 'config-secret')).toEqual([]);
    const missing = run(path.join(root, 'missing'));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe(`[peer:compact] ${path.join(root, 'missing')} is not a directory`);
  });

  it('refuses a path without stores and bad usage', async () => {
    await expect(compactStores(root)).rejects.toThrow(/no LevelDB store/);
    await expect(compactStores(path.join(root, 'missing'))).rejects.toThrow(/not a directory/);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await cli([])).toBe(2);
      expect(await cli(['--force', root])).toBe(2);
    } finally {
      error.mockRestore();
    }
  });

  it('refuses a store whose LOCK file a process holds (a running peer), before touching any store', async () => {
    const dir = await storeWithDeletedValue('ledgersData/historyLeveldb', 'history-secret', 2);
    const inode = fs.statSync(path.join(dir, 'LOCK')).ino;
    const procLocks = path.join(root, 'locks');
    fs.writeFileSync(procLocks, `1: POSIX  ADVISORY  WRITE 99 fd:01:12 0 EOF\n2: FLOCK  ADVISORY  WRITE 4242 00:2f:${inode} 0 EOF\n`);
    expect(locksOnInode(fs.readFileSync(procLocks, 'utf8'), inode)).toHaveLength(1);
    expect(locksOnInode(fs.readFileSync(procLocks, 'utf8'), inode + 1)).toEqual([]);
    expect(() => assertUnlocked(dir, procLocks)).toThrow(/in use .*FLOCK .*stop the peer/);
    expect(() => assertUnlocked(dir)).not.toThrow(); // nothing holds it now (Linux /proc/locks, or no check elsewhere)

    // A store open in this process is locked (LevelDB's fcntl lock shows in /proc/locks): compactStores refuses it.
    if (fs.existsSync('/proc/locks')) {
      const db = await open(dir);
      try {
        await expect(compactStores(root)).rejects.toThrow(/in use/);
      } finally {
        await db.close();
      }
      expect(filesContaining(root, 'history-secret').length).toBeGreaterThan(0); // untouched
    }
  });
  it('completes or undoes a rebuild a crash interrupted, never losing the store', async () => {
    const dir = await storeWithDeletedValue('ledgersData/bookkeeper', 'bookkeeper-secret', 5);
    // Crash after the original was retired, before the copy took its place: the original is put back.
    fs.renameSync(dir, `${dir}.obe-compact-old`);
    fs.mkdirSync(`${dir}.obe-compact-new`);
    fs.writeFileSync(`${dir}.obe-compact-new/000001.ldb`, 'half written');
    expect(findLevelDbStores(root)).toEqual([dir]);
    const report = await compactStore(dir, root);
    expect(report).toMatchObject({ store: 'ledgersData/bookkeeper', entries: 6 });
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['bookkeeper']);
    expect(filesContaining(root, 'bookkeeper-secret')).toEqual([]);

    // Crash after the swap, before the retired original was deleted: the retired copy (with the value) goes.
    fs.cpSync(dir, `${dir}.obe-compact-old`, { recursive: true });
    fs.writeFileSync(`${dir}.obe-compact-old/000099.log`, 'bookkeeper-secret');
    recoverInterruptedRebuild(dir);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['bookkeeper']);
    const db = await open(dir);
    expect((await db.keys().all()).length).toBe(6);
    await db.close();
  });
  it('node.sh compact takes peers only, and needs the Fabric binaries to start the peer again', () => {
    fs.mkdirSync(path.join(root, 'run'));
    const node = (...args: string[]) => runBash(`bash "${NATIVE}/node.sh" "$@"`, { PATH: isolatedPath(), OBE_NETWORK_DIR: root }, args);
    expect(node('compact', 'orderer').status).toBe(2); // the orderer holds no private data
    expect(node('compact', 'chaincode-utility').status).toBe(2);
    const noFabric = node('compact', 'peer-utility');
    expect(noFabric.status).not.toBe(0);
    expect(noFabric.stderr).toMatch(/Fabric/);
  });
});
