import type { Actor, TxOutcome } from './backend';
import { TIME_OF_USE, type PriceSignal } from './models';
import type { Household, IntervalConditions, IntervalSnapshot, NeighbourhoodOptions, PlannedOrder } from './neighbourhood';
import type { GridRunReport, IntervalGrid, ZoneClearing } from './summary';

/**
 * A scenario: what kind of day the neighbourhood lives through (place, season, weather, who owns what) and what
 * happens to it interval by interval. Events on the grid are hooks: a hook sees each interval's context and may
 * impose physical limits on it (`conditions`, e.g. a DSO operating envelope capping export at the midday PV peak,
 * a demand-response call pausing vehicle charging at the evening peak) and act on the ledger before the interval's
 * orders (`beforeOrders`, e.g. the DSO publishing that envelope through the API). A new kind of event is a new hook
 * in the scenario's list, nothing else.
 */
export interface IntervalContext {
  /** Position in the run, from 0. */
  readonly index: number;
  /** The delivery interval on the ledger (ISO 8601 start). */
  readonly interval: string;
  readonly intervalMs: number;
  /** Simulated local hour at the interval's start (may exceed 24 on a run longer than a day). */
  readonly hour: number;
  /** Simulated length of the interval in hours. */
  readonly hours: number;
  readonly zones: readonly string[];
  /** Intervals in the run (undefined: a live run without end). */
  readonly intervals?: number;
}

/** What the households' home energy managers will order for the interval (given to `beforeOrders`: the DSO's forecast). */
export interface PlannedOrders {
  readonly planned: readonly { readonly household: Household; readonly order: PlannedOrder }[];
}

/** What a hook's `setup` sees once the households are registered. */
export interface ScenarioSetup {
  readonly households: readonly Household[];
  readonly zones: readonly string[];
}

/** One signed reading a meter head-end sends late, for an interval before the run (a baseline day's history). */
export interface BackfillReading {
  readonly household: Household;
  /** Start of the interval (ms), aligned to the ledger's interval. */
  readonly intervalStart: number;
  readonly importedWh: number;
  readonly exportedWh: number;
}

/** A ledger action a hook may take through the gateway, as one of the simulation's roles. */
export interface ScenarioLedger {
  /**
   * A submit (POST/PUT/DELETE) on the gateway's REST API as the market operator/DSO (grid operator), the utility or a
   * household (its own identity); failures are counted in the outcome, never thrown.
   */
  submit(as: Actor, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<TxOutcome>;
  /** The same submit returning the transaction's result; throws on a refusal. */
  call<T>(as: Actor, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** A GET as one of the run's roles (what that identity may read); throws on an error. */
  read<T>(as: Actor, path: string): Promise<T>;
  /** A household's meter id on chain (after the run's asset prefix). */
  meterOf(household: Household): string;
  /** Signed readings for intervals before the run, sent by the utility's head-end like any other. */
  backfillReadings(readings: readonly BackfillReading[]): Promise<TxOutcome>;
}

export interface ScenarioHook {
  readonly name: string;
  /** Limits for the interval; undefined imposes none. Must be a pure function of the context (runs replay from the seed). */
  conditions?(ctx: IntervalContext): IntervalConditions | undefined;
  /**
   * Limits for one household in the interval (e.g. its charger answering a demand-response call), on top of
   * `conditions`. Pure, like `conditions`. When a hook has it, the run also steps a twin of the neighbourhood without
   * household limits: what each household would have done (`counterfactual` in `afterReadings`).
   */
  householdConditions?(ctx: IntervalContext, household: Household): IntervalConditions | undefined;
  /** Ledger actions once the households are registered, before the first interval and the token count. */
  setup?(env: ScenarioSetup, ledger: ScenarioLedger): Promise<TxOutcome | void>;
  /** Ledger actions before the interval's orders are placed. */
  beforeOrders?(ctx: IntervalContext & PlannedOrders, ledger: ScenarioLedger): Promise<TxOutcome | void>;
  /** After the interval's zones are cleared (by the run or the operator agent), with their results. */
  afterClearing?(ctx: IntervalContext, results: readonly ZoneClearing[], ledger: ScenarioLedger): Promise<TxOutcome | void>;
  /**
   * After clearing, before the readings: the most each named household may export in the interval (kWh, ledger
   * scale), e.g. its inverter following the DSO's envelope down to its award; export beyond it is not produced.
   */
  exportCaps?(ctx: IntervalContext, ledger: ScenarioLedger): Promise<ReadonlyMap<string, number> | undefined>;
  /** After the interval's readings are on the ledger; `counterfactual` is the twin's interval (see householdConditions). */
  afterReadings?(ctx: IntervalContext, snapshot: IntervalSnapshot, counterfactual: IntervalSnapshot | undefined, ledger: ScenarioLedger): Promise<TxOutcome | void>;
  /** What the hook adds to an interval's row of the summary. */
  intervalReport?(interval: string): IntervalGrid | undefined;
  /** What the hook adds to the run's summary. */
  runReport?(): Partial<GridRunReport> | undefined;
}

export interface Scenario {
  readonly name: string;
  /** Neighbourhood shape: place and season, weather, equipment shares, tariff forecast. */
  readonly neighbourhood: Partial<Omit<NeighbourhoodOptions, 'seed' | 'prosumers' | 'consumers'>>;
  readonly hooks: readonly ScenarioHook[];
  /**
   * Days of ledger time before the simulated day (simulated time only): the day starts that many days later, so
   * metering has run on the days before it (e.g. demand-response baseline days a hook fills with readings).
   */
  readonly historyDays?: number;
}

/** A clear-ish midsummer day in Munich from midnight, a third of the homes with a car, the usual time-of-use tariff. */
export const SUMMER_DAY: Scenario = {
  name: 'summer-day',
  neighbourhood: { latitudeDeg: 48.1, dayOfYear: 172, startHour: 0, meanCloud: 0.3, batteryShare: 0.4, evShare: 0.35, smartChargingShare: 0.4, priceSignal: TIME_OF_USE },
  hooks: [],
};

/** Every hook's conditions for one interval, merged: the tightest limit of each kind wins. */
export function conditionsFor(hooks: readonly ScenarioHook[], ctx: IntervalContext, household?: Household): IntervalConditions {
  const merged: { -readonly [K in keyof IntervalConditions]: number } = {};
  for (const hook of hooks) {
    const c = household ? hook.householdConditions?.(ctx, household) : hook.conditions?.(ctx);
    if (!c) continue;
    for (const key of ['exportLimitKw', 'importLimitKw', 'evMaxKw'] as const) {
      const value = c[key];
      if (value === undefined) continue;
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`scenario hook ${hook.name}: ${key} must be a finite number ≥ 0, got ${value}`);
      merged[key] = Math.min(merged[key] ?? Infinity, value);
    }
  }
  return merged;
}

/** A hook that imposes `conditions` on the intervals whose local start hour lies in [fromHour, toHour). */
export function limitBetween(name: string, fromHour: number, toHour: number, conditions: IntervalConditions): ScenarioHook {
  return {
    name,
    conditions: (ctx) => {
      const h = ((ctx.hour % 24) + 24) % 24;
      return h >= fromHour && h < toHour ? conditions : undefined;
    },
  };
}

export type { PriceSignal };
