/**
 * An append-only file of framed records: MAGIC(4) | length(u32 BE) | payload | SHA-256(payload)(32).
 * Appends are fsynced before they resolve. Opening scans every record: a torn or unverifiable *last* record (a crash
 * during the append) is cut off and reported; damage anywhere before it is corruption and refuses to open.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { LedgerCorruptedError } from './errors';

const MAGIC = Buffer.from('OBE1', 'ascii');
const HEADER = MAGIC.length + 4;
const CHECKSUM = 32;

export interface OpenedLog {
  records: Buffer[];
  /** Set when a torn last record was dropped: how many bytes were cut off, and why the record was unusable. */
  truncatedBytes: number;
  tornReason?: string;
}

function checksum(payload: Buffer): Buffer {
  return createHash('sha256').update(payload).digest();
}

export function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32BE(payload.length, MAGIC.length);
  return Buffer.concat([header, payload, checksum(payload)]);
}

/** Reads every record; cuts a torn tail off the file (and says how much), throws on damage before the tail. */
export function readLog(file: string): OpenedLog {
  if (!fs.existsSync(file)) return { records: [], truncatedBytes: 0 };
  const data = fs.readFileSync(file);
  const records: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const remaining = data.length - offset;
    const tornAt = (why: string): OpenedLog => {
      // Only the last record may be incomplete: it is the one a crash interrupted.
      fs.truncateSync(file, offset);
      fsyncDir(path.dirname(file));
      return { records, truncatedBytes: remaining, tornReason: why };
    };
    if (remaining < HEADER) return tornAt('incomplete header');
    if (!data.subarray(offset, offset + MAGIC.length).equals(MAGIC)) {
      throw new LedgerCorruptedError(`bad record marker at byte ${offset}`, file);
    }
    const length = data.readUInt32BE(offset + MAGIC.length);
    const end = offset + HEADER + length + CHECKSUM;
    if (end > data.length) return tornAt('incomplete record');
    const payload = data.subarray(offset + HEADER, offset + HEADER + length);
    if (!checksum(payload).equals(data.subarray(end - CHECKSUM, end))) {
      if (end === data.length) return tornAt('checksum mismatch in last record');
      throw new LedgerCorruptedError(`checksum mismatch in record at byte ${offset}`, file);
    }
    records.push(Buffer.from(payload));
    offset = end;
  }
  return { records, truncatedBytes: 0 };
}

export function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a directory; the file's own fsync still holds.
  }
}

/** Appends framed records to one file, one append at a time, each durable (fdatasync) before it resolves. */
export class RecordLog {
  readonly file: string;
  #handle: fs.promises.FileHandle | undefined;
  #tail: Promise<void> = Promise.resolve();

  constructor(file: string) {
    this.file = file;
  }

  append(payload: Buffer): Promise<void> {
    const run = this.#tail.then(() => this.#write(frame(payload)));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #write(bytes: Buffer): Promise<void> {
    if (!this.#handle) {
      const existed = fs.existsSync(this.file);
      this.#handle = await fs.promises.open(this.file, 'a');
      if (!existed) fsyncDir(path.dirname(this.file));
    }
    await this.#handle.write(bytes);
    await this.#handle.datasync();
  }

  /** Replaces the whole file with these records (written aside, fsynced, renamed into place). */
  async rewrite(payloads: readonly Buffer[]): Promise<void> {
    const run = this.#tail.then(async () => {
      await this.#closeHandle();
      const tmp = `${this.file}.compact`;
      const handle = await fs.promises.open(tmp, 'w');
      try {
        await handle.write(Buffer.concat(payloads.map(frame)));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.promises.rename(tmp, this.file);
      fsyncDir(path.dirname(this.file));
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#tail;
    await this.#closeHandle();
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await handle.close();
  }
}
