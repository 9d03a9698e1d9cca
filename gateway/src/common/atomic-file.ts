/**
 * File helpers every layer of the gateway may use (config, ledger adapters, relays): this folder imports nothing
 * else of the gateway, so no layer reaches up to get them.
 */
import fs from 'node:fs';
import path from 'node:path';

let tmpCounter = 0;

/** Writes a file atomically (temp file, fsync, rename) so a crash never leaves half a file behind. */
export function writeFileAtomic(file: string, text: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${tmpCounter++}.tmp`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
