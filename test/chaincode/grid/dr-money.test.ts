import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { TX } from '@obe/chaincode';
import { deliveredReduction, paidReductions } from '../../../chaincode/src/grid/dr/baseline';
import { GRID, REGULATOR, UTILITY, newDevice, outcome, signReading, type Actor, type Device } from '../support';
import { MarketFixture, restoreClock, salt, setClock } from '../market/fixture';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const Q = 15 * 60_000;

interface Household extends Actor {
  meterId: string;
  device: Device;
}

/**
 * Money of demand response through the chaincode, for arbitrary readings (fast-check): three households, a two-day
 * baseline, two intervals, readings that may be missing. Each run settles one event and checks that tokens are
 * conserved (the DSO's escrow = Σ payments + what returned), each payment is exactly what the pure rules say, nothing
 * stays escrowed, and a second settlement is refused.
 */
describe('demand-response money on the ledger (property)', () => {
  let fx: MarketFixture;
  let homes: Household[];
  let base: number;
  let run = 0;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    base = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    setClock(base - 3 * DAY);
    homes = [];
    for (const name of ['p1', 'p2', 'p3']) {
      const actor = await fx.net.participant(UTILITY, `money-${name}`, ['CONSUMER']);
      const device = newDevice();
      const meterId = `money-${name}`;
      await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: meterId, type: 'meter', segment: 'retail', zone: 'money-zone', capacityKw: 20, devicePublicKey: device.publicKeyPem }]);
      await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meterId }]);
      await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: meterId }]);
      homes.push({ ...actor, meterId, device });
    }
    await fx.mint(fx.cast.dso, 1_000_000_000);
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'money', zone: 'money-zone', baseline: { days: 2, minDays: 1, lookbackDays: 2 } }]);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const reading = fc.option(fc.nat(3000), { nil: null, freq: 4 });
  /** Per household: [day −2, day −1, event] imports for each of the two intervals. */
  const household = fc.array(fc.tuple(reading, reading, reading), { minLength: 2, maxLength: 2 });

  it('conserves tokens, pays exactly the rule, never twice, and leaves nothing escrowed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(household, { minLength: 3, maxLength: 3 }), fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 2, maxLength: 2 }), fc.integer({ min: 1, max: 500 }), async (values, targets, price) => {
        const eventDay = base + 3 * DAY * run++;
        const start = eventDay + 18 * HOUR;
        const total = async () => {
          let sum = 0n;
          for (const a of [fx.cast.dso, ...homes]) {
            const b = await fx.balance(a);
            sum += BigInt(b.available) + BigInt(b.escrowed);
          }
          return sum;
        };
        const before = await total();
        const paidBefore = await Promise.all(homes.map(async (h) => (await fx.balance(h)).available));

        setClock(eventDay + 12 * HOUR);
        const { eventId } = await fx.net.submit<{ eventId: string }>(fx.cast.dso.identity, TX.DemandResponse.CreateEvent, [{ programId: 'money', start: new Date(start).toISOString(), targetsWh: targets, pricePerKwh: price }], {
          transient: { salt: salt() },
          endorsingOrgs: [GRID, REGULATOR],
        });
        for (const h of homes) await fx.net.submit(h.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: h.meterId }]);

        setClock(start + 2 * Q + DAY); // past the settlement deadline: missing readings are allowed
        for (const [i, h] of homes.entries()) {
          const signed = values[i].flatMap(([d2, d1, ev], k) =>
            ([[start + k * Q - 2 * DAY, d2], [start + k * Q - DAY, d1], [start + k * Q, ev]] as [number, number | null][])
              .filter(([, v]) => v !== null)
              .map(([t, v]) => signReading(h.device, { assetId: h.meterId, intervalStart: t, importedWh: v!, exportedWh: 0, sequence: t / 1000 })),
          );
          if (signed.length > 0) {
            await fx.net.submit(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: { readings: JSON.stringify({ salt: randomBytes(24).toString('hex'), readings: signed }) }, endorsingOrgs: [GRID, UTILITY] });
          }
        }
        await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.SettleEvent, [{ eventId }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });

        // The pure rules' answer.
        const expectedWh = homes.map(() => 0);
        for (let k = 0; k < 2; k++) {
          const reductions = values.map((v) => {
            const samples = [v[k][1], v[k][0]].filter((x): x is number => x !== null);
            const baseline = samples.length === 0 ? null : Math.floor(samples.reduce((s, x) => s + x, 0) / samples.length);
            return deliveredReduction(baseline, v[k][2]);
          });
          paidReductions(reductions, targets[k]).forEach((wh, i) => (expectedWh[i] += wh));
        }
        for (const [i, h] of homes.entries()) {
          expect((await fx.balance(h)).available - paidBefore[i]).toBe(expectedWh[i] * price);
        }
        expect(await total()).toBe(before);
        expect((await fx.balance(fx.cast.dso)).escrowed).toBe(0);
        expect(await outcome(fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.SettleEvent, [{ eventId }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }))).toBe('CONFLICT');
      }),
      { numRuns: 8 },
    );
  }, 300_000);
});
