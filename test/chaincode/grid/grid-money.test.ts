/**
 * The grid's money rules through the chaincode on the embedded runtime, for random books, envelopes, tariffs and
 * readings (fast-check, a few runs: each is a whole interval): tokens are conserved at every step (buyers + sellers +
 * balancing account + DSO), the DSO receives exactly the fees and envelope charges the settlement reports, no escrow
 * stays locked, no buyer pays more than its bid, and the awards on a feeder never exceed its envelope.
 */
import fc from 'fast-check';
import { TX } from '@obe/chaincode';
import { MarketFixture, ZONE, restoreClock, setClock, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

describe('grid money properties through the chaincode (embedded runtime)', () => {
  let fx: MarketFixture;
  let sellers: Trader[];
  let buyers: Trader[];
  let next: number;
  const FEEDER_OF = ['fa', 'fa', 'fb', 'fa', 'fb', 'fb'];

  beforeAll(async () => {
    fx = await MarketFixture.start({ settlementDeadlineMinutes: 1, imbalanceFactorPermille: 1500, minPublicGroupSize: 1 });
    sellers = [await fx.prosumer('gm-s1'), await fx.prosumer('gm-s2'), await fx.prosumer('gm-s3')];
    buyers = [await fx.consumer('gm-b1', ZONE, 5_000_000), await fx.consumer('gm-b2', ZONE, 5_000_000), await fx.consumer('gm-b3', ZONE, 5_000_000)];
    const dso = fx.cast.dso.identity;
    await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    for (const feeder of ['fa', 'fb']) await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: feeder, kind: 'FEEDER', zone: ZONE }]);
    for (const [i, t] of [...sellers, ...buyers].entries()) await fx.net.submit(dso, TX.Grid.AttachAsset, [{ assetId: t.meterId, feeder: FEEDER_OF[i] }]);
    next = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  const limit = fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null });
  const runArb = fc.record({
    sells: fc.array(fc.record({ price: fc.integer({ min: 0, max: 20 }), quantity: fc.integer({ min: 100, max: 3000 }) }), { minLength: 3, maxLength: 3 }),
    buys: fc.array(fc.record({ price: fc.integer({ min: 1, max: 40 }), quantity: fc.integer({ min: 100, max: 4000 }) }), { minLength: 3, maxLength: 3 }),
    envelopes: fc.record({ fa: fc.record({ importWh: limit, exportWh: limit }), zone: fc.record({ importWh: limit, exportWh: limit }) }),
    tariff: fc.option(fc.integer({ min: 0, max: 10 }).chain((fee) => fc.record({ feePerKwh: fc.constant(fee), localFeePerKwh: fc.integer({ min: 0, max: fee }) })), { nil: null }),
    exports: fc.array(fc.option(fc.integer({ min: 0, max: 5000 }), { nil: null, freq: 5 }), { minLength: 3, maxLength: 3 }),
    imports: fc.array(fc.option(fc.integer({ min: 0, max: 6000 }), { nil: null, freq: 5 }), { minLength: 3, maxLength: 3 }),
  });

  it('conserve tokens, pay the DSO exactly its fees and charges, keep awards within envelopes and leave nothing locked', async () => {
    await fc.assert(
      fc.asyncProperty(runArb, async (run) => {
        const at = next;
        next += 4 * INTERVAL;
        const interval = new Date(at).toISOString();
        const everyone = [...sellers, ...buyers, fx.cast.marketOperator, fx.cast.dso];
        const total = async () => {
          let sum = 0;
          for (const a of everyone) {
            const b = await fx.balance(a);
            sum += b.available + b.escrowed;
          }
          return sum;
        };
        const before = await total();
        const dsoBefore = await fx.balance(fx.cast.dso);
        const buyersBefore = await Promise.all(buyers.map((b) => fx.balance(b)));
        setClock(at - 30 * MINUTE);
        const envelopes = [
          ...(run.envelopes.fa.importWh === null && run.envelopes.fa.exportWh === null ? [] : [{ nodeId: 'fa', interval, importLimitWh: run.envelopes.fa.importWh, exportLimitWh: run.envelopes.fa.exportWh }]),
          ...(run.envelopes.zone.importWh === null && run.envelopes.zone.exportWh === null ? [] : [{ nodeId: ZONE, interval, importLimitWh: run.envelopes.zone.importWh, exportLimitWh: run.envelopes.zone.exportWh }]),
        ];
        if (envelopes.length > 0) await fx.net.submit(fx.cast.dso.identity, TX.Grid.PublishEnvelopes, [{ envelopes }]);
        if (run.tariff) await fx.net.submit(fx.cast.dso.identity, TX.Grid.PublishTariffs, [{ tariffs: [{ zone: ZONE, interval, ...run.tariff }] }]);
        for (const [i, o] of run.sells.entries()) await fx.placeOrder(sellers[i], ZONE, interval, 'SELL', o.price, o.quantity);
        for (const [i, o] of run.buys.entries()) await fx.placeOrder(buyers[i], ZONE, interval, 'BUY', o.price, o.quantity);
        expect(await total()).toBe(before);

        setClock(at - 4 * MINUTE);
        const cleared = await fx.clear(ZONE, interval);
        expect(await total()).toBe(before);
        if (envelopes.length > 0) {
          const loading = await fx.net.evaluate<{ feeders: { nodeId: string; importWh: number; exportWh: number; importLimitWh: number | null; exportLimitWh: number | null }[] }>(fx.cast.dso.identity, TX.Grid.GetFeederLoading, [{ zone: ZONE, interval }]);
          for (const f of loading.feeders) {
            if (f.importLimitWh !== null) expect(f.importWh).toBeLessThanOrEqual(f.importLimitWh);
            if (f.exportLimitWh !== null) expect(f.exportWh).toBeLessThanOrEqual(f.exportLimitWh);
          }
        }

        setClock(at + INTERVAL + 2 * MINUTE);
        for (const [i, s] of sellers.entries()) if (run.exports[i] !== null) await fx.reading(s.meterId, at, 0, run.exports[i]!);
        for (const [i, b] of buyers.entries()) if (run.imports[i] !== null) await fx.reading(b.meterId, at, run.imports[i]!, 0);
        await fx.settle('RETAIL', ZONE, interval);
        expect(await total()).toBe(before);
        for (const b of buyers) expect((await fx.balance(b)).escrowed).toBe(0);
        // No buyer pays more than its bid escrowed: price + fee ≤ limit on every Wh.
        for (const [i, b] of buyers.entries()) {
          const now = await fx.balance(b);
          expect(buyersBefore[i].available + buyersBefore[i].escrowed - now.available).toBeLessThanOrEqual(run.buys[i].price * run.buys[i].quantity);
        }
        const details = (await fx.net.evaluate<{ details?: { gridFees?: number; envelopeCharged?: number } }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [{ market: 'RETAIL', zone: ZONE, interval }])).details ?? {};
        const dsoNow = await fx.balance(fx.cast.dso);
        expect(dsoNow.available - dsoBefore.available).toBe((details.gridFees ?? 0) + (details.envelopeCharged ?? 0));
        if (!run.tariff) expect(details.gridFees ?? 0).toBe(0);
        if (run.tariff?.feePerKwh === 4 && run.envelopes.fa.exportWh === 1500) {
          // The example: fa's sellers are awarded 1500 Wh but metered 3000: 1500 Wh over, charged; fees were paid.
          expect(cleared.price).not.toBeNull();
          expect(details.gridFees).toBeGreaterThan(0);
          expect(details.envelopeCharged).toBeGreaterThan(0);
        }
      }),
      {
        numRuns: 8,
        endOnFailure: true,
        // Plus one run where everything bites: fa's export envelope binds, a tariff with a local rate, and a seller on
        // fa exports beyond its award (an envelope charge).
        examples: [
          [
            {
              sells: [{ price: 2, quantity: 2000 }, { price: 3, quantity: 2000 }, { price: 8, quantity: 2000 }],
              buys: [{ price: 30, quantity: 2000 }, { price: 30, quantity: 2000 }, { price: 25, quantity: 2000 }],
              envelopes: { fa: { importWh: null, exportWh: 1500 }, zone: { importWh: 5000, exportWh: null } },
              tariff: { feePerKwh: 4, localFeePerKwh: 1 },
              exports: [2000, 1000, 2000],
              imports: [2000, 2000, 1000],
            },
          ],
        ],
      },
    );
  }, 300_000);
});
