/**
 * Issue #12, defect 3: amounts past 2^53. Quantities up to 10^12 Wh times prices up to the cap exceeded 2^53: in the
 * issue's 3-order example buyers paid one unit more than the seller received, the token ledger then refused amounts,
 * and balances were unchecked sums. The rule now: every order is bounded (price ≤ 10^6 per kWh, ≤ 10^9 Wh per order),
 * the token supply is capped (2^51 − 1) at mint, and every sum is exact; nothing is ever rounded.
 */
import { clearInterval, ClearingInputError, type ClearingOrder } from '../../chaincode/src/market/clearing';
import { expectRefused, outcome } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

describe('adversarial: amounts past 2^53 (issue #12 defect 3)', () => {
  it("clears the issue's 3-order example exactly or refuses it, never pays buyers more than sellers receive", () => {
    const orders: ClearingOrder[] = [
      { id: 'b1', side: 'BUY', price: 9999, quantity: 900_000_000_000, seq: 1 },
      { id: 'b2', side: 'BUY', price: 9999, quantity: 99_999_999_999, seq: 2 },
      { id: 's1', side: 'SELL', price: 9999, quantity: 999_999_999_999, seq: 3 },
    ];
    let result: ReturnType<typeof clearInterval>;
    try {
      result = clearInterval(orders);
    } catch (err) {
      // Refusing is exact too: the value, 9,998,999,999,990,001, is not a safe integer.
      expect(err).toBeInstanceOf(ClearingInputError);
      return;
    }
    const paid = result.awards.filter((a) => a.side === 'BUY').reduce((s, a) => s + BigInt(a.amount), 0n);
    const received = result.awards.filter((a) => a.side === 'SELL').reduce((s, a) => s + BigInt(a.amount), 0n);
    for (const award of result.awards) expect(Number.isSafeInteger(award.amount)).toBe(true);
    expect(paid).toBe(received);
  });

  describe('on the chaincode', () => {
    let fx: MarketFixture;
    let seller: Trader, buyer: Trader;
    let start: number;

    beforeAll(async () => {
      // A governance price cap far above the chaincode's own bound: the bound must hold whatever governance says.
      fx = await MarketFixture.start({ priceCap: 1_000_000_000_000 });
      const s = await fx.net.participant('UtilityMSP', 'adv3-seller', ['PROSUMER']);
      // 4 GW for 15 minutes: 10^9 Wh, the per-order bound.
      seller = { ...s, meterId: await fx.asset(s, 'meter', ZONE, { capacityKw: 4_000_000 }), pvId: await fx.asset(s, 'pv', ZONE, { capacityKw: 4_000_000 }) };
      buyer = await fx.consumer('adv3-buyer', ZONE);
      start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    });
    afterAll(async () => {
      restoreClock();
      await fx?.close();
    });

    it("refuses the issue's orders (quantities beyond 10^9 Wh, prices beyond 10^6 per kWh), writing nothing", async () => {
      const interval = new Date(start).toISOString();
      setClock(start - 30 * MINUTE);
      const place = (body: Record<string, unknown>, t: Trader) => () =>
        fx.net.submit(t.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval }], { transient: { order: JSON.stringify({ salt: salt(), ...body }) } });
      await expectRefused(fx.net, place({ side: 'SELL', price: 9999, quantityWh: 999_999_999_999, assetId: seller.pvId, meterId: seller.meterId }, seller), 'INVALID_ARGUMENT');
      await expectRefused(fx.net, place({ side: 'SELL', price: 1_000_001, quantityWh: 1, assetId: seller.pvId, meterId: seller.meterId }, seller), 'INVALID_ARGUMENT');
      await expectRefused(fx.net, place({ side: 'BUY', price: 9999, quantityWh: 900_000_000_000, meterId: buyer.meterId }, buyer), 'INVALID_ARGUMENT');
    });

    it('caps the token supply at 2^51 − 1, so no balance or sum of balances can pass 2^53', async () => {
      const cap = 2 ** 51 - 1;
      const whale = await fx.consumer('adv3-whale', ZONE);
      // Before the fix both mints were accepted, and the whale's balance was an unchecked 2^54 − 2.
      const first = await outcome(fx.mint(whale, Number.MAX_SAFE_INTEGER));
      const second = await outcome(fx.mint(whale, Number.MAX_SAFE_INTEGER));
      expect([first, second]).toEqual(['RULE_VIOLATION', 'RULE_VIOLATION']);
      const balance = await fx.balance(whale);
      expect(Number.isSafeInteger(balance.available + balance.escrowed)).toBe(true);
      expect(await outcome(fx.mint(whale, cap))).toBe('OK');
      await expectRefused(fx.net, () => fx.mint(buyer, 1), 'RULE_VIOLATION', /supply/);
      // Burning makes room again.
      await fx.net.submit(fx.cast.marketOperator.identity, TX.Tokens.Burn, [{ account: whale.pseudonym }], { transient: { movement: JSON.stringify({ amount: cap, salt: salt() }) } });
      expect(await fx.balance(whale)).toMatchObject({ available: 0, escrowed: 0 });
    });

    it('trades and settles an order at both bounds (10^6 per kWh × 10^9 Wh = 10^15) to the unit', async () => {
      const at = start + 4 * INTERVAL;
      const interval = new Date(at).toISOString();
      await fx.mint(buyer, 1_000_000_000_000_000);
      setClock(at - 30 * MINUTE);
      await fx.placeOrder(seller, ZONE, interval, 'SELL', 1_000_000, 1_000_000_000);
      await fx.placeOrder(buyer, ZONE, interval, 'BUY', 1_000_000, 1_000_000_000);
      expect(await fx.balance(buyer)).toMatchObject({ available: 0, escrowed: 1_000_000_000_000_000 });
      setClock(at - 4 * MINUTE);
      const result = await fx.clear(ZONE, interval);
      expect(result.price).toBe(1_000_000);
      setClock(at + INTERVAL + MINUTE);
      await fx.reading(seller.meterId, at, 0, 1_000_000_000);
      await fx.reading(buyer.meterId, at, 1_000_000_000, 0);
      const before = (await fx.balance(seller)).available;
      await fx.settle('RETAIL', ZONE, interval);
      expect((await fx.balance(seller)).available - before).toBe(1_000_000_000_000_000);
      expect(await fx.balance(buyer)).toMatchObject({ available: 0, escrowed: 0 });
    });
  });
});
