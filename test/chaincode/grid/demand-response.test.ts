import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { GRID, REGULATOR, UTILITY, expectRefused, newDevice, signReading, type Actor } from '../support';
import { MarketFixture, restoreClock, salt, setClock } from '../market/fixture';
import { drHousehold, submitImports, type Household } from './dr-households';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const Q = 15 * 60_000;
const ZONE = 'dr-zone';

/**
 * A demand-response event from issue to payment on the embedded network. Three households opt in to a two-interval
 * event at 18:00 (targets 2000 and 800 Wh, price 50): A cut its load from a 1000 Wh baseline to 400 and 200; B used more
 * than its baseline; C's first interval has no reading. A's earlier event day (a low reading) is left out of its
 * baseline. Worked by hand: interval 1 pays A 600; interval 2 has 800 + 500 > 800, so A gets floor(800×800/1300) = 492
 * and C floor(500×800/1300) = 307. A is paid (600 + 492) × 50 = 54 600, C 307 × 50 = 15 350, B nothing; the DSO's escrow
 * of (2000 + 800) × 50 = 140 000 returns 70 050.
 */
describe('demand response verified from meters', () => {
  let fx: MarketFixture;
  let a: Household, b: Household, c: Household, far: Household;
  let day: number;
  let eventId: string;
  let earlierEventId: string;
  const eighteen = () => day + 18 * HOUR;

  const household = (name: string, role: 'CONSUMER' | 'PROSUMER', zone = ZONE) => drHousehold(fx, name, role, zone, `dr-meter-${name}`);
  /** Readings of one meter in one batch, [intervalStart, importedWh]. */
  const readings = (h: Household, values: [number, number][]) => submitImports(fx, h, values);
  const dr = { endorsingOrgs: [GRID, REGULATOR] };
  const createEvent = (actor: Actor, body: Record<string, unknown>) =>
    fx.net.submit<{ eventId: string; budget: number }>(actor.identity, TX.DemandResponse.CreateEvent, [body], { transient: { salt: salt() }, ...dr });
  const optIn = (h: Household, id: string, meterId = h.meterId) => fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId: id, meterId }]);
  const settle = (actor: Actor, id: string) => fx.net.submit<Record<string, unknown>>(actor.identity, TX.DemandResponse.SettleEvent, [{ eventId: id }], { transient: { salt: salt() }, ...dr });
  const report = (viewer: Actor, participant: Actor) =>
    fx.net.evaluate<{ report: { commitment: string }; details?: { amount: number; paidWh: number; intervals: { baselineWh: number | null; meteredWh: number | null; reductionWh: number; paidWh: number; baselineIntervals: number[] }[] } }>(
      viewer.identity,
      TX.DemandResponse.GetReport,
      [{ eventId, participant: participant.pseudonym }],
    );

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 3 });
    day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    setClock(day - 9 * DAY);
    a = await household('a', 'CONSUMER');
    b = await household('b', 'PROSUMER');
    c = await household('c', 'CONSUMER');
    far = await household('far', 'CONSUMER', 'other-zone');
    await fx.mint(fx.cast.dso, 1_000_000);
    await fx.mint(fx.cast.aggregator, 10_000);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('lets a DSO create a program, and nobody else', async () => {
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.prosumer.identity, TX.DemandResponse.CreateProgram, [{ programId: 'evening', zone: ZONE }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.aggregator.identity, TX.DemandResponse.CreateProgram, [{ programId: 'evening', zone: ZONE }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'evening', zone: ZONE, baseline: { days: 5, minDays: 6 } }]), 'INVALID_ARGUMENT', /minDays/);
    const program = await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'evening', zone: ZONE, baseline: { days: 5, lookbackDays: 10 } }]);
    expect(program).toMatchObject({ programId: 'evening', zone: ZONE, owner: fx.cast.dso.pseudonym, baseline: { method: 'MEAN_SAME_INTERVAL', days: 5, minDays: 5, lookbackDays: 10, dayType: 'ALL' } });
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'evening', zone: ZONE }]), 'CONFLICT');
    expect(await fx.net.evaluate(fx.cast.consumer.identity, TX.DemandResponse.ListPrograms, [{ zone: ZONE }])).toHaveLength(1);
  });

  it('takes an event the day before, from the program DSO only, escrowing price × Σ targets', async () => {
    setClock(day - DAY + 12 * HOUR);
    const earlier = { programId: 'evening', start: new Date(eighteen() - DAY).toISOString(), targetsWh: [500], pricePerKwh: 10 };
    await expectRefused(fx.net, () => createEvent(fx.cast.aggregator, earlier), 'FORBIDDEN');
    await expectRefused(fx.net, () => createEvent(fx.cast.retailer, earlier), 'FORBIDDEN');
    await expectRefused(fx.net, () => createEvent(fx.cast.dso, { ...earlier, start: new Date(eighteen() - DAY + 60_000).toISOString() }), 'INVALID_ARGUMENT', /interval/);
    await expectRefused(fx.net, () => createEvent(fx.cast.dso, { ...earlier, pricePerKwh: 1_000_000, targetsWh: [1_000_000] }), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, () => createEvent(fx.cast.dso, { ...earlier, pricePerKwh: 1_000_000, targetsWh: Array(12).fill(1_000_000_000) }), 'RULE_VIOLATION', /supply cap/);
    await expectRefused(fx.net, () => createEvent(fx.cast.dso, { ...earlier, start: new Date(day - DAY + 6 * HOUR).toISOString() }), 'RULE_VIOLATION', /before its window/);
    earlierEventId = (await createEvent(fx.cast.dso, earlier)).eventId;
    await optIn(a, earlierEventId);
  });

  it('issues the evening event and takes opt-ins before it starts, each refusal writing nothing', async () => {
    setClock(day + 12 * HOUR);
    const event = await createEvent(fx.cast.dso, { programId: 'evening', start: new Date(eighteen()).toISOString(), targetsWh: [2000, 800], pricePerKwh: 50 });
    eventId = event.eventId;
    expect(event).toMatchObject({ budget: 140_000, status: 'ACTIVE', zone: ZONE, intervals: [{ targetWh: 2000 }, { targetWh: 800 }] });
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ available: 1_000_000 - 5000 - 140_000, escrowed: 145_000 });

    await expectRefused(fx.net, () => optIn(a, eventId, b.meterId), 'RULE_VIOLATION', /another participant/);
    await expectRefused(fx.net, () => optIn(far, eventId), 'RULE_VIOLATION', /zone/);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.retailer.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: a.meterId }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: a.meterId }]), 'FORBIDDEN');
    for (const h of [a, b, c]) await optIn(h, eventId);
    await expectRefused(fx.net, () => optIn(a, eventId), 'CONFLICT');
    expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.DemandResponse.ListOptIns, [{ eventId }])).toHaveLength(3);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.prosumer.identity, TX.DemandResponse.CancelEvent, [{ eventId }], { transient: { salt: salt() } }), 'FORBIDDEN');
  });

  it('refuses opt-ins, a cancel and a settlement at the wrong time', async () => {
    setClock(eighteen() + 60_000);
    const late = await household('late', 'CONSUMER');
    await expectRefused(fx.net, () => optIn(late, eventId), 'RULE_VIOLATION', /closed at its start/);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CancelEvent, [{ eventId }], { transient: { salt: salt() }, ...dr }), 'RULE_VIOLATION', /started/);
    await expectRefused(fx.net, () => settle(fx.cast.dso, eventId), 'RULE_VIOLATION', /window has ended/);
  });

  it('settles from device-signed readings: pays A and C what they delivered (pro rata at the target), B nothing', async () => {
    setClock(eighteen() + 2 * HOUR);
    const t1 = eighteen();
    const t2 = eighteen() + Q;
    const history = (values: [number, number], skipDay?: number) =>
      [7, 6, 5, 4, 3, 2, 1].filter((back) => back !== skipDay).flatMap((back) => [[t1 - back * DAY, values[0]], [t2 - back * DAY, values[1]]] as [number, number][]);
    // A: 1000 Wh normally, 100 on its earlier event day (which its baseline must leave out); then 400 and 200.
    await readings(a, [...history([1000, 1000], 1), [t1 - DAY, 100], [t2 - DAY, 100], [t1, 400], [t2, 200]]);
    await readings(b, [...history([800, 800]), [t1, 900], [t2, 900]]);
    await readings(c, [...history([700, 700]), [t2, 200]]);

    await expectRefused(fx.net, () => settle(fx.cast.prosumer, eventId), 'FORBIDDEN');
    await expectRefused(fx.net, () => settle(fx.cast.regulator, eventId), 'FORBIDDEN');
    // C never reported its first interval: the DSO (who pays) cannot settle before the governance deadline (a day).
    await expectRefused(fx.net, () => settle(fx.cast.dso, eventId), 'RULE_VIOLATION', /has not reported/);
    await expectRefused(fx.net, () => settle(c, eventId), 'FORBIDDEN');
    setClock(eighteen() + 30 * 60_000 + DAY);
    await expectRefused(fx.net, () => settle(fx.cast.prosumer, eventId), 'FORBIDDEN');
    await expectRefused(fx.net, () => settle(c, eventId), 'FORBIDDEN');
    const settled = await settle(fx.cast.dso, eventId);
    // A submit returns public records only: no baseline, reading or amount of anyone.
    expect(JSON.stringify(settled)).not.toMatch(/baselineWh|meteredWh|amount/);
    // Only A and C delivered (k = 3): the totals (1900 Wh, 69 950) would let either learn the other's from its own report.
    expect(settled).toMatchObject({ event: { status: 'SETTLED', participants: 3, deliveredWh: null, paid: null } });

    const ra = (await report(a, a)).details!;
    expect(ra.intervals.map((i) => [i.baselineWh, i.meteredWh, i.reductionWh, i.paidWh])).toEqual([
      [1000, 400, 600, 600],
      [1000, 200, 800, 492],
    ]);
    expect(ra.intervals[0].baselineIntervals).toEqual([2, 3, 4, 5, 6].map((back) => t1 - back * DAY));
    expect(ra.amount).toBe(54_600);
    const rb = (await report(b, b)).details!;
    expect(rb.intervals.map((i) => [i.baselineWh, i.meteredWh, i.reductionWh])).toEqual([
      [800, 900, 0],
      [800, 900, 0],
    ]);
    expect(rb.amount).toBe(0);
    const rc = (await report(c, c)).details!;
    expect(rc.intervals.map((i) => [i.baselineWh, i.meteredWh, i.reductionWh, i.paidWh])).toEqual([
      [700, null, 0, 0],
      [700, 200, 500, 307],
    ]);

    expect(await fx.balance(a)).toMatchObject({ available: 54_600 });
    expect(await fx.balance(b)).toMatchObject({ available: 0 });
    expect(await fx.balance(c)).toMatchObject({ available: 15_350 });
    // Conservation: the escrow paid 69 950 and returned 70 050; the earlier event's escrow is still held.
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ available: 1_000_000 - 5000 - 69_950, escrowed: 5000 });
  });

  it('pays once: a second settlement is refused', async () => {
    await expectRefused(fx.net, () => settle(fx.cast.dso, eventId), 'CONFLICT');
  });

  it('shows baseline and payment to the participant, its utility, the DSO and the regulator only', async () => {
    expect((await report(fx.cast.dso, a)).details?.amount).toBe(54_600);
    expect((await report(fx.cast.regulator, a)).details?.amount).toBe(54_600);
    expect((await report(fx.cast.retailer, a)).details?.amount).toBe(54_600);
    expect((await report(b, a)).details).toBeUndefined();
    expect((await report(fx.cast.generator, a)).details).toBeUndefined();
    const reports = await fx.net.evaluate<{ participant: string; collection: string }[]>(fx.cast.consumer.identity, TX.DemandResponse.ListReports, [{ eventId }]);
    expect(reports.map((r) => r.collection)).toEqual([`settlement_${UTILITY}`, `settlement_${UTILITY}`, `settlement_${UTILITY}`]);
    expect(JSON.stringify(reports)).not.toMatch(/amount|baseline/);
  });

  it('settles the earlier event with one participant: totals withheld under the small-group rule, the rest returned', async () => {
    // A had no reading history before its first event day beyond 6 days, and its metered 100 is below its 1000 baseline.
    // Past its deadline the regulator may settle it: the issuer cannot keep the escrow locked and the payment back.
    const settled = await settle(fx.cast.regulator, earlierEventId);
    expect(settled).toMatchObject({ event: { participants: 1, deliveredWh: null, paid: null } });
    const details = (await fx.net.evaluate<{ details?: { amount: number } }>(a.identity, TX.DemandResponse.GetReport, [{ eventId: earlierEventId, participant: a.pseudonym }])).details!;
    // Baseline from days −2..−6 before the earlier event day (1000), metered 100: 900 Wh, capped at the target of 500.
    expect(details.amount).toBe(500 * 10);
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ available: 1_000_000 - 69_950 - 5000, escrowed: 0 });
  });
});

/**
 * The other paths: an aggregator the program names issues and funds an event; a cancelled event returns its escrow,
 * takes no opt-in or settlement, and its day counts again for baselines; a reading signed with a key the DSO declared
 * compromised is not delivery; an unregistered identity is refused.
 */
describe('demand response: aggregators, cancellation, distrusted readings', () => {
  let fx: MarketFixture;
  let h: Household;
  let day: number;
  const eighteen = () => day + 18 * HOUR;
  const dr = { endorsingOrgs: [GRID, REGULATOR] };

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    setClock(day - 5 * DAY);
    const actor = await fx.net.participant(UTILITY, 'h', ['CONSUMER']);
    const device = newDevice();
    await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: 'dr2-meter', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 20, devicePublicKey: device.publicKeyPem }]);
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: 'dr2-meter' }]);
    await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: 'dr2-meter' }]);
    h = { ...actor, meterId: 'dr2-meter', device };
    await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: 'dr2-second', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 20, devicePublicKey: device.publicKeyPem }]);
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: 'dr2-second' }]);
    await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: 'dr2-second' }]);
    await fx.mint(fx.cast.aggregator, 100_000);
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'agg', zone: ZONE, baseline: { days: 1, lookbackDays: 3 }, aggregators: [fx.cast.aggregator.pseudonym] }]);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const create = (actor: Actor, start: number) =>
    fx.net.submit<{ eventId: string }>(actor.identity, TX.DemandResponse.CreateEvent, [{ programId: 'agg', start: new Date(start).toISOString(), targetsWh: [1000], pricePerKwh: 20 }], {
      transient: { salt: salt() },
      ...dr,
    });

  it('lets a named aggregator issue and fund an event; a cancel returns its escrow and closes it', async () => {
    setClock(eighteen() - DAY - 6 * HOUR);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.unregistered, TX.DemandResponse.CreateEvent, [{ programId: 'agg', start: new Date(eighteen() - DAY).toISOString(), targetsWh: [1], pricePerKwh: 1 }], { transient: { salt: salt() } }), 'FORBIDDEN');
    const cancelled = await create(fx.cast.aggregator, eighteen() - DAY);
    expect(await fx.balance(fx.cast.aggregator)).toMatchObject({ available: 80_000, escrowed: 20_000 });
    await fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId: cancelled.eventId, meterId: h.meterId }]);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CancelEvent, [{ eventId: cancelled.eventId }], { transient: { salt: salt() }, ...dr }), 'FORBIDDEN');
    const result = await fx.net.submit(fx.cast.aggregator.identity, TX.DemandResponse.CancelEvent, [{ eventId: cancelled.eventId }], { transient: { salt: salt() }, ...dr });
    expect(result).toMatchObject({ status: 'CANCELLED' });
    expect(await fx.balance(fx.cast.aggregator)).toMatchObject({ available: 100_000, escrowed: 0 });
    await expectRefused(fx.net, () => fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId: cancelled.eventId, meterId: h.meterId }]), 'RULE_VIOLATION', /cancelled/);
    setClock(eighteen() - DAY + HOUR);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.aggregator.identity, TX.DemandResponse.SettleEvent, [{ eventId: cancelled.eventId }], { transient: { salt: salt() }, ...dr }), 'CONFLICT');
  });

  it('counts the cancelled event day in the baseline, and pays nothing for a reading signed with a compromised key', async () => {
    setClock(day + 12 * HOUR);
    const { eventId } = await create(fx.cast.aggregator, eighteen());
    await fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: h.meterId }]);
    // A meter bought today: its readings of the days before are the seller's consumption, never the buyer's baseline.
    const buyer = await fx.net.participant(UTILITY, 'buyer', ['CONSUMER']);
    await fx.net.submit(h.identity, TX.Registry.OfferTransfer, [{ assetId: 'dr2-second', to: buyer.pseudonym }]);
    await fx.net.submit(buyer.identity, TX.Registry.AcceptTransfer, [{ assetId: 'dr2-second' }]);
    await fx.net.submit(buyer.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: 'dr2-second' }]);
    setClock(eighteen() + HOUR);
    const sign = (t: number, importedWh: number) => signReading(h.device, { assetId: h.meterId, intervalStart: t, importedWh, exportedWh: 0, sequence: t / 1000 });
    const signOther = (t: number, importedWh: number) => signReading(h.device, { assetId: 'dr2-second', intervalStart: t, importedWh, exportedWh: 0, sequence: t / 1000 });
    await fx.net.submit(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: { readings: JSON.stringify({ salt: randomBytes(24).toString('hex'), readings: [sign(eighteen() - DAY, 900), sign(eighteen(), 100), signOther(eighteen() - DAY, 900), signOther(eighteen(), 100)] }) },
      endorsingOrgs: [GRID, UTILITY],
    });
    // The key leaked before the event: the DSO replaces it and distrusts it from then on.
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: h.meterId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: eighteen() - HOUR }]);
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.SettleEvent, [{ eventId }], { transient: { salt: salt() }, ...dr });
    const details = (await fx.net.evaluate<{ details?: { amount: number; intervals: { baselineWh: number | null; meteredWh: number | null }[] } }>(h.identity, TX.DemandResponse.GetReport, [{ eventId, participant: h.pseudonym }])).details!;
    // The baseline day is the cancelled event's day (its reading predates the leak); the event reading does not count.
    expect(details.intervals).toEqual([expect.objectContaining({ baselineWh: 900, meteredWh: null, reductionWh: 0, paidWh: 0 })]);
    expect(details.amount).toBe(0);
    const bought = (await fx.net.evaluate<{ details?: { intervals: { baselineWh: number | null; meteredWh: number | null }[] } }>(fx.cast.dso.identity, TX.DemandResponse.GetReport, [{ eventId, participant: buyer.pseudonym }])).details!;
    expect(bought.intervals).toEqual([expect.objectContaining({ baselineWh: null, meteredWh: 100, reductionWh: 0 })]);
    expect(await fx.balance(fx.cast.aggregator)).toMatchObject({ available: 100_000, escrowed: 0 });
  });
});

/** With the DSO's grid topology (grid/topology.ts): programs name a registered zone, and a feeder program takes only meters attached to that feeder. */
describe('demand response on a registered topology', () => {
  let fx: MarketFixture;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses an unregistered zone and a feeder of another zone; opts in only meters attached to the program feeder', async () => {
    const dso = fx.cast.dso.identity;
    for (const node of [
      { nodeId: 'topo-zone', kind: 'ZONE' },
      { nodeId: 'other-zone', kind: 'ZONE' },
      { nodeId: 'topo-f1', kind: 'FEEDER', zone: 'topo-zone' },
      { nodeId: 'topo-f2', kind: 'FEEDER', zone: 'topo-zone' },
      { nodeId: 'other-f1', kind: 'FEEDER', zone: 'other-zone' },
    ]) {
      await fx.net.submit(dso, TX.Grid.RegisterGridNode, [node]);
    }
    await expectRefused(fx.net, () => fx.net.submit(dso, TX.DemandResponse.CreateProgram, [{ programId: 'p0', zone: 'nowhere' }]), 'RULE_VIOLATION', /not a zone the DSO registered/);
    await expectRefused(fx.net, () => fx.net.submit(dso, TX.DemandResponse.CreateProgram, [{ programId: 'p0', zone: 'topo-zone', feeder: 'other-f1' }]), 'RULE_VIOLATION', /other-zone/);
    await expectRefused(fx.net, () => fx.net.submit(dso, TX.DemandResponse.CreateProgram, [{ programId: 'p0', zone: 'topo-zone', feeder: 'no-feeder' }]), 'NOT_FOUND');
    expect(await fx.net.submit(dso, TX.DemandResponse.CreateProgram, [{ programId: 'p1', zone: 'topo-zone', feeder: 'topo-f1' }])).toMatchObject({ feeder: 'topo-f1' });

    const on = await fx.consumer('on-f1', 'topo-zone');
    const elsewhere = await fx.consumer('on-f2', 'topo-zone');
    const loose = await fx.consumer('unattached', 'topo-zone');
    await fx.net.submit(dso, TX.Grid.AttachAsset, [{ assetId: on.meterId, feeder: 'topo-f1' }]);
    await fx.net.submit(dso, TX.Grid.AttachAsset, [{ assetId: elsewhere.meterId, feeder: 'topo-f2' }]);
    await fx.mint(fx.cast.dso, 10_000);
    const start = Math.floor(Date.now() / DAY) * DAY + 2 * DAY + 18 * HOUR;
    const { eventId } = await fx.net.submit<{ eventId: string; feeder: string }>(dso, TX.DemandResponse.CreateEvent, [{ programId: 'p1', start: new Date(start).toISOString(), targetsWh: [100], pricePerKwh: 10 }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    await expectRefused(fx.net, () => fx.net.submit(elsewhere.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: elsewhere.meterId }]), 'RULE_VIOLATION', /on feeder 'topo-f2'/);
    await expectRefused(fx.net, () => fx.net.submit(loose.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: loose.meterId }]), 'RULE_VIOLATION', /attached to no feeder/);
    expect(await fx.net.submit(on.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: on.meterId }])).toMatchObject({ meterId: on.meterId });
  });
});
