/**
 * `npm run peer:compact -- <peer file system path>` — compacts every LevelDB store of a STOPPED peer (its
 * CORE_PEER_FILESYSTEMPATH, /var/hyperledger/production in the Fabric images), so that the bytes of values Fabric has
 * deleted, such as private data purged by an erasure, are gone from its disk (network/lib/compact-leveldb.ts,
 * docs/operations.md). Prints one line per store and a total; exit 0 when every store was compacted with its content
 * unchanged, 1 when one was not (a store in use, a content mismatch), 2 on bad usage. The native network runs it from
 * `network/native/node.sh compact peer-<org>`, which stops and restarts the peer around it.
 */
import { runCli } from './cli';
import { compactStores } from './compact-leveldb';

const USAGE = 'usage: peer:compact <stopped peer file system path>';

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    console.error(USAGE);
    return 2;
  }
  const [root] = argv;
  const started = Date.now();
  const reports = await compactStores(root, (r) =>
    console.error(`[peer:compact] ${r.store}: ${r.entries} entries, ${r.bytesBefore} -> ${r.bytesAfter} bytes, level ${r.level}, ${r.millis} ms`),
  );
  const before = reports.reduce((sum, r) => sum + r.bytesBefore, 0);
  const after = reports.reduce((sum, r) => sum + r.bytesAfter, 0);
  console.error(`[peer:compact] ${reports.length} stores compacted under ${root}: ${before} -> ${after} bytes in ${Date.now() - started} ms`);
  return 0;
}

if (require.main === module) void runCli(main, process.argv.slice(2), '[peer:compact] ');
