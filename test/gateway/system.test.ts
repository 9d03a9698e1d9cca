import fs from 'node:fs';
import path from 'node:path';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { expectError, expectNoServerErrors, http } from './support/http';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

/** A network whose channels have no governance yet: what an operator of a real network starts from. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ register: false });
}, 60_000);
afterAll(() => h?.close());

const config = {
  orgs: { GridOperatorMSP: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], UtilityMSP: ['UTILITY'], RegulatorMSP: ['REGULATOR'] },
  tokenIssuerMspId: 'GridOperatorMSP',
};
const pseudonymKey = 'k'.repeat(48);

describe('governance set-up over the API', () => {
  it('is 404 before it is configured', async () => {
    expectError(await http(h.app).get('/api/v1/governance').set(h.auth('utility-admin')), 404, 'NOT_FOUND');
  });

  it('is configured once, by an admin of the market operator’s org; the pseudonym key never comes back', async () => {
    expectError(await http(h.app).post('/api/v1/governance').set(h.auth('utility-admin')).send({ config, pseudonymKey }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ config, pseudonymKey: 'short' }), 400, 'INVALID_ARGUMENT');
    const res = await http(h.app).post('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ config, pseudonymKey });
    expect(res.status).toBe(200);
    expect(res.body.result.version).toBe(1);
    expect(JSON.stringify(res.body)).not.toContain(pseudonymKey);
    expectError(await http(h.app).post('/api/v1/governance').set(h.auth('gridoperator-admin')).send({ config, pseudonymKey }), 409, 'CONFLICT');
  });
});

describe('caller and demo identities', () => {
  it('tells the caller which identity its key acts as', async () => {
    const me = await http(h.app).get('/api/v1/me').set(h.auth('regulator-admin'));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ identity: 'regulator-admin', mspId: 'RegulatorMSP' });
    expect(me.body.keyId).toMatch(/^[0-9a-f]{12}$/);
    expectError(await http(h.app).get('/api/v1/me'), 401, 'UNAUTHENTICATED');
  });

  it('serves the demo keys only on a demo gateway', async () => {
    expectError(await http(h.app).get('/api/v1/demo/identities'), 404, 'NOT_FOUND');
    const file = path.join(h.dataDir, 'demo-api-keys.json');
    const key = newApiKey('utility-admin');
    fs.writeFileSync(file, JSON.stringify({ 'utility-admin': { key: key.key, identity: 'utility-admin', mspId: 'UtilityMSP' } }));
    const demo = createApp(new GatewayContext({ keys: new ApiKeyStore([key.stored]), demoKeysFile: file, ledger: h.ledger }));
    const res = await http(demo).get('/api/v1/demo/identities');
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ label: 'utility-admin', mspId: 'UtilityMSP', key: key.key }]);
    expect((await http(demo).get('/api/v1/me').set('Authorization', `Bearer ${key.key}`)).body.identity).toBe('utility-admin');
  });
});
