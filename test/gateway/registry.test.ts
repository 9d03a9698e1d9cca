import { expectError, expectNoServerErrors, http } from './support/http';
import { deviceKey } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const UNKNOWN = `p-${'0'.repeat(40)}`;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());


describe('participants', () => {
  it('registers the caller under its pseudonym, once', async () => {
    const first = await http(h.app).post('/api/v1/registry/participants').set(h.auth('stranger'));
    expect(first.status).toBe(200);
    expect(first.body.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(first.body.result.pseudonym).toMatch(/^p-[0-9a-f]{40}$/);
    expect(first.body.result.roles).toEqual([]);
    expectError(await http(h.app).post('/api/v1/registry/participants').set(h.auth('stranger')), 409, 'CONFLICT');
  });

  it('answers 401 without a key or with an unknown one', async () => {
    expectError(await http(h.app).get('/api/v1/registry/participants'), 401, 'UNAUTHENTICATED');
    expectError(await http(h.app).get('/api/v1/registry/participants').set('Authorization', 'Bearer obe_unknown'), 401, 'UNAUTHENTICATED');
    expectError(await http(h.app).post('/api/v1/registry/participants'), 401, 'UNAUTHENTICATED');
  });

  it('lists participants a page at a time with an opaque bookmark', async () => {
    const first = await http(h.app).get('/api/v1/registry/participants?pageSize=3').set(h.auth('prosumer-01'));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(3);
    expect(typeof first.body.bookmark).toBe('string');
    const second = await http(h.app).get(`/api/v1/registry/participants?pageSize=3&bookmark=${first.body.bookmark}`).set(h.auth('prosumer-01'));
    expect(second.status).toBe(200);
    const seen = [...first.body.items, ...second.body.items].map((p: { pseudonym: string }) => p.pseudonym);
    expect(new Set(seen).size).toBe(seen.length);
    expectError(await http(h.app).get('/api/v1/registry/participants?bookmark=nonsense').set(h.auth('prosumer-01')), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).get('/api/v1/registry/participants?pageSize=0').set(h.auth('prosumer-01')), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).get('/api/v1/registry/participants?unknown=1').set(h.auth('prosumer-01')), 400, 'INVALID_ARGUMENT');
  });

  it('reads one participant and the caller itself; 404 for an unknown pseudonym, 400 for a malformed one', async () => {
    const me = await http(h.app).get('/api/v1/registry/participants/me').set(h.auth('prosumer-01'));
    expect(me.status).toBe(200);
    expect(me.body.pseudonym).toBe(h.pseudonyms['prosumer-01']);
    expect(me.body.effectiveRoles).toEqual(['PROSUMER']);
    const one = await http(h.app).get(`/api/v1/registry/participants/${h.pseudonyms['prosumer-01']}`).set(h.auth('regulator-admin'));
    expect(one.status).toBe(200);
    expect(one.body.mspId).toBe('UtilityMSP');
    expectError(await http(h.app).get(`/api/v1/registry/participants/${UNKNOWN}`).set(h.auth('prosumer-01')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get('/api/v1/registry/participants/alice').set(h.auth('prosumer-01')), 400, 'INVALID_ARGUMENT');
  });

  it('lets only an admin of the participant’s own org grant roles that org may hold', async () => {
    const target = h.pseudonyms.newcomer;
    const url = `/api/v1/registry/participants/${target}/roles`;
    expectError(await http(h.app).post(url).set(h.auth('prosumer-01')).send({ role: 'CONSUMER' }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(url).set(h.auth('gridoperator-admin')).send({ role: 'CONSUMER' }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(url).set(h.auth('utility-admin')).send({ role: 'MARKET_OPERATOR' }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(url).set(h.auth('utility-admin')).send({ role: 'KING' }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(url).set(h.auth('utility-admin')).send({ role: 'CONSUMER', extra: 1 }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`/api/v1/registry/participants/${UNKNOWN}/roles`).set(h.auth('utility-admin')).send({ role: 'CONSUMER' }), 404, 'NOT_FOUND');
    const granted = await http(h.app).post(url).set(h.auth('utility-admin')).send({ role: 'CONSUMER' });
    expect(granted.status).toBe(200);
    expect(granted.body.result.roles).toEqual(['CONSUMER']);
    const revoked = await http(h.app).delete(`${url}/CONSUMER`).set(h.auth('utility-admin'));
    expect(revoked.status).toBe(200);
    expect(revoked.body.result.roles).toEqual([]);
  });

  it('suspends and reactivates; a second suspension breaks a rule (422)', async () => {
    const base = `/api/v1/registry/participants/${h.pseudonyms.newcomer}`;
    expectError(await http(h.app).post(`${base}/suspend`).set(h.auth('prosumer-01')), 403, 'FORBIDDEN');
    expect((await http(h.app).post(`${base}/suspend`).set(h.auth('utility-admin'))).body.result.status).toBe('SUSPENDED');
    expectError(await http(h.app).post(`${base}/suspend`).set(h.auth('utility-admin')), 422, 'RULE_VIOLATION');
    expect((await http(h.app).post(`${base}/reactivate`).set(h.auth('utility-admin'))).body.result.status).toBe('ACTIVE');
  });
});

describe('assets', () => {
  const pv = { assetId: 'reg-pv-1', type: 'pv', segment: 'retail', zone: 'feeder-reg', capacityKw: 5.5 };

  it('registers an asset owned by the caller, once; invalid input is 400; grid infrastructure is for the DSO', async () => {
    const res = await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send(pv);
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ assetId: 'reg-pv-1', status: 'REGISTERED', owner: h.pseudonyms['prosumer-01'] });
    expectError(await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send(pv), 409, 'CONFLICT');
    expectError(await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ ...pv, assetId: 'x', capacityKw: -1 }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ ...pv, assetId: 'm1', type: 'meter' }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ ...pv, assetId: 'f1', type: 'feeder' }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/registry/assets').set(h.auth('newcomer')).send({ ...pv, assetId: 'n1' }), 403, 'FORBIDDEN');
    const meter = await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ ...pv, assetId: 'reg-meter-1', type: 'meter', devicePublicKey: deviceKey().publicKeyPem });
    expect(meter.status).toBe(200);
  });

  it('walks the lifecycle: only a DSO commissions; the owner activates; an impossible move is 422', async () => {
    expectError(await http(h.app).post('/api/v1/registry/assets/reg-pv-1/commission').set(h.auth('prosumer-01')), 403, 'FORBIDDEN');
    expect((await http(h.app).post('/api/v1/registry/assets/reg-pv-1/commission').set(h.auth('gridoperator-admin'))).body.result.status).toBe('COMMISSIONED');
    expectError(await http(h.app).post('/api/v1/registry/assets/reg-pv-1/activate').set(h.auth('prosumer-02')), 403, 'FORBIDDEN');
    expect((await http(h.app).post('/api/v1/registry/assets/reg-pv-1/activate').set(h.auth('prosumer-01'))).body.result.status).toBe('ACTIVE');
    expectError(await http(h.app).post('/api/v1/registry/assets/reg-pv-1/activate').set(h.auth('prosumer-01')), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post('/api/v1/registry/assets/reg-pv-1/explode').set(h.auth('prosumer-01')), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/registry/assets/no-such/commission').set(h.auth('gridoperator-admin')), 404, 'NOT_FOUND');
  });

  it('reads, filters and pages assets, and shows an asset’s history', async () => {
    const one = await http(h.app).get('/api/v1/registry/assets/reg-pv-1').set(h.auth('consumer-01'));
    expect(one.status).toBe(200);
    expect(one.body.status).toBe('ACTIVE');
    expectError(await http(h.app).get('/api/v1/registry/assets/no-such').set(h.auth('consumer-01')), 404, 'NOT_FOUND');
    const list = await http(h.app).get('/api/v1/registry/assets?zone=feeder-reg&type=pv').set(h.auth('consumer-01'));
    expect(list.body.items.map((a: { assetId: string }) => a.assetId)).toEqual(['reg-pv-1']);
    expectError(await http(h.app).get('/api/v1/registry/assets?type=spaceship').set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
    const history = await http(h.app).get('/api/v1/registry/assets/reg-pv-1/history').set(h.auth('regulator-admin'));
    expect(history.status).toBe(200);
    expect(history.body.map((e: { value: { status: string } }) => e.value.status).sort()).toEqual(['ACTIVE', 'COMMISSIONED', 'REGISTERED']);
  });

  it('transfers ownership in two steps, only to the named participant', async () => {
    const offer = await http(h.app).post('/api/v1/registry/assets/reg-pv-1/transfer').set(h.auth('prosumer-01')).send({ to: h.pseudonyms['prosumer-02'] });
    expect(offer.status).toBe(200);
    expect(offer.body.result.pendingTransfer.to).toBe(h.pseudonyms['prosumer-02']);
    expectError(await http(h.app).post('/api/v1/registry/assets/reg-pv-1/transfer').set(h.auth('prosumer-01')).send({ to: 'bob' }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/registry/assets/reg-pv-1/transfer/accept').set(h.auth('consumer-01')), 403, 'FORBIDDEN');
    const accepted = await http(h.app).post('/api/v1/registry/assets/reg-pv-1/transfer/accept').set(h.auth('prosumer-02'));
    expect(accepted.body.result.owner).toBe(h.pseudonyms['prosumer-02']);
    expectError(await http(h.app).delete('/api/v1/registry/assets/reg-pv-1/transfer').set(h.auth('prosumer-02')), 422, 'RULE_VIOLATION');
  });

  it('rotates a device key (owner only)', async () => {
    expectError(await http(h.app).put('/api/v1/registry/assets/reg-meter-1/device-key').set(h.auth('prosumer-02')).send({ devicePublicKey: deviceKey().publicKeyPem }), 403, 'FORBIDDEN');
    expectError(await http(h.app).put('/api/v1/registry/assets/reg-meter-1/device-key').set(h.auth('prosumer-01')).send({ devicePublicKey: 'not a key' }), 400, 'INVALID_ARGUMENT');
    expect((await http(h.app).put('/api/v1/registry/assets/reg-meter-1/device-key').set(h.auth('prosumer-01')).send({ devicePublicKey: deviceKey().publicKeyPem })).status).toBe(200);
  });
});

describe('governance', () => {
  it('is readable by every member and changed only by the market operator’s admin', async () => {
    const gov = await http(h.app).get('/api/v1/governance').set(h.auth('consumer-01'));
    expect(gov.status).toBe(200);
    expect(gov.body.config.intervalMinutes).toBe(15);
    expectError(await http(h.app).put('/api/v1/governance').set(h.auth('utility-admin')).send({ priceCap: 5000 }), 403, 'FORBIDDEN');
    expectError(await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ intervalMinutes: 7 }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).send({}), 400, 'INVALID_ARGUMENT');
    const updated = await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ priceCap: 9000 });
    expect(updated.status).toBe(200);
    expect(updated.body.result.version).toBe(2);
    const history = await http(h.app).get('/api/v1/audit/history/governance/energy').set(h.auth('regulator-admin'));
    expect(history.body.map((r: { version: number }) => r.version)).toEqual([1, 2]);
    expectError(await http(h.app).post('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ config: {}, pseudonymKey: 'x'.repeat(40) }), 400, 'INVALID_ARGUMENT');
  });

  it('the audit channel is closed to orgs outside it', async () => {
    expectError(await http(h.app).get('/api/v1/governance?channel=audit').set(h.auth('utility-admin')), 403, 'FORBIDDEN');
    expect((await http(h.app).get('/api/v1/governance?channel=audit').set(h.auth('regulator-admin'))).status).toBe(200);
  });
});
