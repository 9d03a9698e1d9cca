import '../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { AuditRelay } from '../../gateway/src/audit-relay/relay';
import { expectError, expectNoServerErrors, http } from './support/http';
import { intervalAt } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const ZONE = 'feeder-a';
let h: Harness;
let relay: AuditRelay;
const relayOf = () => new AuditRelay({ ledger: h.ledger, identity: 'gridoperator-admin', dataDir: h.dataDir, logger: pino({ level: 'silent' }), retryMs: 100 });
const slot = (interval: string) => `/api/v1/retail/intervals/${interval}/zones/${ZONE}`;

async function clearAndSettle(interval: string): Promise<string> {
  expect((await http(h.app).post(`${slot(interval)}/clear`).set(h.auth('gridoperator-admin'))).status).toBe(200);
  const settled = await http(h.app).post(`${slot(interval)}/settle`).set(h.auth('gridoperator-admin'));
  expect(settled.status).toBe(200);
  return settled.body.result.merkleRoot;
}

async function attestation(interval: string, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await http(h.app).get(`/api/v1/audit/attestations/RETAIL/${ZONE}/${interval}`).set(h.auth('regulator-admin'));
    if (res.status === 200 || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  h = await startHarness();
  relay = relayOf();
  relay.start();
}, 60_000);
afterAll(async () => {
  await relay?.stop();
  await h?.close();
});

describe('audit relay and attestations', () => {
  it('anchors every settled interval’s Merkle root on the audit channel', async () => {
    const interval = intervalAt(-2);
    const root = await clearAndSettle(interval);
    const res = await attestation(interval);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sourceChannel: 'energy', market: 'RETAIL', zone: ZONE, interval, merkleRoot: root, recordCount: 0 });
  });

  it('resumes from its checkpoint after a restart: later settlements are anchored, none twice', async () => {
    await relay.stop();
    expect(fs.existsSync(path.join(h.dataDir, 'audit-relay.json'))).toBe(true);
    const interval = intervalAt(-3);
    const root = await clearAndSettle(interval);
    relay = relayOf();
    relay.start();
    expect((await attestation(interval)).body.merkleRoot).toBe(root);
    const list = await http(h.app).get('/api/v1/audit/attestations?market=RETAIL').set(h.auth('regulator-admin'));
    expect(list.status).toBe(200);
    const keys = list.body.items.map((a: { interval: string }) => a.interval);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining([intervalAt(-2), interval]));
    const zone = await http(h.app).get(`/api/v1/audit/attestations/RETAIL/${ZONE}`).set(h.auth('regulator-admin'));
    expect(zone.status).toBe(200);
    expect(zone.body.items.map((a: { interval: string }) => a.interval)).toEqual(expect.arrayContaining([intervalAt(-2), interval]));
    expect((await http(h.app).get('/api/v1/audit/attestations/RETAIL/feeder-z').set(h.auth('regulator-admin'))).body.items).toEqual([]);
  });

  it('refuses a zone filter without its market and an unknown market with the standard validation error', async () => {
    const noMarket = await http(h.app).get(`/api/v1/audit/attestations?zone=${ZONE}`).set(h.auth('regulator-admin'));
    expectError(noMarket, 400, 'INVALID_ARGUMENT');
    expect(noMarket.body.error.details.problems).toEqual([expect.objectContaining({ field: expect.stringContaining('query') })]);
    expectError(await http(h.app).get(`/api/v1/audit/attestations/SPOT/${ZONE}`).set(h.auth('regulator-admin')), 400, 'INVALID_ARGUMENT');
  });

  it('is readable by the grid operator and the regulator only', async () => {
    expect((await http(h.app).get('/api/v1/audit/attestations').set(h.auth('gridoperator-admin'))).status).toBe(200);
    expectError(await http(h.app).get('/api/v1/audit/attestations').set(h.auth('utility-admin')), 403, 'FORBIDDEN');
    expectError(await http(h.app).get('/api/v1/audit/attestations').set(h.auth('prosumer-01')), 403, 'FORBIDDEN');
    expectError(await http(h.app).get('/api/v1/audit/attestations').set('Authorization', 'Bearer nope'), 401, 'UNAUTHENTICATED');
    expectError(await http(h.app).get(`/api/v1/audit/attestations/RETAIL/${ZONE}/${intervalAt(-9)}`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
  });

  it('accepts a manual anchor from the grid operator idempotently; another root for the same interval is a conflict', async () => {
    const existing = (await attestation(intervalAt(-2))).body;
    const body = {
      market: 'RETAIL',
      zone: ZONE,
      interval: existing.interval,
      merkleRoot: existing.merkleRoot,
      recordCount: existing.recordCount,
      sourceTxId: existing.sourceTxId,
    };
    const again = await http(h.app).post('/api/v1/audit/attestations').set(h.auth('gridoperator-admin')).send(body);
    expect(again.status).toBe(200);
    expect(again.body.result.created).toBe(false);
    expectError(await http(h.app).post('/api/v1/audit/attestations').set(h.auth('gridoperator-admin')).send({ ...body, merkleRoot: 'f'.repeat(64) }), 409, 'CONFLICT');
    expectError(await http(h.app).post('/api/v1/audit/attestations').set(h.auth('regulator-admin')).send(body), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/audit/attestations').set(h.auth('gridoperator-admin')).send({ ...body, merkleRoot: 'xyz' }), 400, 'INVALID_ARGUMENT');
  });

  it('anchors only for the channel the gateway relays from: a body naming a source channel is refused', async () => {
    const existing = (await attestation(intervalAt(-2))).body;
    const body = { market: 'RETAIL', zone: ZONE, interval: intervalAt(-7), merkleRoot: existing.merkleRoot, recordCount: 0, sourceTxId: existing.sourceTxId };
    const forged = await http(h.app).post('/api/v1/audit/attestations').set(h.auth('gridoperator-admin')).send({ ...body, sourceChannel: 'elsewhere' });
    expectError(forged, 400, 'INVALID_ARGUMENT');
    expect(forged.body.error.message).toContain("'sourceChannel'");
    expectError(await http(h.app).get(`/api/v1/audit/attestations/RETAIL/${ZONE}/${intervalAt(-7)}`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
    const anchored = await http(h.app).post('/api/v1/audit/attestations').set(h.auth('gridoperator-admin')).send(body);
    expect(anchored.status).toBe(200);
    expect((await attestation(intervalAt(-7))).body).toMatchObject({ sourceChannel: 'energy', interval: intervalAt(-7) });
  });

  it('proof and verification of a record that does not exist are 404', async () => {
    const ref = `/api/v1/audit/settlements/RETAIL/${ZONE}/${intervalAt(-2)}/records/${'a'.repeat(64)}`;
    expectError(await http(h.app).get(`${ref}/proof`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get(`${ref}/verify`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get(`/api/v1/audit/settlements/SPOT/${ZONE}/${intervalAt(-2)}/records/${'a'.repeat(64)}/verify`).set(h.auth('regulator-admin')), 400, 'INVALID_ARGUMENT');
  });

  it('shows the history of any asset and of governance', async () => {
    await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ assetId: 'a-pv', type: 'pv', segment: 'retail', zone: ZONE, capacityKw: 3 });
    const history = await http(h.app).get('/api/v1/audit/history/asset/a-pv').set(h.auth('regulator-admin'));
    expect(history.status).toBe(200);
    expect(history.body).toHaveLength(1);
    expect(history.body[0].txId).toMatch(/^[0-9a-f]{64}$/);
    expectError(await http(h.app).get('/api/v1/audit/history/asset/nope').set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get('/api/v1/audit/history/order/x').set(h.auth('regulator-admin')), 404, 'ROUTE_NOT_FOUND');
    const moon = await http(h.app).get('/api/v1/audit/history/governance/moon').set(h.auth('regulator-admin'));
    expectError(moon, 400, 'INVALID_ARGUMENT');
    expect(moon.body.error.details.problems).toEqual([expect.objectContaining({ field: expect.stringContaining('channel') })]);
    expect((await http(h.app).get('/api/v1/audit/history/governance/audit').set(h.auth('regulator-admin'))).status).toBe(200);
  });
});
