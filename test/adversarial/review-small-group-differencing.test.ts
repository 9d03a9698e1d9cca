/**
 * Review of #12 (small-group rule, differencing across publications): the market result withholds volume and value
 * when one side has fewer than k distinct participants, but the settlement summary classed `awardedWh` as a buy-side
 * total. A clearing matches equal volumes on both sides, so with k buyers and ONE seller the public summary's
 * `awardedWh` was exactly the lone seller's award — the number the market result had just withheld.
 */
import { MarketFixture, ZONE, restoreClock, setClock, type Trader } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

type Summary = Record<string, unknown>;

describe('review: a lone seller’s award through the settlement summary', () => {
  let fx: MarketFixture;
  let seller: Trader;
  let buyers: Trader[];
  let outsider: Trader;
  let start: number;

  beforeAll(async () => {
    fx = await MarketFixture.start(); // k = 3
    seller = await fx.prosumer('rsg-s1');
    buyers = [await fx.consumer('rsg-b1', ZONE, 200_000), await fx.consumer('rsg-b2', ZONE, 200_000), await fx.consumer('rsg-b3', ZONE, 200_000)];
    outsider = await fx.consumer('rsg-out', ZONE);
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('withholds awardedWh when the seller side is below k, as the market result withholds the volume', async () => {
    const interval = new Date(start).toISOString();
    setClock(start - 30 * MINUTE);
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 10, 2718);
    for (const b of buyers) await fx.placeOrder(b, ZONE, interval, 'BUY', 20, 1000);
    setClock(start - 4 * MINUTE);
    const cleared = (await fx.clear(ZONE, interval)) as unknown as Summary;
    expect(cleared).toMatchObject({ volumeWh: null, suppressed: true });
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(seller.meterId, start, 0, 2718);
    for (const b of buyers) await fx.reading(b.meterId, start, 900, 0);
    await fx.settle('RETAIL', ZONE, interval);
    const summary = await fx.net.evaluate<Summary>(outsider.identity, TX.Settlement.GetSettlement, [{ market: 'RETAIL', zone: ZONE, interval }]);
    // Before the fix: awardedWh 2718, the lone seller's award.
    expect(summary.awardedWh).toBeNull();
    expect(summary.suppressed).toContain('awardedWh');
    expect(JSON.stringify(summary)).not.toMatch(/\b2718\b/);
  });
});
