import '../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import path from 'node:path';
import { restartableGateway } from '../e2e/support/in-process-gateway';
import { expectNoServerErrors, http } from './support/http';

expectNoServerErrors();

/**
 * Erasure on the gateway as `npm start` runs it (docs/privacy-and-erasure.md): once an onboarded household is erased
 * and its org admin revokes it, the gateway's files keep no trace of its label — not in gateway.json, not in the
 * runtime's CA directory — and a restart does not issue it again.
 */
describe('an erased household across a gateway restart', () => {
  const { dataDir, start, current } = restartableGateway('obe-erase-', { OBE_AUDIT_RELAY: 'off', OBE_OPERATOR_AGENT: 'off' });

  /** Every file under the data directory that contains `needle`. */
  const filesWith = (dir: string, needle: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) return filesWith(full, needle);
      return e.name.includes(needle) || fs.readFileSync(full).includes(Buffer.from(needle)) ? [path.relative(dataDir, full)] : [];
    });

  it('forgets its label in every gateway file and does not bring it back on restart', async () => {
    let url = await start();
    const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    const admin = { Authorization: `Bearer ${demo['utility-admin']!.key}` };
    await http(url).post('/api/v1/registry/participants').set(admin);
    const label = 'household-to-forget';
    const res = await http(url).post('/api/v1/admin/participants').set(admin).send({ roles: ['CONSUMER'], label });
    expect(res.status).toBe(200);
    expect(filesWith(dataDir, label).length).toBeGreaterThan(0);
    expect((await http(url).post(`/api/v1/registry/participants/${res.body.pseudonym}/erase`).set({ Authorization: `Bearer ${res.body.key}` })).status).toBe(200);
    const revoked = await http(url).delete(`/api/v1/admin/participants/${res.body.pseudonym}`).set(admin);
    expect(revoked.body).toMatchObject({ status: 'ERASED', forgottenIdentities: [label] });
    expect(filesWith(dataDir, label)).toEqual([]);
    await current()!.stop();

    url = await start();
    expect((await http(url).get('/api/v1/me').set({ Authorization: `Bearer ${res.body.key}` })).status).toBe(401);
    expect(filesWith(dataDir, label)).toEqual([]);
  }, 120_000);
});
