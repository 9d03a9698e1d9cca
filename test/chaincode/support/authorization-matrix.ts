/**
 * The authorization matrices' shared part (test/chaincode/authorization, test/chaincode/grid/grid-authorization): the
 * callers every row is tried as (each participant role, the three org admins and an identity that never registered),
 * their identities in a cast, and one row run as all of them. Submits are only endorsed (nothing is committed), so
 * every cell sees the same prepared state; a caller the row does not name is expected to be refused with FORBIDDEN.
 */
import type { Identity } from '@obe/fabric-embedded';
import { GRID, outcome, REGULATOR, UTILITY, type Cast, type ObeNet } from './obe-net';

export const CALLERS = ['MARKET_OPERATOR', 'DSO', 'GENERATOR', 'RETAILER', 'AGGREGATOR', 'PROSUMER', 'CONSUMER', 'REGULATOR', 'ADMIN_GRID', 'ADMIN_UTILITY', 'ADMIN_REGULATOR', 'UNREGISTERED'] as const;
export type Caller = (typeof CALLERS)[number];
export type Outcome = Awaited<ReturnType<typeof outcome>>;

/** The cast's identity for each caller. */
export function callerIdentities(cast: Cast): Record<Caller, Identity> {
  return {
    MARKET_OPERATOR: cast.marketOperator.identity,
    DSO: cast.dso.identity,
    GENERATOR: cast.generator.identity,
    RETAILER: cast.retailer.identity,
    AGGREGATOR: cast.aggregator.identity,
    PROSUMER: cast.prosumer.identity,
    CONSUMER: cast.consumer.identity,
    REGULATOR: cast.regulator.identity,
    ADMIN_GRID: cast.admins[GRID],
    ADMIN_UTILITY: cast.admins[UTILITY],
    ADMIN_REGULATOR: cast.admins[REGULATOR],
    UNREGISTERED: cast.unregistered,
  };
}

/** One row of a matrix: a transaction, how it is called, and the outcome per caller (FORBIDDEN when not named). */
export interface MatrixRow {
  fn: string;
  kind: 'submit' | 'evaluate';
  /** The arguments, or a function giving them (for values prepared in the suite's beforeAll). */
  args?: unknown[] | (() => unknown[]);
  transient?: () => Record<string, string>;
  endorsingOrgs?: string[];
  expect: Partial<Record<Caller, Outcome>>;
}

/** Calls the row as every caller in turn; `actual` is to equal `expected`. */
export async function runMatrixRow(net: ObeNet, ids: Record<Caller, Identity>, row: MatrixRow): Promise<{ expected: Record<string, Outcome>; actual: Record<string, Outcome> }> {
  const expected = Object.fromEntries(CALLERS.map((caller) => [caller, row.expect[caller] ?? 'FORBIDDEN']));
  const actual: Record<string, Outcome> = {};
  for (const caller of CALLERS) {
    const args = (typeof row.args === 'function' ? row.args() : row.args) ?? [];
    const options = { transient: row.transient?.(), endorsingOrgs: row.endorsingOrgs };
    const call = row.kind === 'submit' ? net.endorse(ids[caller], row.fn, args, options) : net.evaluate(ids[caller], row.fn, args, options);
    actual[caller] = await outcome(call);
  }
  return { expected, actual };
}
