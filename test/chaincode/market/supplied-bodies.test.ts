import { GRID, REGULATOR, expectRefused, outcome, type Actor } from '../support';
import { MarketFixture, OTHER_ZONE, ZONE, salt, setClock, restoreClock, type ClearResult, type Trader } from './fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

interface Body {
  orderId: string;
  blocks: { price: number; quantityWh: number }[];
  [field: string]: unknown;
}

/**
 * Clearing with the open orders' private bodies supplied by the market operator in transient `orders` (the fast path:
 * no per-order private read). The same book is placed in two zones: one cleared from supplied bodies, one the slow
 * way, and every way of handing in a wrong set of bodies is refused without a write.
 */
describe('clearing from supplied order bodies', () => {
  let fx: MarketFixture;
  let start: number;
  let interval: string;
  const cancelled: Record<string, string> = {};
  let buyer: Record<string, Trader>;

  const bodies = (zone: string, who: Actor = fx.cast.marketOperator) =>
    fx.net.evaluate<Body[]>(who.identity, TX.RetailMarket.ListOpenOrderBodies, [{ zone, interval }]);
  const clearWith = (zone: string, orders: unknown) =>
    fx.net.submit<ClearResult>(fx.cast.marketOperator.identity, TX.RetailMarket.ClearInterval, [{ zone, interval }], {
      transient: { salt: salt(), orders: typeof orders === 'string' ? orders : JSON.stringify(orders) },
      endorsingOrgs: [GRID, REGULATOR],
    });

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 }); // compares public volumes; small groups: test/adversarial
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
    setClock(start - 30 * MINUTE);
    buyer = {};
    for (const zone of [ZONE, OTHER_ZONE]) {
      const [s1, s2] = [await fx.prosumer(`sb-s1-${zone}`, zone), await fx.prosumer(`sb-s2-${zone}`, zone)];
      const [b1, b2] = [await fx.consumer(`sb-b1-${zone}`, zone, 100_000), await fx.consumer(`sb-b2-${zone}`, zone, 100_000)];
      buyer[zone] = b2;
      await fx.placeOrder(s1, zone, interval, 'SELL', 10, 3000);
      await fx.placeOrder(s2, zone, interval, 'SELL', 15, 2000);
      await fx.placeOrder(b1, zone, interval, 'BUY', 30, 2000);
      await fx.placeOrder(b2, zone, interval, 'BUY', 20, 2500);
      const withdrawn = await fx.placeOrder(b2, zone, interval, 'BUY', 40, 500);
      await fx.net.submit(b2.identity, TX.RetailMarket.CancelOrder, [{ zone, interval, orderId: withdrawn.orderId }]);
      cancelled[zone] = withdrawn.orderId;
    }
    setClock(start - 4 * MINUTE);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('lists the open bodies to the market operator only', async () => {
    const listed = await bodies(ZONE);
    expect(listed).toHaveLength(4);
    expect(listed.map((b) => b.orderId)).not.toContain(cancelled[ZONE]);
    expect(await outcome(bodies(ZONE, buyer[ZONE]))).toBe('FORBIDDEN');
    expect(await outcome(bodies(ZONE, fx.cast.regulator))).toBe('FORBIDDEN');
  });

  it('refuses a missing, extra, duplicated, altered or cancelled body, and a malformed entry, writing nothing', async () => {
    const listed = await bodies(ZONE);
    await expectRefused(fx.net, () => clearWith(ZONE, listed.slice(1)), 'RULE_VIOLATION', /lacks open order/);
    await expectRefused(fx.net, () => clearWith(ZONE, [...listed, listed[0]]), 'INVALID_ARGUMENT', /twice/);
    await expectRefused(fx.net, () => clearWith(ZONE, [...listed, { ...listed[0], orderId: 'f'.repeat(64) }]), 'INVALID_ARGUMENT', /not an open order/);
    const cancelledBody = { ...listed[0], orderId: cancelled[ZONE] };
    await expectRefused(fx.net, () => clearWith(ZONE, [...listed, cancelledBody]), 'INVALID_ARGUMENT', /not an open order/);
    // A seller who would like a lower price: one block altered, the commitment no longer matches.
    const altered = listed.map((b, i) => (i === 0 ? { ...b, blocks: [{ ...b.blocks[0], price: b.blocks[0].price + 1 }] } : b));
    await expectRefused(fx.net, () => clearWith(ZONE, altered), 'RULE_VIOLATION', /does not match its commitment/);
    await expectRefused(fx.net, () => clearWith(ZONE, '{"not": "a list"}'), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, () => clearWith(ZONE, 'not json'), 'INVALID_ARGUMENT');
  });

  it('clears exactly as reading the bodies itself does', async () => {
    const fast = await clearWith(ZONE, await bodies(ZONE));
    const slow = await fx.clear(OTHER_ZONE, interval);
    const same = (r: ClearResult) => ({ ...r, zone: undefined, clearedAt: undefined, clearingTxId: undefined });
    expect(same(fast)).toEqual(same(slow));
    expect(fast).toMatchObject({ price: 17, volumeWh: 4500, buyOrders: 2, sellOrders: 2 });
  });
});
