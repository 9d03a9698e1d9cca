/**
 * The neighbourhood simulator's day on the embedded ledger in simulated time (gateway/src/neighbourhood-sim/day.ts):
 * a gateway in this process, every order, device-signed reading, clearing and settlement through its REST API, the
 * process's clock jumping from one interval's moment to the next. One run is the whole day (96 × 15 min, the
 * channel's default governance); shorter runs check reproducibility from the seed.
 */
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseSimulateArgs, UsageError } from '../../gateway/src/neighbourhood-sim/cli-args';
import { runDay, type DayResult } from '../../gateway/src/neighbourhood-sim/day';
import { Neighbourhood } from '../../gateway/src/neighbourhood-sim/neighbourhood';
import { SUMMER_DAY, limitBetween, type Scenario } from '../../gateway/src/neighbourhood-sim/scenario';

const ROOT = path.resolve(__dirname, '../..');

/** A small street: most homes have a car, so the evening shows charging whatever the seed. */
const street = (overrides: Partial<Scenario> = {}): Scenario => ({
  ...SUMMER_DAY,
  neighbourhood: { ...SUMMER_DAY.neighbourhood, evShare: 0.75, smartChargingShare: 0.34 },
  ...overrides,
});

describe('simulator: a day on the embedded ledger in simulated time', () => {
  let day: DayResult;

  // Simulated time keeps the whole day short (about 30 s here); a regression to real-time waits would take a day.
  beforeAll(async () => {
    day = await runDay({ ledger: 'embedded', clock: 'simulated', seed: 'ci-day', prosumers: 2, consumers: 2, scenario: street() });
  }, 180_000);

  it('runs all 96 fifteen-minute intervals of the day from midnight, with no failed transaction', () => {
    const s = day.summary;
    expect(day.intervalMinutes).toBe(15);
    expect(day.stepMinutes).toBe(15);
    expect(s.intervals).toBe(96);
    expect(s.perInterval).toHaveLength(96);
    expect(day.firstInterval).toMatch(/T00:00:00\.000Z$/);
    expect(s.perInterval.map((r) => r.time).slice(0, 3)).toEqual(['00:00', '00:15', '00:30']);
    expect(s.perInterval[95].time).toBe('23:45');
    // Each interval is its own ledger slot, 15 minutes apart.
    const starts = s.perInterval.map((r) => Date.parse(r.interval));
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBe(15 * 60_000);
    expect(s.failedTransactions).toBe(0);
    expect(s.failuresByOperation).toEqual({});
    expect(s.operator).toBe('self');
  });

  it('conserves tokens: the total over every account is the same before and after, and no escrow is left', () => {
    const tokens = day.summary.tokens!;
    expect(tokens).toBeDefined();
    expect(tokens.conserved).toBe(true);
    expect(BigInt(tokens.after.total)).toBe(BigInt(tokens.before.total));
    expect(tokens.after.escrowed).toBe('0');
    expect(tokens.after.accounts).toBeGreaterThanOrEqual(4);
  });

  it('trades and settles around midday: PV by day, none at night, settled records with money moved', () => {
    const rows = day.summary.perInterval;
    const hourOf = (r: (typeof rows)[number]) => Number(r.time.slice(0, 2));
    const night = rows.filter((r) => hourOf(r) < 3 || hourOf(r) >= 22);
    const midday = rows.filter((r) => hourOf(r) >= 10 && hourOf(r) < 15);
    expect(night.every((r) => r.productionKwh === 0)).toBe(true);
    expect(midday.every((r) => r.productionKwh > 0)).toBe(true);
    expect(midday.reduce((n, r) => n + r.tradedKwh, 0)).toBeGreaterThan(0);
    expect(rows.every((r) => r.zonesSettled === r.zonesCleared)).toBe(true);
    const s = day.summary;
    expect(s.tradedLocallyKwh).toBeGreaterThan(0);
    expect(s.settlement.records).toBeGreaterThan(0);
    expect(s.settlement.energyPaid).toBeGreaterThan(0);
    expect(s.settlement.missingReadings).toBe(0);
    expect(s.selfSufficiency).toBeGreaterThan(0);
    expect(s.selfSufficiency).toBeLessThanOrEqual(1);
  });

  it('shows electric vehicles charging in the evening and night, never while the cars are away at midday', () => {
    const rows = day.summary.perInterval;
    const hourOf = (r: (typeof rows)[number]) => Number(r.time.slice(0, 2));
    const evening = rows.filter((r) => hourOf(r) >= 16 && hourOf(r) < 24);
    const midday = rows.filter((r) => hourOf(r) >= 10 && hourOf(r) < 15);
    expect(evening.reduce((n, r) => n + r.evKwh, 0)).toBeGreaterThan(1);
    expect(midday.reduce((n, r) => n + r.evKwh, 0)).toBe(0);
    expect(day.summary.evKwh).toBeCloseTo(rows.reduce((n, r) => n + r.evKwh, 0), 3);
  });
});

describe('simulator: reproducible from its seed', () => {
  // A few intervals around noon (the scenario's start hour), where there is something to trade.
  const noon = street({ neighbourhood: { ...street().neighbourhood, startHour: 11 } });
  const run = (seed: string) => runDay({ ledger: 'embedded', clock: 'simulated', seed, prosumers: 2, consumers: 1, intervals: 4, scenario: noon });
  /** What the seed decides: the physical day, the orders, and the market's prices and volumes. */
  const decided = (r: DayResult) =>
    r.summary.perInterval.map(({ time, cloudIndex, productionKwh, consumptionKwh, evKwh, exportedKwh, importedKwh, orders, tradedKwh, price }) => ({
      time,
      cloudIndex,
      productionKwh,
      consumptionKwh,
      evKwh,
      exportedKwh,
      importedKwh,
      orders,
      tradedKwh,
      price,
    }));

  it('gives the same day, orders, prices and volumes for the same seed (another seed: another day)', async () => {
    const a = await run('same');
    const b = await run('same');
    expect(a.summary.failedTransactions + b.summary.failedTransactions).toBe(0);
    expect(a.firstInterval).toMatch(/T11:00:00\.000Z$/);
    expect(decided(a)).toEqual(decided(b));
    expect(decided(a).some((r) => r.tradedKwh > 0)).toBe(true);
    expect(a.summary.tokens?.conserved && b.summary.tokens?.conserved).toBe(true);
    // The model alone shows another seed gives another day (no third ledger run needed).
    const model = (seed: string) => {
      const n = new Neighbourhood({ ...noon.neighbourhood, seed, prosumers: 2, consumers: 1, intervalMinutes: 15 });
      return Array.from({ length: 4 }, () => n.step().households.map((h) => [h.productionKwh, h.consumptionKwh, h.order?.quantityKwh]));
    };
    expect(model('same')).toEqual(model('same'));
    expect(model('other')).not.toEqual(model('same'));
  }, 120_000);

  it('applies a scenario hook (a grid event) to the intervals it names: no charging during a demand-response call', async () => {
    const evening = street({ neighbourhood: { ...street().neighbourhood, startHour: 17 }, hooks: [limitBetween('demand-response', 17, 18, { evMaxKw: 0 })] });
    const called = await runDay({ ledger: 'embedded', clock: 'simulated', seed: 'dr', prosumers: 1, consumers: 3, intervals: 6, scenario: evening });
    // Without the call the same cars would have charged in that hour (the model alone, same seed).
    const free = new Neighbourhood({ ...evening.neighbourhood, seed: 'dr', prosumers: 1, consumers: 3, intervalMinutes: 15 });
    const freeEv = Array.from({ length: 4 }, () => free.step().households.reduce((n, h) => n + h.evKwh, 0));
    expect(freeEv.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const during = called.summary.perInterval.filter((row) => row.time < '18:00');
    expect(during).toHaveLength(4);
    expect(during.reduce((n, r) => n + r.evKwh, 0)).toBe(0);
    expect(during.every((r) => r.conditions?.evMaxKw === 0)).toBe(true);
    const after = called.summary.perInterval.filter((r) => r.time >= '18:00');
    expect(after).toHaveLength(2);
    expect(after.every((r) => r.conditions === undefined)).toBe(true);
    expect(called.summary.failedTransactions).toBe(0);
  }, 120_000);
});

describe('npm run simulate: bad arguments', () => {
  it.each([
    [['--intervals', '0'], /--intervals needs an integer ≥ 1, got '0'/],
    [['--prosumers', 'many'], /--prosumers needs an integer ≥ 1, got 'many'/],
    [['--ledger', 'quantum'], /--ledger must be embedded or fabric, got 'quantum'/],
    [['--clock', 'fast'], /--clock must be simulated or wall, got 'fast'/],
    [['--interval-minutes', '7'], /--interval-minutes must divide a day \(1440\), got 7/],
    [['--step-minutes', '2000'], /--step-minutes may be at most 1440/],
    [['--ledger', 'fabric', '--clock', 'simulated'], /--clock simulated needs the embedded ledger/],
    [['--ledger', 'fabric', '--interval-minutes', '15'], /--interval-minutes configures a fresh embedded channel/],
    [['--operator', 'agent'], /--operator agent needs a gateway that runs the agent/],
    [['--url', 'http://127.0.0.1:3000'], /--url needs --keys/],
    [['--url', 'ftp://x', '--keys', 'k.json'], /--url needs an http\(s\) URL/],
    [['--fabric-config', 'c.json'], /--fabric-config goes with --ledger fabric/],
    [['--seed'], /--seed needs a value/],
    [['--start-hour', '24'], /--start-hour needs a whole hour 0–23, got '24'/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('%j is refused with a message naming the option', (argv, message) => {
    expect(() => parseSimulateArgs(argv)).toThrow(UsageError);
    expect(() => parseSimulateArgs(argv)).toThrow(message);
  });

  it('defaults to a simulated day on the embedded ledger; Fabric and --url run on the wall clock', () => {
    expect(parseSimulateArgs([])).toMatchObject({ ledger: 'embedded', clock: 'simulated', operator: 'auto', prosumers: 20 });
    expect(parseSimulateArgs([]).intervals).toBeUndefined();
    expect(parseSimulateArgs(['--ledger', 'fabric', '--intervals', '8', '--step-minutes', '180'])).toMatchObject({ ledger: 'fabric', clock: 'wall', intervals: 8, stepMinutes: 180 });
    expect(parseSimulateArgs(['--url', 'http://127.0.0.1:3000', '--keys', 'k.json']).clock).toBe('wall');
  });

  it('says how to get a Fabric network when --ledger fabric has no connection config; simulated time is embedded only', async () => {
    const missing = path.join(ROOT, 'network/native/generated/no-such-connection.json');
    await expect(runDay({ ledger: 'fabric', clock: 'wall', fabricConfig: missing, seed: '1', prosumers: 1, intervals: 1 })).rejects.toThrow(
      /no Fabric connection config at .*no-such-connection\.json: bring the network up first \(npm run network:up\)/,
    );
    await expect(runDay({ ledger: 'fabric', clock: 'simulated', seed: '1', prosumers: 1 })).rejects.toThrow(/simulated time needs the embedded ledger/);
  });

  it('the script exits 2 and prints the usage on a bad argument', () => {
    const out = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'scripts/simulate.ts'), '--intervals', '-3'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/--intervals needs an integer ≥ 1, got '-3'/);
    expect(out.stderr).toContain('Usage: npm run simulate');
  });
});
