import '../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import path from 'node:path';
import { restartableGateway } from '../e2e/support/in-process-gateway';
import { expectNoServerErrors, http } from './support/http';

expectNoServerErrors();

/** Onboarding on the gateway as `npm start` runs it: the onboarded identity and its key survive a restart. */
describe('onboarding across a gateway restart', () => {
  const { dataDir, start, current } = restartableGateway('obe-onb-', { OBE_AUDIT_RELAY: 'off', OBE_OPERATOR_AGENT: 'off' });

  it('keeps the identity (same certificate, same pseudonym) and its key valid after a restart; the key is in no file', async () => {
    let url = await start();
    const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    const admin = { Authorization: `Bearer ${demo['utility-admin']!.key}` };
    await http(url).post('/api/v1/registry/participants').set(admin);
    const res = await http(url).post('/api/v1/admin/participants').set(admin).send({ roles: ['CONSUMER'], label: 'restart-household' });
    expect(res.status).toBe(200);
    const key = { Authorization: `Bearer ${res.body.key}` };
    for (const file of ['gateway.json', 'demo-api-keys.json']) expect(fs.readFileSync(path.join(dataDir, file), 'utf8')).not.toContain(res.body.key);
    await current()!.stop();

    url = await start();
    const me = await http(url).get('/api/v1/registry/participants/me').set(key);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ pseudonym: res.body.pseudonym, effectiveRoles: ['CONSUMER'] });
    await http(url).delete(`/api/v1/admin/participants/${res.body.pseudonym}`).set(admin).expect(200);
    expect((await http(url).get('/api/v1/me').set(key)).status).toBe(401);
  }, 120_000);
});
