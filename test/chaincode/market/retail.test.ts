import { merkleRoot, verifyMerkleProof, type MerkleProofStep } from '../../../chaincode/src/settlement/merkle';
import { GRID, expectRefused, outcome, type EndorsedTx } from '../support';
import { MarketFixture, OTHER_ZONE, ZONE, salt, setClock, restoreClock, type Trader } from './fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

/**
 * One retail interval from order entry to attestation, on the embedded runtime, with the worked example of
 * clearing.test.ts as its order book: sellers 10/15/25 per kWh, buyers 30/20/12 → price 17, 4500 Wh.
 */
describe('retail P2P market: orders, gate closure, clearing, settlement, attestation', () => {
  let fx: MarketFixture;
  let s1: Trader, s2: Trader, s3: Trader, b1: Trader, b2: Trader, b3: Trader;
  let start: number;
  let interval: string;
  const orderIds: Record<string, string> = {};
  /** A bid endorsed before gate closure whose commit is held back until the interval is cleared. */
  let lateBid: EndorsedTx;

  beforeAll(async () => {
    // Governance: imbalance at 1.5 × the clearing price, 60 minutes for readings.
    // k = 1: this suite checks the clearing and settlement arithmetic on public totals of two buyers and two sellers;
    // the small-group rule (default k = 3) has its own suite, test/adversarial/money-small-groups.test.ts.
    fx = await MarketFixture.start({ imbalanceFactorPermille: 1500, settlementDeadlineMinutes: 60, minPublicGroupSize: 1 });
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
    [s1, s2, s3] = [await fx.prosumer('r-s1'), await fx.prosumer('r-s2'), await fx.prosumer('r-s3')];
    [b1, b2, b3] = [await fx.consumer('r-b1', ZONE, 100_000), await fx.consumer('r-b2', ZONE, 100_000), await fx.consumer('r-b3', ZONE, 100_000)];
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('accepts offers from prosumers with an active PV in the zone and bids escrowing their maximum cost', async () => {
    setClock(start - 30 * MINUTE);
    const place = async (key: string, t: Trader, side: 'BUY' | 'SELL', price: number, wh: number) => {
      orderIds[key] = (await fx.placeOrder(t, ZONE, interval, side, price, wh)).orderId;
    };
    await place('S1', s1, 'SELL', 10, 3000);
    await place('S2', s2, 'SELL', 15, 2000);
    await place('S3', s3, 'SELL', 25, 4000);
    await place('B1', b1, 'BUY', 30, 2000);
    await place('B2', b2, 'BUY', 20, 2500);
    await place('B3', b3, 'BUY', 12, 3000);
    expect(await fx.balance(b1)).toMatchObject({ available: 40_000, escrowed: 60_000 });

    const listed = await fx.net.evaluate<{ orderId: string; side: string; commitment: string }[]>(b3.identity, TX.RetailMarket.ListOrders, [{ zone: ZONE, interval }]);
    expect(listed).toHaveLength(6);
    // The public record carries a commitment, never the price, the quantity or the escrowed maximum cost.
    expect(JSON.stringify(listed)).not.toMatch(/"price"|quantityWh|escrow/);
    const order = await fx.net.evaluate<{ order: Record<string, unknown> }>(b1.identity, TX.RetailMarket.GetOrder, [{ zone: ZONE, interval, orderId: orderIds.B1 }]);
    expect(order.order).not.toHaveProperty('escrow');
  });

  it('shows an order body to its owner, the operator and the regulator only', async () => {
    const ref = [{ zone: ZONE, interval, orderId: orderIds.B1 }];
    expect(await fx.net.evaluate(b1.identity, TX.RetailMarket.GetOrder, ref)).toMatchObject({ details: { blocks: [{ price: 30, quantityWh: 2000 }] } });
    expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.RetailMarket.GetOrder, ref)).toHaveProperty('details');
    expect(await fx.net.evaluate(b2.identity, TX.RetailMarket.GetOrder, ref)).not.toHaveProperty('details');
  });

  it('refuses, each with its own error and without writing: wrong zone, no eligible asset, beyond balance, out of limits', async () => {
    const order = (t: Trader, body: Record<string, unknown>, zone = ZONE) => () =>
      fx.net.submit(t.identity, TX.RetailMarket.PlaceOrder, [{ zone, interval }], { transient: { order: JSON.stringify({ salt: salt(), ...body }) } });
    await expectRefused(fx.net, order(s1, { side: 'SELL', price: 10, quantityWh: 100, assetId: s1.pvId, meterId: s1.meterId }, OTHER_ZONE), 'RULE_VIOLATION', /zone/);
    await expectRefused(fx.net, order(s1, { side: 'SELL', price: 10, quantityWh: 100, assetId: s1.meterId, meterId: s1.meterId }), 'RULE_VIOLATION', /no eligible/);
    await expectRefused(fx.net, order(s1, { side: 'SELL', price: 10, quantityWh: 100, assetId: s2.pvId, meterId: s1.meterId }), 'RULE_VIOLATION', /another participant/);
    await expectRefused(fx.net, order(b1, { side: 'SELL', price: 10, quantityWh: 100, assetId: b1.meterId, meterId: b1.meterId }), 'FORBIDDEN', /PROSUMER/);
    const stranger = await fx.consumer('r-stranger', OTHER_ZONE, 1_000_000);
    await expectRefused(fx.net, order(stranger, { side: 'BUY', price: 10, quantityWh: 100, meterId: stranger.meterId }), 'RULE_VIOLATION', /zone/);
    await expectRefused(fx.net, order(b1, { side: 'BUY', price: 30, quantityWh: 2000, meterId: b1.meterId }), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, order(b1, { side: 'BUY', price: 10_001, quantityWh: 1, meterId: b1.meterId }), 'RULE_VIOLATION', /outside the market's limits/);
    await expectRefused(fx.net, order(b1, { side: 'BUY', price: 1.5, quantityWh: 1, meterId: b1.meterId }), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, () => fx.net.submit(b1.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval }]), 'INVALID_ARGUMENT', /transient/);
    await expectRefused(fx.net, () => fx.net.submit(b1.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval: '2026-11-23T21:07:00Z' }]), 'INVALID_ARGUMENT', /interval/);
    await expectRefused(fx.net, () => fx.clear(ZONE, interval), 'RULE_VIOLATION', /before gate closure/);
    expect(await fx.balance(b1)).toMatchObject({ available: 40_000, escrowed: 60_000 });
  });

  it('cancels an open order before gate closure and returns its escrow', async () => {
    const extra = await fx.placeOrder(b3, ZONE, interval, 'BUY', 5, 1000);
    // PlaceOrder's answer does not repeat what the bid locked.
    expect(extra).not.toHaveProperty('escrow');
    expect(extra).toMatchObject({ side: 'BUY', status: 'OPEN' });
    expect(await fx.balance(b3)).toMatchObject({ escrowed: 36_000 + 5000 });
    await expectRefused(fx.net, () => fx.net.submit(b2.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: extra.orderId }]), 'FORBIDDEN');
    await fx.net.submit(b3.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: extra.orderId }]);
    expect(await fx.balance(b3)).toMatchObject({ available: 64_000, escrowed: 36_000 });
    await expectRefused(fx.net, () => fx.net.submit(b3.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: extra.orderId }]), 'CONFLICT');
  });

  it('endorses a bid just before gate closure (its commit is held back until after clearing)', async () => {
    const order = { side: 'BUY', price: 20, quantityWh: 100, meterId: b2.meterId, salt: salt() };
    lateBid = await fx.net.endorse(b2.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval }], { transient: { order: JSON.stringify(order) } });
    expect(lateBid.txId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses orders and cancellations after gate closure', async () => {
    setClock(start - 5 * MINUTE);
    await expectRefused(fx.net, () => fx.placeOrder(b2, ZONE, interval, 'BUY', 20, 100), 'RULE_VIOLATION', /gate closure/);
    await expectRefused(fx.net, () => fx.net.submit(b1.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: orderIds.B1 }]), 'RULE_VIOLATION', /gate closure/);
  });

  it('clears at one uniform price with the hand-checked awards, once', async () => {
    setClock(start - 4 * MINUTE);
    await expectRefused(fx.net, () => fx.net.submit(b1.identity, TX.RetailMarket.ClearInterval, [{ zone: ZONE, interval }], { transient: { salt: salt() } }), 'FORBIDDEN');
    const result = await fx.clear(ZONE, interval);
    expect(result).toMatchObject({ price: 17, volumeWh: 4500, value: 76_500, buyOrders: 3, sellOrders: 3, awardedBuyOrders: 2, awardedSellOrders: 2 });
    expect(await fx.net.evaluate(b3.identity, TX.RetailMarket.GetResult, [{ zone: ZONE, interval }])).toMatchObject({ price: 17, volumeWh: 4500 });
    await expectRefused(fx.net, () => fx.clear(ZONE, interval), 'CONFLICT', /already cleared/);

    const award = (t: Trader, key: string) => fx.net.evaluate<{ details?: { quantityWh: number; amount: number } }>(t.identity, TX.RetailMarket.GetAward, [{ zone: ZONE, interval, orderId: orderIds[key] }]);
    expect((await award(b1, 'B1')).details).toMatchObject({ quantityWh: 2000, amount: 34_000, price: 17 });
    expect((await award(b2, 'B2')).details).toMatchObject({ quantityWh: 2500, amount: 42_500 });
    expect((await award(s1, 'S1')).details).toMatchObject({ quantityWh: 3000, amount: 51_000 });
    expect((await award(s2, 'S2')).details).toMatchObject({ quantityWh: 1500, amount: 25_500 });
    expect((await award(b2, 'B1')).details).toBeUndefined();
    expect(await outcome(award(b3, 'B3'))).toBe('NOT_FOUND');
    // B3 won nothing. Clearing moves no tokens: its escrow is held until the interval settles.
    expect(await fx.balance(b3)).toMatchObject({ available: 64_000, escrowed: 36_000 });
  });

  it('refuses a backdated order or cancellation once the interval is cleared, writing nothing', async () => {
    // The runtime stamps a proposal with the submitting process's clock, so moving it back is a client that backdates
    // its proposals to before gate closure. Cancelling B1 would release the escrow its award is settled from.
    setClock(start - 30 * MINUTE);
    const cancelB1 = () => fx.net.submit(b1.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: orderIds.B1 }]);
    await expectRefused(fx.net, cancelB1, 'RULE_VIOLATION', /interval already cleared/);
    await expectRefused(fx.net, () => fx.placeOrder(b3, ZONE, interval, 'BUY', 20, 100), 'RULE_VIOLATION', /interval already cleared/);
    await expectRefused(fx.net, () => fx.placeOrder(s3, ZONE, interval, 'SELL', 1, 100), 'RULE_VIOLATION', /interval already cleared/);
    expect(await fx.balance(b1)).toMatchObject({ available: 40_000, escrowed: 60_000 });
    expect(await fx.balance(b3)).toMatchObject({ available: 64_000, escrowed: 36_000 });
  });

  it('invalidates a bid endorsed before clearing that reaches the orderer after it (MVCC on the result key)', async () => {
    expect(await outcome(fx.net.fabric.commit(lateBid))).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', lateBid.txId)?.validationCode).toBe('MVCC_READ_CONFLICT');
    expect(await fx.balance(b2)).toMatchObject({ available: 50_000, escrowed: 50_000 });
    expect(await fx.net.evaluate<unknown[]>(b2.identity, TX.RetailMarket.ListOrders, [{ zone: ZONE, interval }])).toHaveLength(7);
  });

  it('refuses settlement before the interval ends, and while readings are missing before the deadline', async () => {
    setClock(start + 10 * MINUTE);
    await expectRefused(fx.net, () => fx.settle('RETAIL', ZONE, interval), 'RULE_VIOLATION', /has not ended/);
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(s1.meterId, start, 0, 3200); // over-delivers by 200 Wh
    await fx.reading(b1.meterId, start, 1500, 0); // takes 500 Wh less than bought
    await fx.reading(b2.meterId, start, 2500, 0); // exactly as bought
    // S2 has not reported yet.
    await expectRefused(fx.net, () => fx.settle('RETAIL', ZONE, interval), 'RULE_VIOLATION', /reading\(s\) still missing/);
  });

  let settledRoot = '';
  let settleTxId = '';

  it('settles after the deadline, a missing reading counting as nothing delivered, paying from escrow', async () => {
    setClock(start + INTERVAL + 61 * MINUTE);
    const before = { s1: await fx.balance(s1), s2: await fx.balance(s2), op: await fx.balance(fx.cast.marketOperator) };
    const summary = await fx.settle('RETAIL', ZONE, interval);
    settledRoot = summary.merkleRoot;
    expect(summary).toMatchObject({ recordCount: 4, missingReadings: 1, readingsComplete: false, price: 17 });
    // B1: 1500 Wh × 17 = 25 500 + imbalance ⌈500 × 17 × 1.5⌉ = 12 750; 60 000 escrowed → 21 750 back.
    expect(await fx.balance(b1)).toEqual({ account: b1.pseudonym, available: 40_000 + 21_750, escrowed: 0 });
    // B2: 2500 × 17 = 42 500 of 50 000 → 7 500 back.
    expect(await fx.balance(b2)).toMatchObject({ available: 50_000 + 7_500, escrowed: 0 });
    // B3 won nothing: settlement returns its whole escrow.
    expect(await fx.balance(b3)).toEqual({ account: b3.pseudonym, available: 100_000, escrowed: 0 });
    // S1 delivered its 3000 Wh award (the 200 Wh excess is not bought): 51 000.
    expect((await fx.balance(s1)).available - before.s1.available).toBe(51_000);
    // S2 delivered nothing: no payment, imbalance ⌈1500 × 17 × 1.5⌉ = 38 250 uncollectable from zero proceeds.
    expect((await fx.balance(s2)).available - before.s2.available).toBe(0);
    // Pool: 38 250 + 42 500 in, 51 000 out → 29 750 to the balancing account (the settling operator).
    expect((await fx.balance(fx.cast.marketOperator)).available - before.op.available).toBe(29_750);
    const events = fx.net.fabric.events('energy', { fromBlock: 0 });
    for await (const event of events) {
      if (event.eventName !== 'SettlementCompleted') continue;
      const payload = JSON.parse(event.payload.toString('utf8'));
      expect(payload).toEqual({ channel: 'energy', market: 'RETAIL', zone: ZONE, interval, merkleRoot: settledRoot, recordCount: 4, txId: event.txId });
      settleTxId = event.txId;
      break;
    }
    events.close();
    expect(settleTxId).not.toBe('');
  });

  it('is idempotent: a second settlement is refused and moves nothing', async () => {
    await expectRefused(fx.net, () => fx.settle('RETAIL', ZONE, interval), 'CONFLICT', /already settled/);
  });

  it("lets the regulator verify one participant's settled record against the Merkle root", async () => {
    const ref = [{ market: 'RETAIL', zone: ZONE, interval, orderId: orderIds.B1 }];
    const view = await fx.net.evaluate<{ details?: Record<string, unknown> }>(fx.cast.regulator.identity, TX.Settlement.GetRecord, ref);
    expect(view.details).toMatchObject({ deliveredWh: 1500, energyAmount: 25_500, imbalanceCharged: 12_750, escrowReleased: 21_750 });
    const proof = await fx.net.evaluate<{ proof: MerkleProofStep[]; merkleRoot: string }>(b2.identity, TX.Settlement.GetProof, ref);
    expect(proof.merkleRoot).toBe(settledRoot);
    expect(verifyMerkleProof(view.details, proof.proof, settledRoot)).toBe(true);
    expect(verifyMerkleProof({ ...view.details, energyAmount: 1 }, proof.proof, settledRoot)).toBe(false);
    // Another consumer sees the public leaf hash but not the record.
    expect(await fx.net.evaluate(b2.identity, TX.Settlement.GetRecord, ref)).not.toHaveProperty('details');
    expect(await fx.net.evaluate(b3.identity, TX.Settlement.GetSettlement, [{ market: 'RETAIL', zone: ZONE, interval }])).toMatchObject({ merkleRoot: settledRoot });
  });

  it('clears and settles an interval without orders: no price, no records, the empty Merkle root', async () => {
    const empty = await fx.clear(OTHER_ZONE, interval);
    expect(empty).toMatchObject({ price: null, volumeWh: 0, buyOrders: 0, sellOrders: 0 });
    const summary = await fx.settle('RETAIL', OTHER_ZONE, interval);
    expect(summary).toMatchObject({ recordCount: 0, merkleRoot: merkleRoot([]), balancingCredit: 0 });
  });

  it("anchors the root on the audit channel: the market operator org's admin attests once, the regulator reads, others are refused", async () => {
    const attestation = { sourceChannel: 'energy', market: 'RETAIL', zone: ZONE, interval, merkleRoot: settledRoot, recordCount: 4, sourceTxId: settleTxId };
    // The audit relay signs as the grid operator's admin; the market operator participant itself is not an org admin.
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.marketOperator.identity, TX.Audit.Attest, [attestation], { channel: 'audit' }), 'FORBIDDEN', /admin/);
    const op = fx.cast.admins[GRID];
    const first = await fx.net.submit<{ created: boolean }>(op, TX.Audit.Attest, [attestation], { channel: 'audit' });
    expect(first.created).toBe(true);
    const again = await fx.net.submit<{ created: boolean }>(op, TX.Audit.Attest, [attestation], { channel: 'audit' });
    expect(again.created).toBe(false);
    await expectRefused(fx.net, () => fx.net.submit(op, TX.Audit.Attest, [{ ...attestation, merkleRoot: 'a'.repeat(64) }], { channel: 'audit' }), 'CONFLICT');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.regulator.identity, TX.Audit.Attest, [attestation], { channel: 'audit' }), 'FORBIDDEN');
    const key = { sourceChannel: 'energy', market: 'RETAIL', zone: ZONE, interval };
    expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.Audit.GetAttestation, [key], { channel: 'audit' })).toMatchObject({ merkleRoot: settledRoot, attestedByMspId: GRID });
    expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.Audit.ListAttestations, [{ sourceChannel: 'energy' }], { channel: 'audit' })).toHaveLength(1);
    // A utility identity is not a member of the audit channel: the runtime refuses it before the chaincode runs.
    expect(await outcome(fx.net.evaluate(fx.cast.consumer.identity, TX.Audit.GetAttestation, [key], { channel: 'audit' }))).not.toBe('OK');
  });
});
