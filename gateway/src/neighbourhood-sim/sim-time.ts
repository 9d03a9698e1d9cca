/**
 * Simulated time for a day on the embedded ledger, so that 96 intervals of 15 minutes run in seconds instead of a day.
 *
 * The embedded ledger takes a transaction's timestamp from the proposal's `new Date()`, as a Fabric client does, and
 * the chaincode judges gate closure, delivery and settlement by that timestamp only. In simulated time the process's
 * `Date` runs on a virtual clock: it flows at real speed and jumps forward when every interval in flight is waiting
 * for a later moment (the next gate closure, the end of a delivery). Every transaction thus carries a timestamp
 * inside the interval it belongs to, exactly as if the day had been lived through, and the chaincode is untouched.
 *
 * Only for a process that runs its own embedded gateway (`npm run simulate` on the embedded ledger, tests): the
 * virtual clock is process-wide, so the gateway, its ledger and the simulator agree on the time. A gateway in another
 * process (Fabric, --url) keeps real time, and the simulator then waits for it (wall-clock mode).
 */

const RealDate = Date;

export interface VirtualClock {
  now(): number;
  /** Moves the clock forward to `ms` (never back). */
  advanceTo(ms: number): void;
  /** Restores the real `Date`. */
  uninstall(): void;
}

let installed: VirtualClock | undefined;

/** Replaces the global `Date` with one on a virtual clock starting at `startMs` (default: now). */
export function installVirtualClock(startMs: number = RealDate.now()): VirtualClock {
  if (installed) throw new Error('a virtual clock is installed already');
  let base = startMs;
  let realAt = RealDate.now();
  const now = () => base + (RealDate.now() - realAt);
  const VirtualDate: DateConstructor = new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget): object {
      return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget === VirtualDate ? target : newTarget) as object;
    },
    apply() {
      return new RealDate(now()).toString();
    },
    get(target, prop, receiver) {
      if (prop === 'now') return now;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  globalThis.Date = VirtualDate;
  const clock: VirtualClock = {
    now,
    advanceTo(ms) {
      if (ms > now()) {
        base = ms;
        realAt = RealDate.now();
      }
    },
    uninstall() {
      if (installed !== clock) return;
      globalThis.Date = RealDate;
      installed = undefined;
    },
  };
  installed = clock;
  return clock;
}

/**
 * A discrete-event scheduler over a virtual clock: tasks (the intervals' pipelines) wait for moments with `waitUntil`;
 * when no task is running, the clock jumps to the earliest awaited moment and that task resumes. Tasks therefore act
 * one at a time in time order, each transaction stamped at the moment it was scheduled for (plus its real duration).
 */
export class DiscreteScheduler {
  readonly #clock: VirtualClock;
  readonly #queue: { at: number; seq: number; resume: () => void }[] = [];
  #running = 0;
  #seq = 0;
  #held = true;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  now(): number {
    return this.#clock.now();
  }

  /** Registers a task that runs now (it must call `done` when it ends). */
  enter(): void {
    this.#running++;
  }

  done(): void {
    this.#running--;
    this.#pump();
  }

  /** Called by a running task: pauses it until the clock reaches `at`. */
  waitUntil(at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#queue.push({ at, seq: this.#seq++, resume: resolve });
      this.#running--;
      this.#pump();
    });
  }

  /** Lets the clock move once every task has been entered (tasks created together start in time order). */
  release(): void {
    this.#held = false;
    this.#pump();
  }

  #pump(): void {
    if (this.#held || this.#running > 0 || this.#queue.length === 0) return;
    let next = 0;
    for (let i = 1; i < this.#queue.length; i++) {
      const a = this.#queue[i];
      const b = this.#queue[next];
      if (a.at < b.at || (a.at === b.at && a.seq < b.seq)) next = i;
    }
    const [task] = this.#queue.splice(next, 1);
    this.#clock.advanceTo(task.at);
    this.#running++;
    task.resume();
  }
}
