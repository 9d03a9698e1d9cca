import fc from 'fast-check';
import { TX } from '@obe/chaincode';
import { GRID, REGULATOR, UTILITY, newDevice, outcome, type Actor } from '../support';
import { MarketFixture, restoreClock, salt, setClock } from '../market/fixture';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const Q = 15 * 60_000;
const ZONE = 'overlap-zone';

/**
 * No reduction paid twice (fast-check, through the chaincode): for arbitrary events of two programs in one zone
 * (windows of 1–4 intervals starting anywhere in two hours) and arbitrary opt-in attempts, an opt-in is taken exactly
 * when neither its meter nor its participant is already in that event or in another active event whose window overlaps,
 * and cancelled events hold nobody. The accepted opt-ins never put one meter or one participant in two overlapping
 * active events.
 */
describe('demand response: one meter and one participant per overlapping window (property)', () => {
  let fx: MarketFixture;
  let homes: { actor: Actor; meters: string[] }[];
  let base: number;
  let run = 0;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    base = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    setClock(base - DAY);
    homes = [];
    for (const [name, count] of [['ov-1', 2], ['ov-2', 1]] as [string, number][]) {
      const actor = await fx.net.participant(UTILITY, name, ['CONSUMER']);
      const meters: string[] = [];
      for (let i = 0; i < count; i++) {
        const meterId = `${name}-m${i}`;
        await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: meterId, type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 20, devicePublicKey: newDevice().publicKeyPem }]);
        await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meterId }]);
        await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: meterId }]);
        meters.push(meterId);
      }
      homes.push({ actor, meters });
    }
    await fx.mint(fx.cast.dso, 10_000_000);
    for (const programId of ['ov-a', 'ov-b']) await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId, zone: ZONE }]);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const eventSpec = fc.record({ program: fc.constantFrom('ov-a', 'ov-b'), slot: fc.integer({ min: 0, max: 7 }), length: fc.integer({ min: 1, max: 4 }) });
  const attempt = fc.record({ home: fc.integer({ min: 0, max: 1 }), meter: fc.integer({ min: 0, max: 1 }), event: fc.integer({ min: 0, max: 3 }), cancelFirst: fc.boolean() });

  it('takes an opt-in exactly when nothing it holds overlaps, never two overlapping for a meter or a participant', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventSpec, { minLength: 2, maxLength: 4 }), fc.array(attempt, { minLength: 1, maxLength: 8 }), fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }), async (specs, attempts, cancelAt) => {
        const day = base + DAY * run++;
        setClock(day + 12 * HOUR);
        const events: { id: string; start: number; end: number; cancelled: boolean }[] = [];
        for (const spec of specs) {
          const start = day + 18 * HOUR + spec.slot * Q;
          const { eventId } = await fx.net.submit<{ eventId: string }>(
            fx.cast.dso.identity,
            TX.DemandResponse.CreateEvent,
            [{ programId: spec.program, start: new Date(start).toISOString(), targetsWh: Array(spec.length).fill(1), pricePerKwh: 1 }],
            { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] },
          );
          events.push({ id: eventId, start, end: start + spec.length * Q, cancelled: false });
        }
        const accepted: { home: number; meter: string; event: number }[] = [];
        for (const [n, a] of attempts.entries()) {
          if (cancelAt !== null && n === 1 && cancelAt < events.length) {
            await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CancelEvent, [{ eventId: events[cancelAt].id }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
            events[cancelAt].cancelled = true;
          }
          const e = a.event % events.length;
          const home = homes[a.home];
          const meter = home.meters[a.meter % home.meters.length];
          const overlaps = (o: number) => events[o].start < events[e].end && events[e].start < events[o].end;
          const expected = events[e].cancelled
            ? 'RULE_VIOLATION'
            : accepted.some((x) => !events[x.event].cancelled && (x.home === a.home || x.meter === meter) && (x.event === e || overlaps(x.event)))
              ? 'CONFLICT'
              : 'OK';
          const got = await outcome(fx.net.submit(home.actor.identity, TX.DemandResponse.OptIn, [{ eventId: events[e].id, meterId: meter }]));
          expect(got).toBe(expected);
          if (got === 'OK') accepted.push({ home: a.home, meter, event: e });
        }
        // The invariant on the ledger's own records.
        const held: { participant: string; meterId: string; event: number }[] = [];
        for (const [i, ev] of events.entries()) {
          if (ev.cancelled) continue;
          for (const o of await fx.net.evaluate<{ participant: string; meterId: string }[]>(fx.cast.regulator.identity, TX.DemandResponse.ListOptIns, [{ eventId: ev.id }])) held.push({ ...o, event: i });
        }
        for (const x of held) {
          for (const y of held) {
            if (x === y || x.event === y.event) continue;
            const overlap = events[x.event].start < events[y.event].end && events[y.event].start < events[x.event].end;
            if (overlap) expect(x.participant !== y.participant && x.meterId !== y.meterId).toBe(true);
          }
        }
      }),
      { numRuns: 15 },
    );
  }, 300_000);
});
