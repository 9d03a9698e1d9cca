import type { Household, HouseholdInterval, PlannedOrder } from './neighbourhood';
import type { BackfillReading } from './scenario';
import type { SettlementTotals, TokenTotals, ZoneClearing } from './summary';

/**
 * What the simulation driver needs from a ledger, in the simulator's own terms. The HTTP implementation
 * (http-backend.ts) maps each call onto the gateway's REST API; tests may drive the driver with a fake.
 */
export interface MarketTiming {
  readonly intervalMs: number;
  readonly gateClosureMs: number;
}

/** How many ledger transactions one backend call submitted, and which of them failed and why. */
export interface TxOutcome {
  readonly submitted: number;
  readonly failed: number;
  readonly errors: readonly string[];
}

export const NO_TX: TxOutcome = { submitted: 0, failed: 0, errors: [] };

export function combineOutcomes(outcomes: readonly TxOutcome[]): TxOutcome {
  return {
    submitted: outcomes.reduce((n, o) => n + o.submitted, 0),
    failed: outcomes.reduce((n, o) => n + o.failed, 0),
    errors: outcomes.flatMap((o) => o.errors),
  };
}

/** Who a scenario acts as: the grid operator's admin (market operator, DSO), the utility's admin, or a household. */
export type Actor = 'operator' | 'utility' | { readonly household: Household };

export interface OrderRequest {
  readonly household: Household;
  readonly order: PlannedOrder;
}

export interface SimulationBackend {
  /** Market timing in force on the ledger (after any configuration the backend applies). */
  timing(): Promise<MarketTiming>;
  /** Registers participants, meters and PV/battery assets, and funds buyers; idempotent across restarts. */
  register(households: readonly Household[], progress?: (done: number, total: number) => void): Promise<TxOutcome>;
  placeOrders(interval: string, orders: readonly OrderRequest[]): Promise<TxOutcome>;
  /**
   * Signed meter readings for a delivered interval; with `publishTotals` (default true) the DSO then publishes the
   * zones' totals (left to the market operator agent when it runs).
   */
  submitReadings(interval: string, readings: readonly HouseholdInterval[], publishTotals?: boolean): Promise<TxOutcome>;
  /** Clears one zone's retail auction after gate closure. */
  clear(interval: string, zone: string): Promise<{ outcome: TxOutcome; result?: ZoneClearing }>;
  /** Settles one zone's interval after its readings are in. */
  settle(interval: string, zone: string): Promise<TxOutcome>;
  /** Whether a market operator agent runs on the gateway (it then clears and settles; the run must not). */
  operatorAgentRunning?(): Promise<boolean>;
  /** A zone's clearing result as the market operator sees it; undefined while not cleared. */
  result?(interval: string, zone: string): Promise<ZoneClearing | undefined>;
  /** A zone's settlement totals as the market operator sees them; undefined while not settled. */
  settlement?(interval: string, zone: string): Promise<SettlementTotals | undefined>;
  /** Every participant's tokens, summed exactly (market operator's view). */
  tokenTotals?(): Promise<TokenTotals>;
  /** A REST submit as one of the run's roles, for scenario hooks (grid events). */
  submitAs?(as: Actor, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<TxOutcome>;
  /** The same, returning the transaction's result; throws on a refusal. */
  callAs?<T>(as: Actor, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  /** A REST read as one of the run's roles; throws on an error. */
  readAs?<T>(as: Actor, path: string): Promise<T>;
  /** A household's meter id on chain. */
  meterIdOf?(household: Household): string;
  /** Signed readings of intervals before the run (baseline history). */
  backfillReadings?(readings: readonly BackfillReading[]): Promise<TxOutcome>;
}
