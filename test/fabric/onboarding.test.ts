/**
 * Onboarding over the API on the native Fabric network (npm run test:fabric): the utility's gateway holds its org's
 * cryptogen signing CA (OBE_FABRIC_SIGNING_CA), its admin's key creates a participant whose new identity registers on
 * chain under a random enrolment ID, acts with its new key, and is revoked (401 at once, suspended on chain).
 * Skipped, saying why, without a running network.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startGateway, type RunningGateway } from '../../gateway/src/bootstrap';
import { loadConfig } from '../../gateway/src/config';
import { newApiKey } from '../../gateway/src/http/auth';
import { CONNECTION_FILE, NETWORK_DIR, describeLive } from './support/live';

const ADMIN = 'utility-admin';
const CA_DIR = path.join(NETWORK_DIR, 'crypto', 'peerOrganizations', 'utility.obe.local', 'ca');

describeLive('onboarding over the API on Fabric', () => {
  let dataDir: string;
  let gw: RunningGateway;
  let adminKey: string;
  const api = (p: string, key: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${gw.url}${p.replace(/^\//, '')}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${key}`, ...(init.json ? { 'Content-Type': 'application/json' } : {}) },
      body: init.json ? JSON.stringify(init.json) : undefined,
    });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-fabric-onboard-'));
    const admin = newApiKey(ADMIN);
    adminKey = admin.key;
    fs.writeFileSync(path.join(dataDir, 'gateway.json'), JSON.stringify({ apiKeys: [admin.stored] }));
    const caKey = fs.readdirSync(CA_DIR).find((f) => f.endsWith('_sk'))!;
    const caCert = fs.readdirSync(CA_DIR).find((f) => f.endsWith('-cert.pem'))!;
    const env = {
      PORT: '0', OBE_LEDGER: 'fabric', OBE_FABRIC_CONFIG: CONNECTION_FILE, OBE_DATA_DIR: dataDir, OBE_AUDIT_RELAY: 'off', OBE_DEMO: 'off', LOG_LEVEL: 'silent',
      OBE_FABRIC_SIGNING_CA: `UtilityMSP:${path.join(CA_DIR, caCert)}:${path.join(CA_DIR, caKey)}`,
    };
    process.env.OBE_FABRIC_SIGNING_CA = env.OBE_FABRIC_SIGNING_CA;
    gw = await startGateway(loadConfig(env), pino({ level: 'silent' }));
    await gw.ready;
    await api('/api/v1/registry/participants', adminKey, { method: 'POST' }); // 200, or 409 when registered before
  }, 180_000);

  afterAll(async () => {
    delete process.env.OBE_FABRIC_SIGNING_CA;
    await gw?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('onboards a prosumer that acts with its new key at once, then revokes it', async () => {
    const res = await api('/api/v1/admin/participants', adminKey, { method: 'POST', json: { roles: ['PROSUMER'], label: 'fabric-household-1' } });
    expect(res.status).toBe(200);
    const created = (await res.json()) as { key: string; pseudonym: string; enrollmentId: string; roles: string[] };
    expect(created.enrollmentId).toMatch(/^id-[0-9a-f]{32}$/);
    expect(created.roles).toEqual(['PROSUMER']);
    const me = (await (await api('/api/v1/registry/participants/me', created.key)).json()) as { pseudonym: string; effectiveRoles: string[] };
    expect(me).toMatchObject({ pseudonym: created.pseudonym, effectiveRoles: ['PROSUMER'] });
    const asset = await api('/api/v1/registry/assets', created.key, {
      method: 'POST',
      json: { assetId: `fabric-onb-pv-${Date.now()}`, type: 'pv', segment: 'retail', zone: 'feeder-1', capacityKw: 5 },
    });
    expect(asset.status).toBe(200);
    // The wallet holds the identity under its label; the certificate's CN is the random enrolment ID.
    const cert = fs.readFileSync(path.join(dataDir, 'wallet', 'fabric-household-1', 'msp', 'signcerts', 'cert.pem'), 'utf8');
    expect(cert).toContain('BEGIN CERTIFICATE');

    const revoked = await api(`/api/v1/admin/participants/${created.pseudonym}`, adminKey, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect((await api('/api/v1/me', created.key)).status).toBe(401);
    const participant = (await (await api(`/api/v1/registry/participants/${created.pseudonym}`, adminKey)).json()) as { status: string };
    expect(participant.status).toBe('SUSPENDED');
  }, 120_000);
});
