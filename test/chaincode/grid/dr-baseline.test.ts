import fc from 'fast-check';
import { baselineDays, committedAt, DAY_MS, deliveredReduction, intervalBaseline, isWeekend, paidReductions, paymentFor, type BaselineRule } from '../../../chaincode/src/grid/dr/baseline';

/** The pure demand-response rules: baseline days, baseline, delivered reduction and the pro-rata cap. */
describe('demand-response baseline and payment rules', () => {
  const monday = Date.UTC(2026, 10, 30); // a Monday
  const rule: BaselineRule = { days: 3, minDays: 2, lookbackDays: 10, dayType: 'ALL' };

  const offset = 18 * 3_600_000;
  const quarter = 15 * 60_000;
  const none = () => false;

  it('takes the earlier days newest first, skipping committed samples and, for SAME_DAY_TYPE, the other day type', () => {
    expect(isWeekend(monday)).toBe(false);
    const announced = monday + 12 * 3_600_000; // the event day at noon
    expect(baselineDays(monday, offset, quarter, announced, { ...rule, lookbackDays: 3 }, none)).toEqual([monday - DAY_MS, monday - 2 * DAY_MS, monday - 3 * DAY_MS]);
    const committed = (t: number) => t === monday - 2 * DAY_MS + offset;
    expect(baselineDays(monday, offset, quarter, announced, { ...rule, lookbackDays: 3 }, committed)).toEqual([monday - DAY_MS, monday - 3 * DAY_MS]);
    // Monday: Sunday and Saturday are left out.
    expect(baselineDays(monday, offset, quarter, announced, { ...rule, lookbackDays: 4, dayType: 'SAME_DAY_TYPE' }, none)).toEqual([monday - 3 * DAY_MS, monday - 4 * DAY_MS]);
    // Stops at `days`.
    expect(baselineDays(monday, offset, quarter, announced, rule, none)).toHaveLength(3);
  });

  it('judges the day type by the day each interval falls on (a window across midnight into Saturday)', () => {
    const friday = monday + 4 * DAY_MS;
    // A Friday 23:45 event's second interval is Saturday 00:00: its samples are earlier weekend days' 00:00.
    const saturdayMidnight = DAY_MS;
    const days = baselineDays(friday, saturdayMidnight, quarter, friday + 12 * 3_600_000, { ...rule, days: 2, lookbackDays: 7, dayType: 'SAME_DAY_TYPE' }, none);
    expect(days.map((d) => new Date(d + saturdayMidnight).getUTCDay())).toEqual([0, 6]);
  });

  it('starts from the newest day whose interval had ended when the event was announced', () => {
    // Announced on Friday at noon for Monday 18:00: Friday 18:00 and the weekend are after the announcement.
    const friday = monday - 3 * DAY_MS;
    expect(baselineDays(monday, offset, quarter, friday + 12 * 3_600_000, { ...rule, lookbackDays: 3 }, none)).toEqual([friday - DAY_MS, friday - 2 * DAY_MS, friday - 3 * DAY_MS]);
    // Announced at 18:15 on Friday: Friday's 18:00–18:15 had just ended.
    expect(baselineDays(monday, offset, quarter, friday + offset + quarter, { ...rule, lookbackDays: 1 }, none)).toEqual([friday]);
    expect(baselineDays(monday, offset, quarter, friday + offset + quarter - 1, { ...rule, lookbackDays: 1 }, none)).toEqual([friday - DAY_MS]);
  });

  it('never uses an interval after the announcement or a committed one, and fixes the days before any reading (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 0, max: 40 * 96 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.array(fc.integer({ min: 1, max: 25 }), { maxLength: 6 }), (slot, before, days, lookbackDays, sameType, committedBack) => {
        const at = slot * quarter;
        const announced = monday + at - before * quarter;
        const r: BaselineRule = { days: Math.min(days, lookbackDays), minDays: 1, lookbackDays, dayType: sameType ? 'SAME_DAY_TYPE' : 'ALL' };
        const committed = new Set(committedBack.map((back) => monday - back * DAY_MS + at));
        const chosen = baselineDays(monday, at, quarter, announced, r, (t) => committed.has(t));
        expect(chosen.length).toBeLessThanOrEqual(r.days);
        expect([...chosen].sort((x, y) => y - x)).toEqual(chosen);
        for (const day of chosen) {
          expect(day + at + quarter).toBeLessThanOrEqual(announced);
          expect(day).toBeLessThan(monday);
          expect(committed.has(day + at)).toBe(false);
          if (sameType) expect(isWeekend(day)).toBe(isWeekend(monday));
        }
      }),
    );
  });

  it('averages the readings of the fixed days (floor); a missing one is not replaced by an older day, and below minDays there is none', () => {
    const days = baselineDays(monday, offset, quarter, monday, { ...rule, days: 10 }, none);
    const readings = new Map([
      [days[0] + offset, 1000],
      [days[2] + offset, 1001],
      [days[3] + offset, 1003],
      [days[4] + offset, 9999],
    ]);
    const b = intervalBaseline(days, offset, rule, (t) => readings.get(t) ?? null);
    expect(b.baselineWh).toBe(1000); // floor((1000 + 1001) / 2): day 1 is missing, days 3 and 4 are not among the first 3
    expect(b.samples.map((s) => s.intervalStart)).toEqual([days[0] + offset, days[2] + offset]);
    expect(intervalBaseline(days, offset, rule, (t) => (t === days[0] + offset ? 5 : null)).baselineWh).toBeNull();
  });

  it('cannot be raised by withholding readings: with minDays = days, any baseline is the mean of the same fixed days (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(5000), { minLength: 10, maxLength: 10 }), fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }), fc.integer({ min: 1, max: 5 }), (values, kept, n) => {
        const r: BaselineRule = { days: n, minDays: n, lookbackDays: 10, dayType: 'ALL' };
        const days = baselineDays(monday, offset, quarter, monday, r, none);
        const all = intervalBaseline(days, offset, r, (t) => values[(monday - (t - offset)) / DAY_MS - 1]);
        const some = intervalBaseline(days, offset, r, (t) => (kept[(monday - (t - offset)) / DAY_MS - 1] ? values[(monday - (t - offset)) / DAY_MS - 1] : null));
        expect(some.baselineWh === null || some.baselineWh === all.baselineWh).toBe(true);
      }),
    );
  });

  it('committedAt: a sample counts as committed only if it began after the opt-in and before any cancel', () => {
    expect(committedAt([{ from: 100, until: null }], 100)).toBe(true);
    expect(committedAt([{ from: 100, until: null }], 99)).toBe(false);
    expect(committedAt([{ from: 100, until: 200 }], 199)).toBe(true);
    expect(committedAt([{ from: 100, until: 200 }], 200)).toBe(false);
    expect(committedAt([{ from: -Infinity, until: null }], 0)).toBe(true);
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
