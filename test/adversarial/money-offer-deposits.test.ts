/**
 * Attacks on the offer deposit and the reference-price shortfall charge (docs/adr/0011) on the embedded runtime:
 * a double use of funds by concurrent placements, a deposit returned twice (cancel + clearing, clearing + settlement,
 * a cancel endorsed before the clearing and committed after it), governance changed between placement and
 * settlement (the deposit sized under one config and the charge under another), the reference price and factor at
 * their bounds, splitting an offer into many small ones, and a seller that is also the buyer. In every case tokens
 * are conserved exactly, no deposit stays locked and no seller gets back more than it locked.
 */
import { GRID, UTILITY, expectRefused, outcome } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../chaincode/market/fixture';
import { slotsAfter } from '../chaincode/market/slots';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
/** Reference 20 per kWh, factor 1.5, a full deposit, 500 Wh per meter and interval free: 30 tokens per Wh beyond it. */
const INTEGRITY = { imbalanceReferencePrice: 20, imbalanceFactorPermille: 1500, offerDepositPermille: 1000, offerDepositFreeWh: 500 };
const depositOf = (wh: number) => 30 * wh;

describe('adversarial: offer deposits and the reference-price shortfall charge', () => {
  let fx: MarketFixture;
  let slot: () => { at: number; interval: string };
  let seq = 0;

  beforeAll(async () => {
    fx = await MarketFixture.start({ ...INTEGRITY, settlementDeadlineMinutes: 1, minPublicGroupSize: 1 });
    slot = slotsAfter(Date.now());
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const seller = async (tokens: number) => {
    const s = await fx.prosumer(`dep-s${++seq}`);
    if (tokens > 0) await fx.mint(s, tokens);
    return s;
  };
  const buyer = (tokens: number) => fx.consumer(`dep-b${++seq}`, ZONE, tokens);
  const sellBody = (meterId: string, assetId: string, price: number, quantityWh: number) => ({ side: 'SELL', price, quantityWh, assetId, meterId, salt: salt() });
  const endorseOffer = (s: Trader, interval: string, meterId: string, assetId: string, price: number, quantityWh: number) =>
    fx.net.endorse(s.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval }], { transient: { order: JSON.stringify(sellBody(meterId, assetId, price, quantityWh)) } });
  const cancel = (s: Trader, interval: string, orderId: string) => fx.net.submit(s.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId }]);
  /** Σ available + escrowed over `actors`, exact. */
  const holdings = async (actors: readonly Trader[]) => {
    let sum = 0n;
    for (const a of [...actors, fx.cast.marketOperator]) {
      const b = await fx.balance(a as Trader);
      sum += BigInt(b.available) + BigInt(b.escrowed);
    }
    return sum;
  };
  const updateConfig = async (patch: Record<string, unknown>) => fx.net.submit(await fx.net.admin(GRID), TX.Governance.UpdateConfig, [patch]);
  /** Runs `body` with governance patched by `patch`, and patched back by `restore` after it, whatever it does. */
  const withConfig = async (patch: Record<string, unknown>, restore: Record<string, unknown>, body: () => Promise<void>) => {
    try {
      await updateConfig(patch);
      await body();
    } finally {
      await updateConfig(restore);
    }
  };
  /** Two sellers with 200,000 tokens each (one to offer whole, one split) and a buyer with 1,000,000; their holdings. */
  const wholeSplitBuyer = async () => {
    const whole = await seller(200_000);
    const split = await seller(200_000);
    const b = await buyer(1_000_000);
    const actors = [whole, split, b];
    return { whole, split, b, actors, total: await holdings(actors) };
  };
  /** Clears the retail slot starting at `at` 4 minutes before it starts (before gate closure). */
  const clearAtGate = (at: number, interval: string) => {
    setClock(at - 4 * MINUTE);
    return fx.clear(ZONE, interval);
  };
  /** After the slot: each meter's reading [meterId, importedWh, exportedWh], in order, then the slot settled. */
  const deliverAndSettle = async (at: number, interval: string, readings: readonly (readonly [string, number, number])[]) => {
    setClock(at + INTERVAL + 2 * MINUTE);
    for (const [meterId, importedWh, exportedWh] of readings) await fx.reading(meterId, at, importedWh, exportedWh);
    await fx.settle('RETAIL', ZONE, interval);
  };

  it('two deposit-backed offers on two meters endorsed against one balance: only one commits (no double use of funds)', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(depositOf(1000) + 40); // covers one 1,500 Wh offer's deposit, not two
    const meter2 = await fx.asset(s, 'meter', ZONE);
    const pv2 = await fx.asset(s, 'pv', ZONE);
    const first = await endorseOffer(s, interval, s.meterId, s.pvId!, 0, 1500);
    const second = await endorseOffer(s, interval, meter2, pv2, 0, 1500);
    await fx.net.fabric.commit(first);
    expect(await outcome(fx.net.fabric.commit(second))).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', second.txId)?.validationCode).toMatch(/PHANTOM_READ_CONFLICT|MVCC_READ_CONFLICT/);
    expect(await fx.balance(s)).toMatchObject({ available: 40, escrowed: depositOf(1000) });
    // A transfer out endorsed against the same balance as an offer's deposit: one of them loses.
    const other = await buyer(0);
    const third = await endorseOffer(s, interval, meter2, pv2, 0, 500); // within meter2's allowance: no deposit, no debit
    const transfer = await fx.net.endorse(s.identity, TX.Tokens.Transfer, [{ to: other.pseudonym }], { transient: { movement: JSON.stringify({ amount: 40, salt: salt() }) } });
    const fourth = await endorseOffer(s, interval, s.meterId, s.pvId!, 0, 1); // 1 Wh beyond: deposit 30 of the same 40
    await fx.net.fabric.commit(third);
    await fx.net.fabric.commit(transfer);
    expect(await outcome(fx.net.fabric.commit(fourth))).not.toBe('OK');
    expect(await fx.balance(s)).toMatchObject({ available: 0, escrowed: depositOf(1000) });
    expect(fx.net.fabric.txStatus('energy', fourth.txId)?.validationCode).toMatch(/PHANTOM_READ_CONFLICT|MVCC_READ_CONFLICT/);
    expect(await fx.balance(other)).toMatchObject({ available: 40 });
  });

  it('two offers on one meter, each within the free allowance, endorsed together: the second is refused and re-placed with its deposit', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(100_000);
    // Neither takes a deposit alone, so no token read stops them: the meter's offer total does.
    const first = await endorseOffer(s, interval, s.meterId, s.pvId!, 0, 400);
    const second = await endorseOffer(s, interval, s.meterId, s.pvId!, 0, 400);
    await fx.net.fabric.commit(first);
    expect(await outcome(fx.net.fabric.commit(second))).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', second.txId)?.validationCode).toMatch(/MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/);
    expect(await fx.balance(s)).toMatchObject({ available: 100_000, escrowed: 0 });
    // Retried against the new total, 300 of its 400 Wh are beyond the allowance.
    await fx.placeOrder(s, ZONE, interval, 'SELL', 0, 400);
    expect(await fx.balance(s)).toMatchObject({ available: 100_000 - depositOf(300), escrowed: depositOf(300) });
  });

  it('a deposit is returned once: not again by a cancel after the clearing, nor by a cancel endorsed before it and committed after', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(200_000);
    const b = await buyer(100_000);
    const actors = [s, b];
    const total = await holdings(actors);
    const unawarded = await fx.placeOrder(s, ZONE, interval, 'SELL', 50, 2500); // dearer than the bid: wins nothing
    const lateCancel = await fx.net.endorse(s.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: unawarded.orderId }]);
    await fx.placeOrder(b, ZONE, interval, 'BUY', 10, 1000);
    await clearAtGate(at, interval);
    expect(await fx.balance(s)).toMatchObject({ available: 200_000, escrowed: 0 });
    await expect(fx.net.fabric.commit(lateCancel)).rejects.toThrow(/MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/);
    await expectRefused(fx.net, () => cancel(s, interval, unawarded.orderId), 'RULE_VIOLATION', /no longer be cancelled/);
    // Backdated to before the gate: the clearing's result refuses it.
    setClock(at - 30 * MINUTE);
    await expectRefused(fx.net, () => cancel(s, interval, unawarded.orderId), 'RULE_VIOLATION', /already cleared/);
    setClock(at + INTERVAL + 2 * MINUTE);
    await fx.settle('RETAIL', ZONE, interval);
    await expectRefused(fx.net, () => fx.settle('RETAIL', ZONE, interval), 'CONFLICT', /already settled/);
    // Past the settlement deadline a cleared interval is not "abandoned": the cancel stays refused.
    setClock(at + INTERVAL + 30 * MINUTE);
    await expectRefused(fx.net, () => cancel(s, interval, unawarded.orderId), 'RULE_VIOLATION', /already cleared/);
    expect(await fx.balance(s)).toMatchObject({ available: 200_000, escrowed: 0 });
    expect(await holdings(actors)).toBe(total);
  });

  it('an awarded seller cannot be erased before settlement, so its deposit cannot leave with it', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(100_000);
    const b = await buyer(100_000);
    await fx.placeOrder(s, ZONE, interval, 'SELL', 0, 1500);
    await fx.placeOrder(b, ZONE, interval, 'BUY', 10, 1500);
    await clearAtGate(at, interval);
    const erase = () => fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: s.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    await expectRefused(fx.net, erase, 'RULE_VIOLATION', /not settled|OPEN_ORDERS|have not settled/);
    expect(await fx.balance(s)).toMatchObject({ escrowed: depositOf(1000) });
    await deliverAndSettle(at, interval, [
      [s.meterId, 0, 0],
      [b.meterId, 1500, 0],
    ]);
    // 1,500 Wh short at max(0, 20) × 1.5 = 45,000: 30,000 from the deposit (all of it), 15,000 unpaid (the free 500 Wh).
    expect(await fx.balance(s)).toEqual({ account: s.pseudonym, available: 70_000, escrowed: 0 });
  });

  it('governance raised to its bounds between placement and settlement: the charge never takes more than was locked', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(100_000);
    const b = await buyer(1_000_000);
    const actors = [s, b];
    const total = await holdings(actors);
    await fx.placeOrder(s, ZONE, interval, 'SELL', 1, 2500); // deposit for 2,000 Wh: 60,000
    await fx.placeOrder(b, ZONE, interval, 'BUY', 100, 2500);
    expect(await fx.balance(s)).toMatchObject({ available: 40_000, escrowed: 60_000 });
    await withConfig({ imbalanceReferencePrice: 1_000_000, imbalanceFactorPermille: 100_000 }, { imbalanceReferencePrice: INTEGRITY.imbalanceReferencePrice, imbalanceFactorPermille: INTEGRITY.imbalanceFactorPermille }, async () => {
      const cleared = await clearAtGate(at, interval);
      expect(cleared.price).toBeGreaterThanOrEqual(1);
      await deliverAndSettle(at, interval, [
        [s.meterId, 0, 1000], // 1,500 Wh short
        [b.meterId, 2500, 0],
      ]);
      const settled = await fx.net.evaluate<{ details: { imbalanceUnpaid: string; imbalanceCharged: number } }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [{ market: 'RETAIL', zone: ZONE, interval }]);
      // The seller's charge: ⌈10^6 × 1,500 × 100⌉ = 1.5 × 10^11, of which its credit (p × 1,000) and its 60,000 are taken.
      const p = BigInt(cleared.price!);
      const due = 1_000_000n * 1500n * 100n;
      const taken = p * 1000n + 60_000n;
      // The buyer's imported 2,500 of 2,500: no imbalance on its side.
      expect(BigInt(settled.details.imbalanceUnpaid)).toBe(due - taken);
      expect(settled.details.imbalanceCharged).toBe(Number(taken));
      expect(await fx.balance(s)).toMatchObject({ available: 40_000, escrowed: 0 });
      expect((await fx.balance(b)).escrowed).toBe(0);
      expect(await holdings(actors)).toBe(total);
    });
  });

  it('deposits switched off between placement and clearing: a held deposit is still returned or drawn, never stranded', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(200_000);
    const b = await buyer(1_000_000);
    const actors = [s, b];
    const total = await holdings(actors);
    await fx.placeOrder(s, ZONE, interval, 'SELL', 5, 1500); // deposit 30,000
    await fx.placeOrder(s, ZONE, interval, 'SELL', 90, 1000); // deposit 30,000, wins nothing
    await fx.placeOrder(b, ZONE, interval, 'BUY', 10, 1500);
    expect(await fx.balance(s)).toMatchObject({ available: 140_000, escrowed: 60_000 });
    await withConfig({ imbalanceReferencePrice: 0, offerDepositPermille: 0, offerDepositFreeWh: 0 }, { imbalanceReferencePrice: INTEGRITY.imbalanceReferencePrice, offerDepositPermille: INTEGRITY.offerDepositPermille, offerDepositFreeWh: INTEGRITY.offerDepositFreeWh }, async () => {
      const p = (await clearAtGate(at, interval)).price!;
      expect(p).toBe(7); // ⌊(5 + 10) / 2⌋
      expect(await fx.balance(s)).toMatchObject({ available: 170_000, escrowed: 30_000 });
      await deliverAndSettle(at, interval, [
        [s.meterId, 0, 500], // 1,000 Wh short, now priced at the clearing price alone
        [b.meterId, 1500, 0],
      ]);
      // Credit 7 × 500 = 3,500; charge ⌈7 × 1,000 × 1.5⌉ = 10,500: 3,500 from the credit, 7,000 from the deposit.
      expect(await fx.balance(s)).toMatchObject({ available: 200_000 - 1000 * p, escrowed: 0 });
      expect((await fx.balance(b)).escrowed).toBe(0);
      expect(await holdings(actors)).toBe(total);
    });
  });

  it('splitting an offer into many small ones neither lowers the deposit nor the charge, and returns no more than it locked', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const { whole, split, b, actors, total } = await wholeSplitBuyer();
    await fx.placeOrder(whole, ZONE, interval, 'SELL', 0, 3000);
    // The split seller takes its free allowance first, then stamps its deposit-backed offers earlier (a client picks
    // its proposal's timestamp, and can grind its transaction id), so they come first in the meter's allocation.
    setClock(at - 20 * MINUTE);
    await fx.placeOrder(split, ZONE, interval, 'SELL', 0, 500);
    setClock(at - 30 * MINUTE);
    for (let i = 0; i < 5; i++) await fx.placeOrder(split, ZONE, interval, 'SELL', 0, 500);
    expect((await fx.balance(whole)).escrowed).toBe(depositOf(2500));
    expect((await fx.balance(split)).escrowed).toBe(depositOf(2500));
    await fx.placeOrder(b, ZONE, interval, 'BUY', 10, 6000);
    const p = (await clearAtGate(at, interval)).price!;
    expect(p).toBe(5); // supply meets demand at every price in [0, 10]
    await deliverAndSettle(at, interval, [
      [whole.meterId, 0, 500],
      [split.meterId, 0, 500], // the first (free) offer's 500 Wh delivered, the rest not
      [b.meterId, 6000, 0],
    ]);
    // Both fell 2,500 Wh short: charge ⌈max(5, 20) × 2,500 × 1.5⌉ = 75,000 (per award for the split seller: 5 ×
    // 15,000), taken from the 500 Wh credit (whole) and the deposits; the split seller's delivered 500 Wh are its free
    // offer's (earliest first), so its deposit-backed offers carry the shortfall. Both end at the same balance.
    expect(await fx.balance(whole)).toMatchObject({ available: 125_000 + 500 * p, escrowed: 0 });
    expect(await fx.balance(split)).toMatchObject({ available: 125_000 + 500 * p, escrowed: 0 });
    expect(await holdings(actors)).toBe(total);
  });

  // A split seller (a free offer plus two 1,000 Wh offers, one delivered in full and one not at all) against the same
  // energy in one offer: at every deposit rate both post the same deposit and end at the same balance. Both fall
  // 1,000 Wh short: due ⌈20 × 1,000 × 1.5⌉ = 30,000.
  it.each([
    {
      // Half the worst case: 15 tokens per Wh beyond the allowance. Each posted 30,000, which covers the charge: the
      // whole offer pays it from its credit (1,500 × 5) and its deposit; the split seller's delivered offer's deposit
      // covers the undelivered one's charge as it would in one offer.
      permille: 500,
      deposit: 30_000,
      available: (p: number) => 200_000 - 30_000 + 1500 * p,
      title: 'with a partial deposit (500 permille), splitting an offer does not leave its delivered parts’ deposits out of the charge',
    },
    {
      // 7.5 tokens per Wh beyond the allowance: the whole offer pays from its credit (1,500 × 5) and its 15,000 deposit,
      // 7,500 unpaid. The split seller's undelivered offer earned nothing, but the seller did: the same 22,500 is taken.
      permille: 250,
      deposit: 15_000,
      available: () => 200_000 - 15_000,
      title: 'with a deposit short of the charge (250 permille), a split seller’s delivered parts’ credit pays it as the unsplit offer’s does',
    },
  ])('$title', async ({ permille, deposit, available }) => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const { whole, split, b, actors, total } = await wholeSplitBuyer();
    await withConfig({ offerDepositPermille: permille }, { offerDepositPermille: INTEGRITY.offerDepositPermille }, async () => {
      await fx.placeOrder(whole, ZONE, interval, 'SELL', 0, 2500); // 2,000 Wh beyond the allowance
      await fx.placeOrder(split, ZONE, interval, 'SELL', 0, 500); // free
      await fx.placeOrder(split, ZONE, interval, 'SELL', 0, 1000);
      await fx.placeOrder(split, ZONE, interval, 'SELL', 0, 1000);
      expect((await fx.balance(whole)).escrowed).toBe(deposit);
      expect((await fx.balance(split)).escrowed).toBe(deposit);
      await fx.placeOrder(b, ZONE, interval, 'BUY', 10, 5000);
      const p = (await clearAtGate(at, interval)).price!;
      expect(p).toBe(5);
      await deliverAndSettle(at, interval, [
        [whole.meterId, 0, 1500],
        [split.meterId, 0, 1500],
        [b.meterId, 5000, 0],
      ]);
      expect(await fx.balance(whole)).toMatchObject({ available: available(p), escrowed: 0 });
      expect(await fx.balance(split)).toMatchObject({ available: available(p), escrowed: 0 });
      expect(await holdings(actors)).toBe(total);
    });
  });

  it('a seller that is also the buyer gains nothing from a wash trade at 0 it never delivers', async () => {
    const { at, interval } = slot();
    setClock(at - 30 * MINUTE);
    const s = await seller(500_000);
    const actors = [s];
    const total = await holdings(actors);
    await fx.placeOrder(s, ZONE, interval, 'SELL', 0, 2500);
    await fx.placeOrder(s, ZONE, interval, 'BUY', 1, 2500);
    expect((await clearAtGate(at, interval)).price).toBe(0);
    setClock(at + INTERVAL + 2 * MINUTE);
    await fx.reading(s.meterId, at, 2500, 0); // imports what it "bought", exports nothing
    const operator = await fx.balance(fx.cast.marketOperator);
    await fx.settle('RETAIL', ZONE, interval);
    // Short 2,500 Wh at the reference: ⌈20 × 2,500 × 1.5⌉ = 75,000, of which the deposit (2,000 Wh: 60,000) pays.
    expect(await fx.balance(s)).toMatchObject({ available: 440_000, escrowed: 0 });
    expect((await fx.balance(fx.cast.marketOperator)).available).toBe(operator.available + 60_000);
    expect(await holdings(actors)).toBe(total);
  });
});
