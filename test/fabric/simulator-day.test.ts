/**
 * The neighbourhood simulator's day on the native Fabric network, in real time on the network's own intervals (1
 * minute under `npm run test:fabric`), compressed: each ledger interval carries 3 simulated hours, so 8 intervals are
 * a whole day from midnight (night, morning, midday PV, the evening with its cars).
 *  - `--ledger fabric` as `npm run simulate` runs it: a gateway in this process on the connection config, no market
 *    operator agent, so the simulation clears and settles as the market operator;
 *  - a gateway process with the agent on: the simulation sees the agent, never calls clear or settle, and waits for
 *    the agent's results (no double acting).
 * Orders, device-signed readings, clearing and settlement all go through the gateway's REST API; tokens are summed
 * over every account before and after. Each run tags its assets and zones, so the suite can run again on the same
 * network.
 */
import fs from 'node:fs';
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { runDay, type DayResult } from '../../gateway/src/neighbourhood-sim/day';
import { neighbourhoodKeysFrom } from '../../gateway/src/neighbourhood-sim/keys';
import { gridScenario } from '../../gateway/src/neighbourhood-sim/grid-scenario';
import { SUMMER_DAY, type Scenario } from '../../gateway/src/neighbourhood-sim/scenario';
import { CONNECTION_FILE, describeLive } from './support/live';
import { useLiveGateway } from './support/live-gateway';

const log = process.env.OBE_TEST_LOG ? (m: string) => console.log(m) : undefined;
const street: Scenario = { ...SUMMER_DAY, neighbourhood: { ...SUMMER_DAY.neighbourhood, evShare: 0.75, smartChargingShare: 0.34 } };
const events = (what: string) => (e: { type: string; interval?: string; outcome?: { errors: readonly string[] } }) => {
  if (e.outcome?.errors.length) console.warn(`${what} ${e.type} ${e.interval ?? ''}: ${e.outcome.errors.slice(0, 3).join('; ')}`);
  else if (e.type === 'interval-done') log?.(`${what}: ${e.interval} done`);
};

function expectHealthyDay(day: DayResult, intervals: number): void {
  const s = day.summary;
  expect(s.failuresByOperation).toEqual({});
  expect(s.failedTransactions).toBe(0);
  expect(s.intervals).toBe(intervals);
  expect(s.perInterval).toHaveLength(intervals);
  expect(s.tokens?.conserved).toBe(true);
  expect(s.perInterval.every((r) => r.zonesSettled === r.zonesCleared)).toBe(true);
  expect(day.runTag).toMatch(/^s[0-9a-f]{6}-$/);
}

describeLive('simulator: --ledger fabric, a gateway in this process on the native network (the simulation clears and settles)', () => {
  it('runs a compressed day of 8 intervals: trades at midday, cars charge in the evening, settles, conserves tokens', async () => {
    const day = await runDay({
      ledger: 'fabric',
      clock: 'wall',
      fabricConfig: CONNECTION_FILE,
      seed: 'fabric-day',
      prosumers: 3,
      consumers: 2,
      intervals: 8,
      stepMinutes: 180,
      scenario: street,
      onEvent: events('in-process'),
    });
    log?.(JSON.stringify(day.summary.perInterval, null, 1));
    expectHealthyDay(day, 8);
    const s = day.summary;
    expect(s.operator).toBe('self');
    expect(day.stepMinutes).toBe(180);
    expect(s.perInterval.map((r) => r.time)).toEqual(['00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00']);
    const at = (time: string) => s.perInterval.find((r) => r.time === time)!;
    expect(at('12:00').productionKwh).toBeGreaterThan(0);
    expect(at('00:00').productionKwh).toBe(0);
    expect(s.tradedLocallyKwh).toBeGreaterThan(0);
    expect(s.settlement.records).toBeGreaterThan(0);
    expect(at('18:00').evKwh + at('21:00').evKwh).toBeGreaterThan(0);
    expect(at('12:00').evKwh).toBe(0);
  }, 40 * 60_000);
});

describeLive('simulator: the grid day at midday on the native network (--scenario grid on the wall clock: no demand response)', () => {
  it('registers zone and feeders, attaches the meters, publishes tariffs and export envelopes that bind; fees go to the DSO, tokens conserved', async () => {
    // Three intervals from 11:00, one simulated hour each: the midday envelope hours (demand response needs simulated time).
    const midday: Scenario = { ...street, neighbourhood: { ...street.neighbourhood, startHour: 11 } };
    const day = await runDay({
      ledger: 'fabric',
      clock: 'wall',
      fabricConfig: CONNECTION_FILE,
      seed: 'g3',
      prosumers: 2,
      consumers: 2,
      intervals: 3,
      stepMinutes: 60,
      scenario: gridScenario(midday, { demandResponse: false }),
      onEvent: events('grid'),
    });
    log?.(JSON.stringify(day.summary.perInterval, null, 1));
    expectHealthyDay(day, 3);
    const g = day.summary.grid!;
    expect(g).toMatchObject({ zoneNodes: 1, feeders: 2, attachedMeters: 4, tariffsPublished: 3, demandResponse: [] });
    expect(g.envelopesPublished).toBeGreaterThan(0);
    expect(g.bindingIntervals).toBeGreaterThan(0);
    for (const row of day.summary.perInterval.filter((r) => (r.grid?.binding.length ?? 0) > 0)) {
      const limits = row.grid!.exportLimitsWh!;
      for (const b of row.grid!.binding) expect(b.limitWh).toBe(limits[b.node]);
      expect(Math.round(row.tradedKwh * 1000)).toBeLessThanOrEqual(Object.values(limits).reduce((n, v) => n + v, 0));
    }
    expect(g.feesToDso).toBeGreaterThan(0);
    expect(g.envelopeCharged).toBe(0);
  }, 20 * 60_000);
});

describeLive('simulator: a gateway with the market operator agent on the native network (the agent clears and settles)', () => {
  const gateway = useLiveGateway('obe-fabric-sim-', 'on');

  it('orders and reports readings only; the agent clears and settles every traded interval', async () => {
    const gw = gateway();
    const connection = JSON.parse(fs.readFileSync(CONNECTION_FILE, 'utf8')) as { identities: { label: string; mspId: string }[] };
    const mspOf = new Map(connection.identities.map((i) => [i.label, i.mspId]));
    const keys = neighbourhoodKeysFrom(Object.fromEntries(Object.entries(gw.keys).map(([label, key]) => [label, { key, mspId: mspOf.get(label) ?? '' }])));
    const midday: Scenario = { ...street, neighbourhood: { ...street.neighbourhood, startHour: 9 } };
    const day = await runDay({
      ledger: 'fabric',
      clock: 'wall',
      url: gw.baseUrl,
      keys,
      seed: 'fabric-agent-day',
      prosumers: 3,
      consumers: 2,
      intervals: 4,
      stepMinutes: 60,
      scenario: midday,
      onEvent: events('agent'),
    });
    log?.(JSON.stringify(day.summary.perInterval, null, 1));
    expectHealthyDay(day, 4);
    const s = day.summary;
    expect(s.operator).toBe('agent');
    expect(s.tradedLocallyKwh).toBeGreaterThan(0);
    expect(s.perInterval.filter((r) => r.zonesCleared > 0).length).toBeGreaterThan(0);
    expect(s.settlement.records).toBeGreaterThan(0);

    const status = await fetch(`${gw.baseUrl}/api/v1/operator/status`, { headers: { Authorization: `Bearer ${gw.keys['regulator-admin']}` } });
    const body = (await status.json()) as { state: string; totals: { cleared: number; settled: number; failures: number } };
    expect(body.state).toBe('running');
    expect(body.totals.cleared).toBeGreaterThanOrEqual(s.perInterval.reduce((n, r) => n + r.zonesCleared, 0));
    expect(body.totals.settled).toBeGreaterThanOrEqual(s.perInterval.reduce((n, r) => n + r.zonesSettled, 0));
  }, 40 * 60_000);
});
