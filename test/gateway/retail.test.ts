import { expectError, expectNoServerErrors, http } from './support/http';
import { activeAsset, deviceKey, hasField, intervalAt } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const ZONE = 'feeder-r';
let h: Harness;
const future = intervalAt(3);
const past = intervalAt(-3);
const slot = (interval: string) => `/api/v1/retail/intervals/${interval}/zones/${ZONE}`;

beforeAll(async () => {
  h = await startHarness();
  await activeAsset(h, 'prosumer-01', { assetId: 'r-pv-1', type: 'pv', segment: 'retail', zone: ZONE, capacityKw: 5 });
  await activeAsset(h, 'prosumer-01', { assetId: 'r-meter-1', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
  await activeAsset(h, 'consumer-01', { assetId: 'r-meter-2', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
  await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['consumer-01'], amount: 100_000 });
}, 90_000);
afterAll(() => h?.close());

const sell = (extra: Record<string, unknown> = {}) => ({ zone: ZONE, interval: future, side: 'SELL', price: 12, quantityWh: 1000, assetId: 'r-pv-1', meterId: 'r-meter-1', ...extra });
const buy = (extra: Record<string, unknown> = {}) => ({ zone: ZONE, interval: future, side: 'BUY', price: 15, quantityWh: 800, meterId: 'r-meter-2', ...extra });

describe('retail intervals', () => {
  it('lists intervals around now with gate closure and phase', async () => {
    const res = await http(h.app).get('/api/v1/retail/intervals?count=3&offset=-1').set(h.auth('consumer-01'));
    expect(res.status).toBe(200);
    expect(res.body.map((i: { phase: string }) => i.phase)).toEqual(['DELIVERED', 'DELIVERY', expect.stringMatching(/OPEN|GATE_CLOSED/)]);
    expectError(await http(h.app).get('/api/v1/retail/intervals?count=1000').set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
  });
});

describe('retail orders', () => {
  let sellId: string;
  let buyId: string;

  it('places orders whose price and quantity travel privately and never come back in the submit', async () => {
    const s = await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-01')).send(sell());
    expect(s.status).toBe(200);
    expect(s.body.result).toMatchObject({ side: 'SELL', owner: h.pseudonyms['prosumer-01'], status: 'OPEN' });
    expect(hasField(s.body, ['price', 'quantityWh', 'salt'])).toBe(false);
    sellId = s.body.result.orderId;
    const b = await http(h.app).post('/api/v1/retail/orders').set(h.auth('consumer-01')).send(buy());
    expect(b.status).toBe(200);
    buyId = b.body.result.orderId;
  });

  it('refuses bad input (400), wrong roles (403), unknown assets (404) and closed gates or out-of-range prices (422)', async () => {
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-01')).send(sell({ price: -1 })), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-01')).send(sell({ meterId: undefined })), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-01')).send(sell({ interval: '2026-01-01T00:07:00Z' })), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('consumer-01')).send(sell({ assetId: 'r-pv-1' })), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('newcomer')).send(buy()), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('consumer-01')).send(buy({ meterId: 'no-such-meter' })), 404, 'NOT_FOUND');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('consumer-01')).send(buy({ interval: past })), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post('/api/v1/retail/orders').set(h.auth('consumer-01')).send(buy({ price: 20_000 })), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post('/api/v1/retail/orders').send(buy()), 401, 'UNAUTHENTICATED');
  });

  it('shows everyone the commitments and only the owner, operator and regulator the details', async () => {
    const list = await http(h.app).get(`${slot(future)}/orders`).set(h.auth('prosumer-02'));
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(hasField(list.body, ['price', 'quantityWh', 'blocks'])).toBe(false);
    const own = await http(h.app).get(`${slot(future)}/orders/${buyId}`).set(h.auth('consumer-01'));
    expect(own.body.details.blocks).toEqual([{ price: 15, quantityWh: 800 }]);
    expect((await http(h.app).get(`${slot(future)}/orders/${buyId}`).set(h.auth('regulator-admin'))).body.details).toBeDefined();
    expect((await http(h.app).get(`${slot(future)}/orders/${buyId}`).set(h.auth('gridoperator-admin'))).body.details).toBeDefined();
    const other = await http(h.app).get(`${slot(future)}/orders/${buyId}`).set(h.auth('prosumer-02'));
    expect(other.status).toBe(200);
    expect(other.body.details).toBeUndefined();
    const curves = await http(h.app).get(`${slot(future)}/curves`).set(h.auth('regulator-admin'));
    expect(curves.body).toEqual({ supply: [{ price: 12, quantityWh: 1000 }], demand: [{ price: 15, quantityWh: 800 }], visibleOrders: 2, totalOrders: 2 });
    const partial = await http(h.app).get(`${slot(future)}/curves`).set(h.auth('prosumer-02'));
    expect(partial.body).toMatchObject({ supply: [], demand: [], visibleOrders: 0, totalOrders: 2 });
    expectError(await http(h.app).get(`${slot(future)}/orders/${'a'.repeat(64)}`).set(h.auth('prosumer-02')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get(`${slot(future)}/orders/xyz`).set(h.auth('prosumer-02')), 400, 'INVALID_ARGUMENT');
  });

  it('cancels: only the owner, only once', async () => {
    expectError(await http(h.app).delete(`${slot(future)}/orders/${sellId}`).set(h.auth('consumer-01')), 403, 'FORBIDDEN');
    const cancelled = await http(h.app).delete(`${slot(future)}/orders/${sellId}`).set(h.auth('prosumer-01'));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.result.status).toBe('CANCELLED');
    const again = await http(h.app).delete(`${slot(future)}/orders/${sellId}`).set(h.auth('prosumer-01'));
    expect([409, 422]).toContain(again.status);
  });
});

describe('retail clearing and settlement', () => {
  it('clears only after gate closure, only as market operator, only once', async () => {
    expectError(await http(h.app).post(`${slot(future)}/clear`).set(h.auth('gridoperator-admin')), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post(`${slot(past)}/clear`).set(h.auth('consumer-01')), 403, 'FORBIDDEN');
    const cleared = await http(h.app).post(`${slot(past)}/clear`).set(h.auth('gridoperator-admin'));
    expect(cleared.status).toBe(200);
    expect(cleared.body.result).toMatchObject({ market: 'RETAIL', zone: ZONE, interval: past, volumeWh: 0 });
    expectError(await http(h.app).post(`${slot(past)}/clear`).set(h.auth('gridoperator-admin')), 409, 'CONFLICT');
  });

  it('publishes the result and awards; 404 before clearing', async () => {
    const result = await http(h.app).get(`${slot(past)}/result`).set(h.auth('consumer-01'));
    expect(result.status).toBe(200);
    expect(result.body.price).toBeNull();
    expectError(await http(h.app).get(`${slot(future)}/result`).set(h.auth('consumer-01')), 404, 'NOT_FOUND');
    expect((await http(h.app).get(`${slot(past)}/awards`).set(h.auth('consumer-01'))).body.items).toEqual([]);
    expect((await http(h.app).get(`${slot(past)}/my-awards`).set(h.auth('consumer-01'))).body).toEqual([]);
    expectError(await http(h.app).get(`${slot(past)}/awards/${'b'.repeat(64)}`).set(h.auth('consumer-01')), 404, 'NOT_FOUND');
    const results = await http(h.app).get(`/api/v1/retail/results?zone=${ZONE}&count=6`).set(h.auth('consumer-01'));
    expect(results.body.items.map((r: { interval: string }) => r.interval)).toEqual([past]);
    // One ledger read per zone and interval: the fan-out is capped (count × zones ≤ 192), one zone may ask for all 96.
    for (const [assetId, zone] of [['r-pv-2', 'feeder-r2'], ['r-pv-3', 'feeder-r3']]) {
      expect((await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ assetId, type: 'pv', segment: 'retail', zone, capacityKw: 3 })).status).toBeLessThan(300);
    }
    expectError(await http(h.app).get('/api/v1/retail/results?count=96').set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
    expect((await http(h.app).get(`/api/v1/retail/results?zone=${ZONE}&count=96`).set(h.auth('consumer-01'))).status).toBe(200);
  });

  it('settles a cleared, delivered interval once, as market operator', async () => {
    expectError(await http(h.app).post(`${slot(past)}/settle`).set(h.auth('consumer-01')), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(`${slot(intervalAt(-4))}/settle`).set(h.auth('gridoperator-admin')), 422, 'RULE_VIOLATION');
    const settled = await http(h.app).post(`${slot(past)}/settle`).set(h.auth('gridoperator-admin'));
    expect(settled.status).toBe(200);
    expect(settled.body.result.merkleRoot).toMatch(/^[0-9a-f]{64}$/);
    expectError(await http(h.app).post(`${slot(past)}/settle`).set(h.auth('gridoperator-admin')), 409, 'CONFLICT');
    expect((await http(h.app).get(`${slot(past)}/settlement`).set(h.auth('prosumer-02'))).body.recordCount).toBe(0);
    expect((await http(h.app).get(`${slot(past)}/settlement/records`).set(h.auth('prosumer-02'))).body.items).toEqual([]);
    expectError(await http(h.app).get(`${slot(intervalAt(-4))}/settlement`).set(h.auth('prosumer-02')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get(`${slot(past)}/settlement/records/${'c'.repeat(64)}`).set(h.auth('prosumer-02')), 404, 'NOT_FOUND');
  });
});
