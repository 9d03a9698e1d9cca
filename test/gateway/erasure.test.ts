import fs from 'node:fs';
import path from 'node:path';
import { expectError, expectNoServerErrors, http } from './support/http';
import { deviceKey } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

/**
 * POST /api/v1/registry/participants/{pseudonym}/erase (docs/privacy-and-erasure.md): the participant itself or an
 * admin of its org; refused for anyone else, while obligations remain, and a second time. The chaincode suite
 * (test/chaincode/erasure) checks what is purged; this one the HTTP contract.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

const erase = (pseudonym: string, label: string) => http(h.app).post(`/api/v1/registry/participants/${pseudonym}/erase`).set(h.auth(label));

describe('erasing a participant over the API', () => {
  it('refuses another participant and an admin of another org (403), an unknown pseudonym (404), a malformed one (400)', async () => {
    const target = h.pseudonyms['consumer-01'];
    expectError(await erase(target, 'prosumer-01'), 403, 'FORBIDDEN');
    expectError(await erase(target, 'gridoperator-admin'), 403, 'FORBIDDEN');
    expectError(await erase(target, 'regulator-admin'), 403, 'FORBIDDEN');
    expectError(await erase(`p-${'0'.repeat(40)}`, 'utility-admin'), 404, 'NOT_FOUND');
    expectError(await erase('alice', 'utility-admin'), 400, 'INVALID_ARGUMENT');
  });

  it('refuses while the participant has obligations (a meter in service): 422, nothing erased', async () => {
    const owner = h.pseudonyms['prosumer-02'];
    const asset = { assetId: 'erasure-meter-1', type: 'meter', segment: 'retail', zone: 'erasure-zone', capacityKw: 5, devicePublicKey: deviceKey().publicKeyPem };
    expect((await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-02')).send(asset)).status).toBe(200);
    const refused = await erase(owner, 'utility-admin');
    expectError(refused, 422, 'RULE_VIOLATION');
    expect(refused.body.error.message).toMatch(/not decommissioned/);
    const still = await http(h.app).get(`/api/v1/registry/participants/${owner}`).set(h.auth('regulator-admin'));
    expect(still.body.status).toBe('ACTIVE');
  });

  it('erases itself once (200), then 409; the tombstone is public, its identity can no longer register', async () => {
    const registered = await http(h.app).post('/api/v1/registry/participants').set(h.auth('stranger'));
    expect(registered.status).toBe(200);
    const pseudonym = registered.body.result.pseudonym as string;
    const erased = await erase(pseudonym, 'stranger');
    expect(erased.status).toBe(200);
    expect(erased.body.result).toMatchObject({ pseudonym, requestedBy: 'PARTICIPANT', mspId: 'UtilityMSP' });
    expect(erased.body.result.purged).toMatchObject({ orders: 0, participantSecret: 1 });
    expectError(await erase(pseudonym, 'stranger'), 409, 'CONFLICT');
    expectError(await erase(pseudonym, 'utility-admin'), 409, 'CONFLICT');
    const tombstone = await http(h.app).get(`/api/v1/registry/participants/${pseudonym}`).set(h.auth('regulator-admin'));
    expect(tombstone.body).toMatchObject({ pseudonym, status: 'ERASED', roles: [] });
    expectError(await http(h.app).post('/api/v1/registry/participants').set(h.auth('stranger')), 409, 'CONFLICT');
  });

  it('lets an admin of its org erase a participant without obligations, then revoke its keys', async () => {
    const pseudonym = h.pseudonyms.newcomer;
    const erased = await erase(pseudonym, 'utility-admin');
    expect(erased.status).toBe(200);
    expect(erased.body.result).toMatchObject({ pseudonym, requestedBy: 'ORG_ADMIN' });
    const revoked = await http(h.app).delete(`/api/v1/admin/participants/${pseudonym}`).set(h.auth('utility-admin'));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ pseudonym, status: 'ERASED' });
    expect(revoked.body.revokedKeys).toHaveLength(1);
    expectError(await http(h.app).get('/api/v1/registry/participants/me').set(h.auth('newcomer')), 401, 'UNAUTHENTICATED');
  });

  it('forgets an onboarded household on this gateway once it is erased: keys ended, wallet entry and key file gone', async () => {
    const created = await http(h.app).post('/api/v1/admin/participants').set(h.auth('utility-admin')).send({ roles: ['CONSUMER'], label: 'erasure-household' });
    expect(created.status).toBe(200);
    const householdKey = { Authorization: `Bearer ${created.body.key}` };
    const caFile = path.join(h.dataDir, 'ledger', 'msp', 'UtilityMSP', 'users', 'erasure-household.json');
    expect(fs.existsSync(caFile)).toBe(true);
    const erased = await http(h.app).post(`/api/v1/registry/participants/${created.body.pseudonym}/erase`).set(householdKey);
    expect(erased.status).toBe(200);
    const revoked = await http(h.app).delete(`/api/v1/admin/participants/${created.body.pseudonym}`).set(h.auth('utility-admin'));
    expect(revoked.body).toMatchObject({ status: 'ERASED', forgottenIdentities: ['erasure-household'] });
    expect(h.ledger.identities().map((i) => i.label)).not.toContain('erasure-household');
    expect(fs.existsSync(caFile)).toBe(false);
    expectError(await http(h.app).get('/api/v1/registry/participants/me').set(householdKey), 401, 'UNAUTHENTICATED');
  });
});
