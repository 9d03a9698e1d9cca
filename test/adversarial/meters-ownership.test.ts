/**
 * Issue #12, defect 8: access to a reading follows the owner AT THE READING'S INTERVAL, kept as ownership history in
 * the registry, never today's owner. A household that buys a house does not read the seller's past consumption, the
 * seller keeps its own and does not read the buyer's; a transfer while readings are still pending changes nothing.
 */
import { atTime, GRID, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, UTILITY, type Actor, type Cast, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const INTERVAL = 15 * 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;


describe('defect 8: readings belong to the owner at their interval', () => {
  let net: ObeNet;
  let cast: Cast;
  let seller: Actor;
  let buyer: Actor;
  let meter: Meter;
  const SOLD = NOW - DAY;
  const BEFORE = SOLD - 4 * INTERVAL;
  const PENDING = SOLD - 2 * INTERVAL; // measured before the sale, submitted after it
  const AFTER = SOLD + 4 * INTERVAL;

  const submit = (intervalStart: number, importedWh: number) =>
    net.submit<{ accepted: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([signReading(meter.device, { assetId: meter.assetId, intervalStart, importedWh, exportedWh: 0, sequence: intervalStart / INTERVAL })]),
      endorsingOrgs: [GRID, REGULATOR],
    });
  const read = (who: Actor, intervalStart: number) => net.evaluate<{ reading: { importedWh: number } }>(who.identity, TX.Metering.GetReading, [meter.assetId, String(intervalStart)]);

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('own');
    seller = await net.participant(UTILITY, 'own-seller', ['PROSUMER']);
    buyer = await net.participant(UTILITY, 'own-buyer', ['CONSUMER']);
    meter = await atTime(NOW - 3 * DAY, () => registerAsset(net, seller, cast.dso, { assetId: 'm-house', zone: 'z-own' }));
    await submit(BEFORE, 4711);
    await atTime(SOLD, async () => {
      await net.submit(seller.identity, TX.Registry.OfferTransfer, [{ assetId: meter.assetId, to: buyer.pseudonym }]);
      await net.submit(buyer.identity, TX.Registry.AcceptTransfer, [{ assetId: meter.assetId }]);
    });
    await submit(PENDING, 815);
    await submit(AFTER, 1234);
  });
  afterAll(() => net.close());

  it('refuses the new owner the previous owner’s readings, including one submitted after the sale', async () => {
    await expect(read(buyer, BEFORE)).rejects.toThrow('[FORBIDDEN]');
    await expect(read(buyer, PENDING)).rejects.toThrow('[FORBIDDEN]');
  });

  it('keeps the previous owner’s own readings readable by it, and the new owner’s from it', async () => {
    expect((await read(seller, BEFORE)).reading.importedWh).toBe(4711);
    expect((await read(seller, PENDING)).reading.importedWh).toBe(815);
    await expect(read(seller, AFTER)).rejects.toThrow('[FORBIDDEN]');
    expect((await read(buyer, AFTER)).reading.importedWh).toBe(1234);
  });

  it('records the owner at the interval with the reading, and the ownership history in the registry', async () => {
    const stored = await net.evaluate<{ owner: string }>(cast.regulator.identity, TX.Metering.GetReading, [meter.assetId, String(PENDING)]);
    expect(stored.owner).toBe(seller.pseudonym);
    const asset = await net.evaluate<{ ownership: { owner: string; from: string }[] }>(cast.regulator.identity, TX.Registry.GetAsset, [meter.assetId]);
    expect(asset.ownership.map((o) => o.owner)).toEqual([seller.pseudonym, buyer.pseudonym]);
    expect(Date.parse(asset.ownership[1].from)).toBe(SOLD);
  });
});
