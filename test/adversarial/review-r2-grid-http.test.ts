/**
 * Review R2 of #16 over HTTP: the grid segment refuses non-finite, fractional, negative, oversized and mistyped
 * numbers, oversized batches, bad query values and malformed paths with 4xx (never 500), and a refused batch writes
 * nothing, not even its valid entries.
 */
import { expectError, expectNoServerErrors, http } from '../gateway/support/http';
import { intervalAt } from '../gateway/support/fixtures';
import { startHarness, type Harness } from '../gateway/support/harness';

expectNoServerErrors();

const ZONE = 'r2h-zone';
const base = '/api/v1/grid';
const DSO = 'gridoperator-admin';
const interval = intervalAt(8);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  expect((await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: ZONE, kind: 'ZONE' })).status).toBe(200);
  expect((await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: 'r2h-f1', kind: 'FEEDER', zone: ZONE })).status).toBe(200);
}, 90_000);
afterAll(async () => {
  h?.gateway.closeStreams();
  await h?.close();
});

const raw = (path: string, text: string) => http(h.app).post(path).set(h.auth(DSO)).set('Content-Type', 'application/json').send(text);

describe('review R2: grid routes refuse bad input with 4xx and write nothing', () => {
  it('envelope limits: 1e400 (Infinity), 1e13, −1, 1.5, "5", true → 400; 501 entries → 400', async () => {
    const env = (limit: string) => `{"envelopes":[{"nodeId":"r2h-f1","interval":"${interval}","importLimitWh":null,"exportLimitWh":${limit}}]}`;
    for (const limit of ['1e400', '-1e400', '10000000000000', '-1', '1.5', '"5"', 'true', '{}', '[]']) expectError(await raw(`${base}/envelopes`, env(limit)), 400, 'INVALID_ARGUMENT');
    const many = Array.from({ length: 501 }, (_, i) => ({ nodeId: 'r2h-f1', interval: intervalAt(8 + i), importLimitWh: 1, exportLimitWh: 1 }));
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: many }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [{ nodeId: 'r2h-f1', interval: 'yesterday', importLimitWh: 1, exportLimitWh: 1 }] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [{ nodeId: 'r2h-f1', interval, importLimitWh: 1, exportLimitWh: 1, extra: 1 }] }), 400, 'INVALID_ARGUMENT');
  });

  it('tariffs: 1e400, negative, fractional, above the price bound → 400', async () => {
    const tariff = (fee: string, local = '0') => `{"tariffs":[{"zone":"${ZONE}","interval":"${interval}","feePerKwh":${fee},"localFeePerKwh":${local}}]}`;
    for (const fee of ['1e400', '-1', '0.5', '10000001', 'null']) expectError(await raw(`${base}/tariffs`, tariff(fee)), 400, 'INVALID_ARGUMENT');
    expectError(await raw(`${base}/tariffs`, tariff('5', '1e400')), 400, 'INVALID_ARGUMENT');
  });

  it('a batch with one refused entry writes none of them', async () => {
    const good = { nodeId: 'r2h-f1', interval, importLimitWh: 10, exportLimitWh: 10 };
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [good, { ...good, nodeId: 'r2h-nope' }] }), 404, 'NOT_FOUND');
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [good, { ...good, interval: intervalAt(-2) }] }), 422, 'RULE_VIOLATION');
    expect((await http(h.app).get(`${base}/zones/${ZONE}/intervals/${interval}/envelopes`).set(h.auth('consumer-01'))).body).toEqual([]);
  });

  it('reads: bad kind, array query, malformed interval and ids → 400/404, never 500', async () => {
    expectError(await http(h.app).get(`${base}/nodes?kind=SUBSTATION`).set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
    const arrayQuery = await http(h.app).get(`${base}/nodes?zone=a&zone=b`).set(h.auth('consumer-01'));
    expect(arrayQuery.status).toBe(400);
    expectError(await http(h.app).get(`${base}/zones/${ZONE}/intervals/not-a-time/loading`).set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).get(`${base}/zones/${ZONE}/intervals/${encodeURIComponent('2026-12-01T12:07:00.000Z')}/tariff`).set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
    expect((await http(h.app).get(`${base}/nodes/${'x'.repeat(500)}`).set(h.auth('consumer-01'))).status).toBe(400);
    expect((await http(h.app).put(`${base}/attachments/r2h-meter`).set(h.auth(DSO)).send({ feeder: { $ne: 1 } })).status).toBe(400);
    expect((await http(h.app).put(`${base}/attachments/r2h-meter`).set(h.auth(DSO)).send({})).status).toBe(400);
  });
});

describe('review R2: a long-lived signal stream', () => {
  it('remembers at most MAX_REMEMBERED_FEES fees (it grew by one per zone and interval for as long as it stayed open)', async () => {
    const { MAX_REMEMBERED_FEES, rememberFee } = await import('../../gateway/src/routes/grid');
    const fees = new Map<string, number | null>();
    for (let i = 0; i < 3 * MAX_REMEMBERED_FEES; i++) rememberFee(fees, `zone\u0000${i}`, i);
    expect(fees.size).toBe(MAX_REMEMBERED_FEES);
    expect(fees.get(`zone\u0000${3 * MAX_REMEMBERED_FEES - 1}`)).toBe(3 * MAX_REMEMBERED_FEES - 1);
    expect(fees.has('zone\u00000')).toBe(false);
    rememberFee(fees, `zone\u0000${2 * MAX_REMEMBERED_FEES}`, 7); // a re-published tariff is the newest again
    expect([...fees.keys()].pop()).toBe(`zone\u0000${2 * MAX_REMEMBERED_FEES}`);
  });
});
