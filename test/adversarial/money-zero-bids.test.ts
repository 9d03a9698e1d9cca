/**
 * Issue #12, defect 2: an awarded bid at price 0 locked no escrow, and settlement then failed with NOT_FOUND for ever,
 * stranding every other escrow of the zone and interval. A large offer at 0 plus a 1 Wh bid at 0 needs no tokens.
 * Tried through public transactions on the embedded runtime: whatever the attacker manages to place, the interval
 * must settle and nothing may stay locked; an award worth 0 settles cleanly.
 */
import { GRID, REGULATOR, UTILITY, expectRefused, outcome } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, setClock, type Trader } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

describe('adversarial: bids at price 0 (issue #12 defect 2)', () => {
  let fx: MarketFixture;
  let seller: Trader, attacker: Trader, honest: Trader;
  let start: number;

  beforeAll(async () => {
    fx = await MarketFixture.start();
    seller = await fx.prosumer('adv2-seller');
    attacker = await fx.consumer('adv2-attacker'); // no tokens at all
    honest = await fx.consumer('adv2-honest', ZONE, 50_000);
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('settles an interval in which an attacker bid 0, and leaves no escrow locked', async () => {
    const interval = new Date(start).toISOString();
    setClock(start - 30 * MINUTE);
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 0, 10_000);
    await fx.placeOrder(honest, ZONE, interval, 'BUY', 20, 1000);
    // The attack: a 1 Wh bid at 0 (no tokens needed). Refused now; before the fix it was placed and awarded.
    const zeroBid = await outcome(fx.placeOrder(attacker, ZONE, interval, 'BUY', 0, 1));
    expect(['OK', 'RULE_VIOLATION']).toContain(zeroBid);
    setClock(start - 4 * MINUTE);
    await fx.clear(ZONE, interval);
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(seller.meterId, start, 0, 10_000);
    await fx.reading(honest.meterId, start, 1000, 0);
    await fx.reading(attacker.meterId, start, 1, 0);
    // Before the fix: NOT_FOUND (escrow of the zero bid is missing), for ever.
    expect(await outcome(fx.settle('RETAIL', ZONE, interval))).toBe('OK');
    expect(await fx.balance(honest)).toMatchObject({ escrowed: 0 });
    expect(await fx.balance(attacker)).toMatchObject({ escrowed: 0, available: 0 });
  });

  it('refuses a bid at price 0 (retail and wholesale), writing nothing', async () => {
    const interval = new Date(start + 4 * INTERVAL).toISOString();
    await expectRefused(fx.net, () => fx.placeOrder(attacker, ZONE, interval, 'BUY', 0, 1), 'RULE_VIOLATION', /at least 1/);
    await fx.mint(fx.cast.retailer, 1000);
    const day = Math.floor(start / 86_400_000) * 86_400_000 + 3 * 86_400_000;
    await expectRefused(
      fx.net,
      () =>
        fx.net.submit(fx.cast.retailer.identity, TX.WholesaleMarket.SubmitCurve, [{ interval: new Date(day + 36_000_000).toISOString() }], {
          transient: { curve: JSON.stringify({ side: 'DEMAND', blocks: [{ price: 5, quantityWh: 10 }, { price: 0, quantityWh: 1 }], salt: 'a-salt-of-sixteen-chars' }) },
          endorsingOrgs: fx.cast.retailer.mspId === UTILITY ? [UTILITY, GRID] : [GRID, REGULATOR],
        }),
      'RULE_VIOLATION',
      /at least 1/,
    );
  });

  it('lets a bidder withdraw from an interval nobody cleared once the settlement deadline has passed', async () => {
    const at = start + 12 * INTERVAL;
    const interval = new Date(at).toISOString();
    setClock(at - 30 * MINUTE);
    const locked = (await fx.balance(honest)).escrowed;
    const bid = await fx.placeOrder(honest, ZONE, interval, 'BUY', 7, 100);
    const cancel = () => fx.net.submit(honest.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: bid.orderId }]);
    setClock(at + INTERVAL + 60 * MINUTE);
    await expectRefused(fx.net, cancel, 'RULE_VIOLATION', /gate closure/);
    expect((await fx.balance(honest)).escrowed).toBe(locked + 700);
    // Governance default: 24 hours to settle. Past that, the uncleared interval is abandoned and the escrow returns.
    setClock(at + INTERVAL + 24 * 60 * MINUTE);
    expect(await outcome(cancel())).toBe('OK');
    expect((await fx.balance(honest)).escrowed).toBe(locked);
  });

  it('settles an award worth 0 (a bid at 1 cleared at 0 against sellers at 0) and returns the whole escrow', async () => {
    const at = start + 200 * INTERVAL;
    const interval = new Date(at).toISOString();
    setClock(at - 30 * MINUTE);
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 0, 500);
    await fx.placeOrder(honest, ZONE, interval, 'BUY', 1, 500);
    setClock(at - 4 * MINUTE);
    const result = await fx.clear(ZONE, interval);
    expect(result.price).toBe(0);
    setClock(at + INTERVAL + MINUTE);
    await fx.reading(seller.meterId, at, 0, 500);
    await fx.reading(honest.meterId, at, 500, 0);
    const before = await fx.balance(honest);
    expect(before.escrowed).toBe(500);
    expect(await outcome(fx.settle('RETAIL', ZONE, interval))).toBe('OK');
    expect(await fx.balance(honest)).toMatchObject({ escrowed: 0, available: before.available + 500 });
  });
});
