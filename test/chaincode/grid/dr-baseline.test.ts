import fc from 'fast-check';
import { candidateDays, DAY_MS, deliveredReduction, intervalBaseline, isWeekend, paidReductions, paymentFor, type BaselineRule } from '../../../chaincode/src/grid/dr/baseline';

/** The pure demand-response rules: baseline days, baseline, delivered reduction and the pro-rata cap. */
describe('demand-response baseline and payment rules', () => {
  const monday = Date.UTC(2026, 10, 30); // a Monday
  const rule: BaselineRule = { days: 3, minDays: 2, lookbackDays: 10, dayType: 'ALL' };

  it('takes the earlier days newest first, skipping event days and, for SAME_DAY_TYPE, the other day type', () => {
    expect(isWeekend(monday)).toBe(false);
    expect(candidateDays(monday, { ...rule, lookbackDays: 3 }, new Set())).toEqual([monday - DAY_MS, monday - 2 * DAY_MS, monday - 3 * DAY_MS]);
    expect(candidateDays(monday, { ...rule, lookbackDays: 3 }, new Set([monday - 2 * DAY_MS]))).toEqual([monday - DAY_MS, monday - 3 * DAY_MS]);
    // Monday: Sunday and Saturday are left out.
    expect(candidateDays(monday, { ...rule, lookbackDays: 4, dayType: 'SAME_DAY_TYPE' }, new Set())).toEqual([monday - 3 * DAY_MS, monday - 4 * DAY_MS]);
  });

  it('averages the newest `days` readings of the same interval (floor), and has none below minDays', () => {
    const days = candidateDays(monday, rule, new Set());
    const offset = 18 * 3_600_000;
    const readings = new Map([
      [days[0] + offset, 1000],
      [days[2] + offset, 1001],
      [days[3] + offset, 1003],
      [days[4] + offset, 9999],
    ]);
    const b = intervalBaseline(days, offset, rule, (t) => readings.get(t) ?? null);
    expect(b.baselineWh).toBe(1001); // floor((1000 + 1001 + 1003) / 3); the fourth is never read
    expect(b.samples.map((s) => s.intervalStart)).toEqual([days[0] + offset, days[2] + offset, days[3] + offset]);
    expect(intervalBaseline(days, offset, rule, (t) => (t === days[0] + offset ? 5 : null)).baselineWh).toBeNull();
  });

  it('pays a reduction only against a baseline and a metered reading, never below 0 or above the baseline', () => {
    expect(deliveredReduction(1000, 400)).toBe(600);
    expect(deliveredReduction(1000, 1200)).toBe(0);
    expect(deliveredReduction(null, 0)).toBe(0);
    expect(deliveredReduction(1000, null)).toBe(0);
    fc.assert(
      fc.property(fc.option(fc.nat(1e12), { nil: null }), fc.option(fc.nat(1e12), { nil: null }), (baseline, metered) => {
        const r = deliveredReduction(baseline, metered);
        return Number.isSafeInteger(r) && r >= 0 && r <= (baseline ?? 0);
      }),
    );
  });

  it('never pays more than the target or than was delivered; pays in full when the target is not reached (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1_000_000_000), { maxLength: 50 }), fc.integer({ min: 1, max: 1_000_000_000 }), (reductions, target) => {
        const paid = paidReductions(reductions, target);
        const total = paid.reduce((s, p) => s + BigInt(p), 0n);
        const delivered = reductions.reduce((s, r) => s + BigInt(r), 0n);
        expect(paid).toHaveLength(reductions.length);
        paid.forEach((p, i) => {
          expect(Number.isSafeInteger(p)).toBe(true);
          expect(p).toBeGreaterThanOrEqual(0);
          expect(p).toBeLessThanOrEqual(reductions[i]);
        });
        expect(total <= BigInt(target) && total <= delivered).toBe(true);
        if (delivered <= BigInt(target)) expect(paid).toEqual(reductions);
        // Flooring loses less than one Wh per participant.
        else expect(BigInt(target) - total < BigInt(reductions.length)).toBe(true);
      }),
    );
  });

  it('conserves the budget: Σ payments + what returns = price × Σ targets (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(10_000_000), { minLength: 3, maxLength: 3 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (perParticipant, targets, price) => {
          const budget = paymentFor(targets.reduce((s, t) => s + t, 0), price);
          const paidWh = perParticipant.map(() => 0);
          targets.forEach((target, i) => paidReductions(perParticipant.map((p) => p[i]), target).forEach((wh, p) => (paidWh[p] += wh)));
          const payments = paidWh.map((wh) => paymentFor(wh, price));
          const paid = payments.reduce((s, a) => s + BigInt(a), 0n);
          const returned = BigInt(budget) - paid;
          expect(returned >= 0n).toBe(true);
          expect(paid + returned).toBe(BigInt(budget));
        },
      ),
    );
  });
});
