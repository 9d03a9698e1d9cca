import fc from 'fast-check';
import { allocateMetered, computeSettlement, imbalanceCharge, type SettlementAward } from '../../../chaincode/src/settlement/compute';
import { publicTotals } from '../../../chaincode/src/settlement/settle';

describe('settlement arithmetic', () => {
  it('settles a worked example by hand (price 17, factor 1.5)', () => {
    const awards: SettlementAward[] = [
      // Buyer took 1500 of 2000 Wh: pays 17 × 1500 = 25500, imbalance ⌈17 × 500 × 1.5⌉ = 12750; escrow 60000 → 21750 back.
      { orderId: 'b1', participant: 'P1', side: 'BUY', price: 17, awardedWh: 2000, escrow: 60000, meteredWh: 1500 },
      // Buyer with no reading: nothing delivered, the whole award is shortfall: ⌈17 × 2500 × 1.5⌉ = 63750 capped at 50000.
      { orderId: 'b2', participant: 'P2', side: 'BUY', price: 17, awardedWh: 2500, escrow: 50000, meteredWh: null },
      // Seller delivered 3200 of 3000: paid 51000; 200 Wh excess recorded at ⌈17 × 200 × 1.5⌉ = 5100, not paid.
      { orderId: 's1', participant: 'P3', side: 'SELL', price: 17, awardedWh: 3000, meteredWh: 3200 },
      // Seller delivered 1000 of 1500: paid 17000 minus ⌈17 × 500 × 1.5⌉ = 12750 → 4250.
      { orderId: 's2', participant: 'P4', side: 'SELL', price: 17, awardedWh: 1500, meteredWh: 1000 },
    ];
    const { records, totals, escrowConsumed } = computeSettlement(awards, 1500);
    expect(records.map((r) => [r.orderId, r.deliveredWh, r.energyAmount, r.imbalanceCharged, r.imbalanceUnpaid, r.escrowReleased, r.netCredit])).toEqual([
      ['b1', 1500, 25500, 12750, '0', 21750, 21750],
      ['b2', 0, 0, 50000, '13750', 0, 0],
      ['s1', 3000, 51000, 0, '0', 0, 51000],
      ['s2', 1000, 17000, 12750, '0', 0, 4250],
    ]);
    expect(records[2]).toMatchObject({ excessWh: 200, excessValue: '5100' });
    expect(records[1].readingMissing).toBe(true);
    expect(escrowConsumed.get('b1')).toBe(38250);
    // Pool: 38250 + 50000 in, 51000 + 4250 out → 33000 to the balancing account.
    expect(totals).toMatchObject({ balancingCredit: 33000, missingReadings: 1, energyPaid: 25500, energyReceived: 68000 });
  });

  it('never creates or destroys tokens, and never pays the balancing account a negative amount', () => {
    // Awards of a real clearing balance: each generated trade is one buy and one or two sells of the same total.
    const tradeArb = fc.record({
      quantity: fc.integer({ min: 1, max: 10000 }),
      split: fc.integer({ min: 0, max: 10000 }),
      headroom: fc.integer({ min: 0, max: 30 }),
      metered: fc.array(fc.option(fc.integer({ min: 0, max: 20000 }), { nil: null }), { minLength: 3, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 3000 }), fc.array(tradeArb, { maxLength: 10 }), (price, factor, trades) => {
        const awards: SettlementAward[] = [];
        trades.forEach((t, i) => {
          const first = Math.min(t.split, t.quantity);
          awards.push({ orderId: `b${i}`, participant: `pb${i}`, side: 'BUY', price, awardedWh: t.quantity, meteredWh: t.metered[0], escrow: (price + t.headroom) * t.quantity });
          if (first > 0) awards.push({ orderId: `s${i}a`, participant: `ps${i}`, side: 'SELL', price, awardedWh: first, meteredWh: t.metered[1] });
          if (t.quantity - first > 0) awards.push({ orderId: `s${i}b`, participant: `pt${i}`, side: 'SELL', price, awardedWh: t.quantity - first, meteredWh: t.metered[2] });
        });
        const { records, totals } = computeSettlement(awards, factor);
        const escrowIn = awards.reduce((s, a) => s + (a.escrow ?? 0), 0);
        const out = records.reduce((s, r) => s + r.netCredit, 0) + totals.balancingCredit;
        expect(out).toBe(escrowIn);
        expect(totals.balancingCredit).toBeGreaterThanOrEqual(0);
        for (const r of records) {
          expect(r.deliveredWh + r.shortfallWh).toBe(r.awardedWh);
          expect(r.netCredit).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('rounds imbalance up and never prices it below the clearing price', () => {
    expect(imbalanceCharge(17, 1, 1500)).toBe(26); // 25.5 → 26
    expect(imbalanceCharge(17, 100, 500)).toBe(1700); // factor floored to 1.0
    expect(imbalanceCharge(0, 100, 2000)).toBe(0);
  });
});

describe('allocating one meter reading across the awards that name it', () => {
  const award = (orderId: string, side: 'BUY' | 'SELL', awardedWh: number, meter: string, submittedAt: number) => ({ orderId, side, awardedWh, meterIds: [meter], submittedAt });

  it('serves awards in submission order, then by order id, and gives the excess to the last', () => {
    const awards = [award('b', 'SELL', 1000, 'm1', 5), award('a', 'SELL', 1000, 'm1', 5), award('c', 'SELL', 1000, 'm1', 1), award('d', 'SELL', 400, 'm2', 1)];
    const readings = (side: 'BUY' | 'SELL', meter: string) => (meter === 'm1' ? 1500 : 900);
    const allocated = allocateMetered(awards, readings);
    expect(Object.fromEntries(allocated)).toEqual({ c: 1000, a: 500, b: 0, d: 900 });
    // The same whatever order the awards come in.
    expect(Object.fromEntries(allocateMetered([...awards].reverse(), readings))).toEqual(Object.fromEntries(allocated));
  });

  it('keeps sides apart, gives every award of a meter without a reading null, and delivers meterless awards in full', () => {
    const awards = [award('s', 'SELL', 100, 'm1', 1), award('b', 'BUY', 100, 'm1', 1), award('x', 'SELL', 50, 'm2', 1), { orderId: 'w', side: 'BUY' as const, awardedWh: 70, meterIds: [], submittedAt: 0 }];
    const allocated = allocateMetered(awards, (side, meter) => (meter === 'm2' ? null : side === 'SELL' ? 80 : 130));
    expect(Object.fromEntries(allocated)).toEqual({ s: 80, b: 130, x: null, w: 70 });
  });
});

describe('the small-group rule on settlement totals', () => {
  const totals = { records: 4, awardedWh: 10, deliveredBuyWh: 9, deliveredSellWh: 8, shortfallWh: 3, excessWh: '0', energyPaid: 90, energyReceived: 80, imbalanceCharged: 5, imbalanceUnpaid: '0', missingReadings: 0, balancingCredit: 15 };

  it('withholds every total when either side has fewer than k distinct participants (one side’s total is the other’s)', () => {
    const { totals: shown, suppressed } = publicTotals(totals, { BUY: 1, SELL: 3 }, 3);
    expect(shown).toMatchObject({ records: 4, deliveredSellWh: null, energyReceived: null, deliveredBuyWh: null, energyPaid: null, awardedWh: null, shortfallWh: null, balancingCredit: null });
    expect(suppressed).toEqual([
      'awardedWh',
      'balancingCredit',
      'deliveredBuyWh',
      'deliveredSellWh',
      'energyPaid',
      'energyReceived',
      'excessWh',
      'imbalanceCharged',
      'imbalanceUnpaid',
      'missingReadings',
      'shortfallWh',
    ]);
    expect(publicTotals(totals, { BUY: 3, SELL: 1 }, 3).suppressed).toEqual(suppressed);
    expect(publicTotals(totals, { BUY: 3, SELL: 4 }, 3)).toEqual({ totals, suppressed: [] });
    // No participants on a side: its totals are 0 and reveal nothing.
    expect(publicTotals(totals, { BUY: 0, SELL: 0 }, 3).suppressed).toEqual([]);
  });
});
