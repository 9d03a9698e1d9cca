import fc from 'fast-check';
import { expectNoServerErrors, http } from './support/http';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

/**
 * Whatever a caller sends — any JSON, near-miss bodies, odd path segments and query strings — the answer is a typed
 * 4xx or a success, never a 500 (the suite-wide check above fails on any). The OpenAPI-driven fuzz of every operation
 * with boundary values, answer times and ledger height is test/adversarial/http-fuzz.test.ts.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

const SUBMITS = ['/api/v1/registry/assets', '/api/v1/retail/orders', '/api/v1/wholesale/curves', '/api/v1/tokens/transfers', '/api/v1/metering/readings', '/api/v1/audit/attestations'];
const text = fc.string({ maxLength: 40 });
const nearMiss = fc.record(
  {
    assetId: text,
    type: fc.constantFrom('meter', 'pv', 'battery', 'x'),
    segment: fc.constantFrom('retail', 'wholesale', ''),
    zone: text,
    capacityKw: fc.oneof(fc.double(), fc.integer()),
    interval: fc.oneof(text, fc.constant('2026-11-23T21:15:00.000Z'), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    side: fc.constantFrom('BUY', 'SELL', 'SUPPLY', 'DEMAND', 'buy'),
    price: fc.oneof(fc.integer(), fc.double(), text),
    quantityWh: fc.oneof(fc.integer(), fc.double()),
    meterId: text,
    to: fc.oneof(text, fc.constant(`p-${'1'.repeat(40)}`)),
    amount: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.MAX_SAFE_INTEGER)),
    blocks: fc.array(fc.record({ price: fc.integer(), quantityWh: fc.integer() }), { maxLength: 12 }),
    readings: fc.array(fc.dictionary(text, fc.jsonValue()), { maxLength: 3 }),
  },
  { requiredKeys: [] },
);

describe('no caller input produces a 500', () => {
  it('any JSON body on any submit route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SUBMITS), fc.oneof(fc.jsonValue(), nearMiss), async (route, body) => {
        const res = await http(h.app).post(route).set(h.auth('prosumer-01')).set('Content-Type', 'application/json').send(JSON.stringify(body));
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(typeof res.body.error.code).toBe('string');
      }),
      { numRuns: 120 },
    );
  }, 120_000);

  it('any path segment and query string on read routes', async () => {
    const reads = [
      (s: string) => `/api/v1/registry/assets/${s}`,
      (s: string) => `/api/v1/registry/participants/${s}`,
      (s: string) => `/api/v1/retail/intervals/${s}/zones/${s}/orders`,
      (s: string) => `/api/v1/metering/assets/${s}/readings/${s}`,
      (s: string) => `/api/v1/audit/attestations/RETAIL/${s}/${s}`,
      (s: string) => `/api/v1/registry/assets?pageSize=${s}&bookmark=${s}`,
      (s: string) => `/api/v1/events?lastEventId=${s}&channel=${s}`,
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: reads.length - 1 }), fc.string({ minLength: 1, maxLength: 30 }), async (i, s) => {
        const res = await http(h.app).get(reads[i](encodeURIComponent(s))).set(h.auth('regulator-admin'));
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 120 },
    );
  }, 120_000);
});
