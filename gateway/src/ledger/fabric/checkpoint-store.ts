/**
 * A persisted event position. fabric-gateway's own file checkpointer stores (block, txId); the port identifies an
 * event by (block, txIndex), so this one stores that pair instead, written atomically so a crash never leaves a
 * half-written checkpoint.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../common/atomic-file';

export interface EventPosition {
  readonly blockNumber: number;
  readonly txIndex: number;
}

export interface CheckpointStore {
  load(): EventPosition | undefined;
  save(position: EventPosition): void;
}

const positionSchema = z.object({
  blockNumber: z.number().int().nonnegative(),
  txIndex: z.number().int().nonnegative(),
});

/** Orders positions as the ledger orders events. */
export function isAfter(a: EventPosition, b: EventPosition): boolean {
  return a.blockNumber > b.blockNumber || (a.blockNumber === b.blockNumber && a.txIndex > b.txIndex);
}

export function laterOf(a: EventPosition | undefined, b: EventPosition | undefined): EventPosition | undefined {
  if (!a) return b;
  if (!b) return a;
  return isAfter(a, b) ? a : b;
}

export class FileCheckpointStore implements CheckpointStore {
  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  /** `<dir>/<channel>.<name>.json`; names are restricted so a caller cannot escape the directory. */
  static forStream(dir: string, channel: string, name: string): FileCheckpointStore {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(channel)) {
      throw new Error(`checkpoint name '${name}' on channel '${channel}' must be letters, digits, '.', '_' or '-'`);
    }
    return new FileCheckpointStore(path.join(dir, `${channel}.${name}.json`));
  }

  get file(): string {
    return this.#file;
  }

  load(): EventPosition | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = positionSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`event checkpoint ${this.#file} is not a {blockNumber, txIndex} position`);
    return parsed.data;
  }

  save(position: EventPosition): void {
    writeFileAtomic(this.#file, `${JSON.stringify({ blockNumber: position.blockNumber, txIndex: position.txIndex })}\n`, 0o644);
  }
}

export class MemoryCheckpointStore implements CheckpointStore {
  #position: EventPosition | undefined;
  load(): EventPosition | undefined {
    return this.#position;
  }
  save(position: EventPosition): void {
    this.#position = position;
  }
}
