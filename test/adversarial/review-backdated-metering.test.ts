/**
 * Review of #12 (owner at the interval × attested start of metering): a DSO may commission a meter with a start of
 * metering up to 31 days back, and the commissioning moved the CURRENT owner's period back to that start. A meter
 * registered by A, sold to B before commissioning, then commissioned from a date before the sale made every backfilled
 * reading of A's weeks B's: B read A's consumption (defect 8's class) and was settled on it. A start of metering
 * before the asset's last change of hands is now refused.
 */
import { atTime, expectRefused, ObeNet, registerAsset, UTILITY, type Actor, type Cast, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const DAY = 24 * 3600_000;
const INTERVAL = 15 * 60_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;

describe('review: a backdated start of metering across a change of owner', () => {
  let net: ObeNet;
  let cast: Cast;
  let seller: Actor;
  let buyer: Actor;
  let meter: Meter;

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('bd');
    seller = await net.participant(UTILITY, 'bd-seller', ['PROSUMER']);
    buyer = await net.participant(UTILITY, 'bd-buyer', ['CONSUMER']);
    meter = await atTime(NOW - 20 * DAY, () => registerAsset(net, seller, cast.dso, { assetId: 'm-bd', zone: 'z-bd' }, 'REGISTERED'));
    await atTime(NOW - 10 * DAY, async () => {
      await net.submit(seller.identity, TX.Registry.OfferTransfer, [{ assetId: meter.assetId, to: buyer.pseudonym }]);
      await net.submit(buyer.identity, TX.Registry.AcceptTransfer, [{ assetId: meter.assetId }]);
    });
  });
  afterAll(() => net.close());

  it('refuses a start of metering from before the asset changed hands, accepts one after', async () => {
    await expectRefused(
      net,
      () => net.submit(cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meter.assetId, meteringFrom: NOW - 15 * DAY }]),
      'RULE_VIOLATION',
      /changed hands/,
    );
    await net.submit(cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meter.assetId, meteringFrom: NOW - 5 * DAY }]);
    const asset = await net.evaluate<{ ownership: { owner: string; from: string }[] }>(cast.regulator.identity, TX.Registry.GetAsset, [meter.assetId]);
    expect(asset.ownership.map((p) => p.owner)).toEqual([seller.pseudonym, buyer.pseudonym]);
    expect(Date.parse(asset.ownership[1].from)).toBe(NOW - 10 * DAY);
  });
});
