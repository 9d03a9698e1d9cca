/**
 * The simulator's grid day (gateway/src/neighbourhood-sim/grid-scenario.ts, `npm run simulate -- --scenario grid`) on
 * the embedded ledger in simulated time, shortened to a window holding midday and the evening: from 11:00, each
 * 15-minute ledger interval carrying one simulated hour, 8 intervals (11:00 … 18:00). Through the gateway's REST API
 * the DSO registers the zone and two feeders, attaches every meter, publishes a time-of-use tariff every interval,
 * an export envelope per feeder at midday sized to bind, and an evening demand-response event it funds; households
 * opt in, the ones with an electric vehicle pause charging, and the DSO settles the event from signed readings.
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { parseSimulateArgs, UsageError } from '../../gateway/src/neighbourhood-sim/cli-args';
import { runDay, type DayResult } from '../../gateway/src/neighbourhood-sim/day';
import { gridScenario } from '../../gateway/src/neighbourhood-sim/grid-scenario';
import { SUMMER_DAY, type Scenario } from '../../gateway/src/neighbourhood-sim/scenario';

/** Four homes, most with a car; seed 'g3' gives two cars charging at 18:00 without the call and one home without a car. */
const street: Scenario = { ...SUMMER_DAY, neighbourhood: { ...SUMMER_DAY.neighbourhood, evShare: 0.75, smartChargingShare: 0.34, startHour: 11 } };
const PRICE = 300;

describe('simulator: the grid day (envelopes at midday, demand response in the evening) on the embedded ledger', () => {
  let day: DayResult;

  beforeAll(async () => {
    day = await runDay({ ledger: 'embedded', clock: 'simulated', seed: 'g3', prosumers: 2, consumers: 2, intervals: 8, stepMinutes: 60, scenario: gridScenario(street) });
  }, 120_000);

  it('runs every interval with no failed transaction, and registers the topology as the DSO', () => {
    const s = day.summary;
    expect(s.failuresByOperation).toEqual({});
    expect(s.failedTransactions).toBe(0);
    expect(s.perInterval.map((r) => r.time)).toEqual(['11:00', '12:00', '13:00', '14:00', '15:00', '16:00', '17:00', '18:00']);
    expect(s.grid).toMatchObject({ zoneNodes: 1, feeders: 2, attachedMeters: 4, tariffsPublished: 8 });
  });

  it('binds the export envelopes at midday: the clearing names each bound feeder limit and the volume is capped by them', () => {
    const rows = day.summary.perInterval;
    const midday = rows.filter((r) => r.time < '14:00');
    expect(midday).toHaveLength(3);
    for (const row of midday) {
      const limits = row.grid?.exportLimitsWh ?? {};
      expect(Object.keys(limits).sort()).toEqual(['feeder-1.f1', 'feeder-1.f2']);
      // Every published limit bound, named with its node, direction and the limit itself.
      expect(row.grid?.binding).toEqual(Object.entries(limits).map(([node, limitWh]) => ({ node, direction: 'EXPORT', limitWh })));
      // The cleared volume is the sellers' capped volume: exactly the limits' sum (the buyers bid more).
      const capWh = Object.values(limits).reduce((n, v) => n + v, 0);
      expect(Math.round(row.tradedKwh * 1000)).toBe(capWh);
      expect(row.grid?.curtailedKwh).toBeGreaterThan(0);
      // The inverters followed the envelope: the row's export is what was awarded, so no envelope charge.
      expect(row.exportedKwh).toBeLessThanOrEqual(row.tradedKwh + 1e-9);
      expect(row.settlement.envelopeCharged).toBe(0);
    }
    // Outside the envelope hours nothing is published and nothing binds.
    for (const row of rows.filter((r) => r.time >= '14:00')) {
      expect(row.grid?.exportLimitsWh).toBeUndefined();
      expect(row.grid?.binding).toEqual([]);
    }
    const g = day.summary.grid!;
    expect(g.envelopesPublished).toBe(6);
    expect(g.bindingIntervals).toBe(3);
  });

  it('pays network fees to the DSO at settlement, the peak fee in the evening, a lower fee within a feeder', () => {
    const s = day.summary;
    expect(s.grid?.feesToDso).toBeGreaterThan(0);
    expect(s.grid?.feesToDso).toBe(s.settlement.gridFees);
    expect(s.grid?.envelopeCharged).toBe(0);
    const fee = (time: string) => s.perInterval.find((r) => r.time === time)!.grid!;
    expect(fee('12:00')).toMatchObject({ feePerKwh: 15, localFeePerKwh: 3 });
    expect(fee('18:00')).toMatchObject({ feePerKwh: 40, localFeePerKwh: 10 });
  });

  it('settles the evening event from signed readings: a household that reduced is paid its reduction, one that did not is paid nothing', () => {
    const [event] = day.summary.grid!.demandResponse;
    expect(event).toBeDefined();
    expect(event.status).toBe('SETTLED');
    expect(event.optedIn).toBe(4);
    expect(event.pricePerKwh).toBe(PRICE);
    const reduced = event.participants.filter((p) => p.reductionWh > 0);
    const didNot = event.participants.filter((p) => !p.responded);
    expect(reduced.length).toBeGreaterThanOrEqual(1);
    expect(didNot.length).toBeGreaterThanOrEqual(1);
    for (const p of reduced) {
      // Only a charger that paused reduces: metered below its baseline, paid exactly price × reduction (under the target).
      expect(p.responded).toBe(true);
      expect(p.meteredWh).toBeLessThan(p.baselineWh);
      expect(p.reductionWh).toBe(p.baselineWh - p.meteredWh);
      expect(p.paidWh).toBe(p.reductionWh);
      expect(p.amount).toBe(p.paidWh * PRICE);
    }
    for (const p of didNot) {
      // Its usual evening: metered exactly its baseline, nothing delivered, nothing paid.
      expect(p.meteredWh).toBe(p.baselineWh);
      expect(p.baselineWh).toBeGreaterThan(0);
      expect(p.reductionWh).toBe(0);
      expect(p.amount).toBe(0);
    }
    expect(event.deliveredWh).toBe(reduced.reduce((n, p) => n + p.reductionWh, 0));
    expect(event.paid).toBe(reduced.reduce((n, p) => n + p.amount, 0));
    expect(event.paid).toBeLessThanOrEqual(event.budget);
    // The window's row says who was called; the pause shows in the interval (no charging).
    const evening = day.summary.perInterval.find((r) => r.time === '18:00')!;
    expect(evening.grid?.demandResponse).toMatchObject({ eventIds: [event.eventId], optedIn: 4 });
    expect(evening.evKwh).toBe(0);
  });

  it('conserves tokens over fees to the DSO, the event escrow and its payments: same total, nothing left escrowed', () => {
    const tokens = day.summary.tokens!;
    expect(tokens.conserved).toBe(true);
    expect(BigInt(tokens.after.total)).toBe(BigInt(tokens.before.total));
    expect(tokens.after.escrowed).toBe('0');
  });
});

describe('simulator: the grid scenario on the command line', () => {
  it('takes --scenario grid and refuses another name', () => {
    expect(parseSimulateArgs(['--scenario', 'grid']).scenario).toBe('grid');
    expect(parseSimulateArgs([]).scenario).toBe('summer');
    expect(() => parseSimulateArgs(['--scenario', 'winter'])).toThrow(UsageError);
    expect(() => parseSimulateArgs(['--scenario', 'winter'])).toThrow(/--scenario must be summer or grid, got 'winter'/);
  });

  it('refuses demand response on the wall clock (its baseline days need simulated time); without it the grid day runs there', async () => {
    await expect(runDay({ ledger: 'embedded', clock: 'wall', seed: '1', prosumers: 1, intervals: 1, scenario: gridScenario(street) })).rejects.toThrow(/needs 2 day\(s\) of ledger history/);
    expect(gridScenario(street, { demandResponse: false }).historyDays).toBeUndefined();
  });
});
