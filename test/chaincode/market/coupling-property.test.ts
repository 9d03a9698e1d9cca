import fc from 'fast-check';
import { TX } from '@obe/chaincode';
import { GRID, UTILITY, outcome, type Actor } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from './fixture';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The residual bound through the chaincode (fast-check): for arbitrary retail books of one org's households in a zone
 * (some orders missing), whatever retail clearing matched, the retailer's residual may carry exactly the unmatched net
 * volume and not one Wh more; its side is the net's sign; a demand residual escrows price × quantity; none is taken when
 * nothing is unmatched. In one zone the matched bids equal the matched offers, so the unmatched net is Σ bids − Σ offers.
 */
describe('retail residual bound (property)', () => {
  let fx: MarketFixture;
  let sellers: Trader[];
  let buyers: Trader[];
  let base: number;
  let run = 0;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    base = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;
    setClock(base - DAY);
    sellers = [await fx.prosumer('rp-s1'), await fx.prosumer('rp-s2')];
    buyers = [await fx.consumer('rp-b1', ZONE, 10_000_000), await fx.consumer('rp-b2', ZONE, 10_000_000)];
    await fx.mint(fx.cast.retailer, 100_000_000);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const order = fc.option(fc.record({ price: fc.integer({ min: 1, max: 50 }), quantityWh: fc.integer({ min: 1, max: 3000 }) }), { nil: null, freq: 4 });

  it('accepts exactly the unmatched net volume, on its side, escrowing a demand residual', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(order, { minLength: 2, maxLength: 2 }), fc.array(order, { minLength: 2, maxLength: 2 }), fc.integer({ min: 1, max: 100 }), async (offers, bids, price) => {
        const start = base + HOUR * run++;
        const interval = new Date(start).toISOString();
        setClock(start - HOUR);
        for (const [i, o] of offers.entries()) if (o) await fx.placeOrder(sellers[i], ZONE, interval, 'SELL', o.price, o.quantityWh);
        for (const [i, o] of bids.entries()) if (o) await fx.placeOrder(buyers[i], ZONE, interval, 'BUY', o.price, o.quantityWh);
        setClock(start - 4 * 60_000);
        await fx.clear(ZONE, interval);

        const net = bids.reduce((s, o) => s + (o?.quantityWh ?? 0), 0) - offers.reduce((s, o) => s + (o?.quantityWh ?? 0), 0);
        const residual = (actor: Actor, quantityWh: number) =>
          fx.net.submit<{ side: string }>(actor.identity, TX.MarketCoupling.SubmitResidual, [{ interval, zones: [ZONE] }], {
            transient: { residual: JSON.stringify({ blocks: [{ price, quantityWh }], salt: salt() }) },
            endorsingOrgs: [UTILITY, GRID],
          });
        if (net === 0) {
          expect(await outcome(residual(fx.cast.retailer, 1))).toBe('RULE_VIOLATION');
          return;
        }
        expect(await outcome(residual(fx.cast.retailer, Math.abs(net) + 1))).toBe('RULE_VIOLATION');
        const before = await fx.balance(fx.cast.retailer);
        const record = await residual(fx.cast.retailer, Math.abs(net));
        expect(record.side).toBe(net > 0 ? 'BUY' : 'SELL');
        const after = await fx.balance(fx.cast.retailer);
        expect(after.escrowed - before.escrowed).toBe(net > 0 ? price * net : 0);
        expect(after.available + after.escrowed).toBe(before.available + before.escrowed);
        // The same unmatched volume does not enter twice, under another identity of the org.
        expect(await outcome(residual(fx.cast.aggregator, 1))).toBe('CONFLICT');
      }),
      { numRuns: 10 },
    );
  }, 300_000);
});
