/** Retail slots for suites that clear and settle one slot per test on the market fixture's clock. */

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

/**
 * A source of retail slots four intervals apart, the first on the interval boundary at least three hours after `now`
 * (ahead of any gate closure); each call returns the next slot's start and its ISO interval.
 */
export function slotsAfter(now: number): () => { at: number; interval: string } {
  let next = Math.ceil((now + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  return () => {
    const at = next;
    next += 4 * INTERVAL;
    return { at, interval: new Date(at).toISOString() };
  };
}
