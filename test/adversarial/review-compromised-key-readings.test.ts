/**
 * Review of #12 (device key windows): declaring a key compromised since a time ends its window for readings still to
 * come, and readings the leaked key already signed for intervals after `compromisedSince` stop counting too: the
 * reading records which key period verified it, GetReading shows it `voided`, and settlement treats it as missing.
 * Readings signed before the declared compromise, and readings of an ordinary rotation's old key, keep counting.
 */
import { atTime, GRID, newDevice, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, type Cast, type Meter } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, setClock } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const INTERVAL = 15 * 60_000;
const MINUTE = 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;

describe('review: readings a compromised key signed before the compromise was declared', () => {
  let net: ObeNet;
  let cast: Cast;
  let meter: Meter;
  let rotated: Meter;

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('ck');
    meter = await atTime(NOW - 3 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-ck', zone: 'z-ck' }));
    rotated = await atTime(NOW - 3 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-ck-2', zone: 'z-ck' }));
  });
  afterAll(() => net.close());

  const submit = (m: Meter, intervalStart: number) =>
    net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([signReading(m.device, { assetId: m.assetId, intervalStart, importedWh: 0, exportedWh: 2500, sequence: 1 })]),
      endorsingOrgs: [GRID, REGULATOR],
    });
  const view = (m: Meter, intervalStart: number) => net.evaluate<{ voided: boolean; reading: { exportedWh: number } }>(cast.regulator.identity, TX.Metering.GetReading, [m.assetId, String(intervalStart)]);

  it('voids a reading the leaked key signed after the declared compromise, and keeps the ones before it', async () => {
    const before = NOW - 2 * DAY;
    const forged = NOW - 4 * INTERVAL;
    await submit(meter, before);
    await submit(meter, forged);
    expect((await view(meter, forged)).voided).toBe(false);
    await net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: NOW - DAY }]);
    expect(await view(meter, forged)).toMatchObject({ voided: true, reading: { exportedWh: 2500 } });
    expect((await view(meter, before)).voided).toBe(false);
  });

  it('keeps the readings an ordinary rotation’s old key signed', async () => {
    const signed = NOW - 4 * INTERVAL;
    await submit(rotated, signed);
    await net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: rotated.assetId, devicePublicKey: newDevice().publicKeyPem }]);
    expect((await view(rotated, signed)).voided).toBe(false);
  });
});

describe('review: settlement does not pay for a reading whose key was declared compromised', () => {
  let fx: MarketFixture;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('settles the seller as if no reading had arrived', async () => {
    const seller = await fx.prosumer('ck-seller');
    const buyer = await fx.consumer('ck-buyer', ZONE, 100_000);
    const start = Math.ceil((Date.now() + 3 * 3600_000) / INTERVAL) * INTERVAL;
    const interval = new Date(start).toISOString();
    setClock(start - 30 * MINUTE);
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 10, 1000);
    await fx.placeOrder(buyer, ZONE, interval, 'BUY', 20, 1000);
    setClock(start - 4 * MINUTE);
    await fx.clear(ZONE, interval);
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(seller.meterId, start, 0, 1000);
    await fx.reading(buyer.meterId, start, 1000, 0);
    // The DSO learns the seller's meter key leaked before the interval and re-commissions the meter.
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: seller.meterId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: start - 10 * MINUTE }]);
    const before = (await fx.balance(seller)).available;
    // The voided reading counts as missing: settlement waits for the deadline, then settles without it.
    setClock(start + INTERVAL + DAY + MINUTE);
    await fx.settle('RETAIL', ZONE, interval);
    expect((await fx.balance(seller)).available).toBe(before);
    const records = await fx.net.evaluate<{ orderId: string; owner: string }[]>(fx.cast.regulator.identity, TX.Settlement.ListRecords, [{ market: 'RETAIL', zone: ZONE, interval }]);
    const mine = records.find((r) => r.owner === seller.pseudonym)!;
    const record = await fx.net.evaluate<{ details: { readingMissing: boolean; deliveredWh: number } }>(fx.cast.regulator.identity, TX.Settlement.GetRecord, [
      { market: 'RETAIL', zone: ZONE, interval, orderId: mine.orderId },
    ]);
    expect(record.details).toMatchObject({ readingMissing: true, deliveredWh: 0 });
  });
});
