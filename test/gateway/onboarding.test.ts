import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { createApp } from '../../gateway/src/app';
import { readGatewayFile } from '../../gateway/src/config';
import { GatewayContext } from '../../gateway/src/context';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { deviceKey, intervalAt } from './support/fixtures';
import { expectError, expectNoServerErrors, http } from './support/http';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const ONBOARD = '/api/v1/admin/participants';
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Every transaction on `energy` whose creator certificate has this CN. */
function transactionsSignedBy(cn: string) {
  const runtime = h.ledger.runtime;
  const found = [];
  for (let n = 0; n < runtime.height('energy'); n++) {
    for (const tx of runtime.block('energy', n).transactions) {
      if (new X509Certificate(tx.creator.certificate).subject.split('\n').includes(`CN=${cn}`)) found.push(tx);
    }
  }
  return found;
}

describe('onboarding over the API', () => {
  it('lets an org admin onboard a participant whose key works at once; the label never reaches the ledger', async () => {
    const res = await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['PROSUMER'], label: 'customer-4711-jane-doe' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ label: 'customer-4711-jane-doe', mspId: 'UtilityMSP', roles: ['PROSUMER'] });
    expect(res.body.pseudonym).toMatch(/^p-[0-9a-f]{40}$/);
    expect(res.body.enrollmentId).toMatch(/^id-[0-9a-f]{32}$/);
    expect(res.body.key).toMatch(/^obe_[0-9a-f]{12}_/);
    const key = bearer(res.body.key);

    const me = await http(h.app).get('/api/v1/registry/participants/me').set(key);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ pseudonym: res.body.pseudonym, mspId: 'UtilityMSP', effectiveRoles: ['PROSUMER'] });
    const asset = await http(h.app).post('/api/v1/registry/assets').set(key)
      .send({ assetId: 'onb-meter-1', type: 'meter', segment: 'retail', zone: 'ZONE-A', capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
    expect(asset.status).toBe(200);
    expect(asset.body.result.owner).toBe(res.body.pseudonym);
    // … and trades: its meter in service, tokens from the issuer, a bid in an open interval.
    await http(h.app).post('/api/v1/registry/assets/onb-meter-1/commission').set(h.auth('gridoperator-admin')).expect(200);
    await http(h.app).post('/api/v1/registry/assets/onb-meter-1/activate').set(key).expect(200);
    await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: res.body.pseudonym, amount: 10_000 }).expect(200);
    const order = await http(h.app).post('/api/v1/retail/orders').set(key)
      .send({ zone: 'ZONE-A', interval: intervalAt(3), side: 'BUY', price: 15, quantityWh: 500, meterId: 'onb-meter-1' });
    expect(order.status).toBe(200);
    expect((await http(h.app).get('/api/v1/tokens/balance').set(key)).body.escrowed).toBeGreaterThan(0);

    // The blocks carry the new identity's certificate: a random CN, nothing of the label.
    const signed = transactionsSignedBy(res.body.enrollmentId);
    expect(signed.map((tx) => tx.fn)).toEqual(expect.arrayContaining([TX.Participants.Register.name, TX.Registry.RegisterAsset.name, TX.RetailMarket.PlaceOrder.name]));
    for (const tx of signed) expect(Buffer.from(new X509Certificate(tx.creator.certificate).raw).toString('latin1')).not.toMatch(/4711|jane|customer/i);
  });

  it('shows a key once: the admin can list key ids, never a key', async () => {
    const res = await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['CONSUMER'] });
    expect(res.status).toBe(200);
    expect(res.body.label).toMatch(/^participant-[0-9a-f]{12}$/);
    const list = await http(h.app).get('/api/v1/admin/keys').set(h.auth('utility-admin'));
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual({ keyId: res.body.keyId, identity: res.body.label, mspId: 'UtilityMSP' });
    expect(JSON.stringify(list.body)).not.toContain(res.body.key);
    expect(list.body.every((k: { mspId: string }) => k.mspId === 'UtilityMSP')).toBe(true);
    expectError(await http(h.app).get('/api/v1/admin/keys').set(h.auth('prosumer-01')), 403, 'FORBIDDEN');
  });

  it('refuses non-admins, another org, roles the org may not grant, and bad input', async () => {
    expectError(await http(h.app).post(ONBOARD).set(h.auth('prosumer-01')).send({ roles: ['PROSUMER'] }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(ONBOARD).set(h.auth('gridoperator-admin')).send({ roles: ['PROSUMER'], mspId: 'UtilityMSP' }), 403, 'FORBIDDEN');
    const identitiesBefore = h.ledger.identities().length;
    // The chaincode decides which roles an org may grant: the utility may not make a market operator.
    expectError(await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['MARKET_OPERATOR'], label: 'would-be-operator' }), 403, 'FORBIDDEN');
    expect(h.ledger.identities().length).toBe(identitiesBefore + 1);
    const keys = await http(h.app).get('/api/v1/admin/keys').set(h.auth('utility-admin'));
    expect(keys.body.some((k: { identity: string }) => k.identity === 'would-be-operator')).toBe(false);
    for (const bad of [{}, { roles: [] }, { roles: ['KING'] }, { roles: ['PROSUMER'], label: 'Jane Doe' }, { roles: ['PROSUMER'], extra: 1 }, { roles: ['PROSUMER', 'PROSUMER'] }]) {
      expectError(await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send(bad), 400, 'INVALID_ARGUMENT');
    }
    expectError(await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['PROSUMER'], label: 'prosumer-01' }), 409, 'CONFLICT');
    expectError(await http(h.app).post(ONBOARD).send({ roles: ['PROSUMER'] }), 401, 'UNAUTHENTICATED');
  });

  it('revokes: the key answers 401 on the next request and the participant is suspended on chain', async () => {
    const res = await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['PROSUMER'] });
    const key = bearer(res.body.key);
    expect((await http(h.app).get('/api/v1/me').set(key)).status).toBe(200);
    const url = `${ONBOARD}/${res.body.pseudonym}`;
    expectError(await http(h.app).delete(url).set(h.auth('prosumer-01')), 403, 'FORBIDDEN');
    expectError(await http(h.app).delete(url).set(h.auth('gridoperator-admin')), 403, 'FORBIDDEN');
    expectError(await http(h.app).delete(`${ONBOARD}/${h.pseudonyms['utility-admin']}`).set(h.auth('utility-admin')), 403, 'FORBIDDEN');
    expectError(await http(h.app).delete(`${ONBOARD}/p-${'0'.repeat(40)}`).set(h.auth('utility-admin')), 404, 'NOT_FOUND');
    const revoked = await http(h.app).delete(url).set(h.auth('utility-admin'));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ pseudonym: res.body.pseudonym, status: 'SUSPENDED', revokedKeys: [res.body.keyId] });
    expectError(await http(h.app).get('/api/v1/me').set(key), 401, 'UNAUTHENTICATED');
    const participant = await http(h.app).get(`/api/v1/registry/participants/${res.body.pseudonym}`).set(h.auth('regulator-admin'));
    expect(participant.body.status).toBe('SUSPENDED');
    // The identity cannot act through any gateway: the chaincode refuses a suspended participant.
    await expect(h.ledger.submit({ channel: 'energy', identity: res.body.label, fn: TX.Registry.RegisterAsset.name,
      args: [JSON.stringify({ assetId: 'onb-after', type: 'pv', segment: 'retail', zone: 'ZONE-A', capacityKw: 1 })] })).rejects.toThrow(/FORBIDDEN|suspended/i);
    // Revoking again is harmless.
    expect((await http(h.app).delete(url).set(h.auth('utility-admin'))).body.revokedKeys).toEqual([]);
  });

  it('revokes one key by id, for the admin of its org only', async () => {
    const res = await http(h.app).post(ONBOARD).set(h.auth('utility-admin')).send({ roles: ['CONSUMER'] });
    expectError(await http(h.app).delete(`/api/v1/admin/keys/${res.body.keyId}`).set(h.auth('regulator-admin')), 403, 'FORBIDDEN');
    expectError(await http(h.app).delete('/api/v1/admin/keys/000000000000').set(h.auth('utility-admin')), 404, 'NOT_FOUND');
    const revoked = await http(h.app).delete(`/api/v1/admin/keys/${res.body.keyId}`).set(h.auth('utility-admin'));
    expect(revoked.body).toEqual({ revokedKeys: [res.body.keyId] });
    expectError(await http(h.app).get('/api/v1/me').set(bearer(res.body.key)), 401, 'UNAUTHENTICATED');
  });

  it('with a config file: stores only the hash and the identity; revocation reloads the key store at once', async () => {
    const configFile = path.join(h.dataDir, 'gateway.json');
    const admin = newApiKey('utility-admin');
    fs.writeFileSync(configFile, JSON.stringify({ apiKeys: [admin.stored], identities: [{ label: 'utility-admin', mspId: 'UtilityMSP', admin: true }] }));
    const gateway = new GatewayContext({
      logger: pino({ level: 'silent' }),
      keys: new ApiKeyStore([admin.stored]),
      keysFile: configFile,
      dataDir: path.join(h.dataDir, 'gateway-file'),
      ledger: h.ledger,
      limits: { keyReloadMs: 60_000 },
    });
    const app = createApp(gateway);
    const res = await http(app).post(ONBOARD).set(bearer(admin.key)).send({ roles: ['PROSUMER'] });
    expect(res.status).toBe(200);
    const text = fs.readFileSync(configFile, 'utf8');
    expect(text).not.toContain(res.body.key);
    const file = readGatewayFile(configFile)!;
    expect(file.apiKeys.find((k) => k.id === res.body.keyId)?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(file.identities).toContainEqual({ label: res.body.label, mspId: 'UtilityMSP' });
    expect((await http(app).get('/api/v1/me').set(bearer(res.body.key))).status).toBe(200);
    await http(app).delete(`${ONBOARD}/${res.body.pseudonym}`).set(bearer(admin.key)).expect(200);
    // No wait for the reload interval (60 s here): the edit reloads the store itself.
    expectError(await http(app).get('/api/v1/me').set(bearer(res.body.key)), 401, 'UNAUTHENTICATED');
    expect(readGatewayFile(configFile)!.apiKeys.map((k) => k.id)).toEqual([admin.stored.id]);
    await gateway.submits?.drain();
  });
});
