import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** A write issued but not yet durable: what get() answers meanwhile (`undefined` for a delete). */
interface Unsettled<T> {
  readonly value: T | undefined;
  readonly done: Promise<void>;
}

let tmpCounter = 0;

/**
 * A directory of small JSON records written atomically (temp file, fsync, rename): what the gateway must remember
 * across restarts and cannot recompute from the ledger — idempotency outcomes and pending async submits.
 *
 * Writes run off the event loop (fs.promises, fsync in the thread pool) so one request's fsync never stalls the
 * others; the promise put() returns settles once the record is durable, and callers that rely on durability (write
 * before submitting, write before answering) await it. Writes to one key apply in the order they were issued, and
 * get() answers the latest value issued, durable or not, so a reader never sees an older state than a writer left.
 */
export class RecordStore<T> {
  readonly #dir: string;
  readonly #unsettled = new Map<string, Unsettled<T>>();

  constructor(dir: string) {
    this.#dir = dir;
    fs.mkdirSync(dir, { recursive: true });
  }

  #file(key: string): string {
    // Keys are hashed so any caller-supplied text maps to a safe, fixed-length file name.
    return path.join(this.#dir, `${crypto.createHash('sha256').update(key).digest('hex')}.json`);
  }

  get(key: string): T | undefined {
    const unsettled = this.#unsettled.get(key);
    if (unsettled) return unsettled.value;
    try {
      return JSON.parse(fs.readFileSync(this.#file(key), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Resolves once the record is on disk (fsynced and renamed into place). */
  put(key: string, value: T): Promise<void> {
    const file = this.#file(key);
    const text = JSON.stringify(value);
    return this.#enqueue(key, value, () => writeDurably(file, text));
  }

  delete(key: string): Promise<void> {
    const file = this.#file(key);
    return this.#enqueue(key, undefined, () => fs.promises.rm(file, { force: true }));
  }

  /** Resolves once every write issued so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#unsettled.values()].map((u) => u.done));
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

  /**
   * Deletes the records last written more than `ageMs` ago (by file time), except those with a write in flight and
   * those `keep` says must stay (e.g. a submit whose outcome is not known yet: forgetting it would let a retry with
   * the same key submit again). Answers how many went. Used to keep idempotency records for a bounded time, so
   * callers cannot grow the directory without end.
   */
  async pruneOlderThan(ageMs: number, now = Date.now(), keep: (record: T) => boolean = () => false): Promise<number> {
    let removed = 0;
    for (const name of await fs.promises.readdir(this.#dir)) {
      if (!name.endsWith('.json')) continue;
      const file = path.join(this.#dir, name);
      try {
        const { mtimeMs } = await fs.promises.stat(file);
        if (now - mtimeMs <= ageMs) continue;
        if ([...this.#unsettled.keys()].some((key) => this.#file(key) === file)) continue;
        let record: T | undefined;
        try {
          record = JSON.parse(await fs.promises.readFile(file, 'utf8')) as T;
        } catch {
          record = undefined; // unreadable: nothing it could protect
        }
        if (record !== undefined && keep(record)) continue;
        await fs.promises.rm(file, { force: true });
        removed++;
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }

  #enqueue(key: string, value: T | undefined, write: () => Promise<void>): Promise<void> {
    const previous = this.#unsettled.get(key)?.done ?? Promise.resolve();
    // Chained after the previous write of this key, whatever its fate, so renames land in issue order.
    const done = previous.then(write, write);
    const entry = { value, done };
    this.#unsettled.set(key, entry);
    const forget = () => {
      if (this.#unsettled.get(key) === entry) this.#unsettled.delete(key);
    };
    done.then(forget, forget);
    return done;
  }
}

async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${tmpCounter++}.tmp`;
  const handle = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
}
