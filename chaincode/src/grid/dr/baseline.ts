/**
 * Demand response: the pure rules — which earlier days make a participant's baseline, the baseline of one interval,
 * the delivered reduction, and how an event's payments are shared when more was delivered than the DSO asked for.
 * No ledger access here (events.ts reads the readings and calls these), so the money rules are property-tested
 * directly (test/chaincode/grid/dr-baseline.test.ts). Every amount is an exact integer; sums and products are BigInt.
 *
 * Baseline method `MEAN_SAME_INTERVAL` (docs/demand-response.md):
 *  - candidate days: the `lookbackDays` UTC days before the event's day, newest first; with dayType `SAME_DAY_TYPE`
 *    only days of the event day's type (Monday–Friday or Saturday–Sunday); never a day on which the meter was opted in
 *    to a demand-response event (its consumption there is not its normal consumption);
 *  - per event interval: the same interval of the day on the newest candidate days that have a trusted, device-signed
 *    reading for it, until `days` are found; the baseline is the floor of the mean of their imported Wh;
 *  - fewer than `minDays` such days: no baseline for that interval, so nothing is paid for it.
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

/** The candidate days (UTC day starts) for an event on `eventDayStart`, newest first, before any reading is looked at. */
export function candidateDays(eventDayStart: number, rule: BaselineRule, excluded: ReadonlySet<number>): number[] {
  const out: number[] = [];
  const weekend = isWeekend(eventDayStart);
  for (let back = 1; back <= rule.lookbackDays; back++) {
    const day = eventDayStart - back * DAY_MS;
    if (rule.dayType === 'SAME_DAY_TYPE' && isWeekend(day) !== weekend) continue;
    if (excluded.has(day)) continue;
    out.push(day);
  }
  return out;
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
 * The baseline of one event interval from the samples found on the candidate days (newest first; `readingOn(day)` is
 * the trusted imported Wh of the same interval of that day, or null when missing or untrusted). Stops at `days` samples.
 */
export function intervalBaseline(candidates: readonly number[], offsetMs: number, rule: BaselineRule, readingOn: (intervalStart: number) => number | null): IntervalBaseline {
  const samples: BaselineSample[] = [];
  for (const day of candidates) {
    if (samples.length >= rule.days) break;
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
