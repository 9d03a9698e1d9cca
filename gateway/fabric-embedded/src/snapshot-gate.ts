/**
 * Keeps simulations on a consistent snapshot: state changes (a block's commit) wait until running simulations end,
 * and simulations arriving meanwhile wait for the commit, like the read/write lock around Fabric's state database.
 */
export class SnapshotGate {
  #readers = 0;
  #writing = false;
  #writersWaiting = 0;
  #waiters: (() => void)[] = [];

  async read<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#writing || this.#writersWaiting > 0) await this.#wait();
    this.#readers++;
    try {
      return await fn();
    } finally {
      this.#readers--;
      this.#wake();
    }
  }

  /** Runs a synchronous state change once no simulation is running. */
  async write(fn: () => void): Promise<void> {
    this.#writersWaiting++;
    try {
      while (this.#writing || this.#readers > 0) await this.#wait();
    } finally {
      this.#writersWaiting--;
    }
    this.#writing = true;
    try {
      fn();
    } finally {
      this.#writing = false;
      this.#wake();
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}
