/**
 * The driver's scenario hooks the grid day uses (gateway/src/neighbourhood-sim/driver.ts, scenario.ts), against a
 * recording backend: setup before the token count, the planned orders given to beforeOrders, household limits with
 * the twin neighbourhood as the counterfactual, export caps applied to what is metered, and a failing hook counted.
 */
import type { MarketTiming, OrderRequest, SimulationBackend, TxOutcome } from '../../../gateway/src/neighbourhood-sim/backend';
import { SimulationRun } from '../../../gateway/src/neighbourhood-sim/driver';
import type { Household, HouseholdInterval, IntervalSnapshot } from '../../../gateway/src/neighbourhood-sim/neighbourhood';
import type { ScenarioHook } from '../../../gateway/src/neighbourhood-sim/scenario';
import type { TokenTotals } from '../../../gateway/src/neighbourhood-sim/summary';

const OK: TxOutcome = { submitted: 1, failed: 0, errors: [] };

class Backend implements SimulationBackend {
  readonly log: string[] = [];
  readonly readings = new Map<string, readonly HouseholdInterval[]>();
  constructor(readonly timingValue: MarketTiming) {}
  async timing() {
    return this.timingValue;
  }
  async register(households: readonly Household[]) {
    this.log.push('register');
    return { submitted: households.length, failed: 0, errors: [] };
  }
  async placeOrders(interval: string, orders: readonly OrderRequest[]) {
    this.log.push(`orders ${orders.length}`);
    return { submitted: orders.length, failed: 0, errors: [] };
  }
  async submitReadings(interval: string, readings: readonly HouseholdInterval[]) {
    this.readings.set(interval, readings);
    return OK;
  }
  async clear(interval: string, zone: string) {
    return { outcome: OK, result: { interval, zone, price: 0.15, volumeKwh: 1 } };
  }
  async settle() {
    return OK;
  }
  async tokenTotals(): Promise<TokenTotals> {
    this.log.push('tokens');
    return { accounts: 1, available: 10n, escrowed: 0n };
  }
  async submitAs() {
    this.log.push('submitAs');
    return OK;
  }
}

const timing = { intervalMs: 300, gateClosureMs: 100 };
/** Evening, every home with a plain charger arriving early: the cars charge unless told not to. */
const options = { seed: 'hooks', prosumers: 1, consumers: 3, intervals: 2, orderLeadMs: 50, skewMs: 20, startHour: 19, intervalMinutes: 60, evShare: 1, smartChargingShare: 0, checkTokens: true };

describe('scenario hooks in the driver', () => {
  it('runs setup after registration and before the token count, and gives beforeOrders the planned orders', async () => {
    const backend = new Backend(timing);
    const planned: number[] = [];
    const hook: ScenarioHook = {
      name: 't',
      setup: async (env, ledger) => {
        expect(env.households).toHaveLength(4);
        expect(env.zones).toEqual(['feeder-1']);
        return ledger.submit('operator', 'POST', '/x');
      },
      beforeOrders: async (ctx) => {
        planned.push(ctx.planned.length);
      },
    };
    const summary = await new SimulationRun(backend, { ...options, hooks: [hook] }).run();
    expect(backend.log.slice(0, 3)).toEqual(['register', 'submitAs', 'tokens']);
    // What beforeOrders saw is what was then ordered.
    expect(backend.log.filter((l) => l.startsWith('orders '))).toEqual(planned.map((n) => `orders ${n}`));
    expect(summary.failedTransactions).toBe(0);
  });

  it('applies household limits to the one household only, and hands the twin without them to afterReadings', async () => {
    const backend = new Backend(timing);
    const seen: { snapshot: IntervalSnapshot; twin?: IntervalSnapshot }[] = [];
    const hook: ScenarioHook = {
      name: 'dr',
      householdConditions: (_ctx, h) => (h.id === 'h0002' ? { evMaxKw: 0 } : undefined),
      afterReadings: async (_ctx, snapshot, twin) => {
        seen.push({ snapshot, ...(twin ? { twin } : {}) });
      },
    };
    await new SimulationRun(backend, { ...options, hooks: [hook] }).run();
    expect(seen).toHaveLength(2);
    const ev = (s: IntervalSnapshot | undefined, id: string) => s?.households.find((h) => h.household.id === id)?.evKwh;
    const charging = seen.some(({ twin }) => (ev(twin, 'h0002') ?? 0) > 0);
    expect(charging).toBe(true);
    for (const { snapshot, twin } of seen) {
      expect(twin).toBeDefined();
      expect(ev(snapshot, 'h0002')).toBe(0);
      // Every other household meters exactly what its twin does.
      for (const h of snapshot.households.filter((x) => x.household.id !== 'h0002')) {
        expect(h.netKwh).toBe(twin!.households.find((t) => t.household.id === h.household.id)!.netKwh);
      }
    }
  });

  it('caps what a household exports by its export cap (here 0: the surplus is not produced), and counts a failing hook', async () => {
    const midday = { ...options, startHour: 12, evShare: 0 };
    const free = new Backend(timing);
    await new SimulationRun(free, midday).run();
    const capped = new Backend(timing);
    const hook: ScenarioHook = { name: 'cap', exportCaps: async () => new Map([['h0001', 0]]) };
    const failing: ScenarioHook = {
      name: 'broken',
      exportCaps: async () => {
        throw new Error('no awards');
      },
    };
    const summary = await new SimulationRun(capped, { ...midday, hooks: [hook, failing] }).run();
    expect(summary.failuresByOperation).toEqual({ 'hook:broken': 2 });
    const intervals = [...free.readings.keys()];
    expect(intervals).toHaveLength(2);
    // Read by position: both runs step the same seeded neighbourhood.
    const freeRows = [...free.readings.values()];
    const cappedRows = [...capped.readings.values()];
    for (let i = 0; i < 2; i++) {
      const before = freeRows[i].find((h) => h.household.id === 'h0001')!;
      const after = cappedRows[i].find((h) => h.household.id === 'h0001')!;
      // (Energies are scaled to the fake's 300 ms ledger interval, hence tiny.)
      expect(before.netKwh).toBeGreaterThan(0);
      expect(after.netKwh).toBe(0);
      expect(after.productionKwh).toBeCloseTo(before.productionKwh - before.netKwh, 4);
      // Households without a cap are untouched.
      expect(cappedRows[i].filter((h) => h.household.id !== 'h0001').map((h) => h.netKwh)).toEqual(freeRows[i].filter((h) => h.household.id !== 'h0001').map((h) => h.netKwh));
    }
  });
});
