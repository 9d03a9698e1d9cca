/**
 * Property tests of the certificate rules:
 *  - pairing a settlement's deliveries (pure): never more to a buyer or from a seller than delivered, and exactly the
 *    smaller of the two sides in total;
 *  - through the chaincode on the embedded runtime (a few runs, each on a fresh interval): for any sequence of
 *    transfers and claims, valid or not, issued = held + claimed + expired at every step, no meter's claims exceed its
 *    import, no lot is claimed twice, and after the seal nothing is held any more.
 */
import fc from 'fast-check';
import { pairDeliveries, type SettledAward } from '../../../chaincode/src/certificates/settle-hook';
import { GRID, REGULATOR, UTILITY, outcome } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

import { TX } from '@obe/chaincode';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const WINDOW_MINUTES = 60;

describe('certificate pairing of settled deliveries (pure)', () => {
  it('pairs exactly min(Σ sold, Σ bought), never more than any award delivered', () => {
    const award = fc.record({ side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'), deliveredWh: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })), participant: fc.constantFrom('p1', 'p2', 'p3', 'p4') });
    fc.assert(
      fc.property(fc.array(award, { maxLength: 12 }), (list) => {
        const records: SettledAward[] = list.map((a, i) => ({ ...a, orderId: `o${i}` }));
        const pairs = pairDeliveries(records);
        const sum = (side: 'BUY' | 'SELL') => records.filter((r) => r.side === side).reduce((s, r) => s + r.deliveredWh, 0);
        expect(pairs.reduce((s, p) => s + p.wh, 0)).toBe(Math.min(sum('BUY'), sum('SELL')));
        for (const r of records) {
          const used = pairs.filter((p) => p.seller === r || p.buyer === r).reduce((s, p) => s + p.wh, 0);
          expect(used).toBeLessThanOrEqual(r.deliveredWh);
        }
        expect(pairs.every((p) => p.wh > 0 && p.seller.side === 'SELL' && p.buyer.side === 'BUY')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

interface LotView {
  lot: { lotId: string };
  details: { quantityWh: number };
}

type Op = { kind: 'transfer'; from: number; to: number; share: number } | { kind: 'claim'; who: number; share: number; reuse: boolean };

describe('certificate conservation and no double claim (embedded runtime)', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let consumers: Trader[];
  let base: number;
  let run = 0;

  beforeAll(async () => {
    base = Math.floor(Date.now() / INTERVAL) * INTERVAL + 2 * INTERVAL;
    setClock(base - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: WINDOW_MINUTES });
    producer = await fx.prosumer('cp-producer');
    consumers = [await fx.consumer('cp-a'), await fx.consumer('cp-b')];
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('transfer' as const), from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }), share: fc.double({ min: 0, max: 1.3, noNaN: true }) }),
    fc.record({ kind: fc.constant('claim' as const), who: fc.integer({ min: 1, max: 2 }), share: fc.double({ min: 0, max: 1.5, noNaN: true }), reuse: fc.boolean() }),
  );

  it('issued = held + claimed + expired after every operation, and no meter claims beyond its import', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5000 }), fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 2, maxLength: 2 }), fc.array(op, { minLength: 1, maxLength: 6 }), async (exported, imports, ops) => {
        const start = base + run++ * (WINDOW_MINUTES * MINUTE + 2 * INTERVAL);
        const interval = new Date(start).toISOString();
        const slot = { zone: ZONE, interval };
        setClock(start + INTERVAL + MINUTE);
        await fx.reading(producer.meterId, start, 0, exported);
        for (const [i, c] of consumers.entries()) await fx.reading(c.meterId, start, imports[i], 0);
        await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
        const everyone = [producer, ...consumers];
        const lotsOf = (t: Trader) => fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [slot]);
        const heldBy = async (t: Trader) => (await lotsOf(t)).reduce((s, l) => s + l.details.quantityWh, 0);
        const claimedLots = new Map<string, number>();
        const claimedBy = [0, 0, 0];

        for (const o of ops) {
          if (o.kind === 'transfer') {
            const from = everyone[o.from];
            const [lot] = await lotsOf(from);
            if (!lot) continue;
            const quantityWh = Math.max(1, Math.floor(lot.details.quantityWh * o.share));
            const result = await outcome(
              fx.net.submit(from.identity, TX.Certificates.Transfer, [], {
                transient: { transfer: JSON.stringify({ ...slot, lotId: lot.lot.lotId, to: everyone[o.to].pseudonym, quantityWh, salt: salt() }) },
                endorsingOrgs: [GRID, UTILITY],
              }),
            );
            const valid = o.from !== o.to && quantityWh <= lot.details.quantityWh;
            expect(result).toBe(valid ? 'OK' : 'INVALID_ARGUMENT');
          } else {
            const who = everyone[o.who];
            const lots = await lotsOf(who);
            const ids = o.reuse && claimedLots.size > 0 ? [[...claimedLots.keys()][0]] : lots.map((l) => l.lot.lotId);
            if (ids.length === 0) continue;
            const held = lots.filter((l) => ids.includes(l.lot.lotId)).reduce((s, l) => s + l.details.quantityWh, 0);
            const quantityWh = Math.max(1, Math.floor(Math.max(held, 1) * o.share));
            const result = await outcome(
              fx.net.submit(who.identity, TX.Certificates.Claim, [], {
                transient: { claim: JSON.stringify({ ...slot, lotIds: ids, meterId: who.meterId, quantityWh, salt: salt() }) },
                endorsingOrgs: [GRID, UTILITY],
              }),
            );
            const reusedFrom = ids.map((id) => claimedLots.get(id)).find((claimer) => claimer !== undefined);
            const valid = reusedFrom === undefined && quantityWh <= held && claimedBy[o.who] + quantityWh <= imports[o.who - 1];
            // A lot claimed before: gone (its claimer) or not the caller's (anyone else). Never claimed twice.
            expect(result).toBe(valid ? 'OK' : reusedFrom !== undefined && reusedFrom !== o.who ? 'FORBIDDEN' : 'RULE_VIOLATION');
            if (result === 'OK') {
              claimedBy[o.who] += quantityWh;
              let left = quantityWh;
              for (const l of lots.filter((x) => ids.includes(x.lot.lotId))) {
                if (left <= 0) break;
                claimedLots.set(l.lot.lotId, o.who);
                left -= l.details.quantityWh;
              }
            }
          }
          // Conservation after every step: what is held plus what was claimed is what was issued.
          const held = (await Promise.all(everyone.map(heldBy))).reduce((s, h) => s + h, 0);
          expect(held + claimedBy.reduce((s, c) => s + c, 0)).toBe(exported);
        }
        for (const i of consumers.keys()) expect(claimedBy[i + 1]).toBeLessThanOrEqual(imports[i]);

        setClock(start + INTERVAL + WINDOW_MINUTES * MINUTE);
        const seal = await fx.net.submit<{ issuedWh: number; claimedWh: number; expiredWh: number }>(fx.cast.dso.identity, TX.Certificates.SealInterval, [slot], {
          transient: { salt: salt() },
          endorsingOrgs: [GRID, REGULATOR],
        });
        expect(seal.issuedWh).toBe(exported);
        expect(seal.claimedWh).toBe(claimedBy.reduce((s, c) => s + c, 0));
        expect(seal.claimedWh + seal.expiredWh).toBe(seal.issuedWh);
        for (const t of everyone) expect(await heldBy(t)).toBe(0);
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
