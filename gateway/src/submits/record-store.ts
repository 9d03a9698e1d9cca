import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config';

/**
 * A directory of small JSON records written atomically (temp file, fsync, rename): what the gateway must remember
 * across restarts and cannot recompute from the ledger — idempotency outcomes and pending async submits.
 */
export class RecordStore<T> {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  #file(key: string): string {
    // Keys are hashed so any caller-supplied text maps to a safe, fixed-length file name.
    return path.join(this.#dir, `${crypto.createHash('sha256').update(key).digest('hex')}.json`);
  }

  get(key: string): T | undefined {
    const file = this.#file(key);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  put(key: string, value: T): void {
    writeFileAtomic(this.#file(key), JSON.stringify(value));
  }

  delete(key: string): void {
    fs.rmSync(this.#file(key), { force: true });
  }

  /** Every stored record (used on start to resume pending work). */
  all(): T[] {
    const out: T[] = [];
    for (const name of fs.readdirSync(this.#dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(fs.readFileSync(path.join(this.#dir, name), 'utf8')) as T);
      } catch {
        // A record that cannot be read is skipped rather than blocking the start.
      }
    }
    return out;
  }
}
