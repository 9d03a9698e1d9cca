import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { expectError, expectNoServerErrors, http } from './support/http';
import { INTERVAL_MS, activeAssetAt, deviceKey, hasField } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

const ZONE = 'feeder-m';
const start = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
const meter = deviceKey();
let h: Harness;

function signed(importedWh: number, exportedWh: number, sequence: number, assetId = 'm-meter-1', key = meter.privateKey) {
  const reading = { assetId, intervalStart: start, importedWh, exportedWh, sequence };
  return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), key).toString('base64') };
}

beforeAll(async () => {
  h = await startHarness();
  // Metering starts at commissioning: the meter is commissioned (transaction time) a day before the interval it reports.
  await activeAssetAt(h, start - 24 * 3600_000, 'prosumer-01', { assetId: 'm-meter-1', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: meter.publicKeyPem });
}, 90_000);
afterAll(() => h?.close());

describe('metering', () => {
  it('accepts a signed batch from the utility’s head-end; values never come back in the submit', async () => {
    const res = await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [signed(1200, 300, 1)] });
    expect(res.status).toBe(200);
    expect(res.body.result.accepted).toBe(1);
    expect(hasField(res.body, ['importedWh', 'exportedWh', 'signature', 'salt'])).toBe(false);
    const dup = await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [signed(1200, 300, 1)] });
    expect([200, 409]).toContain(dup.status);
  });

  it('refuses malformed batches (400), forged signatures, and callers that run no head-end (403)', async () => {
    expectError(await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [{ assetId: 'm-meter-1' }] }), 400, 'INVALID_ARGUMENT');
    const forged = await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [signed(1, 1, 2, 'm-meter-1', deviceKey().privateKey)] });
    expect([400, 403, 422]).toContain(forged.status);
    expectError(await http(h.app).post('/api/v1/metering/readings').set(h.auth('consumer-01')).send({ readings: [signed(1, 1, 3)] }), 403, 'FORBIDDEN');
    const unknown = await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [signed(1, 1, 4, 'm-nope')] });
    expect([404, 422]).toContain(unknown.status);
    expectError(await http(h.app).post('/api/v1/metering/readings').send({ readings: [signed(1, 1, 3)] }), 401, 'UNAUTHENTICATED');
  });

  it('shows values to the owner, the grid operator and the regulator; 403 to other participants; hashes and totals to all', async () => {
    const path = `/api/v1/metering/assets/m-meter-1/readings/${start}`;
    for (const who of ['prosumer-01', 'gridoperator-admin', 'regulator-admin']) {
      const res = await http(h.app).get(path).set(h.auth(who));
      expect(res.status).toBe(200);
      expect(res.body.reading).toMatchObject({ importedWh: 1200, exportedWh: 300 });
    }
    expectError(await http(h.app).get(path).set(h.auth('prosumer-02')), 403, 'FORBIDDEN');
    const hash = await http(h.app).get(`${path}/hash`).set(h.auth('prosumer-02'));
    expect(hash.status).toBe(200);
    expect(hasField(hash.body, ['importedWh', 'exportedWh'])).toBe(false);
    expectError(await http(h.app).get(`/api/v1/metering/assets/m-meter-1/readings/${start - INTERVAL_MS}/hash`).set(h.auth('prosumer-02')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get('/api/v1/metering/assets/m-meter-1/readings/yesterday').set(h.auth('prosumer-02')), 400, 'INVALID_ARGUMENT');
    const total = await http(h.app).get(`/api/v1/metering/zones/${ZONE}/totals/${start}`).set(h.auth('consumer-01'));
    expect(total.status).toBe(200);
    // One participant in the zone: fewer than k = 3, so the values are suppressed (k shown).
    expect(total.body).toMatchObject({ importedWh: null, exportedWh: null, readings: 1, suppressed: true, minGroupSize: 3 });
    const aggregates = await http(h.app).get(`/api/v1/metering/aggregates?zone=${ZONE}&count=3`).set(h.auth('consumer-01'));
    expect(aggregates.body.items.some((t: { intervalStart: number }) => t.intervalStart === start)).toBe(true);
  });

  it('publishes a zone total through the DSO only, suppressed below k; a household may not publish', async () => {
    const path = `/api/v1/metering/zones/${ZONE}/totals/${start}/publish`;
    expectError(await http(h.app).post(path).set(h.auth('prosumer-02')), 403, 'FORBIDDEN');
    const published = await http(h.app).post(path).set(h.auth('gridoperator-admin'));
    expect(published.status).toBe(200);
    expect(published.body.result).toMatchObject({ published: true, suppressed: true, importedWh: null, exportedWh: null, minGroupSize: 3 });
    expectError(await http(h.app).post(`/api/v1/metering/zones/${ZONE}/totals/Infinity/publish`).set(h.auth('gridoperator-admin')), 400, 'INVALID_ARGUMENT');
  });

  it('commissions with an attested start of metering and rotates a leaked key from a DSO-declared time, over REST', async () => {
    const key = deviceKey();
    const assetId = 'm-meter-9';
    const registered = await http(h.app)
      .post('/api/v1/registry/assets')
      .set(h.auth('prosumer-02'))
      .send({ assetId, type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: key.publicKeyPem });
    expect(registered.status).toBe(200);
    const from = start - 2 * INTERVAL_MS;
    expectError(await http(h.app).post(`/api/v1/registry/assets/${assetId}/activate`).set(h.auth('prosumer-02')).send({ meteringFrom: from }), 400, 'INVALID_ARGUMENT');
    const commissioned = await http(h.app).post(`/api/v1/registry/assets/${assetId}/commission`).set(h.auth('gridoperator-admin')).send({ meteringFrom: from });
    expect(commissioned.status).toBe(200);
    expect(commissioned.body.result.meteringFrom).toBe(new Date(from).toISOString());
    // An attested start more than 31 days back (here the epoch) is refused, and the meter stays uncommissioned.
    const other = await http(h.app)
      .post('/api/v1/registry/assets')
      .set(h.auth('prosumer-02'))
      .send({ assetId: 'm-meter-8', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
    expect(other.status).toBe(200);
    expectError(await http(h.app).post('/api/v1/registry/assets/m-meter-8/commission').set(h.auth('gridoperator-admin')).send({ meteringFrom: 0 }), 422, 'RULE_VIOLATION');
    expect((await http(h.app).get('/api/v1/registry/assets/m-meter-8').set(h.auth('prosumer-02'))).body.status).toBe('REGISTERED');
    const fresh = deviceKey();
    const byOwner = await http(h.app).put(`/api/v1/registry/assets/${assetId}/device-key`).set(h.auth('prosumer-02')).send({ devicePublicKey: fresh.publicKeyPem });
    expectError(byOwner, 403, 'FORBIDDEN');
    const rotated = await http(h.app)
      .put(`/api/v1/registry/assets/${assetId}/device-key`)
      .set(h.auth('gridoperator-admin'))
      .send({ devicePublicKey: fresh.publicKeyPem, compromisedSince: start });
    expect(rotated.status).toBe(200);
    expectError(
      await http(h.app).put(`/api/v1/registry/assets/${assetId}/device-key`).set(h.auth('gridoperator-admin')).send({ devicePublicKey: fresh.publicKeyPem, compromisedSince: 'yesterday' }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('caps the aggregates fan-out: count × zones above the documented limit is a 400, one zone may ask for every interval', async () => {
    for (const [assetId, zone] of [['m-pv-2', 'feeder-m2'], ['m-pv-3', 'feeder-m3']]) {
      expect((await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ assetId, type: 'pv', segment: 'retail', zone, capacityKw: 3 })).status).toBeLessThan(300);
    }
    const tooMany = await http(h.app).get('/api/v1/metering/aggregates?count=96').set(h.auth('consumer-01'));
    expectError(tooMany, 400, 'INVALID_ARGUMENT');
    expect(tooMany.body.error.message).toMatch(/more than 192 zone totals/);
    const oneZone = await http(h.app).get(`/api/v1/metering/aggregates?count=96&zone=${ZONE}`).set(h.auth('consumer-01'));
    expect(oneZone.status).toBe(200);
    expect((await http(h.app).get('/api/v1/metering/aggregates?count=2').set(h.auth('consumer-01'))).status).toBe(200);
    const doc = await http(h.app).get('/openapi.json');
    expect(doc.body.paths['/api/v1/metering/aggregates'].get.description).toContain('192');
  });
});
