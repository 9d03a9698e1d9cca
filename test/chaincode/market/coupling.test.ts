import { TX } from '@obe/chaincode';
import { GRID, REGULATOR, UTILITY, expectRefused, type Actor } from '../support';
import { DEVICE_PUBLIC_KEY, MarketFixture, ZONE, OTHER_ZONE, restoreClock, salt, setClock, type Trader } from './fixture';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Wholesale ↔ retail coupling: in zone feeder-1 a household offers 1000 Wh and another bids 3000 Wh; retail clears
 * 1000, so the utility's households left 2000 Wh of demand unmatched. Its retailer enters that residual into the
 * wholesale market as one demand curve, which clears there against a generator's supply.
 */
describe('retail residual into wholesale', () => {
  let fx: MarketFixture;
  let seller: Trader, buyer: Trader;
  let start: number;
  let interval: string;
  let generatorAsset: string;

  const next = () => new Date(start + 15 * 60_000).toISOString();
  const residual = (actor: Actor, zones: string[], blocks: { price: number; quantityWh: number }[], at = interval) =>
    fx.net.submit<{ orderId: string; side: string }>(actor.identity, TX.MarketCoupling.SubmitResidual, [{ interval: at, zones }], {
      transient: { residual: JSON.stringify({ blocks, salt: salt() }) },
      endorsingOrgs: [UTILITY, GRID],
    });

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    const day = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;
    start = day + 10 * HOUR;
    interval = new Date(start).toISOString();
    seller = await fx.prosumer('cp-seller');
    buyer = await fx.consumer('cp-buyer', ZONE, 100_000);
    generatorAsset = await fx.asset(fx.cast.generator, 'generator', 'bulk', { capacityKw: 100_000, devicePublicKey: DEVICE_PUBLIC_KEY }, 'wholesale');
    await fx.mint(fx.cast.retailer, 100_000);
    setClock(day - 13 * HOUR);
    await fx.net.submit(fx.cast.generator.identity, TX.WholesaleMarket.SubmitCurve, [{ interval }], {
      transient: { curve: JSON.stringify({ side: 'SUPPLY', assetId: generatorAsset, blocks: [{ price: 15, quantityWh: 5000 }], salt: salt() }) },
      endorsingOrgs: [GRID, REGULATOR],
    });
    setClock(start - HOUR);
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 10, 1000);
    await fx.placeOrder(buyer, ZONE, interval, 'BUY', 20, 3000);
    await fx.placeOrder(buyer, ZONE, next(), 'BUY', 20, 500);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses a residual before its zone is cleared in retail', async () => {
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 100 }]), 'RULE_VIOLATION', /not been cleared/);
  });

  it('derives the residual from the retail result and refuses a forged one larger than the unmatched volume', async () => {
    setClock(start - 4 * 60_000);
    await fx.clear(ZONE, interval);
    await fx.clear(OTHER_ZONE, interval);
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 2001 }]), 'RULE_VIOLATION', /more than the 2000 Wh/);
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 1500 }, { price: 25, quantityWh: 501 }]), 'RULE_VIOLATION', /more than the 2000 Wh/);
    // Nothing of the utility's is unmatched in the other zone.
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [OTHER_ZONE], [{ price: 30, quantityWh: 1 }]), 'RULE_VIOLATION', /unmatched/);
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 1000 }, { price: 40, quantityWh: 1000 }]), 'RULE_VIOLATION', /must fall/);
    await expectRefused(fx.net, () => residual(fx.cast.prosumer, [ZONE], [{ price: 30, quantityWh: 1 }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => residual(fx.cast.generator, [ZONE], [{ price: 30, quantityWh: 1 }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => residual(fx.cast.dso, [ZONE], [{ price: 30, quantityWh: 1 }]), 'FORBIDDEN');
  });

  it('takes the residual once per retailer and interval, and each zone of an org once', async () => {
    const record = await residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 2000 }]);
    expect(record).toMatchObject({ side: 'BUY', zones: [ZONE] });
    // The quantity as a value of its own (\b: not the digits 2000 inside a hex commitment or id, which came up by chance).
    expect(JSON.stringify(record)).not.toMatch(/quantityWh|\b2000\b/);
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 1 }]), 'CONFLICT');
    await expectRefused(fx.net, () => residual(fx.cast.aggregator, [ZONE], [{ price: 30, quantityWh: 1 }]), 'CONFLICT', /already entered wholesale/);
    // The derivation is the retailer's (and the operator's and regulator's), not another participant's.
    const view = (a: Actor) => fx.net.evaluate<{ details?: { netWh: number } }>(a.identity, TX.MarketCoupling.GetResidual, [{ interval, retailer: fx.cast.retailer.pseudonym }]);
    expect((await view(fx.cast.retailer)).details?.netWh).toBe(2000);
    expect((await view(fx.cast.regulator)).details?.netWh).toBe(2000);
    expect((await view(fx.cast.aggregator)).details).toBeUndefined();
    expect(await fx.balance(fx.cast.retailer)).toMatchObject({ escrowed: 60_000 });
  });

  it('clears the aggregated residual in wholesale with the other curves', async () => {
    setClock(start - 2 * 60_000);
    const result = await fx.net.submit<{ volumeWh: number; buyOrders: number }>(fx.cast.marketOperator.identity, TX.WholesaleMarket.ClearInterval, [{ interval }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    expect(result).toMatchObject({ volumeWh: 2000, buyOrders: 1, sellOrders: 1 });
    const { orderId } = (await fx.net.evaluate<{ residual: { orderId: string } }>(fx.cast.retailer.identity, TX.MarketCoupling.GetResidual, [{ interval, retailer: fx.cast.retailer.pseudonym }])).residual;
    const award = await fx.net.evaluate<{ details?: { quantityWh: number } }>(fx.cast.retailer.identity, TX.WholesaleMarket.GetAward, [{ interval, orderId }]);
    expect(award.details?.quantityWh).toBe(2000);
  });

  it('refuses a residual once its wholesale interval is cleared, or once the interval has started', async () => {
    // The next interval: 500 Wh unmatched in retail, but wholesale cleared before the retailer came.
    setClock(start + 11 * 60_000);
    await fx.clear(ZONE, next());
    await fx.net.submit(fx.cast.marketOperator.identity, TX.WholesaleMarket.ClearInterval, [{ interval: next() }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
    await expectRefused(fx.net, () => residual(fx.cast.retailer, [ZONE], [{ price: 30, quantityWh: 500 }], next()), 'RULE_VIOLATION', /already cleared/);
    await expectRefused(fx.net, () => residual(fx.cast.aggregator, [OTHER_ZONE], [{ price: 30, quantityWh: 1 }]), 'RULE_VIOLATION', /until the interval starts/);
  });
});
