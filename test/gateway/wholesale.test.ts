import { expectError, expectNoServerErrors, http } from './support/http';
import { activeAsset, hasField } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const DAY = 24 * 60 * 60_000;
/** A delivery interval two days ahead: its day-ahead gate (noon UTC the day before) is still open. */
const future = new Date(Math.floor(Date.now() / DAY) * DAY + 2 * DAY + 10 * 60 * 60_000).toISOString();
/** Yesterday: its gate closed long ago. */
const past = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 10 * 60 * 60_000).toISOString();
const base = (interval: string) => `/api/v1/wholesale/intervals/${interval}`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await activeAsset(h, 'generator-1', { assetId: 'w-gen-1', type: 'generator', segment: 'wholesale', zone: 'SYSTEM', capacityKw: 50_000 });
  await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['utility-admin'], amount: 500_000_000 });
}, 90_000);
afterAll(() => h?.close());

const supply = (extra: Record<string, unknown> = {}) => ({
  interval: future,
  side: 'SUPPLY',
  assetId: 'w-gen-1',
  blocks: [
    { price: 40, quantityWh: 1_000_000 },
    { price: 60, quantityWh: 2_000_000 },
  ],
  ...extra,
});
const demand = (extra: Record<string, unknown> = {}) => ({ interval: future, side: 'DEMAND', blocks: [{ price: 80, quantityWh: 1_500_000 }], ...extra });

describe('wholesale curves', () => {
  let supplyId: string;

  it('takes supply curves from generators and demand curves from retailers; the blocks stay private', async () => {
    const s = await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('generator-1')).send(supply());
    expect(s.status).toBe(200);
    expect(hasField(s.body, ['blocks', 'price', 'quantityWh', 'salt'])).toBe(false);
    supplyId = s.body.result.orderId;
    const d = await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('utility-admin')).send(demand());
    expect(d.status).toBe(200);
  });

  it('refuses bad curves (400), wrong roles (403), unknown assets (404), closed gates (422)', async () => {
    expectError(await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('generator-1')).send(supply({ blocks: [] })), 400, 'INVALID_ARGUMENT');
    expectError(
      await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('generator-1')).send(supply({ blocks: [{ price: 60, quantityWh: 1 }, { price: 40, quantityWh: 1 }] })),
      400,
      'INVALID_ARGUMENT',
    );
    expectError(await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('prosumer-01')).send(supply()), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('consumer-01')).send(demand()), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('generator-1')).send(supply({ assetId: 'no-such' })), 404, 'NOT_FOUND');
    expectError(await http(h.app).post('/api/v1/wholesale/curves').set(h.auth('generator-1')).send(supply({ interval: past })), 422, 'RULE_VIOLATION');
  });

  it('lists commitments publicly; details only for owner, operator and regulator', async () => {
    const list = await http(h.app).get(`${base(future)}/curves`).set(h.auth('prosumer-01'));
    expect(list.body.items).toHaveLength(2);
    expect(hasField(list.body, ['blocks'])).toBe(false);
    expect((await http(h.app).get(`${base(future)}/curves/${supplyId}`).set(h.auth('generator-1'))).body.details.blocks).toHaveLength(2);
    expect((await http(h.app).get(`${base(future)}/curves/${supplyId}`).set(h.auth('regulator-admin'))).body.details).toBeDefined();
    expect((await http(h.app).get(`${base(future)}/curves/${supplyId}`).set(h.auth('utility-admin'))).body.details).toBeUndefined();
    expectError(await http(h.app).get(`${base(future)}/curves/${'d'.repeat(64)}`).set(h.auth('generator-1')), 404, 'NOT_FOUND');
  });

  it('cancels only the owner’s curve', async () => {
    expectError(await http(h.app).delete(`${base(future)}/curves/${supplyId}`).set(h.auth('utility-admin')), 403, 'FORBIDDEN');
    expect((await http(h.app).delete(`${base(future)}/curves/${supplyId}`).set(h.auth('generator-1'))).status).toBe(200);
  });
});

describe('wholesale clearing and settlement', () => {
  it('clears after the day-ahead gate, once, as market operator; publishes result and awards', async () => {
    expectError(await http(h.app).post(`${base(future)}/clear`).set(h.auth('gridoperator-admin')), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post(`${base(past)}/clear`).set(h.auth('generator-1')), 403, 'FORBIDDEN');
    const cleared = await http(h.app).post(`${base(past)}/clear`).set(h.auth('gridoperator-admin'));
    expect(cleared.status).toBe(200);
    expect(cleared.body.result).toMatchObject({ market: 'WHOLESALE', zone: 'SYSTEM', volumeWh: 0 });
    expectError(await http(h.app).post(`${base(past)}/clear`).set(h.auth('gridoperator-admin')), 409, 'CONFLICT');
    expect((await http(h.app).get(`${base(past)}/result`).set(h.auth('prosumer-01'))).status).toBe(200);
    expectError(await http(h.app).get(`${base(future)}/result`).set(h.auth('prosumer-01')), 404, 'NOT_FOUND');
    expect((await http(h.app).get(`${base(past)}/awards`).set(h.auth('prosumer-01'))).body.items).toEqual([]);
    expect((await http(h.app).get(`${base(past)}/my-awards`).set(h.auth('generator-1'))).body).toEqual([]);
    expectError(await http(h.app).get(`${base(past)}/awards/${'e'.repeat(64)}`).set(h.auth('generator-1')), 404, 'NOT_FOUND');
    const hoursBack = Math.ceil((Date.now() - Date.parse(past)) / (15 * 60_000)) + 1;
    const results = await http(h.app).get(`/api/v1/wholesale/results?count=${Math.min(192, hoursBack)}`).set(h.auth('prosumer-01'));
    expect(results.status).toBe(200);
    expect(results.body.items.map((r: { interval: string }) => r.interval)).toEqual([past]);
    expectError(await http(h.app).get('/api/v1/wholesale/results?count=0').set(h.auth('prosumer-01')), 400, 'INVALID_ARGUMENT');
  });

  it('settles once, as market operator', async () => {
    expectError(await http(h.app).post(`${base(past)}/settle`).set(h.auth('generator-1')), 403, 'FORBIDDEN');
    const settled = await http(h.app).post(`${base(past)}/settle`).set(h.auth('gridoperator-admin'));
    expect(settled.status).toBe(200);
    expectError(await http(h.app).post(`${base(past)}/settle`).set(h.auth('gridoperator-admin')), 409, 'CONFLICT');
    expect((await http(h.app).get(`${base(past)}/settlement`).set(h.auth('regulator-admin'))).body.market).toBe('WHOLESALE');
    expect((await http(h.app).get(`${base(past)}/settlement/records`).set(h.auth('regulator-admin'))).body.items).toEqual([]);
    expectError(await http(h.app).get(`${base(future)}/settlement`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
  });
});
