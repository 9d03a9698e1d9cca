/**
 * The embedded ingestion bench's profile plan (scripts/bench/ingestion.ts): batches that can be in flight together
 * never write the same meter's UTC day, or they make each other phantom reads and the section measures the port's
 * retries instead of ingestion (the full plan once failed that way). Checked on profileSource's real output.
 */
import { MeterKeyStore } from '../../gateway/src/neighbourhood-sim/meter-keys';
import { CONCURRENCY, PROFILE_PLAN, READING_PLAN, checkProfilePlan, fleetOf, profileDaysNeeded, profileSource, type ProfileShape } from '../../scripts/bench/ingestion';
import type { RestFixture } from '../../scripts/bench/rest-fixture';

const DAY_MS = 24 * 3600_000;

/** What profileSource reads of a fixture: its meters and their keys. */
function fixtureOf(size: number, keys: MeterKeyStore): RestFixture {
  return { meters: Array.from({ length: size }, (_, i) => `plan-meter-${i}`), keys } as unknown as RestFixture;
}

/** The (meter, UTC day) pairs each of `count` consecutive batches of the shape writes. */
function meterDaysOf(fixture: RestFixture, shape: ProfileShape, count: number): Set<string>[] {
  const next = profileSource(fixture, [shape]);
  return Array.from({ length: count }, () => {
    const days = new Set<string>();
    for (const profile of next(shape.meters, shape.intervals).profiles) {
      for (const { intervalStart } of profile.readings) days.add(`${profile.assetId} ${Math.floor(intervalStart / DAY_MS)}`);
    }
    return days;
  });
}

/** Pairs of batches within `window` consecutive ones that share a meter's day. */
function clashes(batches: readonly Set<string>[], window: number): [number, number][] {
  const found: [number, number][] = [];
  for (let i = 0; i < batches.length; i++) {
    for (let j = i + 1; j < Math.min(batches.length, i + window); j++) {
      if ([...batches[i]].some((d) => batches[j].has(d))) found.push([i, j]);
    }
  }
  return found;
}

describe('ingestion bench profile plan', () => {
  const keys = new MeterKeyStore();

  it.each([
    { meters: 40, fleet: 20 },
    { meters: 20, fleet: 20 },
    { meters: 8, fleet: 20 },
  ])('$meters profiles a batch on $fleet meters: with the days it needs, no batches in flight together share a meter-day; with one fewer, some do', ({ meters, fleet }) => {
    const fixture = fixtureOf(fleet, keys);
    const days = profileDaysNeeded(meters, fleet);
    const window = CONCURRENCY + 1;
    expect(clashes(meterDaysOf(fixture, { meters, intervals: 4, batches: 12, days }, 12), window)).toEqual([]);
    expect(clashes(meterDaysOf(fixture, { meters, intervals: 4, batches: 12, days: days - 1 }, 12), window).length).toBeGreaterThan(0);
  });

  it('accepts the shipped plans for the fleets they run on and refuses one day short', () => {
    for (const speed of ['quick', 'full'] as const) {
      const fleet = fleetOf(READING_PLAN[speed]);
      expect(() => checkProfilePlan(PROFILE_PLAN[speed], fleet)).not.toThrow();
      const short = PROFILE_PLAN[speed].map((s) => (s.intervals === 4 ? { ...s, days: profileDaysNeeded(s.meters, fleet) - 1 } : s));
      expect(() => checkProfilePlan(short, fleet)).toThrow(/need at least \d+ days/);
    }
  });
});
