/**
 * Review R2 of #16 on the embedded runtime: what the public feeder-loading record tells, and which feeder binds an
 * order.
 *  1. A zone envelope's side total is the zone's volume. When the market result withheld the volume (one side below
 *     k), the loading record still showed the other side's total — exactly the lone buyer's award.
 *  2. Differencing: with the volume public, a feeder total over k sellers was shown while the one seller outside it
 *     was not — volume − shown total = that seller's award.
 *  3. The clearing took each meter's feeder from the attachment at clearing time, so a DSO that moved a meter after
 *     the gate (envelopes frozen, orders in) took it out from under a binding envelope for that very interval. Now the
 *     attachment at the gate counts; a move cannot be dated before the current attachment began.
 */
import { TX } from '@obe/chaincode';
import { expectRefused } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, setClock, type Trader } from '../chaincode/market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

type Loading = { feeders: { nodeId: string; importWh: number | null; exportWh: number | null; exportBound: boolean | null }[]; binding: unknown[] };

describe('review R2: feeder loading privacy and the feeder at the gate', () => {
  let fx: MarketFixture;
  let sa: Trader[];
  let sb: Trader;
  let buyers: Trader[];
  let outsider: Trader;
  let start: number;
  const at = (i: number) => new Date(start + i * INTERVAL).toISOString();
  const dso = () => fx.cast.dso.identity;

  beforeAll(async () => {
    fx = await MarketFixture.start(); // k = 3, gate 5 minutes before the interval
    sa = [await fx.prosumer('r2l-sa1'), await fx.prosumer('r2l-sa2'), await fx.prosumer('r2l-sa3')];
    sb = await fx.prosumer('r2l-sb');
    buyers = [await fx.consumer('r2l-b1', ZONE, 500_000), await fx.consumer('r2l-b2', ZONE, 500_000), await fx.consumer('r2l-b3', ZONE, 500_000)];
    outsider = await fx.consumer('r2l-out', ZONE);
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    await fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    await fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'r2-fa', kind: 'FEEDER', zone: ZONE }]);
    await fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'r2-fb', kind: 'FEEDER', zone: ZONE }]);
    setClock(start - 60 * MINUTE);
    for (const s of sa) await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: s.meterId, feeder: 'r2-fa' }]);
    await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: sb.meterId, feeder: 'r2-fb' }]);
    await fx.net.submit(dso(), TX.Grid.PublishEnvelopes, [
      {
        envelopes: [
          { nodeId: ZONE, interval: at(0), importLimitWh: null, exportLimitWh: 100_000 },
          { nodeId: 'r2-fa', interval: at(1), importLimitWh: null, exportLimitWh: 100_000 },
          { nodeId: 'r2-fa', interval: at(2), importLimitWh: null, exportLimitWh: 1000 },
        ],
      },
    ]);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const loading = (i: number) => fx.net.evaluate<Loading>(outsider.identity, TX.Grid.GetFeederLoading, [{ zone: ZONE, interval: at(i) }]);
  const awardOf = async (t: Trader, interval: string) => {
    const orders = await fx.net.evaluate<{ orderId: string; owner: string }[]>(t.identity, TX.RetailMarket.ListOrders, [{ zone: ZONE, interval }]);
    const mine = orders.find((o) => o.owner === t.pseudonym)!;
    return (await fx.net.evaluate<{ details?: { quantityWh: number } }>(t.identity, TX.RetailMarket.GetAward, [{ zone: ZONE, interval, orderId: mine.orderId }]).catch(() => ({ details: undefined }))).details;
  };

  it('withholds the zone node’s side total when the market result withholds the volume (a lone buyer)', async () => {
    setClock(start - 30 * MINUTE);
    for (const s of sa) await fx.placeOrder(s, ZONE, at(0), 'SELL', 10, 1000);
    await fx.placeOrder(buyers[0], ZONE, at(0), 'BUY', 40, 2718);
    setClock(start - 4 * MINUTE);
    const result = await fx.clear(ZONE, at(0));
    expect(result).toMatchObject({ volumeWh: null, suppressed: true });
    const record = await loading(0);
    // Before the fix: exportWh 2718, the lone buyer's award.
    expect(record.feeders).toEqual([expect.objectContaining({ nodeId: ZONE, importWh: null, exportWh: null, exportBound: null })]);
    expect(JSON.stringify(record)).not.toMatch(/\b2718\b/);
  });

  it('withholds a feeder total when the rest of its side is one seller (volume − total would be that seller’s award)', async () => {
    setClock(start + INTERVAL - 30 * MINUTE);
    for (const s of sa) await fx.placeOrder(s, ZONE, at(1), 'SELL', 10, 1000);
    await fx.placeOrder(sb, ZONE, at(1), 'SELL', 10, 777);
    for (const b of buyers) await fx.placeOrder(b, ZONE, at(1), 'BUY', 40, 1300);
    setClock(start + INTERVAL - 4 * MINUTE);
    const result = await fx.clear(ZONE, at(1));
    expect(result).toMatchObject({ volumeWh: 3777 });
    const fa = (await loading(1)).feeders.find((f) => f.nodeId === 'r2-fa')!;
    // Before the fix: exportWh 3000, and 3777 − 3000 = 777, sb's award.
    expect(fa.exportWh).toBeNull();
    expect(fa.exportBound).toBeNull();
  });

  it('binds an order by its meter’s feeder at the gate: a move after the gate does not lift the envelope for that interval', async () => {
    setClock(start + 2 * INTERVAL - 30 * MINUTE);
    await fx.placeOrder(sa[0], ZONE, at(2), 'SELL', 10, 1000);
    await fx.placeOrder(sa[1], ZONE, at(2), 'SELL', 11, 1000);
    for (const b of buyers) await fx.placeOrder(b, ZONE, at(2), 'BUY', 40, 1000);
    setClock(start + 2 * INTERVAL - 4 * MINUTE); // the gate has closed: the DSO moves sa2's meter off the capped feeder
    await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: sa[1].meterId, feeder: 'r2-fb' }]);
    const result = await fx.clear(ZONE, at(2));
    expect(result).toMatchObject({ price: expect.any(Number) });
    expect((await awardOf(sa[0], at(2)))?.quantityWh).toBe(1000);
    // Before the fix: 1000 (sa2 counted on r2-fb, which has no envelope).
    expect(await awardOf(sa[1], at(2))).toBeUndefined();
    const full = await fx.net.evaluate<{ details: { binding: unknown[] } }>(fx.cast.regulator.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval: at(2) }]);
    expect(full.details.binding).toEqual([{ node: 'r2-fa', direction: 'EXPORT', limitWh: 1000 }]);
  });

  it('refuses a move dated before the meter’s current attachment began', async () => {
    setClock(start - 120 * MINUTE);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: sa[1].meterId, feeder: 'r2-fa' }]), 'RULE_VIOLATION', /cannot be dated earlier/);
  });
});

describe('review R2: an offer is bound by its inverter’s feeder when its meter is not attached', () => {
  let fx: MarketFixture;
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('caps sellers whose PV (not meter) the DSO attached to the capped feeder', async () => {
    fx = await MarketFixture.start();
    const sellers = [await fx.prosumer('r2i-s1'), await fx.prosumer('r2i-s2')];
    const buyers = [await fx.consumer('r2i-b1', ZONE, 500_000), await fx.consumer('r2i-b2', ZONE, 500_000), await fx.consumer('r2i-b3', ZONE, 500_000)];
    const start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    const interval = new Date(start).toISOString();
    const dso = fx.cast.dso.identity;
    setClock(start - 60 * MINUTE);
    await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: 'r2i-fa', kind: 'FEEDER', zone: ZONE }]);
    for (const s of sellers) await fx.net.submit(dso, TX.Grid.AttachAsset, [{ assetId: s.pvId!, feeder: 'r2i-fa' }]);
    await fx.net.submit(dso, TX.Grid.PublishEnvelopes, [{ envelopes: [{ nodeId: 'r2i-fa', interval, importLimitWh: null, exportLimitWh: 1000 }] }]);
    setClock(start - 30 * MINUTE);
    await fx.placeOrder(sellers[0], ZONE, interval, 'SELL', 10, 1000);
    await fx.placeOrder(sellers[1], ZONE, interval, 'SELL', 11, 1000);
    for (const b of buyers) await fx.placeOrder(b, ZONE, interval, 'BUY', 40, 1000);
    setClock(start - 4 * MINUTE);
    await fx.clear(ZONE, interval);
    const full = await fx.net.evaluate<{ details: { volumeWh: number; binding: unknown[] } }>(fx.cast.regulator.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval }]);
    // Before the fix: 2000 Wh traded, binding [] (the offers' meters were on no feeder).
    expect(full.details).toMatchObject({ volumeWh: 1000, binding: [{ node: 'r2i-fa', direction: 'EXPORT', limitWh: 1000 }] });
  });
});
