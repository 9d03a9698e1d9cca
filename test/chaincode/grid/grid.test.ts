/**
 * Grid topology, operating envelopes and network tariffs on the embedded runtime: the DSO registers zones and feeders
 * and attaches meters; the retail clearing honours a binding export envelope on one feeder (price priority within the
 * limit) and adds the network fee; settlement pays the fee to the DSO, charges a seller that exported beyond the
 * envelope, and conserves every token. Every write is refused to every other role.
 */
import { TX } from '@obe/chaincode';
import { expectRefused, GRID, REGULATOR, UTILITY } from '../support';
import { DEVICE_PUBLIC_KEY, MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

type Balance = { available: number; escrowed: number };

describe('grid: topology, envelopes and fees', () => {
  let fx: MarketFixture;
  let sellersA: Trader[];
  let sellerB: Trader;
  let buyers: Trader[];
  let start: number;
  let interval: string;
  const buyerFee = new Map<string, number>();

  beforeAll(async () => {
    fx = await MarketFixture.start(); // k = 3, gate 5 minutes before the interval
    // Assets registered before the channel has topology: free-string zones, as on an existing channel.
    sellersA = [await fx.prosumer('g-sa1'), await fx.prosumer('g-sa2'), await fx.prosumer('g-sa3')];
    sellerB = await fx.prosumer('g-sb1');
    buyers = [await fx.consumer('g-b1', ZONE, 500_000), await fx.consumer('g-b2', ZONE, 500_000), await fx.consumer('g-b3', ZONE, 500_000)];
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const dso = () => fx.cast.dso.identity;

  it('topology: only a DSO registers nodes; a zone node migrates an existing zone; governance then requires registered zones', async () => {
    await expectRefused(fx.net, () => fx.net.submit(sellersA[0].identity, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.marketOperator.identity, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'fa', kind: 'FEEDER', zone: ZONE }]), 'NOT_FOUND', /not registered/);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'fa', kind: 'FEEDER' }]), 'INVALID_ARGUMENT');

    // The assets of the fixture were registered in a free-string zone; the DSO registers that zone as a node.
    const zone = await fx.net.submit<{ nodeId: string; kind: string; zone: string }>(dso(), TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    expect(zone).toMatchObject({ nodeId: ZONE, kind: 'ZONE', zone: ZONE, registeredBy: fx.cast.dso.pseudonym });
    await fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'fa', kind: 'FEEDER', zone: ZONE }]);
    await fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'fb', kind: 'FEEDER', zone: ZONE }]);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'fa', kind: 'FEEDER', zone: ZONE }]), 'CONFLICT');
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.RegisterGridNode, [{ nodeId: 'fc', kind: 'FEEDER', zone: 'fa' }]), 'RULE_VIOLATION', /feeder, not a zone/);

    // Until governance requires registered zones, a free-string zone is still accepted (existing channels keep working).
    await fx.net.submit(sellersA[0].identity, TX.Registry.RegisterAsset, [{ assetId: 'pre-switch', type: 'pv', segment: 'retail', zone: 'elsewhere', capacityKw: 1 }]);
    await fx.net.submit(await fx.net.admin(GRID), TX.Governance.UpdateConfig, [{ requireRegisteredZones: true }]);
    await expectRefused(
      fx.net,
      () => fx.net.submit(sellersA[0].identity, TX.Registry.RegisterAsset, [{ assetId: 'nowhere-pv', type: 'pv', segment: 'retail', zone: 'nowhere', capacityKw: 1 }]),
      'RULE_VIOLATION',
      /not a zone the DSO registered/,
    );
    // A feeder is not a zone.
    await expectRefused(fx.net, () => fx.net.submit(sellersA[0].identity, TX.Registry.RegisterAsset, [{ assetId: 'feeder-pv', type: 'pv', segment: 'retail', zone: 'fa', capacityKw: 1 }]), 'RULE_VIOLATION');
    await fx.net.submit(sellersA[0].identity, TX.Registry.RegisterAsset, [{ assetId: 'post-switch', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 1, devicePublicKey: DEVICE_PUBLIC_KEY }]);
    const nodes = await fx.net.evaluate<{ nodeId: string }[]>(sellersA[0].identity, TX.Grid.ListGridNodes, [{ zone: ZONE }]);
    expect(nodes.map((n) => n.nodeId).sort()).toEqual(['fa', 'fb', ZONE]);
  });

  it('attachments: only a DSO attaches, within the asset’s zone; a move keeps the history', async () => {
    const meter = sellersA[0].meterId;
    await expectRefused(fx.net, () => fx.net.submit(sellersA[0].identity, TX.Grid.AttachAsset, [{ assetId: meter, feeder: 'fa' }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: meter, feeder: ZONE }]), 'RULE_VIOLATION', /zone, not a feeder/);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: 'no-such-asset', feeder: 'fa' }]), 'NOT_FOUND');
    await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: meter, feeder: 'fb' }]);
    await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: meter, feeder: 'fa' }]);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: meter, feeder: 'fa' }]), 'CONFLICT');
    const record = await fx.net.evaluate<{ feeder: string; history: { feeder: string; until: string | null }[] }>(buyers[0].identity, TX.Grid.GetAttachment, [meter]);
    expect(record.feeder).toBe('fa');
    expect(record.history.map((h) => [h.feeder, h.until === null])).toEqual([
      ['fb', false],
      ['fa', true],
    ]);
    for (const s of sellersA.slice(1)) await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: s.meterId, feeder: 'fa' }]);
    await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: sellerB.meterId, feeder: 'fb' }]);
    for (const b of buyers) await fx.net.submit(dso(), TX.Grid.AttachAsset, [{ assetId: b.meterId, feeder: 'fb' }]);
    expect(await fx.net.evaluate<unknown[]>(buyers[0].identity, TX.Grid.ListAttachments, [{ zone: ZONE, feeder: 'fa' }])).toHaveLength(3);
  });

  it('envelopes and tariffs: only a DSO publishes, only before gate closure, bounded input', async () => {
    setClock(start - 60 * MINUTE);
    const envelope = { envelopes: [{ nodeId: 'fa', interval, importLimitWh: null, exportLimitWh: 2500 }] };
    const tariff = { tariffs: [{ zone: ZONE, interval, feePerKwh: 4, localFeePerKwh: 1 }] };
    for (const who of [sellersA[0].identity, fx.cast.marketOperator.identity, fx.cast.regulator.identity]) {
      await expectRefused(fx.net, () => fx.net.submit(who, TX.Grid.PublishEnvelopes, [envelope]), 'FORBIDDEN');
      await expectRefused(fx.net, () => fx.net.submit(who, TX.Grid.PublishTariffs, [tariff]), 'FORBIDDEN');
    }
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishEnvelopes, [{ envelopes: [{ nodeId: 'fa', interval, importLimitWh: -1, exportLimitWh: null }] }]), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishTariffs, [{ tariffs: [{ zone: ZONE, interval, feePerKwh: 1, localFeePerKwh: 2 }] }]), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishTariffs, [{ tariffs: [{ zone: 'fa', interval, feePerKwh: 1, localFeePerKwh: 0 }] }]), 'RULE_VIOLATION');
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishEnvelopes, [{ envelopes: [envelope.envelopes[0], envelope.envelopes[0]] }]), 'INVALID_ARGUMENT', /twice/);

    const first = await fx.net.submit<{ revision: number; exportLimitWh: number; signerCertSha256: string }[]>(dso(), TX.Grid.PublishEnvelopes, [{ envelopes: [{ ...envelope.envelopes[0], exportLimitWh: 9000 }] }]);
    expect(first[0]).toMatchObject({ revision: 1, exportLimitWh: 9000 });
    expect(first[0].signerCertSha256).toMatch(/^[0-9a-f]{64}$/);
    const revised = await fx.net.submit<{ revision: number; exportLimitWh: number }[]>(dso(), TX.Grid.PublishEnvelopes, [envelope]);
    expect(revised[0]).toMatchObject({ revision: 2, exportLimitWh: 2500 });
    await fx.net.submit(dso(), TX.Grid.PublishTariffs, [tariff]);
    expect(await fx.net.evaluate(buyers[0].identity, TX.Grid.GetTariff, [{ zone: ZONE, interval }])).toMatchObject({ feePerKwh: 4, localFeePerKwh: 1, publishedBy: fx.cast.dso.pseudonym });

    setClock(start - 5 * MINUTE); // the gate has closed
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishEnvelopes, [envelope]), 'RULE_VIOLATION', /before its gate closed/);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishTariffs, [tariff]), 'RULE_VIOLATION', /before its gate closed/);
  });

  it('clearing caps feeder fa’s export at its envelope (price priority within the limit), reports it and adds the fee', async () => {
    setClock(start - 30 * MINUTE);
    // fa: three cheap sellers of 1500 Wh each (4500 Wh > the 2500 Wh envelope); fb: a dearer one of 2000 Wh.
    await fx.placeOrder(sellersA[0], ZONE, interval, 'SELL', 10, 1500);
    await fx.placeOrder(sellersA[1], ZONE, interval, 'SELL', 11, 1500);
    await fx.placeOrder(sellersA[2], ZONE, interval, 'SELL', 12, 1500);
    await fx.placeOrder(sellerB, ZONE, interval, 'SELL', 20, 2000);
    for (const b of buyers) await fx.placeOrder(b, ZONE, interval, 'BUY', 40, 1500);

    setClock(start - 4 * MINUTE);
    const result = await fx.clear(ZONE, interval);
    // Two sellers were awarded on fa, fewer than k = 3: the public result withholds that fa's limit bound (it would
    // reveal their total); the operator's and the regulator's details carry it.
    expect(result).toMatchObject({ volumeWh: 4500, binding: [] });
    expect(result).not.toHaveProperty('gridFees');
    // The marginal offer is fb's at 20; bids enter at 40 − 4 = 36: the price is the midpoint of [20, 36].
    expect(result.price).toBe(28);
    const full = await fx.net.evaluate<{ details: { binding: unknown[]; gridFees: number } }>(fx.cast.regulator.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval }]);
    expect(full.details.binding).toEqual([{ node: 'fa', direction: 'EXPORT', limitWh: 2500 }]);
    // fb sold to its own buyers, but from one seller (fewer than k): no local rate (the small-group rule, below).
    expect(full.details.gridFees).toBe(3 * 1500 * 4);
    const loading = await fx.net.evaluate<{ feeders: Record<string, unknown>[] }>(fx.cast.dso.identity, TX.Grid.GetFeederLoading, [{ zone: ZONE, interval }]);
    expect(loading.feeders).toEqual([{ nodeId: 'fa', importLimitWh: null, exportLimitWh: 2500, importWh: 0, exportWh: null, importBound: false, exportBound: null }]);

    const awardOf = async (t: Trader) => {
      const orders = await fx.net.evaluate<{ orderId: string; owner: string }[]>(t.identity, TX.RetailMarket.ListOrders, [{ zone: ZONE, interval }]);
      const mine = orders.find((o) => o.owner === t.pseudonym)!;
      return (await fx.net.evaluate<{ details?: { quantityWh: number; grid?: Record<string, unknown> } }>(t.identity, TX.RetailMarket.GetAward, [{ zone: ZONE, interval, orderId: mine.orderId }]).catch(() => ({ details: undefined }))).details;
    };
    expect((await awardOf(sellersA[0]))?.quantityWh).toBe(1500);
    expect((await awardOf(sellersA[1]))?.quantityWh).toBe(1000);
    expect(await awardOf(sellersA[2])).toBeUndefined();
    expect((await awardOf(sellerB))?.quantityWh).toBe(2000);
    // Buyers on fb: fb sold 2000 Wh to its own buyers, but all of it from sellerB alone: a local rate would tell the
    // buyers that lone seller's award (1500 + 500 + 0 local Wh), so none is local and all pay 4 per kWh (review R2).
    // The rule with and without the local rate: test/adversarial/review-r2-grid-local-fee.test.ts.
    const grids: Record<string, unknown>[] = [];
    for (const b of buyers) {
      const award = await awardOf(b);
      expect(award).toMatchObject({ quantityWh: 1500, grid: { feeder: 'fb', feePerKwh: 4, localFeePerKwh: 1, feeAccount: fx.cast.dso.pseudonym } });
      const grid = award!.grid as { localWh: number; fee: number };
      expect(grid.fee).toBe(grid.localWh * 1 + (1500 - grid.localWh) * 4);
      buyerFee.set(b.pseudonym, grid.fee);
      grids.push(grid);
    }
    expect(grids.map((g) => g.localWh)).toEqual([0, 0, 0]);
  });

  it('settlement pays the fee to the DSO, charges the seller that exported beyond the envelope, and conserves tokens', async () => {
    const everyone = [...sellersA, sellerB, ...buyers];
    const before = new Map<string, Balance>();
    for (const t of everyone) before.set(t.pseudonym, await fx.balance(t));
    const dsoBefore = await fx.balance(fx.cast.dso);
    const operatorBefore = await fx.balance(fx.cast.marketOperator);

    setClock(start + INTERVAL + MINUTE);
    // fa exports 1500 + 1900 + 0 = 3400 Wh metered against its 2500 Wh envelope: 900 Wh over. sellersA[1] exported
    // 900 Wh beyond its 1000 Wh award: it is charged for 900 Wh at the default 1000 per kWh = 900,000 units, capped at
    // its credit (1000 Wh × 28 = 28,000).
    await fx.reading(sellersA[0].meterId, start, 0, 1500);
    await fx.reading(sellersA[1].meterId, start, 0, 1900);
    await fx.reading(sellersA[2].meterId, start, 0, 0);
    await fx.reading(sellerB.meterId, start, 0, 2000);
    for (const b of buyers) await fx.reading(b.meterId, start, 1500, 0);
    await expectRefused(fx.net, () => fx.net.submit(sellersA[0].identity, TX.Settlement.SettleInterval, [{ market: 'RETAIL', zone: ZONE, interval }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }), 'FORBIDDEN');
    const summary = await fx.settle('RETAIL', ZONE, interval);
    expect(summary).not.toHaveProperty('gridFees'); // grid totals are in the operator's and the regulator's details
    const settlement = await fx.net.evaluate<{ details: Record<string, unknown> }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [{ market: 'RETAIL', zone: ZONE, interval }]);
    expect(settlement.details).toMatchObject({ gridFees: 3 * 1500 * 4, envelopeCharged: 28_000, envelopeViolationWh: '900', envelopeUnpaid: String(900_000 - 28_000) });

    const delta = async (t: { pseudonym: string; identity: Trader['identity'] }, was: Balance) => {
      const now = await fx.balance(t as Trader);
      return now.available + now.escrowed - (was.available + was.escrowed);
    };
    const dsoGain = await delta(fx.cast.dso, dsoBefore);
    expect(dsoGain).toBe(18_000 + 28_000);
    // Each buyer paid price × 1500 + its fee.
    for (const b of buyers) expect(await delta(b, before.get(b.pseudonym)!)).toBe(-(28 * 1500 + buyerFee.get(b.pseudonym)!));
    expect(await delta(sellersA[0], before.get(sellersA[0].pseudonym)!)).toBe(28 * 1500);
    expect(await delta(sellersA[1], before.get(sellersA[1].pseudonym)!)).toBe(0);
    // Conservation: what buyers paid = what sellers received + the balancing account + the DSO.
    let sum = 0;
    for (const t of everyone) sum += await delta(t, before.get(t.pseudonym)!);
    sum += dsoGain + (await delta(fx.cast.marketOperator, operatorBefore));
    expect(sum).toBe(0);
    // Nothing stays locked.
    for (const b of buyers) expect((await fx.balance(b)).escrowed).toBe(0);
  });

  it('an envelope cannot change a cleared interval: not with a backdated timestamp, not endorsed before the clearing and committed after it', async () => {
    const next = start + 4 * INTERVAL;
    const slotInterval = new Date(next).toISOString();
    const envelope = (exportLimitWh: number) => [{ envelopes: [{ nodeId: 'fa', interval: slotInterval, importLimitWh: null, exportLimitWh }] }];
    setClock(next - 30 * MINUTE);
    await fx.net.submit(dso(), TX.Grid.PublishEnvelopes, envelope(1000));
    await fx.placeOrder(sellersA[0], ZONE, slotInterval, 'SELL', 10, 1500);
    await fx.placeOrder(buyers[0], ZONE, slotInterval, 'BUY', 30, 1500);
    // A revision endorsed while the gate is open, held back, and committed after the clearing: MVCC refuses it.
    const late = await fx.net.endorse(dso(), TX.Grid.PublishEnvelopes, envelope(5000));
    setClock(next - 4 * MINUTE);
    await fx.clear(ZONE, slotInterval);
    const full = await fx.net.evaluate<{ details: { volumeWh: number; binding: unknown[] } }>(fx.cast.regulator.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval: slotInterval }]);
    expect(full.details).toMatchObject({ volumeWh: 1000, binding: [{ node: 'fa', direction: 'EXPORT', limitWh: 1000 }] });
    await expect(fx.net.fabric.commit(late)).rejects.toThrow(/MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/);
    // A client that backdates its transaction to before the gate is refused too: the clearing's result exists.
    setClock(next - 30 * MINUTE);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishEnvelopes, envelope(5000)), 'RULE_VIOLATION', /already cleared/);
    await expectRefused(fx.net, () => fx.net.submit(dso(), TX.Grid.PublishTariffs, [{ tariffs: [{ zone: ZONE, interval: slotInterval, feePerKwh: 0, localFeePerKwh: 0 }] }]), 'RULE_VIOLATION', /already cleared/);
    const listed = await fx.net.evaluate<{ exportLimitWh: number; revision: number }[]>(buyers[0].identity, TX.Grid.ListEnvelopes, [{ zone: ZONE, interval: slotInterval }]);
    expect(listed).toEqual([expect.objectContaining({ exportLimitWh: 1000, revision: 1 })]);
  });

  it('a slot without envelope or tariff clears exactly as before (no grid fields)', async () => {
    const next = start + 8 * INTERVAL;
    const other = new Date(next).toISOString();
    setClock(next - 30 * MINUTE);
    await fx.placeOrder(sellersA[0], ZONE, other, 'SELL', 10, 1000);
    await fx.placeOrder(buyers[0], ZONE, other, 'BUY', 30, 1000);
    setClock(next - 4 * MINUTE);
    const result = await fx.clear(ZONE, other);
    expect(result).not.toHaveProperty('binding');
    expect(result).not.toHaveProperty('gridFees');
    expect(result.price).toBe(20);
    void UTILITY;
  });
});
