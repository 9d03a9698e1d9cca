import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { GRID, REGULATOR, UTILITY, expectRefused, newDevice, signReading } from '../chaincode/support';
import { MarketFixture, restoreClock, salt, setClock } from '../chaincode/market/fixture';
import { drHousehold, submitImports, type Household } from '../chaincode/grid/dr-households';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Details {
  amount: number;
  intervals: { baselineWh: number | null; baselineIntervals: number[]; meteredWh: number | null; reductionWh: number; paidWh: number }[];
}

/**
 * Review of demand response (issue #16 part B) as a participant or a payer that games the rules. Each case is a way to
 * be paid for a reduction that did not happen, or to pay nothing for one that did:
 *  - two overlapping events on one meter pay the same reduction twice;
 *  - a head-end that withholds the low days' readings makes the baseline the mean of the high days (a missing reading
 *    used to be replaced by an older day's);
 *  - a participant that learns of an event days ahead inflates its consumption on the days in between;
 *  - a participant opts in to a late event on a day after seeing that day's low consumption, to strike the day out of
 *    its later baselines (or an issuer cancels after seeing a high day, to put it back);
 *  - the payer settles as soon as the event's own readings are in, before the baseline days' readings are, and pays 0.
 */
describe('review: demand-response baseline and payment gaming', () => {
  let fx: MarketFixture;
  let day: number;
  const dr = { endorsingOrgs: [GRID, REGULATOR] };
  const at = (d: number, hour: number) => day + d * DAY + hour * HOUR;

  const household = (name: string, zone: string) => drHousehold(fx, `rv-${name}`, 'CONSUMER', zone, `rv-meter-${name}`);
  const readings = (h: Household, values: [number, number][]) => submitImports(fx, h, values);
  const program = (programId: string, zone: string, baseline: Record<string, unknown>) => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId, zone, baseline }]);
  const createEvent = async (programId: string, start: number, targetsWh = [5000]) =>
    (await fx.net.submit<{ eventId: string }>(fx.cast.dso.identity, TX.DemandResponse.CreateEvent, [{ programId, start: new Date(start).toISOString(), targetsWh, pricePerKwh: 10 }], { transient: { salt: salt() }, ...dr })).eventId;
  const optIn = (h: Household, eventId: string) => fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: h.meterId }]);
  const settle = (eventId: string) => fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.SettleEvent, [{ eventId }], { transient: { salt: salt() }, ...dr });
  const details = async (eventId: string, h: Household) => (await fx.net.evaluate<{ details?: Details }>(h.identity, TX.DemandResponse.GetReport, [{ eventId, participant: h.pseudonym }])).details!;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    setClock(at(-14, 0));
    await fx.mint(fx.cast.dso, 10_000_000);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses a meter in two events whose windows overlap (one reduction, paid twice)', async () => {
    setClock(at(-14, 1));
    const h = await household('overlap', 'rv-overlap');
    const other = await household('overlap-2', 'rv-overlap');
    await program('rv-overlap-a', 'rv-overlap', { days: 1, lookbackDays: 2 });
    await program('rv-overlap-b', 'rv-overlap', { days: 1, lookbackDays: 2 });
    setClock(at(-10, 12));
    const first = await createEvent('rv-overlap-a', at(-10, 18), [1000, 1000]);
    const overlapping = await createEvent('rv-overlap-b', at(-10, 18) + 15 * 60_000);
    const after = await createEvent('rv-overlap-b', at(-10, 18) + 30 * 60_000);
    await optIn(h, first);
    await expectRefused(fx.net, () => optIn(h, overlapping), 'CONFLICT', /overlap/);
    // Nor the same participant with a second meter (a sub-meter behind the first would measure the same reduction).
    await fx.net.submit(h.identity, TX.Registry.RegisterAsset, [{ assetId: 'rv-meter-overlap-sub', type: 'meter', segment: 'retail', zone: 'rv-overlap', capacityKw: 20, devicePublicKey: h.device.publicKeyPem }]);
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: 'rv-meter-overlap-sub' }]);
    await fx.net.submit(h.identity, TX.Registry.ActivateAsset, [{ assetId: 'rv-meter-overlap-sub' }]);
    await expectRefused(fx.net, () => fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId: overlapping, meterId: 'rv-meter-overlap-sub' }]), 'CONFLICT', /overlap/);
    // Not overlapping: the interval after the first event's window; another meter in the overlapping event.
    await optIn(h, after);
    await optIn(other, overlapping);
    // A cancelled event no longer holds the meter.
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CancelEvent, [{ eventId: first }], { transient: { salt: salt() }, ...dr });
    await optIn(h, await createEvent('rv-overlap-a', at(-10, 18)));
  });

  it('does not replace a withheld baseline reading with an older day (the head-end would pick the high days)', async () => {
    setClock(at(-14, 2));
    const h = await household('withhold', 'rv-withhold');
    await program('rv-withhold', 'rv-withhold', { days: 3, lookbackDays: 10 });
    setClock(at(0, 12));
    const eventId = await createEvent('rv-withhold', at(0, 18));
    await optIn(h, eventId);
    setClock(at(0, 19));
    // True consumption at 18:00: 200 Wh on days −1..−3, 1000 on days −4..−6. Only the high days are reported.
    await readings(h, [[at(-4, 18), 1000], [at(-5, 18), 1000], [at(-6, 18), 1000], [at(0, 18), 500]]);
    setClock(at(1, 19)); // past the settlement deadline: whatever readings there are
    await settle(eventId);
    const report = await details(eventId, h);
    expect(report.intervals[0]).toMatchObject({ baselineWh: null, meteredWh: 500, reductionWh: 0, paidWh: 0 });
    expect(report.amount).toBe(0);
  });

  it('takes the baseline from before the event was announced (no inflating the days in between)', async () => {
    setClock(at(-14, 3));
    const h = await household('inflate', 'rv-inflate');
    await program('rv-inflate', 'rv-inflate', { days: 2, lookbackDays: 10 });
    setClock(at(-3, 12)); // announced three days ahead
    const eventId = await createEvent('rv-inflate', at(0, 18));
    await optIn(h, eventId);
    setClock(at(0, 19));
    // 500 Wh at 18:00 before the announcement; 3000 on the days after it.
    await readings(h, [[at(-5, 18), 500], [at(-4, 18), 500], [at(-3, 18), 3000], [at(-2, 18), 3000], [at(-1, 18), 3000], [at(0, 18), 500]]);
    await settle(eventId);
    const report = await details(eventId, h);
    expect(report.intervals[0]).toMatchObject({ baselineWh: 500, meteredWh: 500, reductionWh: 0, baselineIntervals: [at(-4, 18), at(-5, 18)] });
    expect(report.amount).toBe(0);
  });

  it('keeps a day whose interval was measured before the meter opted in to that day\'s other event', async () => {
    setClock(at(-14, 4));
    const h = await household('strike', 'rv-strike');
    await program('rv-strike', 'rv-strike', { days: 2, lookbackDays: 10 });
    setClock(at(-2, 1));
    const late = await createEvent('rv-strike', at(-2, 23) + 45 * 60_000);
    setClock(at(-2, 19));
    await readings(h, [[at(-3, 18), 1000], [at(-2, 18), 200]]);
    // 18:00 was low: the participant opts in to the 23:45 event to strike day −2 out of its later baselines.
    setClock(at(-2, 23));
    await optIn(h, late);
    setClock(at(0, 12));
    const eventId = await createEvent('rv-strike', at(0, 18));
    await optIn(h, eventId);
    setClock(at(0, 19));
    await readings(h, [[at(-1, 18), 1000], [at(0, 18), 600]]);
    await settle(eventId);
    const report = await details(eventId, h);
    expect(report.intervals[0]).toMatchObject({ baselineWh: 600, reductionWh: 0, baselineIntervals: [at(-1, 18), at(-2, 18)] });
  });

  it('keeps a committed day out of the baseline when its event is cancelled after the interval (no cancel after seeing a high day)', async () => {
    setClock(at(-14, 5));
    const h = await household('cancel', 'rv-cancel');
    await program('rv-cancel', 'rv-cancel', { days: 2, lookbackDays: 10 });
    setClock(at(-2, 1));
    const late = await createEvent('rv-cancel', at(-2, 23) + 45 * 60_000);
    await optIn(h, late);
    setClock(at(-2, 19));
    await readings(h, [[at(-3, 18), 1000], [at(-2, 18), 3000]]);
    // 18:00 was high: the issuer cancels so that the day counts again.
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CancelEvent, [{ eventId: late }], { transient: { salt: salt() }, ...dr });
    setClock(at(0, 12));
    const eventId = await createEvent('rv-cancel', at(0, 18));
    await optIn(h, eventId);
    setClock(at(0, 19));
    await readings(h, [[at(-1, 18), 1000], [at(0, 18), 1000]]);
    await settle(eventId);
    const report = await details(eventId, h);
    expect(report.intervals[0]).toMatchObject({ baselineWh: 1000, reductionWh: 0, baselineIntervals: [at(-1, 18), at(-3, 18)] });
  });

  it('refuses the payer a settlement before the baseline days have reported (it would pay nothing)', async () => {
    setClock(at(-14, 6));
    const h = await household('early', 'rv-early');
    await program('rv-early', 'rv-early', { days: 2, lookbackDays: 10 });
    setClock(at(0, 12));
    const eventId = await createEvent('rv-early', at(0, 18));
    await optIn(h, eventId);
    setClock(at(0, 19));
    await readings(h, [[at(0, 18), 200]]);
    await expectRefused(fx.net, () => settle(eventId), 'RULE_VIOLATION', /has not reported/);
    await readings(h, [[at(-1, 18), 1000], [at(-2, 18), 1000]]);
    await settle(eventId);
    expect(await details(eventId, h)).toMatchObject({ amount: 800 * 10 });
  });
});

/**
 * The small-group rule on an event's public totals (docs/adr/0006): three households opt in (k = 3), two reduce. The
 * public delivered and paid totals covered only two contributors, so either of them learnt the other's reduction and
 * payment by subtracting its own report. Totals are public only with k participants that contributed to them.
 */
describe('review: demand-response public totals and the small-group rule', () => {
  let fx: MarketFixture;
  let day: number;
  const dr = { endorsingOrgs: [GRID, REGULATOR] };
  const at = (d: number, hour: number) => day + d * DAY + hour * HOUR;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 3 });
    day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    setClock(at(-3, 0));
    await fx.mint(fx.cast.dso, 1_000_000);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('withholds the totals when fewer than k participants delivered, though k opted in', async () => {
    const homes: Household[] = [];
    for (const name of ['k1', 'k2', 'k3']) {
      const actor = await fx.net.participant(UTILITY, `rv-${name}`, ['CONSUMER']);
      const device = newDevice();
      const meterId = `rv-meter-${name}`;
      await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: meterId, type: 'meter', segment: 'retail', zone: 'rv-k', capacityKw: 20, devicePublicKey: device.publicKeyPem }]);
      await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meterId }]);
      await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: meterId }]);
      homes.push({ ...actor, meterId, device });
    }
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'rv-k', zone: 'rv-k', baseline: { days: 1, lookbackDays: 2 } }]);
    setClock(at(0, 12));
    const { eventId } = await fx.net.submit<{ eventId: string }>(fx.cast.dso.identity, TX.DemandResponse.CreateEvent, [{ programId: 'rv-k', start: new Date(at(0, 18)).toISOString(), targetsWh: [5000], pricePerKwh: 10 }], {
      transient: { salt: salt() },
      ...dr,
    });
    for (const h of homes) await fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: h.meterId }]);
    setClock(at(0, 19));
    // k1 and k2 reduce from 1000 to 400 and 700; k3 uses more than its baseline.
    for (const [h, metered] of [[homes[0], 400], [homes[1], 700], [homes[2], 1200]] as [Household, number][]) {
      await fx.net.submit(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], {
        transient: {
          readings: JSON.stringify({
            salt: randomBytes(24).toString('hex'),
            readings: [[at(-1, 18), 1000], [at(0, 18), metered]].map(([t, importedWh]) => signReading(h.device, { assetId: h.meterId, intervalStart: t, importedWh, exportedWh: 0, sequence: t / 1000 })),
          }),
        },
        endorsingOrgs: [GRID, UTILITY],
      });
    }
    const settled = await fx.net.submit<{ event: Record<string, unknown> }>(fx.cast.dso.identity, TX.DemandResponse.SettleEvent, [{ eventId }], { transient: { salt: salt() }, ...dr });
    expect(settled.event).toMatchObject({ participants: 3, deliveredWh: null, paid: null });
    expect(await fx.net.evaluate(homes[0].identity, TX.DemandResponse.GetEvent, [{ eventId }])).toMatchObject({ deliveredWh: null, paid: null });
  });
});
