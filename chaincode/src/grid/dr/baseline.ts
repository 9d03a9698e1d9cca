/**
 * Demand response: the pure rules — which earlier days make a participant's baseline, the baseline of one interval,
 * the delivered reduction, and how an event's payments are shared when more was delivered than the DSO asked for.
 * No ledger access here (events.ts reads the readings and calls these), so the money rules are property-tested
 * directly (test/chaincode/grid/dr-baseline.test.ts). Every amount is an exact integer; sums and products are BigInt.
 *
 * Baseline method `MEAN_SAME_INTERVAL` (docs/demand-response.md):
 *  - baseline days, per event interval and fixed before any reading is looked at: the newest `days` UTC days before the
 *    event's day whose same interval had ended when the event was announced, within `lookbackDays` days; with dayType
 *    `SAME_DAY_TYPE` only days of the event day's type (Monday–Friday or Saturday–Sunday); never a day whose interval
 *    began while the meter was opted in to another demand-response event (not normal consumption);
 *  - the baseline is the floor of the mean of the trusted, device-signed imported Wh of those days' same interval; a
 *    missing reading is a missing sample (never replaced by an older day's), and fewer than `minDays` samples give no
 *    baseline for that interval, so nothing is paid for it.
 * Delivered reduction of an interval = max(0, baseline − metered import), so it never exceeds the baseline; a missing or
 * untrusted reading for the event interval itself gives no reduction. An interval's paid reduction across all
 * participants is capped at its target: when the reductions add up to more, each is scaled down pro rata (floored), and
 * the Wh lost to flooring are paid to nobody (the funder keeps them). Payment = paid Wh × price per kWh (the token's
 * smallest unit is a price unit per Wh, as in the markets: amount = price × Wh).
 */

export const DAY_MS = 24 * 60 * 60 * 1000;

export type DayType = 'ALL' | 'SAME_DAY_TYPE';

export interface BaselineRule {
  readonly days: number;
  readonly minDays: number;
  readonly lookbackDays: number;
  readonly dayType: DayType;
}

/** Whether a UTC day (its start) is a weekend day (Saturday or Sunday). */
export function isWeekend(dayStartMs: number): boolean {
  const weekday = new Date(dayStartMs).getUTCDay();
  return weekday === 0 || weekday === 6;
}

/** One reading that fed a baseline: the interval it measured and the imported Wh it said. */
export interface BaselineSample {
  readonly intervalStart: number;
  readonly importedWh: number;
}

export interface IntervalBaseline {
  /** Floor of the mean of the samples; null with fewer than minDays samples. */
  readonly baselineWh: number | null;
  readonly samples: readonly BaselineSample[];
}

/**
 * A meter's commitment to another demand-response event on one UTC day: from its opt-in until that event's
 * cancellation (null: never cancelled). A sample interval that began while the meter was committed is not normal
 * consumption. A commitment made after an interval began never strikes it out, so a participant cannot opt in to a late
 * event after seeing a low reading to drop that day, and an issuer cannot cancel after seeing a high one to put it back.
 */
export interface Commitment {
  readonly from: number;
  readonly until: number | null;
}

/** Whether a sample interval starting at `sampleStart` began while one of the commitments held. */
export function committedAt(commitments: readonly Commitment[], sampleStart: number): boolean {
  return commitments.some((c) => c.from <= sampleStart && (c.until === null || sampleStart < c.until));
}

/**
 * The baseline days of one event interval (its offset from the event day's 00:00 UTC), newest first, fixed before any
 * reading is looked at: the newest day whose same interval had ended when the event was announced (`announcedMs`, its
 * creation), then earlier days, at most `lookbackDays` of them, skipping days of the other type (SAME_DAY_TYPE) and
 * samples taken while the meter was committed to another event (`committed(sampleStart)`), until `days` are found.
 * Intervals after the announcement never count: a participant that knows of the event cannot inflate them.
 */
export function baselineDays(eventDayStart: number, offsetMs: number, lengthMs: number, announcedMs: number, rule: BaselineRule, committed: (sampleStart: number) => boolean): number[] {
  const latest = Math.min(eventDayStart - DAY_MS, Math.floor((announcedMs - offsetMs - lengthMs) / DAY_MS) * DAY_MS);
  // The day type of the day the interval falls on (a window across midnight has intervals on the next day).
  const dayOf = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;
  const weekend = isWeekend(dayOf(eventDayStart + offsetMs));
  const out: number[] = [];
  for (let back = 0; back < rule.lookbackDays && out.length < rule.days; back++) {
    const day = latest - back * DAY_MS;
    if (rule.dayType === 'SAME_DAY_TYPE' && isWeekend(dayOf(day + offsetMs)) !== weekend) continue;
    if (committed(day + offsetMs)) continue;
    out.push(day);
  }
  return out;
}

/**
 * The baseline of one event interval from its baseline days (newest first; `readingOn(t)` is the trusted imported Wh of
 * the interval starting at t, or null when missing or untrusted). Only the first `days` days count: a missing reading
 * is a missing sample, never replaced by an older day's, so whoever reports the readings cannot choose the high days by
 * withholding the low ones. Fewer than `minDays` samples: no baseline.
 */
export function intervalBaseline(days: readonly number[], offsetMs: number, rule: BaselineRule, readingOn: (intervalStart: number) => number | null): IntervalBaseline {
  const samples: BaselineSample[] = [];
  for (const day of days.slice(0, rule.days)) {
    const intervalStart = day + offsetMs;
    const importedWh = readingOn(intervalStart);
    if (importedWh !== null) samples.push({ intervalStart, importedWh });
  }
  if (samples.length < rule.minDays || samples.length === 0) return { baselineWh: null, samples };
  const sum = samples.reduce((total, s) => total + BigInt(s.importedWh), 0n);
  return { baselineWh: Number(sum / BigInt(samples.length)), samples };
}

/** Delivered reduction: baseline − metered, floored at 0; nothing without a baseline or without a metered reading. */
export function deliveredReduction(baselineWh: number | null, meteredWh: number | null): number {
  if (baselineWh === null || meteredWh === null) return 0;
  return Math.max(0, baselineWh - meteredWh);
}

/**
 * Shares one interval's target among the participants' delivered reductions: each is paid in full when they add up to
 * at most the target, otherwise floor(reduction × target / total). Σ result ≤ min(target, Σ reductions).
 */
export function paidReductions(reductions: readonly number[], targetWh: number): number[] {
  const total = reductions.reduce((sum, r) => sum + BigInt(r), 0n);
  if (total <= BigInt(targetWh)) return [...reductions];
  return reductions.map((r) => Number((BigInt(r) * BigInt(targetWh)) / total));
}

/** Tokens for paid Wh at a price per kWh: price × Wh (exact; both bounded by schema so the product is a safe integer). */
export function paymentFor(paidWh: number, pricePerKwh: number): number {
  const amount = BigInt(paidWh) * BigInt(pricePerKwh);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`payment ${amount} is not a safe integer`);
  return Number(amount);
}
