import fc from 'fast-check';
import { computeSettlement } from '../../../chaincode/src/settlement/compute';
import { attributeViolations, feeOnDelivered, GridSettlement, localDelivered, type GridAward } from '../../../chaincode/src/settlement/grid-charges';
import type { EnvelopeRecord } from '../../../chaincode/src/market/grid-constraints';

/**
 * The grid side of settlement as a money rule: whatever the awards, readings, tariff and envelopes, every token comes
 * from a buyer's escrow or a seller's credit and goes to a seller, the balancing account or a DSO — exactly; no
 * escrow is overdrawn, nothing stays locked, and a charge only ever falls on an award that metered beyond its award.
 */

const ZONE = 'z1';
const publisher = { publisherMsp: 'GridMSP', signerCertSha256: '0'.repeat(64), publishedAt: '2026-01-01T00:00:00.000Z', txId: '1'.repeat(64), revision: 1 };
const envelope = (nodeId: string, importLimitWh: number | null, exportLimitWh: number | null, by = 'dso-1'): EnvelopeRecord => ({
  zone: ZONE,
  interval: '2026-01-01T12:00:00.000Z',
  nodeId,
  nodeKind: nodeId === ZONE ? 'ZONE' : 'FEEDER',
  importLimitWh,
  exportLimitWh,
  publishedBy: by,
  ...publisher,
});

const caseArb = fc
  .record({
    price: fc.integer({ min: 1, max: 200 }),
    feePerKwh: fc.integer({ min: 0, max: 50 }),
    localFeePerKwh: fc.integer({ min: 0, max: 50 }),
    violationPrice: fc.integer({ min: 0, max: 5000 }),
    factor: fc.integer({ min: 1000, max: 3000 }),
    // A clearing awards equal volumes to each side: every pair is one buy and one sell of the same quantity.
    pairs: fc.array(
      fc.record({
        quantityWh: fc.integer({ min: 1, max: 3000 }),
        feeder: fc.tuple(fc.constantFrom('fa', 'fb', null), fc.constantFrom('fa', 'fb', null)),
        localWh: fc.integer({ min: 0, max: 3000 }),
        metered: fc.tuple(fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null }), fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null })),
        headroom: fc.integer({ min: 0, max: 50 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
    limits: fc.record({ fa: fc.option(fc.integer({ min: 0, max: 8000 }), { nil: null }), zone: fc.option(fc.integer({ min: 0, max: 20000 }), { nil: null }) }),
  })
  .map((c) => ({
    ...c,
    localFeePerKwh: Math.min(c.localFeePerKwh, c.feePerKwh),
    awards: c.pairs.flatMap((p) =>
      (['BUY', 'SELL'] as const).map((side, i) => ({ side, quantityWh: p.quantityWh, feeder: p.feeder[i], localWh: p.localWh, metered: p.metered[i], headroom: p.headroom })),
    ),
  }));

describe('grid charges at settlement (property)', () => {
  it('conserves tokens exactly, never overdraws an escrow and charges only awards that metered beyond their award', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const awards: (GridAward & { escrow?: number; metered: number | null })[] = c.awards.map((a, i) => ({
          orderId: `o${String(i).padStart(2, '0')}`,
          side: a.side,
          quantityWh: a.quantityWh,
          metered: a.metered,
          grid:
            a.side === 'BUY'
              ? { feeder: a.feeder, feePerKwh: c.feePerKwh, localFeePerKwh: c.localFeePerKwh, localWh: Math.min(a.localWh, a.quantityWh), fee: 0, feeAccount: 'dso-fees' }
              : { feeder: a.feeder },
          // The clearing admits a bid only if its limit covers price + fee: escrow = limit × quantity.
          escrow: a.side === 'BUY' ? (c.price + c.feePerKwh + a.headroom) * a.quantityWh : undefined,
        }));
        // Envelopes must hold the awards (the clearing guarantees it): the limit is at least what was awarded.
        const awardedOn = (side: 'BUY' | 'SELL', feeder?: string) => awards.filter((a) => a.side === side && (feeder === undefined || a.grid!.feeder === feeder)).reduce((s, a) => s + a.quantityWh, 0);
        const envelopes = [
          ...(c.limits.fa === null ? [] : [envelope('fa', null, awardedOn('SELL', 'fa') + c.limits.fa)]),
          ...(c.limits.zone === null ? [] : [envelope(ZONE, awardedOn('BUY') + c.limits.zone, null, 'dso-2')]),
        ];
        const metered = new Map(awards.map((a) => [a.orderId, a.metered]));
        const grid = new GridSettlement(ZONE, awards, metered, envelopes, c.violationPrice);
        const base = computeSettlement(
          awards.map((a) => ({ orderId: a.orderId, participant: `p-${a.orderId}`, side: a.side, price: c.price, awardedWh: a.quantityWh, escrow: grid.escrowFor(a.orderId, a.escrow), meteredWh: a.metered })),
          c.factor,
        );
        const applied = grid.apply(base);
        const payouts = grid.payouts();

        const consumed = [...applied.escrowConsumed.values()].reduce((s, v) => s + BigInt(v), 0n);
        const sellerCredits = applied.records.filter((r) => r.side === 'SELL').reduce((s, r) => s + BigInt(r.netCredit), 0n);
        const paidOut = payouts.reduce((s, p) => s + BigInt(p.amount), 0n);
        expect(consumed).toBe(sellerCredits + BigInt(applied.totals.balancingCredit) + paidOut);

        for (const a of awards.filter((x) => x.side === 'BUY')) {
          const used = applied.escrowConsumed.get(a.orderId)!;
          const record = applied.records.find((r) => r.orderId === a.orderId)!;
          expect(used + record.escrowReleased).toBe(a.escrow); // nothing stays locked
          expect(record.escrowReleased).toBeGreaterThanOrEqual(0);
          expect((record as unknown as { gridFee: number }).gridFee).toBe(Number(feeOnDelivered(a, a.metered, localDelivered(awards, metered).get(a.orderId))));
        }
        for (const r of applied.records) {
          const extra = r as unknown as { envelopeCharged: number; envelopeViolationWh: number };
          expect(r.netCredit).toBeGreaterThanOrEqual(0);
          if (extra.envelopeViolationWh > 0) expect(r.meteredWh).toBeGreaterThan(r.awardedWh);
          expect(extra.envelopeCharged).toBeLessThanOrEqual(extra.envelopeViolationWh * c.violationPrice);
        }
        expect(grid.totals().gridFees + grid.totals().envelopeCharged).toBe(Number(paidOut));
        for (const p of payouts) expect(Number.isSafeInteger(p.amount) && p.amount > 0).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('attributes the Wh over a limit to the largest excess first, each Wh once even beyond a feeder and its zone', () => {
    const awards: GridAward[] = [
      { orderId: 'a', side: 'SELL', quantityWh: 1000, grid: { feeder: 'fa' } },
      { orderId: 'b', side: 'SELL', quantityWh: 1000, grid: { feeder: 'fa' } },
      { orderId: 'c', side: 'SELL', quantityWh: 1000, grid: { feeder: 'fb' } },
    ];
    const metered = new Map<string, number | null>([
      ['a', 1300],
      ['b', 1800],
      ['c', 1000],
    ]);
    // fa: 3100 metered vs 2000 → 1100 over: b (excess 800) first, then a (excess 300). Zone: 4100 vs 3500 → 600 over.
    const got = attributeViolations(ZONE, awards, metered, [envelope('fa', null, 2000), envelope(ZONE, null, 3500)]);
    expect(Object.fromEntries([...got].map(([id, v]) => [id, [Number(v.wh), v.envelope.nodeId]]))).toEqual({ b: [800, 'fa'], a: [300, 'fa'] });
    expect(() => attributeViolations(ZONE, awards, metered, [envelope('fa', null, 1999)])).toThrow(/exceed its envelope/);
  });
});
