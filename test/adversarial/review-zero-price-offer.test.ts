/**
 * Review of #12 ("a bid at the minimum and a huge offer at 0"): imbalance was priced at the clearing price × factor,
 * and one seller could set the clearing price to 0 at no cost. An offer at 0 larger than the zone's demand makes every
 * candidate price trade the whole demand, the smallest imbalance is at 0, and the price is 0. The offer was then
 * awarded, never delivered, and its shortfall cost ⌈0 × x × f⌉ = 0; the honest sellers (limit > 0) were awarded
 * nothing; the buyers' import was "bought" for 0 and the balancing party supplied it for nothing.
 *
 * FIXED (docs/adr/0011-offer-deposits-and-reference-price.md): a seller's shortfall is priced at max(clearing price,
 * governance imbalanceReferencePrice) × factor, and a retail offer locks a deposit at placement (beyond a small
 * per-meter allowance) from which settlement collects that charge. The offer can still force the price to 0, but its
 * non-delivery now costs the seller the reference price of every Wh it failed to deliver, paid to the balancing party.
 */
import { MarketFixture, ZONE, restoreClock, setClock, type Trader } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
/** Governance of this suite: a reference price of 20 per kWh, a full deposit, 1,000 Wh per meter and interval free. */
const INTEGRITY = { imbalanceReferencePrice: 20, offerDepositPermille: 1000, offerDepositFreeWh: 1000 };

describe('review: a seller zeroes the zone’s price with an offer it never delivers', () => {
  let fx: MarketFixture;
  let attacker: Trader;
  let broke: Trader;
  let honest: Trader[];
  let buyers: Trader[];
  let start: number;

  beforeAll(async () => {
    fx = await MarketFixture.start(INTEGRITY);
    attacker = await fx.prosumer('rz-attacker');
    broke = await fx.prosumer('rz-broke');
    honest = [await fx.prosumer('rz-s1'), await fx.prosumer('rz-s2'), await fx.prosumer('rz-s3')];
    buyers = [await fx.consumer('rz-b1', ZONE, 200_000), await fx.consumer('rz-b2', ZONE, 200_000), await fx.consumer('rz-b3', ZONE, 200_000)];
    await fx.mint(attacker, 300_000);
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses the price-zeroing offer from a seller that cannot post its deposit', async () => {
    setClock(start - 30 * MINUTE);
    const interval = new Date(start).toISOString();
    // 12,500 Wh at 0: 11,500 Wh beyond the free allowance × 20 per kWh = 230,000 tokens, and rz-broke holds none.
    await expect(fx.placeOrder(broke, ZONE, interval, 'SELL', 0, 12_500)).rejects.toThrow(/insufficient funds/);
    expect(await fx.balance(broke)).toEqual({ account: broke.pseudonym, available: 0, escrowed: 0 });
    // Within the allowance a household without a balance still sells (and cannot cover a zone's demand of 3,000 Wh).
    const small = await fx.placeOrder(broke, ZONE, interval, 'SELL', 0, 1000);
    expect((await fx.balance(broke)).escrowed).toBe(0);
    await fx.net.submit(broke.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: small.orderId }]);
  });

  it('charges an awarded seller for energy it never delivered, whatever price it forced', async () => {
    const interval = new Date(start).toISOString();
    setClock(start - 30 * MINUTE);
    const funded = await fx.balance(attacker);
    await fx.placeOrder(attacker, ZONE, interval, 'SELL', 0, 12_500); // 50 kW for 15 minutes
    // The deposit: ⌈20 × 11,500 × 1000 × 1000 / 10^6⌉ = 230,000 tokens locked, nothing lost.
    expect(await fx.balance(attacker)).toMatchObject({ available: funded.available - 230_000, escrowed: 230_000 });
    for (const s of honest) await fx.placeOrder(s, ZONE, interval, 'SELL', 10, 1000);
    for (const b of buyers) await fx.placeOrder(b, ZONE, interval, 'BUY', 20, 1000);
    setClock(start - 4 * MINUTE);
    const cleared = await fx.clear(ZONE, interval);
    expect(cleared.price).toBe(0); // the attacker's offer still takes the whole demand at 0
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(attacker.meterId, start, 0, 0); // delivers nothing
    for (const s of honest) await fx.reading(s.meterId, start, 0, 1000);
    for (const b of buyers) await fx.reading(b.meterId, start, 1000, 0);
    const operatorBefore = await fx.balance(fx.cast.marketOperator);
    await fx.settle('RETAIL', ZONE, interval);
    const settled = await fx.net.evaluate<{ details: { imbalanceCharged: number; balancingCredit: number; imbalanceUnpaid: string } }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [
      { market: 'RETAIL', zone: ZONE, interval },
    ]);
    // 3,000 Wh awarded and not delivered, priced at the reference (20 per kWh), not at the forced 0: 60,000 tokens,
    // all collected from the deposit and paid to the balancing party that supplied the buyers.
    expect(settled.details).toMatchObject({ imbalanceCharged: 60_000, balancingCredit: 60_000, imbalanceUnpaid: '0' });
    expect(await fx.balance(attacker)).toMatchObject({ available: funded.available - 60_000, escrowed: 0 });
    expect((await fx.balance(fx.cast.marketOperator)).available).toBe(operatorBefore.available + 60_000);
  });
});
