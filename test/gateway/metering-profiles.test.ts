import crypto from 'node:crypto';
import { MAX_PROFILE_INTERVALS } from '@obe/chaincode';
import { signProfile } from '../../gateway/src/neighbourhood-sim/readings';
import { expectError, expectNoServerErrors, http } from './support/http';
import { INTERVAL_MS, activeAssetAt, deviceKey, hasField } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

/** POST /api/v1/metering/profiles → Metering:SubmitProfiles: signed load profiles through REST. */
const ZONE = 'feeder-p';
const last = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
const meter = deviceKey();
let h: Harness;

const runOf = (first: number, count: number) => ({
  assetId: 'p-meter-1',
  readings: Array.from({ length: count }, (_, k) => ({ intervalStart: first + k * INTERVAL_MS, importedWh: 200 + k, exportedWh: k, sequence: 1000 + k })),
});
const post = (who: string | undefined, body: unknown) => {
  const req = http(h.app).post('/api/v1/metering/profiles');
  return (who ? req.set(h.auth(who)) : req).send(body as object);
};

beforeAll(async () => {
  h = await startHarness();
  await activeAssetAt(h, last - 24 * 3600_000, 'prosumer-01', { assetId: 'p-meter-1', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: meter.publicKeyPem });
}, 90_000);
afterAll(() => h?.close());

describe('metering: signed load profiles over REST', () => {
  const first = last - 7 * INTERVAL_MS;

  it('accepts a profile from the utility’s head-end; a replay is all duplicates; values never come back in the submit', async () => {
    const profile = signProfile(runOf(first, 8), meter.privateKey);
    const res = await post('utility-admin', { profiles: [profile] });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ accepted: 8, duplicates: 0 });
    expect(hasField(res.body, ['importedWh', 'exportedWh', 'signature', 'salt', 'readings'])).toBe(false);
    const again = await post('utility-admin', { profiles: [profile], salt: crypto.randomBytes(24).toString('hex') });
    expect(again.status).toBe(200);
    expect(again.body.result).toMatchObject({ accepted: 0, duplicates: 8 });
    const view = await http(h.app).get(`/api/v1/metering/assets/p-meter-1/readings/${first + 3 * INTERVAL_MS}`).set(h.auth('prosumer-01'));
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ reading: { importedWh: 203 }, signature: profile.signature, profile: { start: first, intervals: 8, position: 3 } });
  });

  it('refuses malformed and oversized profiles (400), forged ones and callers without a head-end (403), broken runs (422)', async () => {
    const earlier = first - 20 * INTERVAL_MS;
    expectError(await post('utility-admin', { profiles: [] }), 400, 'INVALID_ARGUMENT');
    expectError(await post('utility-admin', { profiles: [{ assetId: 'p-meter-1', readings: [], signature: 'x'.repeat(60) }] }), 400, 'INVALID_ARGUMENT');
    const long = signProfile(runOf(earlier - MAX_PROFILE_INTERVALS * INTERVAL_MS, MAX_PROFILE_INTERVALS + 1), meter.privateKey);
    expectError(await post('utility-admin', { profiles: [long] }), 400, 'INVALID_ARGUMENT');
    const good = signProfile(runOf(earlier, 2), meter.privateKey);
    expectError(await post('utility-admin', { profiles: [{ ...good, readings: [{ ...good.readings[0], importedWh: -5 }, good.readings[1]] }] }), 400, 'INVALID_ARGUMENT');
    expectError(await post('utility-admin', { profiles: [{ ...good, extra: true }] }), 400, 'INVALID_ARGUMENT');
    expectError(await post('utility-admin', { profiles: [signProfile(runOf(earlier, 2), deviceKey().privateKey)] }), 403, 'FORBIDDEN');
    expectError(await post('consumer-01', { profiles: [good] }), 403, 'FORBIDDEN');
    expectError(await post(undefined, { profiles: [good] }), 401, 'UNAUTHENTICATED');
    const gap = runOf(earlier, 3);
    const broken = signProfile({ ...gap, readings: [gap.readings[0], gap.readings[2]] }, meter.privateKey);
    expectError(await post('utility-admin', { profiles: [broken] }), 422, 'RULE_VIOLATION');
    // Nothing of the above was recorded.
    expectError(await http(h.app).get(`/api/v1/metering/assets/p-meter-1/readings/${earlier}/hash`).set(h.auth('prosumer-01')), 404, 'NOT_FOUND');
    expect((await post('utility-admin', { profiles: [good] })).body.result).toMatchObject({ accepted: 2 });
  });
});
