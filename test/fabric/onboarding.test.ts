/**
 * Onboarding over the API on the native Fabric network (npm run test:fabric): the utility's gateway holds its org's
 * cryptogen signing CA (OBE_FABRIC_SIGNING_CA), its admin's key creates a participant whose new identity registers on
 * chain under a random enrolment ID, acts with its new key, and is revoked (401 at once, suspended on chain).
 * Skipped, saying why, without a running network.
 */
import fs from 'node:fs';
import path from 'node:path';
import { NETWORK_DIR, describeLive } from './support/live';
import { useLiveGateway } from './support/live-gateway';

const ADMIN = 'utility-admin';
const CA_DIR = path.join(NETWORK_DIR, 'crypto', 'peerOrganizations', 'utility.obe.local', 'ca');

/** The org's cryptogen signing CA as the gateway takes it: `<mspId>:<certificate>:<private key>`. */
function signingCa(): string {
  const caKey = fs.readdirSync(CA_DIR).find((f) => f.endsWith('_sk'))!;
  const caCert = fs.readdirSync(CA_DIR).find((f) => f.endsWith('-cert.pem'))!;
  return `UtilityMSP:${path.join(CA_DIR, caCert)}:${path.join(CA_DIR, caKey)}`;
}

describeLive('onboarding over the API on Fabric', () => {
  // A gateway process, as deployed, holding the utility's signing CA.
  const gateway = useLiveGateway('obe-fabric-onboard-', 'off', () => ({ OBE_AUDIT_RELAY: 'off', OBE_FABRIC_SIGNING_CA: signingCa() }));
  let adminKey: string;
  const api = (p: string, key: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${gateway().baseUrl}${p}`, {
      method: init.method ?? 'GET',
      headers: { Authorization: `Bearer ${key}`, ...(init.json ? { 'Content-Type': 'application/json' } : {}) },
      body: init.json ? JSON.stringify(init.json) : undefined,
    });

  beforeAll(async () => {
    adminKey = gateway().keys[ADMIN]!;
    await api('/api/v1/registry/participants', adminKey, { method: 'POST' }); // 200, or 409 when registered before
  }, 60_000);

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
    const cert = fs.readFileSync(path.join(gateway().dataDir, 'wallet', 'fabric-household-1', 'msp', 'signcerts', 'cert.pem'), 'utf8');
    expect(cert).toContain('BEGIN CERTIFICATE');

    const revoked = await api(`/api/v1/admin/participants/${created.pseudonym}`, adminKey, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    expect((await api('/api/v1/me', created.key)).status).toBe(401);
    const participant = (await (await api(`/api/v1/registry/participants/${created.pseudonym}`, adminKey)).json()) as { status: string };
    expect(participant.status).toBe('SUSPENDED');
  }, 120_000);
});
