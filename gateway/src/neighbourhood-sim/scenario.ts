import type { TxOutcome } from './backend';
import { TIME_OF_USE, type PriceSignal } from './models';
import type { IntervalConditions, NeighbourhoodOptions } from './neighbourhood';

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
}

/** A ledger action a hook may take through the gateway, as one of the simulation's roles. */
export interface ScenarioLedger {
  /** A submit (POST/PUT/DELETE) on the gateway's REST API as the market operator/DSO (grid operator) or the utility. */
  submit(as: 'operator' | 'utility', method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<TxOutcome>;
}

export interface ScenarioHook {
  readonly name: string;
  /** Limits for the interval; undefined imposes none. Must be a pure function of the context (runs replay from the seed). */
  conditions?(ctx: IntervalContext): IntervalConditions | undefined;
  /** Ledger actions before the interval's orders are placed. */
  beforeOrders?(ctx: IntervalContext, ledger: ScenarioLedger): Promise<TxOutcome | void>;
}

export interface Scenario {
  readonly name: string;
  /** Neighbourhood shape: place and season, weather, equipment shares, tariff forecast. */
  readonly neighbourhood: Partial<Omit<NeighbourhoodOptions, 'seed' | 'prosumers' | 'consumers'>>;
  readonly hooks: readonly ScenarioHook[];
}

/** A clear-ish midsummer day in Munich from midnight, a third of the homes with a car, the usual time-of-use tariff. */
export const SUMMER_DAY: Scenario = {
  name: 'summer-day',
  neighbourhood: { latitudeDeg: 48.1, dayOfYear: 172, startHour: 0, meanCloud: 0.3, batteryShare: 0.4, evShare: 0.35, smartChargingShare: 0.4, priceSignal: TIME_OF_USE },
  hooks: [],
};

/** Every hook's conditions for one interval, merged: the tightest limit of each kind wins. */
export function conditionsFor(hooks: readonly ScenarioHook[], ctx: IntervalContext): IntervalConditions {
  const merged: { -readonly [K in keyof IntervalConditions]: number } = {};
  for (const hook of hooks) {
    const c = hook.conditions?.(ctx);
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
