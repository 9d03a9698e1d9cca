import { combineOutcomes, type MarketTiming, type SimulationBackend, type TxOutcome } from './backend';
import { Neighbourhood, type IntervalSnapshot, type NeighbourhoodOptions } from './neighbourhood';
import { SummaryAccumulator, type SimulationSummary } from './summary';

/**
 * Drives a neighbourhood through the market on the ledger's own clock. Each delivery interval runs its own
 * pipeline — orders before gate closure, clearing after it, signed readings after delivery, then settlement —
 * and consecutive intervals overlap, so a run of K intervals takes about K interval lengths of wall time.
 * Chaincode judges time by the transaction timestamp, so the driver waits for real time, never fakes it.
 */

export type SimulationEvent =
  | { type: 'registering'; done: number; total: number }
  | { type: 'registered'; outcome: TxOutcome }
  | { type: 'scheduled'; intervals: readonly string[] }
  | { type: 'orders'; interval: string; outcome: TxOutcome }
  | { type: 'cleared'; interval: string; zone: string; price?: number; volumeKwh: number; outcome: TxOutcome }
  | { type: 'readings'; interval: string; outcome: TxOutcome }
  | { type: 'settled'; interval: string; outcome: TxOutcome }
  | { type: 'interval-done'; interval: string; done: number };

export interface SimulationOptions extends Partial<Omit<NeighbourhoodOptions, 'seed' | 'prosumers'>> {
  readonly seed: string | number;
  readonly prosumers: number;
  /** Delivery intervals to run; undefined runs until stop() (live mode). */
  readonly intervals?: number;
  readonly onEvent?: (event: SimulationEvent) => void;
  /** Margin after a boundary before acting on it, absorbing clock granularity between processes. */
  readonly skewMs?: number;
  /** Time reserved for placing one interval's orders before its gate closes; default grows with households. */
  readonly orderLeadMs?: number;
  /** Clock and sleep, replaceable in tests. */
  readonly clock?: Clock;
  /** 'agent': the gateway's market operator agent clears and settles; the run only orders and reports readings. */
  readonly operator?: 'self' | 'agent';
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * Time to leave for placing one interval's orders before its gate closes: generous, because an order that misses
 * gate closure is refused (about 10 orders/s on a busy 2-core machine on the embedded ledger).
 */
function orderLeadMs(orders: number): number {
  return 5000 + orders * 150;
}

export class SimulationRun {
  readonly neighbourhood: Neighbourhood;
  readonly #backend: SimulationBackend;
  readonly #options: SimulationOptions;
  readonly #clock: Clock;
  readonly #summary: SummaryAccumulator;
  readonly #abort = new AbortController();
  readonly #skewMs: number;
  #done = 0;

  constructor(backend: SimulationBackend, options: SimulationOptions) {
    this.#backend = backend;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#skewMs = options.skewMs ?? 250;
    this.neighbourhood = new Neighbourhood(options);
    this.#summary = new SummaryAccumulator(this.neighbourhood.households.length, this.neighbourhood.zones.length);
  }

  get intervalsDone(): number {
    return this.#done;
  }

  get stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  summary(): SimulationSummary {
    return this.#summary.summary();
  }

  /**
   * Ends the run: no new interval starts, and intervals in flight stop at their next step (a transaction already
   * sent completes). Whatever was left open on the ledger stays valid; it is simply not traded further.
   */
  stop(): void {
    this.#abort.abort();
  }

  async run(): Promise<SimulationSummary> {
    const registered = await this.#backend.register(this.neighbourhood.households, (done, total) =>
      this.#emit({ type: 'registering', done, total }),
    );
    this.#record('register', registered);
    this.#emit({ type: 'registered', outcome: registered });
    const timing = await this.#backend.timing();
    const households = this.neighbourhood.households.length;
    const firstStart = this.#firstTradableStart(timing, households);
    const pipelines = new Set<Promise<void>>();
    for (let k = 0; this.#options.intervals === undefined || k < this.#options.intervals; k++) {
      const start = firstStart + k * timing.intervalMs;
      const ordersAt = Math.max(this.#clock.now(), start - timing.gateClosureMs - timing.intervalMs);
      // Live mode creates intervals lazily, one interval length ahead of their order window.
      if (this.#options.intervals === undefined) {
        await this.#clock.sleep(ordersAt - this.#clock.now(), this.#abort.signal);
        if (this.stopped) break;
      }
      if (k === 0) this.#emit({ type: 'scheduled', intervals: this.#plannedIntervals(firstStart, timing) });
      // Snapshots are taken in interval order so a run replays exactly from its seed.
      const snapshot = this.neighbourhood.step(timing.intervalMs / (this.neighbourhood.options.intervalMinutes * 60_000));
      const pipeline: Promise<void> = this.#runInterval(new Date(start).toISOString(), start, ordersAt, timing, snapshot)
        .finally(() => pipelines.delete(pipeline));
      pipelines.add(pipeline);
    }
    await Promise.all(pipelines);
    return this.summary();
  }

  #plannedIntervals(firstStart: number, timing: MarketTiming): string[] {
    const count = this.#options.intervals ?? 1;
    return Array.from({ length: count }, (_, k) => new Date(firstStart + k * timing.intervalMs).toISOString());
  }

  /** The first interval whose gate closes late enough to place every household's order before it. */
  #firstTradableStart(timing: MarketTiming, orders: number): number {
    const earliestGate = this.#clock.now() + (this.#options.orderLeadMs ?? orderLeadMs(orders));
    return Math.ceil((earliestGate + timing.gateClosureMs) / timing.intervalMs) * timing.intervalMs;
  }

  async #runInterval(interval: string, start: number, ordersAt: number, timing: MarketTiming, snapshot: IntervalSnapshot): Promise<void> {
    const clock = this.#clock;
    const signal = this.#abort.signal;
    await clock.sleep(ordersAt - clock.now(), signal);
    if (this.stopped) return;
    const orders = snapshot.households.flatMap((h) => (h.order ? [{ household: h.household, order: h.order }] : []));
    const ordered = await this.#backend.placeOrders(interval, orders);
    this.#record('order', ordered);
    this.#emit({ type: 'orders', interval, outcome: ordered });

    const byAgent = this.#options.operator === 'agent';
    const zones = this.neighbourhood.zones;
    if (!byAgent) await clock.sleep(start - timing.gateClosureMs + this.#skewMs - clock.now(), signal);
    if (this.stopped) return;
    const cleared = byAgent ? [] : await Promise.all(zones.map((zone) => this.#backend.clear(interval, zone)));
    cleared.forEach(({ outcome, result }, i) => {
      this.#record('clear', outcome);
      if (result) this.#summary.addClearing(result);
      this.#emit({ type: 'cleared', interval, zone: zones[i], price: result?.price, volumeKwh: result?.volumeKwh ?? 0, outcome });
    });

    await clock.sleep(start + timing.intervalMs + this.#skewMs - clock.now(), signal);
    if (this.stopped) return;
    const read = await this.#backend.submitReadings(interval, snapshot.households);
    this.#record('reading', read);
    this.#summary.addInterval(snapshot);
    this.#emit({ type: 'readings', interval, outcome: read });

    if (!byAgent) {
      const settled = combineOutcomes(await Promise.all(zones.map((zone) => this.#backend.settle(interval, zone))));
      this.#record('settle', settled);
      this.#emit({ type: 'settled', interval, outcome: settled });
    }
    this.#done++;
    this.#emit({ type: 'interval-done', interval, done: this.#done });
  }

  #record(operation: string, outcome: TxOutcome): void {
    if (outcome.submitted - outcome.failed > 0) this.#summary.transactionSucceeded(outcome.submitted - outcome.failed);
    if (outcome.failed > 0) this.#summary.transactionFailed(operation, outcome.failed);
  }

  #emit(event: SimulationEvent): void {
    this.#options.onEvent?.(event);
  }
}
