/**
 * Offer deposits through the REST API (docs/adr/0011): with governance's deposit on, a prosumer without the balance
 * for its offer's deposit gets a clear 422 and nothing is written; within the free allowance it still sells; with
 * tokens the deposit shows as escrowed and a cancel returns it. Bad governance values are a 400.
 */
import { expectError, expectNoServerErrors, http } from './support/http';
import { activeAsset, deviceKey, intervalAt } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const ZONE = 'feeder-d';
let h: Harness;
const future = intervalAt(3);

beforeAll(async () => {
  h = await startHarness();
  // Reference 20 per kWh, full deposit, 500 Wh per meter and interval free: ⌈20 × x⌉ tokens for x Wh beyond it.
  const res = await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ imbalanceReferencePrice: 20, offerDepositPermille: 1000, offerDepositFreeWh: 500 });
  expect(res.status).toBe(200);
  await activeAsset(h, 'prosumer-02', { assetId: 'd-pv-1', type: 'pv', segment: 'retail', zone: ZONE, capacityKw: 10 });
  await activeAsset(h, 'prosumer-02', { assetId: 'd-meter-1', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
}, 90_000);
afterAll(() => h?.close());

const sell = (quantityWh: number) => ({ zone: ZONE, interval: future, side: 'SELL', price: 0, quantityWh, assetId: 'd-pv-1', meterId: 'd-meter-1' });
const balance = async () => (await http(h.app).get(`/api/v1/tokens/accounts/${h.pseudonyms['prosumer-02']}`).set(h.auth('prosumer-02'))).body as { available: number; escrowed: number };

describe('retail offer deposits through the gateway', () => {
  it('refuses bad governance values with 400', async () => {
    expectError(await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ offerDepositPermille: 1001 }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ imbalanceReferencePrice: 2_000_000 }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).put('/api/v1/governance').set(h.auth('prosumer-02')).send({ offerDepositPermille: 0 }), 403, 'FORBIDDEN');
  });

  it('answers 422 (insufficient funds) when the balance cannot cover the deposit, and writes nothing', async () => {
    const res = await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-02')).send(sell(1000));
    expectError(res, 422, 'RULE_VIOLATION');
    expect((res.body as { error: { message: string } }).error.message).toMatch(/insufficient funds/);
    expect(await balance()).toMatchObject({ available: 0, escrowed: 0 });
    const orders = await http(h.app).get(`/api/v1/retail/intervals/${future}/zones/${ZONE}/orders`).set(h.auth('prosumer-02'));
    expect(orders.status).toBe(200);
    expect(orders.body).toMatchObject({ items: [], count: 0 });
  });

  it('accepts an offer within the free allowance without a balance, and locks the deposit beyond it once funded', async () => {
    const free = await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-02')).send(sell(500));
    expect(free.status).toBe(200);
    expect(await balance()).toMatchObject({ available: 0, escrowed: 0 });
    expect((await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['prosumer-02'], amount: 50_000 })).status).toBe(200);
    const paid = await http(h.app).post('/api/v1/retail/orders').set(h.auth('prosumer-02')).send(sell(1000));
    expect(paid.status).toBe(200);
    expect(await balance()).toMatchObject({ available: 30_000, escrowed: 20_000 });
    const cancel = await http(h.app).delete(`/api/v1/retail/intervals/${future}/zones/${ZONE}/orders/${paid.body.result.orderId}`).set(h.auth('prosumer-02'));
    expect(cancel.status).toBe(200);
    expect(await balance()).toMatchObject({ available: 50_000, escrowed: 0 });
  });
});
