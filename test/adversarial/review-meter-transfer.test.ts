/**
 * Review of #12: a meter (and its PV) sold while the seller still has open offers on it for later intervals.
 * Before the fix the old owner's offers stayed on the assets' offer totals, so
 *  - the new owner could not offer its own assets for those intervals (ASSET_ALREADY_OFFERED), and
 *  - settlement paid the old owner for what the meter exported while the new owner owned it.
 * Settlement now counts a meter's reading for an award only if the award's owner owned the meter at the interval,
 * and a transfer is refused while the asset carries open offers for intervals that have not started.
 */
import { GRID, REGULATOR, UTILITY, expectRefused } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const INTERVAL = 15 * MINUTE;

describe('review: a meter sold with open offers on it', () => {
  let fx: MarketFixture;
  let oldOwner: Trader;
  let newOwner: Trader;
  let buyers: Trader[];
  let start: number;
  let interval: string;

  const transfer = async (from: Trader, to: Trader, assetId: string) => {
    await fx.net.submit(from.identity, TX.Registry.OfferTransfer, [{ assetId, to: to.pseudonym }]);
    await fx.net.submit(to.identity, TX.Registry.AcceptTransfer, [{ assetId }]);
  };

  beforeAll(async () => {
    fx = await MarketFixture.start({ orgs: { [GRID]: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], [UTILITY]: ['UTILITY', 'GENERATOR'], [REGULATOR]: ['REGULATOR'] }, tokenIssuerMspId: GRID });
    oldOwner = await fx.prosumer('rv-old');
    newOwner = await fx.prosumer('rv-new');
    buyers = await Promise.all(['rv-b1', 'rv-b2', 'rv-b3'].map((n) => fx.consumer(n, ZONE, 100_000)));
    start = Math.ceil((Date.now() + 3 * HOUR) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses the transfer of an asset that still backs open offers for a later interval; after a cancel it goes through', async () => {
    setClock(start - 60 * MINUTE);
    const offer = await fx.placeOrder(oldOwner, ZONE, interval, 'SELL', 10, 1000);
    await fx.net.submit(oldOwner.identity, TX.Registry.OfferTransfer, [{ assetId: oldOwner.meterId, to: newOwner.pseudonym }]);
    // Before the fix the sale went through: the old owner's offer then blocked the new owner's own offers for that
    // interval (ASSET_ALREADY_OFFERED) and settled against the meter the new owner now runs.
    await expectRefused(fx.net, () => fx.net.submit(newOwner.identity, TX.Registry.AcceptTransfer, [{ assetId: oldOwner.meterId }]), 'RULE_VIOLATION', /open offers/);
    await fx.net.submit(oldOwner.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: offer.orderId }]);
    await fx.net.submit(newOwner.identity, TX.Registry.AcceptTransfer, [{ assetId: oldOwner.meterId }]);
    await transfer(oldOwner, newOwner, oldOwner.pvId!);
    // The new owner offers its new assets for that interval.
    await fx.placeOrder({ ...newOwner, meterId: oldOwner.meterId, pvId: oldOwner.pvId }, ZONE, interval, 'SELL', 10, 500);
  });

  it('pays the seller who owned the meter at the interval’s start for it, even when the meter is sold during the interval', async () => {
    const later = start + 4 * INTERVAL;
    const at = new Date(later).toISOString();
    const seller = await fx.prosumer('rv-old2');
    setClock(later - 60 * MINUTE);
    await fx.placeOrder(seller, ZONE, at, 'SELL', 10, 1000);
    for (const b of buyers) await fx.placeOrder(b, ZONE, at, 'BUY', 10, 400);
    setClock(later - 4 * MINUTE);
    await fx.clear(ZONE, at);
    setClock(later + MINUTE); // the interval has started: its offers no longer hold a transfer back
    await transfer(seller, newOwner, seller.meterId);
    setClock(later + INTERVAL + MINUTE);
    await fx.reading(seller.meterId, later, 0, 1000);
    for (const b of buyers) await fx.reading(b.meterId, later, 400, 0);
    const before = (await fx.balance(seller)).available;
    await fx.settle('RETAIL', ZONE, at);
    expect((await fx.balance(seller)).available - before).toBe(10_000);
  });

  it('never counts a meter sold before the interval toward the old owner’s bid (owner at the interval)', async () => {
    const later = start + 8 * INTERVAL;
    const at = new Date(later).toISOString();
    const seller = await fx.prosumer('rv-old3');
    const other = await fx.prosumer('rv-new3');
    setClock(later - 60 * MINUTE);
    // A bid carries no offer total, so nothing holds the sale back: the old owner's bid still names the sold meter.
    await fx.mint(seller, 20_000);
    const bid = { side: 'BUY', price: 10, quantityWh: 1000, meterId: seller.meterId, salt: salt() };
    const placed = await fx.net.submit<{ orderId: string }>(seller.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval: at }], { transient: { order: JSON.stringify(bid) } });
    await transfer(seller, other, seller.meterId);
    await fx.placeOrder(other, ZONE, at, 'SELL', 10, 3000);
    await fx.placeOrder(buyers[0], ZONE, at, 'BUY', 10, 1000);
    await fx.placeOrder(buyers[1], ZONE, at, 'BUY', 10, 1000);
    setClock(later - 4 * MINUTE);
    await fx.clear(ZONE, at);
    setClock(later + INTERVAL + MINUTE);
    // The new owner's household imports 1,000 Wh through the sold meter; its own meter exports 3,000.
    await fx.reading(seller.meterId, later, 1000, 0);
    await fx.reading(other.meterId, later, 0, 3000);
    for (const b of buyers.slice(0, 2)) await fx.reading(b.meterId, later, 1000, 0);
    await fx.settle('RETAIL', ZONE, at);
    const record = await fx.net.evaluate<{ details?: { meteredWh: number } }>(fx.cast.regulator.identity, TX.Settlement.GetRecord, [{ market: 'RETAIL', zone: ZONE, interval: at, orderId: placed.orderId }]);
    // The old owner did not own the meter during the interval: the new owner's consumption is not its delivery.
    expect(record.details?.meteredWh).toBe(0);
  });
});
