import { clearInterval, type ClearingOrder } from '../../../chaincode/src/market/clearing';
import { GRID, REGULATOR, UTILITY, expectRefused, type Actor } from '../support';
import { DEVICE_PUBLIC_KEY, MarketFixture, restoreClock, salt, setClock } from './fixture';

import { TX } from '@obe/chaincode';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Day-ahead: two generators offer stepwise supply curves, a retailer and the DSO bid demand curves; merit order at one
 * price. Hand-worked: supply 20:5000 30:8000 40:5000 60:8000 80:10000, demand 100:6000 70:4000 50:6000 35:4000
 * 25:6000 (price:Wh). Volume peaks at 16 000 Wh at 40 and 50 (both with surplus 2000), so the price is 45; buyers at
 * 100, 70 and 50 are filled, sellers at 20 (5000), 30 (8000) and 40 (3000 of 5000).
 */
describe('wholesale day-ahead market', () => {
  let fx: MarketFixture;
  let g1: Actor, g2: Actor;
  let g1Asset: string, g2Asset: string, retailAsset: string;
  let day: number;
  let start: number;
  let interval: string;
  const ids: Record<string, string> = {};

  const curve = (actor: Actor, body: Record<string, unknown>, at = interval) =>
    fx.net.submit<{ orderId: string }>(actor.identity, TX.WholesaleMarket.SubmitCurve, [{ interval: at }], {
      transient: { curve: JSON.stringify({ salt: salt(), ...body }) },
      endorsingOrgs: actor.mspId === UTILITY ? [UTILITY, GRID] : [GRID, REGULATOR],
    });

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 }); // checks public totals of two generators; small groups: test/adversarial
    g1 = fx.cast.generator;
    g2 = await fx.net.participant(GRID, 'w-gen-2', ['GENERATOR']);
    const generator = { capacityKw: 100_000, devicePublicKey: DEVICE_PUBLIC_KEY };
    g1Asset = await fx.asset(g1, 'generator', 'bulk', generator, 'wholesale');
    g2Asset = await fx.asset(g2, 'generator', 'bulk', generator, 'wholesale');
    retailAsset = await fx.asset(g1, 'pv', 'feeder-1');
    await fx.mint(fx.cast.retailer, 2_000_000);
    await fx.mint(fx.cast.dso, 2_000_000);
    day = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;
    start = day + 10 * HOUR;
    interval = new Date(start).toISOString();
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('takes supply curves from generators with a wholesale generator asset and demand curves from retailers and the DSO', async () => {
    setClock(day - 13 * HOUR);
    ids.g1 = (await curve(g1, { side: 'SUPPLY', assetId: g1Asset, blocks: [{ price: 20, quantityWh: 5000 }, { price: 40, quantityWh: 5000 }, { price: 80, quantityWh: 10_000 }] })).orderId;
    ids.g2 = (await curve(g2, { side: 'SUPPLY', assetId: g2Asset, blocks: [{ price: 30, quantityWh: 8000 }, { price: 60, quantityWh: 8000 }] })).orderId;
    ids.retailer = (await curve(fx.cast.retailer, { side: 'DEMAND', blocks: [{ price: 100, quantityWh: 6000 }, { price: 50, quantityWh: 6000 }, { price: 25, quantityWh: 6000 }] })).orderId;
    ids.dso = (await curve(fx.cast.dso, { side: 'DEMAND', blocks: [{ price: 70, quantityWh: 4000 }, { price: 35, quantityWh: 4000 }] })).orderId;
    // A demand curve escrows its whole cost: 100×6000 + 50×6000 + 25×6000.
    expect(await fx.balance(fx.cast.retailer)).toMatchObject({ escrowed: 1_050_000, available: 950_000 });
  });

  it('keeps a generator curve on the grid operator and regulator peers only, and lets its owner cancel a curve', async () => {
    const key = ['', 'obe.market.order', 'WHOLESALE', 'SYSTEM', interval, ids.g1, ''].join('\u0000');
    expect(fx.net.fabric.privateData(GRID, 'energy', 'obe', `orders_${GRID}`, key)).toBeDefined();
    expect(fx.net.fabric.privateData(REGULATOR, 'energy', 'obe', `orders_${GRID}`, key)).toBeDefined();
    expect(fx.net.fabric.privateData(UTILITY, 'energy', 'obe', `orders_${GRID}`, key)).toBeUndefined();
    expect(await fx.net.evaluate(fx.cast.retailer.identity, TX.WholesaleMarket.GetCurve, [{ interval, orderId: ids.g1 }])).not.toHaveProperty('details');

    const extra = await curve(fx.cast.dso, { side: 'DEMAND', blocks: [{ price: 10, quantityWh: 1000 }] });
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ escrowed: 420_000 + 10_000 });
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.retailer.identity, TX.WholesaleMarket.CancelCurve, [{ interval, orderId: extra.orderId }]), 'FORBIDDEN');
    await fx.net.submit(fx.cast.dso.identity, TX.WholesaleMarket.CancelCurve, [{ interval, orderId: extra.orderId }], { endorsingOrgs: [GRID, REGULATOR] });
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ escrowed: 420_000 });
  });

  it('refuses malformed curves, ineligible assets and roles, each without writing', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ price: 10 + i, quantityWh: 100 }));
    await expectRefused(fx.net, () => curve(g1, { side: 'SUPPLY', assetId: g1Asset, blocks: eleven }), 'INVALID_ARGUMENT', /blocks/);
    await expectRefused(fx.net, () => curve(g1, { side: 'SUPPLY', assetId: g1Asset, blocks: [{ price: 40, quantityWh: 1 }, { price: 30, quantityWh: 1 }] }), 'INVALID_ARGUMENT', /must rise/);
    await expectRefused(fx.net, () => curve(g1, { side: 'SUPPLY', assetId: retailAsset, blocks: [{ price: 40, quantityWh: 1 }] }), 'RULE_VIOLATION', /not a wholesale generator/);
    await expectRefused(fx.net, () => curve(g1, { side: 'SUPPLY', assetId: g2Asset, blocks: [{ price: 40, quantityWh: 1 }] }), 'RULE_VIOLATION', /another participant/);
    await expectRefused(fx.net, () => curve(fx.cast.prosumer, { side: 'DEMAND', blocks: [{ price: 40, quantityWh: 1 }] }), 'FORBIDDEN');
    await expectRefused(fx.net, () => curve(fx.cast.retailer, { side: 'DEMAND', blocks: [{ price: 10_000, quantityWh: 1_000_000 }] }), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.marketOperator.identity, TX.WholesaleMarket.ClearInterval, [{ interval }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }), 'RULE_VIOLATION', /before gate closure/);
  });

  it('closes the day at noon the day before', async () => {
    setClock(day - 12 * HOUR);
    await expectRefused(fx.net, () => curve(fx.cast.dso, { side: 'DEMAND', blocks: [{ price: 70, quantityWh: 1 }] }), 'RULE_VIOLATION', /gate closure/);
  });

  it('clears by merit order at 45, as worked out by hand and as the shared clearing function says', async () => {
    const result = await fx.net.submit(fx.cast.marketOperator.identity, TX.WholesaleMarket.ClearInterval, [{ interval }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    expect(result).toMatchObject({ market: 'WHOLESALE', zone: 'SYSTEM', price: 45, volumeWh: 16_000, buyOrders: 2, sellOrders: 2 });
    const blocks: ClearingOrder[] = [
      { id: 'a', side: 'SELL', price: 20, quantity: 5000, seq: 0 },
      { id: 'b', side: 'SELL', price: 40, quantity: 5000, seq: 0 },
      { id: 'c', side: 'SELL', price: 80, quantity: 10_000, seq: 0 },
      { id: 'd', side: 'SELL', price: 30, quantity: 8000, seq: 1 },
      { id: 'e', side: 'SELL', price: 60, quantity: 8000, seq: 1 },
      { id: 'f', side: 'BUY', price: 100, quantity: 6000, seq: 2 },
      { id: 'g', side: 'BUY', price: 50, quantity: 6000, seq: 2 },
      { id: 'h', side: 'BUY', price: 25, quantity: 6000, seq: 2 },
      { id: 'i', side: 'BUY', price: 70, quantity: 4000, seq: 3 },
      { id: 'j', side: 'BUY', price: 35, quantity: 4000, seq: 3 },
    ];
    expect(clearInterval(blocks)).toMatchObject({ price: 45, volume: 16_000 });
    const award = (a: Actor, id: string) => fx.net.evaluate<{ details?: { quantityWh: number } }>(a.identity, TX.WholesaleMarket.GetAward, [{ interval, orderId: id }]);
    expect((await award(g1, ids.g1)).details?.quantityWh).toBe(8000);
    expect((await award(g2, ids.g2)).details?.quantityWh).toBe(8000);
    expect((await award(fx.cast.retailer, ids.retailer)).details?.quantityWh).toBe(12_000);
    expect((await award(fx.cast.dso, ids.dso)).details?.quantityWh).toBe(4000);
    // A generator cannot read a competitor's award.
    expect((await award(g2, ids.g1)).details).toBeUndefined();
  });

  it('refuses a backdated curve or cancellation once the interval is cleared, writing nothing', async () => {
    // Proposals carry the submitting process's clock: this is a client stamping them before the day-ahead gate.
    setClock(day - 13 * HOUR);
    const cancelAwarded = () => fx.net.submit(fx.cast.dso.identity, TX.WholesaleMarket.CancelCurve, [{ interval, orderId: ids.dso }], { endorsingOrgs: [GRID, REGULATOR] });
    await expectRefused(fx.net, cancelAwarded, 'RULE_VIOLATION', /interval already cleared/);
    await expectRefused(fx.net, () => curve(fx.cast.retailer, { side: 'DEMAND', blocks: [{ price: 90, quantityWh: 1000 }] }), 'RULE_VIOLATION', /interval already cleared/);
    await expectRefused(fx.net, () => curve(g1, { side: 'SUPPLY', assetId: g1Asset, blocks: [{ price: 5, quantityWh: 1000 }] }), 'RULE_VIOLATION', /interval already cleared/);
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ escrowed: 420_000 });
    // The curve record and the submit's answer carry no escrowed amount.
    const view = await fx.net.evaluate<{ curve: Record<string, unknown> }>(fx.cast.dso.identity, TX.WholesaleMarket.GetCurve, [{ interval, orderId: ids.dso }]);
    expect(view.curve).not.toHaveProperty('escrow');
  });

  it('settles supply against the generators’ own readings; demand is settled as delivered', async () => {
    setClock(start + HOUR);
    await fx.reading(g1Asset, start, 0, 8000, GRID);
    await fx.reading(g2Asset, start, 0, 6000, GRID); // 2000 Wh short
    const before = { g1: await fx.balance(g1), g2: await fx.balance(g2) };
    const summary = await fx.settle('WHOLESALE', 'SYSTEM', interval);
    expect(summary).toMatchObject({ recordCount: 4, readingsComplete: true, shortfallWh: 2000 });
    expect((await fx.balance(g1)).available - before.g1.available).toBe(360_000);
    // 6000 × 45 = 270 000 minus the imbalance 2000 × 45 × 1.0 = 90 000.
    expect((await fx.balance(g2)).available - before.g2.available).toBe(180_000);
    expect(await fx.balance(fx.cast.retailer)).toMatchObject({ escrowed: 0, available: 2_000_000 - 540_000 });
    expect(await fx.balance(fx.cast.dso)).toMatchObject({ escrowed: 0, available: 2_000_000 - 180_000 });
  });
});
