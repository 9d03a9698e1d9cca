/**
 * Review R2 of #16: the loading record's small-group rule as a pure property (market/grid-constraints.ts
 * shownFeeders). For random awards over feeders and owners: every shown feeder total is over 0 or ≥ k distinct
 * participants, and so is the rest of its side (what the public volume less the shown totals would reveal); nothing is
 * shown when the result withholds the volume; and it stays linear, since a DSO may publish envelopes for many feeders.
 */
import fc from 'fast-check';
import { shownFeeders } from '../../chaincode/src/market/grid-constraints';

type Award = { owner: string; side: 'BUY' | 'SELL'; quantityWh: number; grid?: { feeder: string | null } };

const awardsArb = fc.array(
  fc.record({
    owner: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'),
    side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
    quantityWh: fc.integer({ min: 1, max: 100 }),
    grid: fc.option(fc.record({ feeder: fc.option(fc.constantFrom('f1', 'f2', 'f3', 'f4'), { nil: null }) }), { nil: undefined }),
  }),
  { maxLength: 25 },
);

const feedersArb = fc.subarray(['zone', 'f1', 'f2', 'f3', 'f4', 'f5']);

describe('review R2: which feeder totals the loading record shows', () => {
  it('shown feeders and the rest of each side are each 0 or ≥ k participants; none when the volume is withheld', () => {
    fc.assert(
      fc.property(awardsArb, feedersArb, fc.integer({ min: 1, max: 4 }), fc.boolean(), (awards: Award[], feeders, k, withheld) => {
        // As the market result: the volume is withheld when either side has 0 < n < k participants (or when told).
        const sideOwners = (side: string) => new Set(awards.filter((a) => a.side === side).map((a) => a.owner)).size;
        const suppressed = withheld || [sideOwners('BUY'), sideOwners('SELL')].some((n) => n > 0 && n < k);
        for (const side of ['BUY', 'SELL'] as const) {
          const shown = shownFeeders('zone', feeders, awards, side, k, suppressed);
          if (suppressed) expect(shown.size).toBe(0);
          expect(shown.has('zone')).toBe(false);
          const few = (n: number) => n > 0 && n < k;
          const onSide = awards.filter((a) => a.side === side);
          for (const f of shown) {
            expect(feeders).toContain(f);
            expect(few(new Set(onSide.filter((a) => a.grid?.feeder === f).map((a) => a.owner)).size)).toBe(false);
          }
          const rest = new Set(onSide.filter((a) => !a.grid?.feeder || !shown.has(a.grid.feeder)).map((a) => a.owner));
          if (!suppressed) expect(few(rest.size)).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('stays fast with 2,000 feeders and 20,000 awards', () => {
    const feeders = Array.from({ length: 2000 }, (_, i) => `f${i}`);
    const awards: Award[] = Array.from({ length: 20_000 }, (_, i) => ({ owner: `p${i % 7000}`, side: i % 2 ? 'BUY' : 'SELL', quantityWh: 10, grid: { feeder: `f${i % 2000}` } }));
    const t0 = Date.now();
    shownFeeders('zone', feeders, awards, 'SELL', 3, false);
    shownFeeders('zone', feeders, awards, 'BUY', 30, false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
