/**
 * Looks for a value in a peer's on-disk stores. The peer keeps private data in LevelDB (ledgersData/pvtdataStore,
 * plus the private part of the state database and the transient store); a running peer holds the LevelDB lock,
 * so the files are read raw instead of opened as a database. LevelDB appends every write to its journal (*.log)
 * uncompressed, so a value written during a test is found there byte for byte; once compacted into a table
 * (*.ldb) it may be Snappy-compressed. A check for absence is therefore only meaningful next to a positive
 * control: the same scan must find the value on a peer that is entitled to it.
 */
import fs from 'node:fs';
import path from 'node:path';

const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** Every file under `dir` containing `needle`, as paths relative to `dir`. */
export function filesContaining(dir: string, needle: string): string[] {
  const target = Buffer.from(needle, 'utf8');
  const hits: string[] = [];
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && fs.statSync(full).size <= MAX_FILE_BYTES && fs.readFileSync(full).includes(target)) {
        hits.push(path.relative(dir, full));
      }
    }
  };
  walk(dir);
  return hits.sort();
}
