/**
 * Review R2 of #16: the local fee on a non-local trade. A buy award's local Wh was charged the local fee at
 * settlement whether or not its feeder's sellers delivered them: a buyer and a seller on one feeder could have the
 * seller not deliver (the buyer's energy then came from afar) and still pay the local fee. Now local Wh at settlement
 * are drawn from what the feeder's sell awards delivered. Property: the DSO's fee is never below the fee on energy
 * the feeder's sellers did not deliver, and never above the fee without any local rate.
 */
import fc from 'fast-check';
import { feeOnDelivered, GridSettlement, localDelivered, type GridAward } from '../../chaincode/src/settlement/grid-charges';

const terms = (feeder: string | null, localWh: number) => ({ feeder, feePerKwh: 5, localFeePerKwh: 1, localWh, fee: 0, feeAccount: 'dso' });

describe('review R2: the local fee needs local delivery', () => {
  it('a seller on the feeder that delivered nothing leaves its buyer the full fee (was the local fee on 1000 Wh)', () => {
    const awards: GridAward[] = [
      { orderId: 'b', side: 'BUY', quantityWh: 1000, grid: terms('fa', 1000) },
      { orderId: 's', side: 'SELL', quantityWh: 1000, grid: { feeder: 'fa' } },
    ];
    const grid = new GridSettlement('z', awards, new Map([['b', 1000], ['s', 0]]), [], 0);
    expect(grid.escrowFor('b', 10_000)).toBe(10_000 - 5 * 1000);
    const half = new GridSettlement('z', awards, new Map([['b', 1000], ['s', 400]]), [], 0);
    expect(half.escrowFor('b', 10_000)).toBe(10_000 - (400 * 1 + 600 * 5));
  });

  it('for random feeders, awards and readings: full fee ≥ fee ≥ fee on the Wh the feeder’s sellers did not deliver', () => {
    const awardArb = fc.record({
      side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
      quantityWh: fc.integer({ min: 1, max: 2000 }),
      feeder: fc.constantFrom('fa', 'fb', null),
      localWh: fc.integer({ min: 0, max: 2000 }),
      metered: fc.option(fc.integer({ min: 0, max: 4000 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(awardArb, { maxLength: 10 }), (list) => {
        const awards: GridAward[] = list.map((a, i) => ({
          orderId: `o${i}`,
          side: a.side,
          quantityWh: a.quantityWh,
          grid: a.side === 'BUY' ? terms(a.feeder, Math.min(a.localWh, a.quantityWh)) : { feeder: a.feeder },
        }));
        const metered = new Map(list.map((a, i) => [`o${i}`, a.metered]));
        const local = localDelivered(awards, metered);
        for (const feeder of ['fa', 'fb']) {
          const sold = awards.filter((a) => a.side === 'SELL' && a.grid?.feeder === feeder).reduce((s, a) => s + Math.min(a.quantityWh, metered.get(a.orderId) ?? 0), 0);
          const taken = awards.filter((a) => a.side === 'BUY' && a.grid?.feeder === feeder).reduce((s, a) => s + Number(local.get(a.orderId) ?? 0n), 0);
          expect(taken).toBeLessThanOrEqual(sold);
        }
        for (const a of awards.filter((x) => x.side === 'BUY')) {
          const m = metered.get(a.orderId) ?? null;
          const fee = feeOnDelivered(a, m, local.get(a.orderId));
          const delivered = BigInt(Math.min(a.quantityWh, m ?? 0));
          expect(fee).toBeLessThanOrEqual(5n * delivered);
          expect(fee).toBeGreaterThanOrEqual(feeOnDelivered(a, m));
          if (a.grid?.feeder === null) expect(local.get(a.orderId)).toBe(0n);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
