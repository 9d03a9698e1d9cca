import { NO_TX, combineOutcomes, type MarketTiming, type SimulationBackend, type TxOutcome } from './backend';
import { Neighbourhood, type IntervalSnapshot, type NeighbourhoodOptions } from './neighbourhood';
import { conditionsFor, type IntervalContext, type ScenarioHook, type ScenarioLedger } from './scenario';
import type { DiscreteScheduler } from './sim-time';
import { SummaryAccumulator, tokenCheck, type GridRunReport, type SimulationSummary, type TokenTotals, type ZoneClearing } from './summary';

/**
 * Drives a neighbourhood through the market on the ledger's own clock. Each delivery interval runs its own
 * pipeline — orders before gate closure, clearing after it, signed readings after delivery, then settlement —
 * and consecutive intervals overlap. Chaincode judges time by the transaction timestamp only, so the driver
 * waits for the ledger's time to pass, in one of two ways:
 *  - wall clock (a gateway in another process, e.g. on Fabric): it sleeps, so a run of K intervals takes about K
 *    interval lengths of real time;
 *  - simulated time (its own embedded gateway, see sim-time.ts): a discrete-event scheduler jumps the process's
 *    clock to the next moment an interval waits for, so a day of 96 intervals takes seconds.
 * Clearing and settlement are the simulation's own (as the market operator) unless the gateway's market operator
 * agent runs: then the run only orders and reports readings and waits for the agent's results (never both).
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
  /**
   * 'agent': the gateway's market operator agent clears and settles; the run only orders and reports readings.
   * 'auto': 'agent' when the gateway says its agent runs, else 'self'.
   */
  readonly operator?: 'self' | 'agent' | 'auto';
  /** Simulated time: intervals wait on this scheduler instead of sleeping (bounded runs only). */
  readonly scheduler?: DiscreteScheduler;
  /** Start of the first interval (ms); default: the first one whose gate still leaves time to order. */
  readonly firstIntervalStart?: (timing: MarketTiming, now: number) => number;
  /** Simulated minutes per ledger interval: a number, or 'ledger' for the ledger's own interval length. */
  readonly stepMinutes?: number | 'ledger';
  /** The number of intervals once the ledger's timing and the step length are known (overrides `intervals`). */
  readonly intervalsFor?: (timing: MarketTiming, stepMinutes: number) => number;
  /** Grid events and other scenario hooks, consulted every interval. */
  readonly hooks?: readonly ScenarioHook[];
  /** Sum every account's tokens before and after the run and report whether the total was conserved. */
  readonly checkTokens?: boolean;
  /** With the agent: how long to wait for its clearing or settlement of an interval (default 3 intervals + 1 min). */
  readonly agentTimeoutMs?: number;
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

/** Per-interval rows a live run keeps (a day of 15-minute intervals). */
const LIVE_ROWS = 96;

export class SimulationRun {
  readonly neighbourhood: Neighbourhood;
  readonly #backend: SimulationBackend;
  readonly #options: SimulationOptions;
  readonly #clock: Clock;
  readonly #summary: SummaryAccumulator;
  readonly #abort = new AbortController();
  readonly #skewMs: number;
  readonly #hooks: readonly ScenarioHook[];
  /** The neighbourhood without household limits, stepped alongside (only when a hook sets household limits). */
  readonly #twin: Neighbourhood | undefined;
  #byAgent = false;
  #intervals: number | undefined;
  #done = 0;

  constructor(backend: SimulationBackend, options: SimulationOptions) {
    if (options.scheduler && options.intervals === undefined) throw new RangeError('simulated time needs a bounded run (intervals)');
    if (options.scheduler && options.operator === 'agent') throw new RangeError("simulated time runs its own clearing and settlement (operator 'self' or 'auto')");
    this.#backend = backend;
    this.#options = options;
    this.#clock = options.scheduler ? { now: () => (options.scheduler as DiscreteScheduler).now(), sleep: systemClock.sleep } : (options.clock ?? systemClock);
    this.#skewMs = options.skewMs ?? 250;
    this.#hooks = options.hooks ?? [];
    this.#intervals = options.intervals;
    this.neighbourhood = new Neighbourhood(options);
    this.#twin = this.#hooks.some((h) => h.householdConditions) ? new Neighbourhood(options) : undefined;
    // A live run (npm start's demo) never ends: it keeps the last day of rows, and totals over everything.
    const live = options.intervals === undefined && options.intervalsFor === undefined;
    this.#summary = new SummaryAccumulator(this.neighbourhood.households.length, this.neighbourhood.zones.length, live ? LIVE_ROWS : Infinity);
  }

  get intervalsDone(): number {
    return this.#done;
  }

  get stopped(): boolean {
    return this.#abort.signal.aborted;
  }

  summary(): SimulationSummary {
    const summary = this.#summary.summary();
    const reporting = this.#hooks.filter((h) => h.intervalReport || h.runReport);
    if (reporting.length === 0) return summary;
    const perInterval = summary.perInterval.map((row) => {
      const grid = reporting.map((h) => h.intervalReport?.(row.interval)).find((g) => g !== undefined);
      return grid ? { ...row, grid } : row;
    });
    const reports = reporting.map((h) => h.runReport?.()).filter((r): r is Partial<GridRunReport> => r !== undefined);
    // Fees and envelope charges are what settlement paid the DSO (the operator's full settlement totals).
    const paid = { feesToDso: summary.settlement.gridFees ?? 0, envelopeCharged: summary.settlement.envelopeCharged ?? 0 };
    const grid = reports.length > 0 ? (Object.assign({}, ...reports, paid) as GridRunReport) : undefined;
    return { ...summary, perInterval, ...(grid ? { grid } : {}) };
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
    if (this.#options.stepMinutes !== undefined) {
      this.neighbourhood.useStepMinutes(this.#options.stepMinutes === 'ledger' ? timing.intervalMs / 60_000 : this.#options.stepMinutes);
      this.#twin?.useStepMinutes(this.neighbourhood.options.intervalMinutes);
    }
    if (this.#options.intervalsFor) this.#intervals = this.#options.intervalsFor(timing, this.neighbourhood.options.intervalMinutes);
    const operator = this.#options.operator ?? 'self';
    this.#byAgent = operator === 'agent' || (operator === 'auto' && ((await this.#backend.operatorAgentRunning?.()) ?? false));
    this.#summary.setOperator(this.#byAgent ? 'agent' : 'self');
    for (const hook of this.#hooks) {
      if (!hook.setup) continue;
      const outcome = await hook.setup({ households: this.neighbourhood.households, zones: this.neighbourhood.zones }, this.#scenarioLedger());
      if (outcome) this.#record(`hook:${hook.name}`, outcome);
    }
    const tokensBefore = this.#options.checkTokens ? await this.#tokenTotals() : undefined;
    const households = this.neighbourhood.households.length;
    const firstStart = this.#options.firstIntervalStart?.(timing, this.#clock.now()) ?? this.#firstTradableStart(timing, households);
    const scheduler = this.#options.scheduler;
    const energyScale = timing.intervalMs / (this.neighbourhood.options.intervalMinutes * 60_000);
    const pipelines = new Set<Promise<void>>();
    for (let k = 0; this.#intervals === undefined || k < this.#intervals; k++) {
      const start = firstStart + k * timing.intervalMs;
      const ordersAt = scheduler
        ? start - timing.gateClosureMs - timing.intervalMs
        : Math.max(this.#clock.now(), start - timing.gateClosureMs - timing.intervalMs);
      // Live mode creates intervals lazily, one interval length ahead of their order window.
      if (this.#intervals === undefined) {
        await this.#clock.sleep(ordersAt - this.#clock.now(), this.#abort.signal);
        if (this.stopped) break;
      }
      if (k === 0) this.#emit({ type: 'scheduled', intervals: this.#plannedIntervals(firstStart, timing) });
      const interval = new Date(start).toISOString();
      const ctx: IntervalContext = {
        index: k,
        interval,
        intervalMs: timing.intervalMs,
        hour: this.neighbourhood.options.startHour + (k * this.neighbourhood.options.intervalMinutes) / 60,
        hours: this.neighbourhood.options.intervalMinutes / 60,
        zones: this.neighbourhood.zones,
        ...(this.#intervals === undefined ? {} : { intervals: this.#intervals }),
      };
      // Snapshots are taken in interval order so a run replays exactly from its seed.
      const conditions = conditionsFor(this.#hooks, ctx);
      const snapshot = this.neighbourhood.step({
        energyScale,
        conditions,
        ...(this.#twin ? { householdConditions: (h) => conditionsFor(this.#hooks, ctx, h) } : {}),
      });
      const counterfactual = this.#twin?.step({ energyScale, conditions });
      scheduler?.enter();
      const pipeline: Promise<void> = this.#runInterval(ctx, start, ordersAt, timing, snapshot, counterfactual).finally(() => {
        pipelines.delete(pipeline);
        scheduler?.done();
      });
      pipelines.add(pipeline);
    }
    scheduler?.release();
    await Promise.all(pipelines);
    if (tokensBefore) {
      const after = await this.#tokenTotals();
      if (after) this.#summary.setTokens(tokenCheck(tokensBefore, after));
    }
    return this.summary();
  }

  async #tokenTotals(): Promise<TokenTotals | undefined> {
    try {
      return await this.#backend.tokenTotals?.();
    } catch (err) {
      this.#record('token-check', { submitted: 1, failed: 1, errors: [err instanceof Error ? err.message : String(err)] });
      return undefined;
    }
  }

  #plannedIntervals(firstStart: number, timing: MarketTiming): string[] {
    const count = this.#intervals ?? 1;
    return Array.from({ length: count }, (_, k) => new Date(firstStart + k * timing.intervalMs).toISOString());
  }

  /** The first interval whose gate closes late enough to place every household's order before it. */
  #firstTradableStart(timing: MarketTiming, orders: number): number {
    const earliestGate = this.#clock.now() + (this.#options.orderLeadMs ?? orderLeadMs(orders));
    return Math.ceil((earliestGate + timing.gateClosureMs) / timing.intervalMs) * timing.intervalMs;
  }

  /** Waits until the ledger's time reaches `at`: a sleep on the wall clock, a jump in simulated time. */
  #waitUntil(at: number): Promise<void> {
    const scheduler = this.#options.scheduler;
    if (scheduler) return scheduler.waitUntil(at);
    return this.#clock.sleep(at - this.#clock.now(), this.#abort.signal);
  }

  async #runInterval(ctx: IntervalContext, start: number, ordersAt: number, timing: MarketTiming, planned: IntervalSnapshot, counterfactual?: IntervalSnapshot): Promise<void> {
    let snapshot = planned;
    const interval = ctx.interval;
    await this.#waitUntil(ordersAt);
    if (this.stopped) return;
    const orders = snapshot.households.flatMap((h) => (h.order ? [{ household: h.household, order: h.order }] : []));
    for (const hook of this.#hooks) {
      if (!hook.beforeOrders) continue;
      const outcome = await hook.beforeOrders({ ...ctx, planned: orders }, this.#scenarioLedger());
      if (outcome) this.#record(`hook:${hook.name}`, outcome);
    }
    const ordered = await this.#backend.placeOrders(interval, orders);
    this.#record('order', ordered);
    this.#summary.addOrders(interval, snapshot);
    this.#emit({ type: 'orders', interval, outcome: ordered });

    const byAgent = this.#byAgent;
    const zones = this.neighbourhood.zones;
    const orderedZones = new Set(orders.map((o) => o.household.zone));
    // The agent looks at the book a moment after gate closure; waiting for it starts there too.
    await this.#waitUntil(start - timing.gateClosureMs + this.#skewMs);
    if (this.stopped) return;
    // A bounded run reports the agent's results, so it waits for them; live mode (npm start's demo) does not.
    const bounded = this.#intervals !== undefined && this.#backend.result !== undefined && this.#backend.settlement !== undefined;
    // The agent clears only a zone with orders; the simulation as operator clears every zone.
    const clearing = byAgent ? (bounded ? zones.filter((z) => orderedZones.has(z)) : []) : zones;
    const cleared = await Promise.all(
      clearing.map((zone) =>
        byAgent ? this.#awaitAgent('agent-clear', () => this.#backend.result?.(interval, zone) ?? Promise.resolve(undefined), timing) : this.#backend.clear(interval, zone),
      ),
    );
    cleared.forEach(({ outcome, result }, i) => {
      this.#record(byAgent ? 'agent-clear' : 'clear', outcome);
      if (result) this.#summary.addClearing(result);
      this.#emit({ type: 'cleared', interval, zone: clearing[i], price: result?.price, volumeKwh: result?.volumeKwh ?? 0, outcome });
    });
    const results = cleared.flatMap(({ result }): ZoneClearing[] => (result ? [result] : []));
    for (const hook of this.#hooks) {
      if (!hook.afterClearing) continue;
      const outcome = await hook.afterClearing(ctx, results, this.#scenarioLedger());
      if (outcome) this.#record(`hook:${hook.name}`, outcome);
    }

    snapshot = await this.#capExports(ctx, snapshot);

    await this.#waitUntil(start + timing.intervalMs + this.#skewMs);
    if (this.stopped) return;
    const read = await this.#backend.submitReadings(interval, snapshot.households, !byAgent);
    this.#record('reading', read);
    this.#summary.addInterval(snapshot, interval);
    this.#emit({ type: 'readings', interval, outcome: read });
    for (const hook of this.#hooks) {
      if (!hook.afterReadings) continue;
      const outcome = await hook.afterReadings(ctx, snapshot, counterfactual, this.#scenarioLedger());
      if (outcome) this.#record(`hook:${hook.name}`, outcome);
    }

    const clearedZones = cleared.flatMap(({ result }) => (result ? [result.zone] : []));
    if (!byAgent) {
      const settled = combineOutcomes(await Promise.all(zones.map((zone) => this.#backend.settle(interval, zone))));
      this.#record('settle', settled);
      await this.#readSettlements(interval, clearedZones);
      this.#emit({ type: 'settled', interval, outcome: settled });
    } else if (bounded) {
      const waited = await Promise.all(
        clearedZones.map((zone) => this.#awaitAgent('agent-settle', () => this.#backend.settlement?.(interval, zone) ?? Promise.resolve(undefined), timing)),
      );
      waited.forEach(({ outcome, result }) => {
        this.#record('agent-settle', outcome);
        if (result) this.#summary.addSettlement(interval, result);
      });
      this.#emit({ type: 'settled', interval, outcome: combineOutcomes(waited.map((w) => w.outcome)) });
    }
    this.#done++;
    this.#emit({ type: 'interval-done', interval, done: this.#done });
  }

  /** The interval as metered once hooks' export caps apply: export beyond a cap is curtailed at the inverter. */
  async #capExports(ctx: IntervalContext, snapshot: IntervalSnapshot): Promise<IntervalSnapshot> {
    const caps = new Map<string, number>();
    for (const hook of this.#hooks) {
      if (!hook.exportCaps) continue;
      try {
        for (const [id, kwh] of (await hook.exportCaps(ctx, this.#scenarioLedger())) ?? []) caps.set(id, Math.min(caps.get(id) ?? Infinity, Math.max(0, kwh)));
      } catch (err) {
        this.#record(`hook:${hook.name}`, { submitted: 1, failed: 1, errors: [err instanceof Error ? err.message : String(err)] });
      }
    }
    if (caps.size === 0) return snapshot;
    const r4 = (v: number) => Math.round(v * 10_000) / 10_000;
    const households = snapshot.households.map((h) => {
      const cap = caps.get(h.household.id);
      if (cap === undefined || h.netKwh <= cap) return h;
      const curtailed = h.netKwh - cap;
      return { ...h, netKwh: r4(cap), productionKwh: r4(Math.max(0, h.productionKwh - curtailed)) };
    });
    return { ...snapshot, households };
  }

  /** The operator's view of each settled zone's totals, for the summary (a read, not a transaction). */
  async #readSettlements(interval: string, zones: readonly string[]): Promise<void> {
    if (!this.#backend.settlement) return;
    for (const zone of zones) {
      try {
        const totals = await this.#backend.settlement(interval, zone);
        if (totals) this.#summary.addSettlement(interval, totals);
      } catch {
        // A read that fails leaves the row's totals short; the settle outcome already counts failures.
      }
    }
  }

  /** Polls until the agent's result is there (a zone with orders is always cleared; then settled once read). */
  async #awaitAgent<T>(what: string, look: () => Promise<T | undefined>, timing: MarketTiming): Promise<{ outcome: TxOutcome; result?: T }> {
    const deadline = this.#clock.now() + (this.#options.agentTimeoutMs ?? 3 * timing.intervalMs + 60_000);
    let lastError: unknown;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const result = await look();
        if (result !== undefined) return { outcome: NO_TX, result };
      } catch (err) {
        lastError = err;
      }
      if (this.#clock.now() >= deadline) break;
      await this.#clock.sleep(Math.min(2000, 250 * 2 ** attempt), this.#abort.signal);
    }
    const reason = lastError instanceof Error ? lastError.message : 'not done in time';
    return { outcome: this.stopped ? NO_TX : { submitted: 1, failed: 1, errors: [`${what}: ${reason}`] } };
  }

  #scenarioLedger(): ScenarioLedger {
    const backend = this.#backend;
    const unsupported = (what: string) => new Error(`${what}: this backend takes no scenario actions`);
    return {
      submit: async (as, method, path, body) => {
        if (!backend.submitAs) return { submitted: 1, failed: 1, errors: [`${method} ${path}: this backend takes no scenario actions`] };
        return backend.submitAs(as, method, path, body);
      },
      call: async <T>(as: Parameters<ScenarioLedger['call']>[0], method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> => {
        if (!backend.callAs) throw unsupported(`${method} ${path}`);
        return backend.callAs<T>(as, method, path, body);
      },
      read: async <T>(as: Parameters<ScenarioLedger['read']>[0], path: string): Promise<T> => {
        if (!backend.readAs) throw unsupported(`GET ${path}`);
        return backend.readAs<T>(as, path);
      },
      meterOf: (household) => {
        if (!backend.meterIdOf) throw unsupported('meter ids');
        return backend.meterIdOf(household);
      },
      backfillReadings: async (readings) => {
        if (!backend.backfillReadings) return { submitted: 1, failed: 1, errors: ['backfill: this backend takes no scenario actions'] };
        return backend.backfillReadings(readings);
      },
    };
  }

  #record(operation: string, outcome: TxOutcome): void {
    if (outcome.submitted - outcome.failed > 0) this.#summary.transactionSucceeded(outcome.submitted - outcome.failed);
    if (outcome.failed > 0) this.#summary.transactionFailed(operation, outcome.failed);
  }

  #emit(event: SimulationEvent): void {
    this.#options.onEvent?.(event);
  }
}
