/**
 * Issue #12, defect 9: the public settlement summary revealed a lone buyer's metered import (`deliveredBuyWh`,
 * `energyPaid` with one buyer). Any public aggregate over fewer than k distinct participants (k = governance
 * minPublicGroupSize, default 3) is now withheld, per side, in the settlement summary and in the market result alike;
 * the operator and the regulator still see (and can recompute) every total.
 */
import { expectRefused } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, setClock, type Trader } from '../chaincode/market/fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

type Summary = Record<string, unknown> & { details?: Record<string, unknown> };

describe('adversarial: public totals of small groups (issue #12 defect 9)', () => {
  let fx: MarketFixture;
  let sellers: Trader[];
  let buyers: Trader[];
  let outsider: Trader;
  let start: number;

  beforeAll(async () => {
    fx = await MarketFixture.start(); // default k = 3
    sellers = [await fx.prosumer('adv9-s1'), await fx.prosumer('adv9-s2'), await fx.prosumer('adv9-s3')];
    buyers = [await fx.consumer('adv9-b1', ZONE, 200_000), await fx.consumer('adv9-b2', ZONE, 200_000), await fx.consumer('adv9-b3', ZONE, 200_000)];
    outsider = await fx.consumer('adv9-outsider', ZONE);
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  async function trade(at: number, buying: Trader[], imports: number[]): Promise<{ interval: string; settled: Summary; cleared: Summary }> {
    const interval = new Date(at).toISOString();
    setClock(at - 30 * MINUTE);
    for (const s of sellers) await fx.placeOrder(s, ZONE, interval, 'SELL', 10, 1000);
    for (const b of buying) await fx.placeOrder(b, ZONE, interval, 'BUY', 20, 3000 / buying.length);
    setClock(at - 4 * MINUTE);
    const cleared = (await fx.clear(ZONE, interval)) as unknown as Summary;
    setClock(at + INTERVAL + MINUTE);
    for (const s of sellers) await fx.reading(s.meterId, at, 0, 1000);
    for (const [i, b] of buying.entries()) await fx.reading(b.meterId, at, imports[i], 0);
    const settled = (await fx.settle('RETAIL', ZONE, interval)) as Summary;
    return { interval, settled, cleared };
  }

  it("withholds a lone buyer's totals from the public summary and result, and shows them to the regulator", async () => {
    const { interval, settled, cleared } = await trade(start, [buyers[0]], [2345]);
    // The submit's answer is in the block: it must not carry the lone buyer's import or payment.
    expect(settled).toMatchObject({ deliveredBuyWh: null, energyPaid: null, awardedWh: null, recordCount: 4 });
    expect(settled.merkleRoot).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(settled)).not.toMatch(/\b(2345|23450)\b/);
    // Three sellers, but their delivered total is what the lone buyer bought (3000 Wh): withheld too.
    expect(settled).toMatchObject({ deliveredSellWh: null, energyReceived: null });
    // Mixed totals (shortfall, imbalance, balancing credit) would let the buyer's share be differenced out.
    expect(settled).toMatchObject({ shortfallWh: null, imbalanceCharged: null, balancingCredit: null });
    // The market result: volume and value are one buyer's award.
    expect(cleared).toMatchObject({ volumeWh: null, value: null, suppressed: true, price: 15 });

    const ref = [{ market: 'RETAIL', zone: ZONE, interval }];
    const publicView = await fx.net.evaluate<Summary>(outsider.identity, TX.Settlement.GetSettlement, ref);
    expect(publicView.deliveredBuyWh).toBeNull();
    expect(publicView).not.toHaveProperty('details');
    expect(await fx.net.evaluate<Summary>(outsider.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval }])).toMatchObject({ volumeWh: null });

    // The regulator sees the full totals and can recompute them from the settled records.
    const regulator = fx.cast.regulator.identity;
    const full = await fx.net.evaluate<Summary>(regulator, TX.Settlement.GetSettlement, ref);
    expect(full.details).toMatchObject({ deliveredBuyWh: 2345, energyPaid: 2345 * 15, awardedWh: 3000 });
    const records = await fx.net.evaluate<{ orderId: string }[]>(regulator, TX.Settlement.ListRecords, ref);
    let buyDelivered = 0;
    for (const r of records) {
      const view = await fx.net.evaluate<{ details: { side: string; deliveredWh: number } }>(regulator, TX.Settlement.GetRecord, [{ ...ref[0], orderId: r.orderId }]);
      if (view.details.side === 'BUY') buyDelivered += view.details.deliveredWh;
    }
    expect(buyDelivered).toBe(2345);
    expect(await fx.net.evaluate<Summary>(fx.cast.marketOperator.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval }])).toMatchObject({ details: { volumeWh: 3000 } });
  });

  it('shows every total once each side has k distinct participants', async () => {
    const { settled, cleared } = await trade(start + 4 * INTERVAL, buyers, [1000, 900, 1000]);
    expect(cleared).toMatchObject({ volumeWh: 3000, suppressed: false });
    expect(settled).toMatchObject({ deliveredBuyWh: 2900, deliveredSellWh: 3000, shortfallWh: 100, suppressed: [] });
  });

  it('keeps k on chain: governance may not set it below 1', async () => {
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.admins['GridOperatorMSP'], TX.Governance.UpdateConfig, [{ minPublicGroupSize: 0 }]), 'INVALID_ARGUMENT');
  });
});
