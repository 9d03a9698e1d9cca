/**
 * Settlement reads a reading that came in a signed load profile exactly as one signed alone (docs/adr/0010): two
 * identical markets, one metered with readings signed alone and one with profiles, settle to the same amounts.
 */
import { TX } from '@obe/chaincode';
import { GRID, REGULATOR, UTILITY, expectRefused, newDevice, profilesTransient, signProfile } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

describe('settlement of profile readings', () => {
  let fx: MarketFixture;
  let start: number;
  let interval: string;

  beforeAll(async () => {
    fx = await MarketFixture.start({ imbalanceFactorPermille: 1500, settlementDeadlineMinutes: 60, minPublicGroupSize: 1 });
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('settles the same amounts whether the meters signed each reading or a profile', async () => {
    // Pair A is metered with readings signed alone, pair B with load profiles; the orders and values are the same.
    const [sa, sb] = [await fx.prosumer('ps-sa'), await fx.prosumer('ps-sb')];
    const [ba, bb] = [await fx.consumer('ps-ba', ZONE, 100_000), await fx.consumer('ps-bb', ZONE, 100_000)];
    setClock(start - 30 * MINUTE);
    // Pair B's meters get their own device key (the fixture's shared key is private to it), from before the intervals.
    const device = newDevice();
    for (const t of [sb, bb]) await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: t.meterId, devicePublicKey: device.publicKeyPem }]);
    const orders: Record<string, string> = {};
    for (const [key, t, side, price, wh] of [
      ['SA', sa, 'SELL', 10, 2000],
      ['SB', sb, 'SELL', 10, 2000],
      ['BA', ba, 'BUY', 30, 2000],
      ['BB', bb, 'BUY', 30, 2000],
    ] as const) {
      orders[key] = (await fx.placeOrder(t as Trader, ZONE, interval, side, price, wh)).orderId;
    }
    setClock(start - 4 * MINUTE);
    await fx.clear(ZONE, interval);

    setClock(start + INTERVAL + MINUTE);
    // Alone: the fixture's shared device key signs each reading.
    await fx.reading(sa.meterId, start, 0, 1800);
    await fx.reading(ba.meterId, start, 1500, 0);
    // Profiles: the interval before and the settled one, one signature per meter.
    const profile = (meterId: string, importedWh: number, exportedWh: number) =>
      signProfile(device, {
        assetId: meterId,
        readings: [start - INTERVAL, start].map((t) => ({ intervalStart: t, importedWh, exportedWh, sequence: t / 1000 })),
      });
    const submitted = await fx.net.submit<{ accepted: number }>(fx.cast.dso.identity, TX.Metering.SubmitProfiles, [], {
      transient: profilesTransient([profile(sb.meterId, 0, 1800), profile(bb.meterId, 1500, 0)]),
      endorsingOrgs: [GRID, UTILITY],
    });
    expect(submitted.accepted).toBe(4);

    setClock(start + INTERVAL + 2 * MINUTE);
    const summary = await fx.settle('RETAIL', ZONE, interval);
    expect(summary).toMatchObject({ recordCount: 4, missingReadings: 0 });
    const record = (orderId: string) =>
      fx.net.evaluate<{ details: Record<string, unknown> }>(fx.cast.regulator.identity, TX.Settlement.GetRecord, [{ market: 'RETAIL', zone: ZONE, interval, orderId }]);
    const strip = ({ orderId: _o, participant: _p, salt: _s, ...rest }: Record<string, unknown>) => rest;
    const [recSA, recSB, recBA, recBB] = await Promise.all(['SA', 'SB', 'BA', 'BB'].map((k) => record(orders[k])));
    expect(recSB.details).toMatchObject({ deliveredWh: 1800 });
    expect(recBB.details).toMatchObject({ deliveredWh: 1500 });
    expect(strip(recSB.details)).toEqual(strip(recSA.details));
    expect(strip(recBB.details)).toEqual(strip(recBA.details));
    expect(await fx.balance(bb)).toEqual({ ...(await fx.balance(ba)), account: bb.pseudonym });
  });

  it('issues green certificates from profile readings exactly as from readings signed alone, and not once the key is voided', async () => {
    const at = start + 4 * INTERVAL;
    const when = new Date(at).toISOString();
    const [p1, p2] = [await fx.prosumer('ps-cert-1'), await fx.prosumer('ps-cert-2')];
    const device = newDevice();
    setClock(at - 30 * MINUTE);
    for (const t of [p1, p2]) await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: t.meterId, devicePublicKey: device.publicKeyPem }]);
    setClock(at + INTERVAL + MINUTE);
    const profiles = [p1, p2].map((t) =>
      signProfile(device, { assetId: t.meterId, readings: [at - INTERVAL, at].map((i) => ({ intervalStart: i, importedWh: 0, exportedWh: 1200, sequence: i / 1000 })) }),
    );
    expect((await fx.net.submit<{ accepted: number }>(fx.cast.dso.identity, TX.Metering.SubmitProfiles, [], { transient: profilesTransient(profiles), endorsingOrgs: [GRID, UTILITY] })).accepted).toBe(4);
    const issue = (t: Trader) =>
      fx.net.submit<{ issued: unknown[] }>(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval: when, items: [{ assetId: t.pvId!, meterId: t.meterId }] }], {
        transient: { salt: salt() },
        endorsingOrgs: [GRID, REGULATOR],
      });
    expect((await issue(p1)).issued).toHaveLength(1);
    const lots = await fx.net.evaluate<{ details: { quantityWh: number } }[]>(p1.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval: when }]);
    expect(lots.reduce((sum, l) => sum + l.details.quantityWh, 0)).toBe(1200);
    // p2's key declared compromised from the interval on: its profile reading no longer counts, so nothing is issued.
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: p2.meterId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: at }]);
    await expectRefused(fx.net, () => issue(p2), 'RULE_VIOLATION', /compromised/);
  });
});

