/**
 * The live suites' HTTP helper (support/live-gateway.ts: liveApi, waitUntil), checked here against a gateway process
 * on the embedded ledger, so that it is exercised by plain `npm test` although the suites using it need the native
 * network: registration tolerates an earlier one, grants reach the ledger, assets come into service, `ok` refuses
 * any status but 200.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startGateway, type GatewayProcess } from '../e2e/support/gateway-process';
import { liveApi, waitUntil } from './support/live-gateway';

describe('liveApi, the live suites’ HTTP helper, on an embedded gateway process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-live-api-'));
  let gw: GatewayProcess | undefined;

  beforeAll(async () => {
    gw = await startGateway(dataDir);
  }, 120_000);

  afterAll(async () => {
    if (gw) expect(await gw.stop()).toBe(0);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers (again: 409 accepted, same pseudonyms), grants roles that the ledger then reports, and refuses unknown labels', async () => {
    const api = liveApi(gw!);
    const first = await api.register(['utility-admin', 'prosumer-01']);
    expect(Object.keys(first)).toEqual(['utility-admin', 'prosumer-01']);
    expect(first['prosumer-01']).toMatch(/\S/);
    expect((await api.call('prosumer-01', 'POST', '/api/v1/registry/participants')).status).toBe(409);
    expect(await liveApi(gw!).register(['prosumer-01'])).toEqual({ 'prosumer-01': first['prosumer-01'] });

    await api.grant('utility-admin', 'prosumer-01', 'PROSUMER');
    await api.grant('utility-admin', 'prosumer-01', 'PROSUMER'); // granted already: 409, accepted
    expect((await api.ok('prosumer-01', 'GET', '/api/v1/registry/participants/me')).body.effectiveRoles).toContain('PROSUMER');
    await expect(api.grant('utility-admin', 'consumer-01', 'CONSUMER')).rejects.toThrow(/consumer-01: not registered by this suite/);
    // A refused grant (a prosumer is no admin) fails the suite's expectation of 200 or 409.
    await expect(api.grant('prosumer-01', 'prosumer-01', 'DSO')).rejects.toThrow();
  });

  it('call returns any status with its JSON body; ok throws on anything but 200, naming the request', async () => {
    const api = liveApi(gw!);
    const refused = await api.call('consumer-01', 'PUT', '/api/v1/governance', { gateClosureMinutes: 0 });
    expect(refused.status).toBe(403);
    expect(refused.body).toBeDefined();
    await expect(api.ok('consumer-01', 'PUT', '/api/v1/governance', { gateClosureMinutes: 0 })).rejects.toThrow(/^PUT \/api\/v1\/governance as consumer-01: 403 /);
    expect((await api.ok('regulator-admin', 'GET', '/api/v1/governance')).body.config.intervalMinutes).toBeGreaterThan(0);
  });

  it('activeAsset registers, commissions (with the given body) and activates; a refused step throws', async () => {
    const api = liveApi(gw!);
    await api.register(['gridoperator-admin', 'prosumer-01']);
    await api.grant('gridoperator-admin', 'gridoperator-admin', 'DSO'); // commissions
    const pv = { assetId: 'live-api-pv-1', type: 'pv', segment: 'retail', zone: 'live-api', capacityKw: 5 };
    await api.activeAsset('prosumer-01', pv);
    expect((await api.ok('prosumer-01', 'GET', `/api/v1/registry/assets/${pv.assetId}`)).body).toMatchObject({ assetId: pv.assetId, status: 'ACTIVE' });
    await api.activeAsset('prosumer-01', { ...pv, assetId: 'live-api-pv-2' }, {});
    await expect(api.activeAsset('prosumer-01', pv)).rejects.toThrow(/^POST \/api\/v1\/registry\/assets as prosumer-01: 409 /);
    await expect(api.activeAsset('prosumer-01', { ...pv, assetId: 'live-api-pv-3' }, { meteringFrom: 'yesterday' })).rejects.toThrow(/commission as gridoperator-admin: 400 /);
  });

  it('waitUntil returns once the clock has reached the given time, not before', async () => {
    const target = Date.now() + 300;
    await waitUntil(target);
    expect(Date.now()).toBeGreaterThanOrEqual(target);
    const before = Date.now();
    await waitUntil(before - 10_000); // in the past: returns at once
    expect(Date.now() - before).toBeLessThan(100);
  });
});
