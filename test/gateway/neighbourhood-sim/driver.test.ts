import type { MarketTiming, OrderRequest, SimulationBackend, TxOutcome } from '../../../gateway/src/neighbourhood-sim/backend';
import { SimulationRun, type SimulationEvent } from '../../../gateway/src/neighbourhood-sim/driver';
import type { Household, HouseholdInterval } from '../../../gateway/src/neighbourhood-sim/neighbourhood';

type Call = { op: string; interval?: string; zone?: string; at: number; count?: number };

/** Records every call with its time; fails the transactions named in `failOps`. */
class RecordingBackend implements SimulationBackend {
  readonly calls: Call[] = [];
  constructor(readonly timingValue: MarketTiming, readonly failOps: readonly string[] = []) {}
  #outcome(op: string, n: number): TxOutcome {
    return this.failOps.includes(op) ? { submitted: n, failed: n, errors: [`${op} failed`] } : { submitted: n, failed: 0, errors: [] };
  }
  async timing() {
    return this.timingValue;
  }
  async register(households: readonly Household[]) {
    this.calls.push({ op: 'register', at: Date.now(), count: households.length });
    return this.#outcome('register', households.length);
  }
  async placeOrders(interval: string, orders: readonly OrderRequest[]) {
    this.calls.push({ op: 'orders', interval, at: Date.now(), count: orders.length });
    return this.#outcome('orders', orders.length);
  }
  async submitReadings(interval: string, readings: readonly HouseholdInterval[]) {
    this.calls.push({ op: 'readings', interval, at: Date.now(), count: readings.length });
    return this.#outcome('readings', readings.length);
  }
  async clear(interval: string, zone: string) {
    this.calls.push({ op: 'clear', interval, zone, at: Date.now() });
    return { outcome: this.#outcome('clear', 1), result: { interval, zone, price: 0.15, volumeKwh: 2 } };
  }
  async settle(interval: string, zone: string) {
    this.calls.push({ op: 'settle', interval, zone, at: Date.now() });
    return this.#outcome('settle', 1);
  }
}

const timing = { intervalMs: 300, gateClosureMs: 100 };

describe('SimulationRun', () => {
  it("leaves clearing and settlement to the gateway's market operator agent when told so (npm start's demo)", async () => {
    const backend = new RecordingBackend(timing);
    const run = new SimulationRun(backend, { seed: 3, prosumers: 4, consumers: 2, householdsPerZone: 8, intervals: 2, orderLeadMs: 50, skewMs: 20, operator: 'agent' });
    const summary = await run.run();
    expect(backend.calls.filter((c) => c.op === 'clear' || c.op === 'settle')).toEqual([]);
    expect(backend.calls.filter((c) => c.op === 'orders')).toHaveLength(2);
    expect(backend.calls.filter((c) => c.op === 'readings')).toHaveLength(2);
    expect(summary.failedTransactions).toBe(0);
  });

  it('runs each interval in order: orders before gate closure, clearing after it, readings after delivery, then settlement', async () => {
    const backend = new RecordingBackend(timing);
    const events: SimulationEvent[] = [];
    const run = new SimulationRun(backend, { seed: 3, prosumers: 12, consumers: 4, householdsPerZone: 8, intervals: 3, orderLeadMs: 50, skewMs: 20, onEvent: (e) => events.push(e) });
    const summary = await run.run();

    const intervals = [...new Set(backend.calls.filter((c) => c.interval).map((c) => c.interval as string))];
    expect(intervals).toHaveLength(3);
    for (const interval of intervals) {
      const start = Date.parse(interval);
      expect(start % timing.intervalMs).toBe(0);
      const of = (op: string) => backend.calls.filter((c) => c.op === op && c.interval === interval);
      expect(of('orders')).toHaveLength(1);
      expect(of('orders')[0].at).toBeLessThan(start - timing.gateClosureMs);
      expect(of('clear').map((c) => c.zone).sort()).toEqual(['feeder-1', 'feeder-2']);
      for (const c of of('clear')) expect(c.at).toBeGreaterThanOrEqual(start - timing.gateClosureMs);
      expect(of('readings')[0].at).toBeGreaterThanOrEqual(start + timing.intervalMs);
      expect(of('readings')[0].count).toBe(16);
      for (const c of of('settle')) expect(c.at).toBeGreaterThanOrEqual(of('readings')[0].at);
    }
    expect(summary.intervals).toBe(3);
    expect(summary.failedTransactions).toBe(0);
    expect(summary.tradedLocallyKwh).toBeCloseTo(12);
    expect(summary.averagePrice).toBeCloseTo(0.15);
    expect(events.filter((e) => e.type === 'interval-done').map((e) => (e as { done: number }).done)).toEqual([1, 2, 3]);
  });

  it('counts failed transactions per operation and keeps going', async () => {
    const backend = new RecordingBackend(timing, ['settle']);
    const run = new SimulationRun(backend, { seed: 3, prosumers: 4, consumers: 0, intervals: 2, orderLeadMs: 50, skewMs: 20 });
    const summary = await run.run();
    expect(summary.intervals).toBe(2);
    expect(summary.failedTransactions).toBe(2);
    expect(summary.failuresByOperation).toEqual({ settle: 2 });
  });

  it('runs until stopped in live mode and stops promptly', async () => {
    const backend = new RecordingBackend(timing);
    const run = new SimulationRun(backend, { seed: 'live', prosumers: 3, orderLeadMs: 50, skewMs: 20 });
    const finished = run.run();
    await new Promise((r) => setTimeout(r, 1200));
    run.stop();
    const stoppedAt = Date.now();
    const summary = await finished;
    expect(Date.now() - stoppedAt).toBeLessThan(200);
    expect(summary.intervals).toBeGreaterThanOrEqual(1);
    const after = backend.calls.length;
    await new Promise((r) => setTimeout(r, 700));
    expect(backend.calls.length).toBe(after);
  });
});
