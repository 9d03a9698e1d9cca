import type { MarketTiming, OrderRequest, SimulationBackend, TxOutcome } from '../../../gateway/src/neighbourhood-sim/backend';
import { SimulationRun } from '../../../gateway/src/neighbourhood-sim/driver';
import { GatewayClient, GatewayHttpError, type SubmitAnswer } from '../../../gateway/src/neighbourhood-sim/gateway-client';
import { HttpBackend } from '../../../gateway/src/neighbourhood-sim/http-backend';
import { MeterKeyStore } from '../../../gateway/src/neighbourhood-sim/meter-keys';
import { ElectricVehicle, TIME_OF_USE, type EvSpec } from '../../../gateway/src/neighbourhood-sim/models';
import { Neighbourhood, type Household, type HouseholdInterval } from '../../../gateway/src/neighbourhood-sim/neighbourhood';
import { conditionsFor, limitBetween, type IntervalContext } from '../../../gateway/src/neighbourhood-sim/scenario';
import { DiscreteScheduler, installVirtualClock } from '../../../gateway/src/neighbourhood-sim/sim-time';
import { SummaryAccumulator, tokenCheck } from '../../../gateway/src/neighbourhood-sim/summary';

const ev = (overrides: Partial<EvSpec> = {}): EvSpec => ({ chargerKw: 7.4, efficiency: 0.9, smart: false, arrivalHour: 18, departureHour: 7.5, arrivalNeedKwh: 10, ...overrides });

/** Charges a car over `hours` hours from `fromHour` in steps of `step` hours; the energy per step. */
function drive(car: ElectricVehicle, fromHour: number, hours: number, step = 0.25, maxKw?: number): number[] {
  const out: number[] = [];
  for (let h = fromHour; h < fromHour + hours - 1e-9; h += step) out.push(car.charge(h, step, TIME_OF_USE, maxKw));
  return out;
}

describe('ElectricVehicle', () => {
  it('a plain charger starts at full power on arrival and stops when the need is met', () => {
    const energy = drive(new ElectricVehicle(ev()), 12, 12);
    const byHour = (h: number) => energy[(h - 12) * 4];
    expect(energy.slice(0, 24).every((e) => e === 0)).toBe(true); // away until 18:00
    expect(byHour(18)).toBeCloseTo(7.4 * 0.25);
    expect(energy.reduce((a, b) => a + b, 0)).toBeCloseTo(10);
  });

  it('a smart charger leaves the evening peak for the cheap night and still delivers the whole need before departure', () => {
    const energy = drive(new ElectricVehicle(ev({ smart: true })), 12, 20); // 12:00 → 08:00
    const at = (h: number) => energy[Math.round((h - 12) * 4)];
    for (const h of [18, 19, 20, 20.75]) expect(at(h)).toBe(0);
    expect(at(23)).toBeGreaterThan(0);
    expect(energy.reduce((a, b) => a + b, 0)).toBeCloseTo(10);
  });

  it('charges what is still needed from the first step when plugged in at the start, and nothing while away or capped to 0', () => {
    const car = new ElectricVehicle(ev());
    expect(car.charge(0, 0.25, TIME_OF_USE, Infinity, 3)).toBeCloseTo(1.85);
    expect(car.needKwh).toBeCloseTo(1.15);
    expect(drive(car, 0.25, 2, 0.25, 0).every((e) => e === 0)).toBe(true);
    expect(car.charge(9, 0.25, TIME_OF_USE)).toBe(0); // left at 07:30: the need went with it
    expect(car.needKwh).toBe(0);
  });
});

describe('Neighbourhood with vehicles and grid limits', () => {
  const base = { seed: 'evs', prosumers: 6, consumers: 4, startHour: 0, intervalMinutes: 15 };

  it('gives cars to households without changing anything else about them (vehicles draw from their own stream)', () => {
    const without = new Neighbourhood({ ...base, evShare: 0 }).households;
    const withCars = new Neighbourhood({ ...base, evShare: 0.8 }).households;
    expect(withCars.filter((h) => h.ev).length).toBeGreaterThan(3);
    expect(withCars.map(({ ev: _ev, ...rest }) => rest)).toEqual(without);
  });

  it('counts vehicle charging in consumption and keeps the energy balance at the connection', () => {
    const n = new Neighbourhood({ ...base, evShare: 1, smartChargingShare: 0 });
    const day = Array.from({ length: 96 }, () => n.step());
    const evening = day.slice(17 * 4, 22 * 4).flatMap((s) => s.households);
    expect(evening.reduce((a, h) => a + h.evKwh, 0)).toBeGreaterThan(5);
    for (const h of day.flatMap((s) => s.households)) {
      expect(h.evKwh).toBeLessThanOrEqual(h.consumptionKwh + 1e-9);
      expect(h.productionKwh - h.consumptionKwh - h.batteryKwh).toBeCloseTo(h.netKwh, 2);
    }
    expect(day.slice(10 * 4, 15 * 4).flatMap((s) => s.households).every((h) => h.evKwh === 0)).toBe(true);
  });

  it('curtails export to an envelope and holds vehicles back under an import limit', () => {
    const free = new Neighbourhood({ ...base, startHour: 12, batteryShare: 0 }).step();
    const capped = new Neighbourhood({ ...base, startHour: 12, batteryShare: 0 }).step({ conditions: { exportLimitKw: 0.4 } });
    expect(Math.max(...free.households.map((h) => h.netKwh))).toBeGreaterThan(0.1);
    for (const h of capped.households) expect(h.netKwh).toBeLessThanOrEqual(0.4 * 0.25 + 1e-9);
    expect(capped.conditions).toEqual({ exportLimitKw: 0.4 });

    const evening = { ...base, startHour: 18.5, evShare: 1, smartChargingShare: 0, batteryShare: 0 };
    const limited = new Neighbourhood(evening).step({ conditions: { importLimitKw: 2 } });
    const unlimited = new Neighbourhood(evening).step();
    expect(unlimited.households.some((h) => -h.netKwh > 2 * 0.25 + 1e-6)).toBe(true);
    for (const h of limited.households) if (h.evKwh > 0) expect(-h.netKwh).toBeLessThanOrEqual(2 * 0.25 + 1e-6);
  });

  it('refuses a step length change once it has stepped', () => {
    const n = new Neighbourhood(base);
    n.useStepMinutes(30);
    expect(n.options.intervalMinutes).toBe(30);
    n.step();
    expect(() => n.useStepMinutes(15)).toThrow(/fixed/);
    expect(() => new Neighbourhood(base).useStepMinutes(0)).toThrow(RangeError);
  });
});

describe('scenario hooks', () => {
  const ctx = (hour: number): IntervalContext => ({ index: 0, interval: '2026-06-21T00:00:00.000Z', intervalMs: 900_000, hour, hours: 0.25, zones: ['feeder-1'] });

  it('merge to the tightest limit of each kind, only in the hours a hook names', () => {
    const hooks = [limitBetween('envelope', 11, 15, { exportLimitKw: 3 }), limitBetween('tighter', 12, 13, { exportLimitKw: 1.5, evMaxKw: 0 })];
    expect(conditionsFor(hooks, ctx(9))).toEqual({});
    expect(conditionsFor(hooks, ctx(11.5))).toEqual({ exportLimitKw: 3 });
    expect(conditionsFor(hooks, ctx(12.25))).toEqual({ exportLimitKw: 1.5, evMaxKw: 0 });
    expect(conditionsFor(hooks, ctx(24 + 12.25))).toEqual({ exportLimitKw: 1.5, evMaxKw: 0 });
  });

  it('refuse a negative or non-finite limit, naming the hook', () => {
    expect(() => conditionsFor([limitBetween('bad', 0, 24, { exportLimitKw: -1 })], ctx(1))).toThrow(/bad: exportLimitKw/);
    expect(() => conditionsFor([limitBetween('nan', 0, 24, { evMaxKw: Number.NaN })], ctx(1))).toThrow(RangeError);
  });
});

describe('virtual clock and discrete-event scheduler', () => {
  it('runs waiting tasks in time order, jumping the process clock; Date is restored afterwards', async () => {
    const realNow = Date.now();
    const clock = installVirtualClock(Date.UTC(2030, 0, 1));
    try {
      expect(Math.abs(Date.now() - Date.UTC(2030, 0, 1))).toBeLessThan(1000);
      expect(new Date().getUTCFullYear()).toBe(2030);
      expect(new Date(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
      expect(new Date() instanceof Date).toBe(true);
      expect(() => installVirtualClock()).toThrow(/installed already/);
      const scheduler = new DiscreteScheduler(clock);
      const seen: string[] = [];
      const task = async (name: string, times: number[]) => {
        scheduler.enter();
        try {
          for (const t of times) {
            await scheduler.waitUntil(t);
            seen.push(`${name}@${new Date(Date.now()).toISOString().slice(11, 16)}`);
          }
        } finally {
          scheduler.done();
        }
      };
      const at = (h: number, m = 0) => Date.UTC(2030, 0, 1, h, m);
      const all = Promise.all([task('a', [at(1), at(3)]), task('b', [at(2), at(2, 30)]), task('c', [at(0, 30)])]);
      scheduler.release();
      await all;
      expect(seen).toEqual(['c@00:30', 'a@01:00', 'b@02:00', 'b@02:30', 'a@03:00']);
      clock.advanceTo(at(1)); // never backwards
      expect(Date.now()).toBeGreaterThanOrEqual(at(3));
    } finally {
      clock.uninstall();
    }
    expect(Math.abs(Date.now() - realNow)).toBeLessThan(60_000);
  });

  it('drives a run: orders before gate closure, clearing after it, readings after delivery, all stamped in simulated time', async () => {
    const timing: MarketTiming = { intervalMs: 15 * 60_000, gateClosureMs: 5 * 60_000 };
    const calls: { op: string; interval: string; at: number }[] = [];
    const ok = (n: number): TxOutcome => ({ submitted: n, failed: 0, errors: [] });
    const backend: SimulationBackend = {
      timing: async () => timing,
      register: async (h: readonly Household[]) => ok(h.length),
      placeOrders: async (interval: string, orders: readonly OrderRequest[]) => (calls.push({ op: 'orders', interval, at: Date.now() }), ok(orders.length)),
      submitReadings: async (interval: string, r: readonly HouseholdInterval[]) => (calls.push({ op: 'readings', interval, at: Date.now() }), ok(r.length)),
      clear: async (interval: string, zone: string) => (calls.push({ op: 'clear', interval, at: Date.now() }), { outcome: ok(1), result: { interval, zone, price: 0.1, volumeKwh: 1 } }),
      settle: async (interval: string) => (calls.push({ op: 'settle', interval, at: Date.now() }), ok(1)),
    };
    const clock = installVirtualClock(Date.UTC(2030, 5, 20, 20));
    const started = performance.now();
    try {
      const run = new SimulationRun(backend, {
        seed: 1,
        prosumers: 2,
        consumers: 1,
        intervals: 96,
        scheduler: new DiscreteScheduler(clock),
        stepMinutes: 'ledger',
        startHour: 0,
        firstIntervalStart: () => Date.UTC(2030, 5, 21),
      });
      const summary = await run.run();
      expect(summary.intervals).toBe(96);
      expect(summary.perInterval.map((r) => r.time)[4]).toBe('01:00');
    } finally {
      clock.uninstall();
    }
    expect(performance.now() - started).toBeLessThan(10_000);
    const intervals = [...new Set(calls.map((c) => c.interval))];
    expect(intervals).toHaveLength(96);
    for (const interval of intervals) {
      const start = Date.parse(interval);
      const of = (op: string) => calls.find((c) => c.op === op && c.interval === interval)!;
      expect(of('orders').at).toBeLessThan(start - timing.gateClosureMs);
      expect(of('clear').at).toBeGreaterThanOrEqual(start - timing.gateClosureMs);
      expect(of('clear').at).toBeLessThan(start);
      expect(of('readings').at).toBeGreaterThanOrEqual(start + timing.intervalMs);
      expect(of('settle').at).toBeGreaterThanOrEqual(of('readings').at);
    }
  });
});

describe('scenario hooks on the ledger', () => {
  it('run before each interval\'s orders with its context, as a role of the run, and count their transactions', async () => {
    const timing: MarketTiming = { intervalMs: 15 * 60_000, gateClosureMs: 5 * 60_000 };
    const calls: string[] = [];
    const ok = (n: number): TxOutcome => ({ submitted: n, failed: 0, errors: [] });
    const backend: SimulationBackend = {
      timing: async () => timing,
      register: async (h) => ok(h.length),
      placeOrders: async (interval, orders) => (calls.push(`orders ${interval.slice(11, 16)}`), ok(orders.length)),
      submitReadings: async (_interval, r) => ok(r.length),
      clear: async (interval, zone) => ({ outcome: ok(1), result: { interval, zone, volumeKwh: 0 } }),
      settle: async () => ok(1),
      submitAs: async (as, method, path) => {
        calls.push(`${as} ${method} ${path}`);
        return path.endsWith('/fail') ? { submitted: 1, failed: 1, errors: ['refused'] } : ok(1);
      },
    };
    const clock = installVirtualClock(Date.UTC(2030, 5, 20, 20));
    let summary;
    try {
      const run = new SimulationRun(backend, {
        seed: 1,
        prosumers: 1,
        consumers: 1,
        intervals: 3,
        scheduler: new DiscreteScheduler(clock),
        stepMinutes: 'ledger',
        startHour: 12,
        firstIntervalStart: () => Date.UTC(2030, 5, 21, 12),
        hooks: [
          {
            name: 'envelope',
            beforeOrders: (ctx, ledger) => ledger.submit('operator', 'POST', `/api/v1/grid/test/${ctx.hour}${ctx.index === 2 ? '/fail' : ''}`),
          },
        ],
      });
      summary = await run.run();
    } finally {
      clock.uninstall();
    }
    expect(calls).toEqual([
      'operator POST /api/v1/grid/test/12',
      'orders 12:00',
      'operator POST /api/v1/grid/test/12.25',
      'orders 12:15',
      'operator POST /api/v1/grid/test/12.5/fail',
      'orders 12:30',
    ]);
    expect(summary.failuresByOperation).toEqual({ 'hook:envelope': 1 });
  });
});

describe('summary rows', () => {
  it('keeps at most keepRows intervals (a live run never ends) while the totals still cover every interval', () => {
    const n = new Neighbourhood({ seed: 'rows', prosumers: 2, consumers: 1, startHour: 10, intervalMinutes: 15 });
    const bounded = new SummaryAccumulator(3, 1, 4);
    const full = new SummaryAccumulator(3, 1);
    for (let k = 0; k < 10; k++) {
      const snapshot = n.step();
      const interval = new Date(Date.UTC(2030, 0, 1, 10, 15 * k)).toISOString();
      for (const acc of [bounded, full]) {
        acc.addOrders(interval, snapshot);
        acc.addClearing({ interval, zone: 'feeder-1', price: 0.1 + k / 100, volumeKwh: 1 });
        acc.addInterval(snapshot, interval);
        acc.addSettlement(interval, { records: 2, energyPaid: 100, energyReceived: 100, imbalanceCharged: 1, balancingCredit: 1, missingReadings: 0 });
      }
    }
    const b = bounded.summary();
    const f = full.summary();
    expect(b.perInterval.map((r) => r.index)).toEqual([6, 7, 8, 9]);
    expect(f.perInterval).toHaveLength(10);
    expect(b.perInterval).toEqual(f.perInterval.slice(6));
    const { perInterval: _b, elapsedMs: _e1, transactionsPerSecond: _t1, ...bTotals } = b;
    const { perInterval: _f, elapsedMs: _e2, transactionsPerSecond: _t2, ...fTotals } = f;
    expect(bTotals).toEqual(fTotals);
    expect(b.settlement.records).toBe(20);
    expect(b.tradedLocallyKwh).toBe(10);
  });
});

describe('token check', () => {
  it('sums exactly beyond 2^53 and tells a change in the total', () => {
    const big = 2n ** 60n;
    const before = { accounts: 3, available: big + 1n, escrowed: 5n };
    expect(tokenCheck(before, { accounts: 3, available: big + 6n, escrowed: 0n })).toMatchObject({ conserved: true, after: { total: String(big + 6n), escrowed: '0' } });
    expect(tokenCheck(before, { accounts: 3, available: big + 7n, escrowed: 0n }).conserved).toBe(false);
  });
});

describe('with the market operator agent (wall clock)', () => {
  const timing: MarketTiming = { intervalMs: 400, gateClosureMs: 100 };
  const ok = (n: number): TxOutcome => ({ submitted: n, failed: 0, errors: [] });

  /** A gateway whose agent clears each zone 150 ms after gate closure and settles 150 ms after its readings. */
  function agentBackend(settles = true) {
    const calls: string[] = [];
    const clearedAt = new Map<string, number>();
    const readAt = new Map<string, number>();
    const backend: SimulationBackend = {
      timing: async () => timing,
      register: async (h) => ok(h.length),
      operatorAgentRunning: async () => true,
      placeOrders: async (interval, orders) => {
        calls.push(`orders ${interval}`);
        clearedAt.set(interval, Date.parse(interval) - timing.gateClosureMs + 150);
        return ok(orders.length);
      },
      submitReadings: async (interval, r, publishTotals) => {
        calls.push(`readings ${interval} publish=${publishTotals}`);
        readAt.set(interval, Date.now());
        return ok(r.length);
      },
      clear: async (interval, zone) => (calls.push(`clear ${interval}`), { outcome: ok(1), result: { interval, zone, volumeKwh: 0 } }),
      settle: async (interval) => (calls.push(`settle ${interval}`), ok(1)),
      result: async (interval, zone) => (Date.now() >= (clearedAt.get(interval) ?? Infinity) ? { interval, zone, price: 0.12, volumeKwh: 2 } : undefined),
      settlement: async (interval) =>
        settles && Date.now() >= (readAt.get(interval) ?? Infinity) + 150
          ? { records: 2, energyPaid: 240, energyReceived: 240, imbalanceCharged: 0, balancingCredit: 0, missingReadings: 0 }
          : undefined,
    };
    return { backend, calls };
  }

  /** Every household orders every interval (at 400 ms intervals the model's energies are below an order's 1 Wh). */
  function ordering(run: SimulationRun): SimulationRun {
    const step = run.neighbourhood.step.bind(run.neighbourhood);
    run.neighbourhood.step = (options) => {
      const snapshot = step(options);
      return { ...snapshot, households: snapshot.households.map((h) => ({ ...h, order: { side: 'BUY' as const, quantityKwh: 1, limitPrice: 0.2 } })) };
    };
    return run;
  }

  it('never clears or settles itself, leaves zone totals to the agent, and reports what the agent cleared and settled', async () => {
    const { backend, calls } = agentBackend();
    const run = ordering(new SimulationRun(backend, { seed: 2, prosumers: 3, consumers: 1, intervals: 2, orderLeadMs: 50, skewMs: 20, operator: 'auto' }));
    const s = await run.run();
    expect(calls.filter((c) => c.startsWith('clear') || c.startsWith('settle'))).toEqual([]);
    expect(calls.filter((c) => c.startsWith('readings')).every((c) => c.endsWith('publish=false'))).toBe(true);
    expect(s.operator).toBe('agent');
    expect(s.failedTransactions).toBe(0);
    expect(s.tradedLocallyKwh).toBeCloseTo(4);
    expect(s.settlement).toMatchObject({ records: 4, energyPaid: 480 });
    expect(s.perInterval.map((r) => [r.zonesCleared, r.zonesSettled])).toEqual([[1, 1], [1, 1]]);
  });

  it('counts an interval the agent does not settle in time as a failure, without acting itself', async () => {
    const { backend, calls } = agentBackend(false);
    const run = ordering(new SimulationRun(backend, { seed: 2, prosumers: 2, consumers: 1, intervals: 1, orderLeadMs: 50, skewMs: 20, operator: 'auto', agentTimeoutMs: 600 }));
    const s = await run.run();
    expect(calls.some((c) => c.startsWith('settle'))).toBe(false);
    expect(s.failuresByOperation).toEqual({ 'agent-settle': 1 });
  });

  it('acts as the operator itself when the gateway runs no agent', async () => {
    const { backend, calls } = agentBackend();
    const run = ordering(new SimulationRun({ ...backend, operatorAgentRunning: async () => false }, { seed: 2, prosumers: 2, consumers: 1, intervals: 1, orderLeadMs: 50, skewMs: 20, operator: 'auto' }));
    const s = await run.run();
    expect(s.operator).toBe('self');
    expect(calls.filter((c) => c.startsWith('clear') || c.startsWith('settle'))).toHaveLength(2);
    expect(calls.find((c) => c.startsWith('readings'))).toMatch(/publish=true$/);
  });
});

describe('HttpBackend when another operator acted first', () => {
  /** A gateway whose clear and settle are refused as done already (an agent elsewhere won), and whose result reads. */
  class AlreadyDone extends GatewayClient {
    constructor(readonly code = 'CONFLICT', readonly message = 'is already') {
      super('http://127.0.0.1:9');
    }
    override async submit<T>(_method: string, path: string): Promise<SubmitAnswer<T>> {
      const what = path.endsWith('/clear') ? 'cleared' : 'settled';
      throw new GatewayHttpError(409, this.code, `retail feeder-1 2030-06-21T12:00:00.000Z ${this.message} ${what}`, `POST ${path}`);
    }
    override async get<T>(): Promise<T> {
      return { price: 120, volumeWh: 2500 } as T;
    }
  }
  const backend = (client: GatewayClient) =>
    new HttpBackend({ client, keys: { operator: 'op', utilityAdmin: 'ut', households: new Map() }, meterKeys: new MeterKeyStore() });

  it("takes the other operator's clearing result and settlement without counting a failure", async () => {
    const b = backend(new AlreadyDone());
    const cleared = await b.clear('2030-06-21T12:00:00.000Z', 'feeder-1');
    expect(cleared.outcome).toEqual({ submitted: 0, failed: 0, errors: [] });
    expect(cleared.result).toEqual({ interval: '2030-06-21T12:00:00.000Z', zone: 'feeder-1', price: 0.12, volumeKwh: 2.5 });
    expect(await b.settle('2030-06-21T12:00:00.000Z', 'feeder-1')).toEqual({ submitted: 0, failed: 0, errors: [] });
  });

  it('still counts any other refusal as a failure', async () => {
    const b = backend(new AlreadyDone('RULE_VIOLATION', 'gate not closed, not'));
    expect((await b.clear('2030-06-21T12:00:00.000Z', 'feeder-1')).outcome.failed).toBe(1);
    expect((await b.settle('2030-06-21T12:00:00.000Z', 'feeder-1')).failed).toBe(1);
  });
});
