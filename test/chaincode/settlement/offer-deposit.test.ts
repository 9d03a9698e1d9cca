/**
 * Offer deposits and the reference imbalance price (docs/adr/0011), as pure arithmetic: market/deposit.ts sizes the
 * deposit, settlement/compute.ts draws a seller's shortfall charge from its credit and then its deposit.
 */
import fc from 'fast-check';
import { depositWh, offerDeposit, offerDepositExact, offerDepositPolicy, type OfferDepositPolicy } from '../../../chaincode/src/market/deposit';
import { allocateMetered, computeSettlement, imbalanceChargeExact, type MeteredAward, type SettlementAward } from '../../../chaincode/src/settlement/compute';
import { GridSettlement } from '../../../chaincode/src/settlement/grid-charges';
import type { EnvelopeRecord } from '../../../chaincode/src/market/grid-constraints';

describe('offer deposit sizing', () => {
  it('is off unless governance sets both a reference price and a deposit fraction', () => {
    expect(offerDepositPolicy({ imbalanceFactorPermille: 1000 })).toBeUndefined();
    expect(offerDepositPolicy({ imbalanceFactorPermille: 1000, imbalanceReferencePrice: 20 })).toBeUndefined();
    expect(offerDepositPolicy({ imbalanceFactorPermille: 1000, offerDepositPermille: 1000 })).toBeUndefined();
    expect(offerDepositPolicy({ imbalanceFactorPermille: 1500, imbalanceReferencePrice: 20, offerDepositPermille: 500 })).toEqual({
      referencePrice: 20,
      factorPermille: 1500,
      depositPermille: 500,
      freeWh: 0,
    });
  });

  it('charges the free allowance once per meter however an offer is split', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), fc.array(fc.integer({ min: 1, max: 5000 }), { maxLength: 12 }), (free, offers) => {
        let before = 0;
        let sum = 0;
        for (const added of offers) {
          const wh = depositWh(before, added, free);
          expect(wh).toBeGreaterThanOrEqual(0);
          expect(wh).toBeLessThanOrEqual(added);
          sum += wh;
          before += added;
        }
        expect(sum).toBe(Math.max(0, before - free));
      }),
      { numRuns: 500 },
    );
  });

  it('is the exact ceiling of ref × Wh × factor × fraction / 10^6, and refused beyond any balance', () => {
    const policyArb = fc.record({
      referencePrice: fc.integer({ min: 1, max: 1_000_000 }),
      factorPermille: fc.integer({ min: 1000, max: 100_000 }),
      depositPermille: fc.integer({ min: 1, max: 1000 }),
      freeWh: fc.constant(0),
    });
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 1_000_000_000 }), (policy: OfferDepositPolicy, wh) => {
        const exact = offerDepositExact(policy, wh);
        const raw = BigInt(policy.referencePrice) * BigInt(wh) * BigInt(policy.factorPermille) * BigInt(policy.depositPermille);
        expect(exact * 1_000_000n >= raw).toBe(true);
        expect((exact - 1n) * 1_000_000n < raw).toBe(true);
        // A full deposit (fraction 1000) is the worst-case shortfall charge at the reference price, to the token.
        if (policy.depositPermille === 1000) expect(exact).toBe(imbalanceChargeExact(policy.referencePrice, wh, policy.factorPermille));
        if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) expect(offerDeposit(policy, wh)).toBe(Number(exact));
        else expect(() => offerDeposit(policy, wh)).toThrow(/insufficient funds/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('settlement with offer deposits and a reference price', () => {
  it('prices the zero-price attack at the reference and collects it from the deposit (worked example)', () => {
    const awards: SettlementAward[] = [
      // The attacker forced price 0 and delivered nothing of 3,000 Wh; its deposit is 230,000.
      { orderId: 'a', participant: 'ATT', side: 'SELL', price: 0, awardedWh: 3000, deposit: 230_000, meteredWh: 0 },
      { orderId: 'b', participant: 'B', side: 'BUY', price: 0, awardedWh: 3000, escrow: 60_000, meteredWh: 3000 },
    ];
    const { records, totals, escrowConsumed } = computeSettlement(awards, 1000, 20);
    expect(records.find((r) => r.orderId === 'a')).toMatchObject({ imbalanceCharged: 60_000, imbalanceUnpaid: '0', escrowReleased: 170_000, netCredit: 0 });
    expect(escrowConsumed.get('a')).toBe(60_000);
    expect(totals.balancingCredit).toBe(60_000);
    // Without a reference price the same award costs nothing: the finding.
    expect(computeSettlement(awards, 1000).totals.imbalanceCharged).toBe(0);
  });

  it('takes a shortfall charge from the energy credit first, then the deposit, and records the rest unpaid', () => {
    // Price 30 > ref 20: the clearing price rules. 1000 of 2000 Wh delivered: credit 30,000, charge ⌈30 × 1000 × 1.5⌉ = 45,000.
    const [seller] = computeSettlement([{ orderId: 's', participant: 'S', side: 'SELL', price: 30, awardedWh: 2000, deposit: 10_000, meteredWh: 1000 }], 1500, 20).records;
    expect(seller).toMatchObject({ energyAmount: 30_000, imbalanceCharged: 40_000, imbalanceUnpaid: '5000', netCredit: 0, escrowReleased: 0 });
  });

  it('allocates a seller’s meter reading to its awards with less deposit per Wh first, whatever their timestamps or ids', () => {
    // One seller, one meter: a free 500 Wh offer (no deposit) stamped last, five deposit-backed ones stamped earlier.
    const free = { orderId: 'f', side: 'SELL' as const, awardedWh: 500, meterIds: ['m'], submittedAt: 2000 };
    const backed = [0, 1, 2, 3, 4].map((i) => ({ orderId: `d${i}`, side: 'SELL' as const, awardedWh: 500, meterIds: ['m'], submittedAt: 1000 + i, deposit: 15_000 }));
    const allocated = allocateMetered([...backed, free], () => 500);
    expect(allocated.get('f')).toBe(500);
    for (const b of backed) expect(allocated.get(b.orderId)).toBe(0);
    // The shortfall then sits on the deposits: 5 × ⌈20 × 500 × 1.5⌉ = 75,000, all collected.
    const all: MeteredAward[] = [free, ...backed];
    const { totals } = computeSettlement(
      all.map((a) => ({ orderId: a.orderId, participant: 'S', side: a.side, price: 0, awardedWh: a.awardedWh, deposit: a.deposit, meteredWh: allocated.get(a.orderId)! })),
      1500,
      20,
    );
    expect(totals).toMatchObject({ imbalanceCharged: 75_000, imbalanceUnpaid: '0' });
    // A straddling offer (part free) before a fully backed one; without deposits the order is submission, then id.
    const partial = allocateMetered(
      [
        { orderId: 'a', side: 'SELL', awardedWh: 1000, meterIds: ['m'], submittedAt: 1, deposit: 30_000 },
        { orderId: 'b', side: 'SELL', awardedWh: 1000, meterIds: ['m'], submittedAt: 2, deposit: 15_000 },
        { orderId: 'c', side: 'BUY', awardedWh: 1000, meterIds: ['m'], submittedAt: 2 },
        { orderId: 'd', side: 'BUY', awardedWh: 1000, meterIds: ['m'], submittedAt: 1 },
      ],
      () => 1200,
    );
    expect(Object.fromEntries(partial)).toEqual({ a: 200, b: 1000, c: 200, d: 1000 });
  });

  // Awards of a real clearing balance: each trade is one buy and one or two sells of the same total, at one price.
  const tradeArb = fc.record({
    quantity: fc.integer({ min: 1, max: 10_000 }),
    split: fc.integer({ min: 0, max: 10_000 }),
    headroom: fc.integer({ min: 0, max: 30 }),
    deposits: fc.array(fc.option(fc.integer({ min: 0, max: 2_000_000 }), { nil: undefined }), { minLength: 2, maxLength: 2 }),
    metered: fc.array(fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }), { minLength: 3, maxLength: 3 }),
    /** Which of three sellers placed each sell award: one seller often holds several awards (a split offer). */
    sellers: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  });
  const bookArb = fc.record({
    price: fc.integer({ min: 0, max: 100 }),
    reference: fc.integer({ min: 0, max: 200 }),
    factor: fc.integer({ min: 1000, max: 3000 }),
    trades: fc.array(tradeArb, { maxLength: 10 }),
  });

  it('conserves tokens, pays nobody twice, never charges beyond deposit + earnings and leaves no deposit locked', () => {
    fc.assert(
      fc.property(bookArb, ({ price, reference, factor, trades }) => {
        const awards: SettlementAward[] = [];
        trades.forEach((t, i) => {
          const first = Math.min(t.split, t.quantity);
          awards.push({ orderId: `b${i}`, participant: `pb${i}`, side: 'BUY', price, awardedWh: t.quantity, meteredWh: t.metered[0], escrow: (price + t.headroom) * t.quantity });
          if (first > 0) awards.push({ orderId: `s${i}a`, participant: `ps${t.sellers[0]}`, side: 'SELL', price, awardedWh: first, meteredWh: t.metered[1], deposit: t.deposits[0] });
          if (t.quantity - first > 0) awards.push({ orderId: `s${i}b`, participant: `ps${t.sellers[1]}`, side: 'SELL', price, awardedWh: t.quantity - first, meteredWh: t.metered[2], deposit: t.deposits[1] });
        });
        const { records, totals, escrowConsumed } = computeSettlement(awards, factor, reference);
        const byId = new Map(awards.map((a) => [a.orderId, a]));
        // One record per award, none twice.
        expect(records.map((r) => r.orderId).sort()).toEqual([...byId.keys()].sort());
        // Conservation: escrows and deposits in = releases + seller credits + the balancing account.
        const locked = awards.reduce((s, a) => s + BigInt(a.escrow ?? 0) + BigInt(a.deposit ?? 0), 0n);
        const out = records.reduce((s, r) => s + BigInt(r.side === 'BUY' ? r.netCredit : r.netCredit + r.escrowReleased), 0n) + BigInt(totals.balancingCredit);
        expect(out).toBe(locked);
        expect(totals.balancingCredit).toBeGreaterThanOrEqual(0);
        for (const r of records) {
          for (const v of [r.energyAmount, r.imbalanceCharged, r.escrowReleased, r.netCredit]) expect(Number.isSafeInteger(v) && v >= 0).toBe(true);
          expect(r.imbalanceUnpaid).toMatch(/^\d+$/);
          if (r.side !== 'SELL') continue;
          const deposit = byId.get(r.orderId)!.deposit ?? 0;
          // Nothing stays locked: the deposit is either consumed into the pool or released.
          expect((escrowConsumed.get(r.orderId) ?? 0) + r.escrowReleased).toBe(deposit);
          // The charge taken from the award's own credit is at most that credit.
          expect(r.netCredit).toBeLessThanOrEqual(r.energyAmount);
          // Charged + unpaid is the shortfall at max(clearing, reference) — never less than at the clearing price.
          const due = imbalanceChargeExact(Math.max(price, reference), r.shortfallWh, factor);
          expect(BigInt(r.imbalanceCharged) + BigInt(r.imbalanceUnpaid)).toBe(due);
          expect(due >= imbalanceChargeExact(price, r.shortfallWh, factor)).toBe(true);
          // A seller is never paid for energy it did not deliver.
          expect(r.netCredit).toBeLessThanOrEqual(price * r.deliveredWh);
        }
        // Per seller, its deposits and credits are one pool: no balance goes negative (charged ≤ earned + deposits), and
        // nothing returns to or is credited to a seller while one of its charges stays unpaid — however it split its offers.
        for (const participant of new Set(awards.filter((a) => a.side === 'SELL').map((a) => a.participant))) {
          const mine = records.filter((r) => r.side === 'SELL' && r.participant === participant);
          const deposits = mine.reduce((sum, r) => sum + BigInt(byId.get(r.orderId)!.deposit ?? 0), 0n);
          const charged = mine.reduce((sum, r) => sum + BigInt(r.imbalanceCharged), 0n);
          expect(charged <= mine.reduce((sum, r) => sum + BigInt(r.energyAmount), 0n) + deposits).toBe(true);
          const unpaid = mine.reduce((sum, r) => sum + BigInt(r.imbalanceUnpaid), 0n);
          const released = mine.reduce((sum, r) => sum + BigInt(r.escrowReleased), 0n);
          const credited = mine.reduce((sum, r) => sum + BigInt(r.netCredit), 0n);
          // A charge stays unpaid only once every deposit and every credit of the seller went into it.
          if (unpaid > 0n) expect([released, credited]).toEqual([0n, 0n]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('conserves tokens with grid fees and envelope charges too: deposits pay only the shortfall, the DSO only from credits and escrows', () => {
    const envelope = (exportLimitWh: number): EnvelopeRecord => ({
      zone: 'z1',
      interval: '2026-01-01T12:00:00.000Z',
      nodeId: 'fa',
      nodeKind: 'FEEDER',
      importLimitWh: null,
      exportLimitWh,
      publishedBy: 'dso-1',
      publisherMsp: 'GridMSP',
      signerCertSha256: '0'.repeat(64),
      publishedAt: '2026-01-01T00:00:00.000Z',
      txId: '1'.repeat(64),
      revision: 1,
    });
    const caseArb = fc.record({
      price: fc.integer({ min: 0, max: 200 }),
      reference: fc.integer({ min: 0, max: 300 }),
      feePerKwh: fc.integer({ min: 0, max: 50 }),
      violationPrice: fc.integer({ min: 0, max: 5000 }),
      factor: fc.integer({ min: 1000, max: 3000 }),
      slack: fc.option(fc.integer({ min: 0, max: 3000 }), { nil: null }),
      pairs: fc.array(
        fc.record({
          quantityWh: fc.integer({ min: 1, max: 3000 }),
          metered: fc.tuple(fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null }), fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null })),
          deposit: fc.option(fc.integer({ min: 1, max: 2_000_000 }), { nil: undefined }),
          headroom: fc.integer({ min: 0, max: 50 }),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(caseArb, (c) => {
        const awards = c.pairs.flatMap((p, i) => [
          { orderId: `b${i}`, side: 'BUY' as const, quantityWh: p.quantityWh, metered: p.metered[0], escrow: (c.price + c.feePerKwh + p.headroom) * p.quantityWh, deposit: undefined, grid: { feeder: 'fa', feePerKwh: c.feePerKwh, localFeePerKwh: 0, localWh: 0, fee: 0, feeAccount: 'dso-fees' } },
          { orderId: `s${i}`, side: 'SELL' as const, quantityWh: p.quantityWh, metered: p.metered[1], escrow: undefined, deposit: p.deposit, grid: { feeder: 'fa' } },
        ]);
        const sold = awards.filter((a) => a.side === 'SELL').reduce((sum, a) => sum + a.quantityWh, 0);
        const metered = new Map(awards.map((a) => [a.orderId, a.metered]));
        const grid = new GridSettlement('z1', awards, metered, c.slack === null ? [] : [envelope(sold + c.slack)], c.violationPrice);
        const applied = grid.apply(
          computeSettlement(
            awards.map((a) => ({ orderId: a.orderId, participant: `p-${a.orderId}`, side: a.side, price: c.price, awardedWh: a.quantityWh, escrow: grid.escrowFor(a.orderId, a.escrow), deposit: a.deposit, meteredWh: a.metered })),
            c.factor,
            c.reference,
          ),
        );
        const consumed = [...applied.escrowConsumed.values()].reduce((sum, v) => sum + BigInt(v), 0n);
        const sellerCredits = applied.records.filter((r) => r.side === 'SELL').reduce((sum, r) => sum + BigInt(r.netCredit), 0n);
        const paidOut = grid.payouts().reduce((sum, p) => sum + BigInt(p.amount), 0n);
        expect(consumed).toBe(sellerCredits + BigInt(applied.totals.balancingCredit) + paidOut);
        for (const a of awards) {
          const record = applied.records.find((r) => r.orderId === a.orderId)!;
          const held = a.side === 'BUY' ? a.escrow : (a.deposit ?? 0);
          expect((applied.escrowConsumed.get(a.orderId) ?? 0) + record.escrowReleased).toBe(held);
          expect(record.netCredit >= 0 && record.escrowReleased >= 0).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
