import { MAX_PROFILE_BATCH_READINGS, MAX_PROFILE_INTERVALS } from '@obe/chaincode';
import { signProfile } from '../../gateway/src/neighbourhood-sim/readings';
import { expectError, expectNoServerErrors, http } from './support/http';
import { INTERVAL_MS, deviceKey } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';

expectNoServerErrors();

/**
 * POST /api/v1/metering/profiles at its bounds: over the 10,000-reading bound in profiles each within theirs (400),
 * and a body over the chaincode's batch text bound (413) — clear errors, never a 5xx or a hang; a batch within the
 * chaincode's bounds passes the gateway whatever its general body limit.
 */
const last = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - INTERVAL_MS;
const meter = deviceKey();
let h: Harness;

const runOf = (assetId: string, first: number, count: number) => ({
  assetId,
  readings: Array.from({ length: count }, (_, k) => ({ intervalStart: first + k * INTERVAL_MS, importedWh: 200 + k, exportedWh: k, sequence: 1000 + k })),
});
const post = (body: unknown) => http(h.app).post('/api/v1/metering/profiles').set(h.auth('utility-admin')).send(body as object);

beforeAll(async () => {
  h = await startHarness();
}, 90_000);
afterAll(() => h?.close());

describe('metering: signed load profiles at the REST bounds', () => {
  it('refuses more than 10,000 readings in profiles each within bounds (400) and a body over the limit (413)', async () => {
    const signed = signProfile(runOf('p-bound', last - MAX_PROFILE_INTERVALS * 10 * INTERVAL_MS, MAX_PROFILE_INTERVALS), meter.privateKey);
    const count = Math.ceil((MAX_PROFILE_BATCH_READINGS + 1) / MAX_PROFILE_INTERVALS);
    const started = Date.now();
    const over = await post({ profiles: Array.from({ length: count }, () => signed) });
    expect([400, 413]).toContain(over.status);
    expectError(over, over.status, over.status === 400 ? 'INVALID_ARGUMENT' : 'PAYLOAD_TOO_LARGE');
    const huge = await post({ profiles: [signed], pad: 'x'.repeat(8 * 1024 * 1024) });
    expectError(huge, 413, 'PAYLOAD_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('takes a batch the chaincode accepts even when it is larger than the general body limit (1 MB)', async () => {
    // 1,000 profiles × 10 readings with 64-character asset ids and nine-digit values: over 1 MB, within every chaincode bound.
    const run = (i: number) => ({
      assetId: `unregistered-${String(i).padStart(51, '0')}`,
      readings: Array.from({ length: 10 }, (_, k) => ({ intervalStart: last - (10 - k) * INTERVAL_MS, importedWh: 123_456_789 + k, exportedWh: 987_654_321 + k, sequence: 1_700_000_000 + k })),
    });
    const profiles = Array.from({ length: 1000 }, (_, i) => signProfile(run(i), meter.privateKey));
    const body = { profiles };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(1024 * 1024);
    const res = await post(body);
    // Parsed and handed to the ledger, which refuses the unknown meters; never 413 from the gateway's general limit.
    expect(res.status).not.toBe(413);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  }, 60_000);

  it('keeps the general body limit for a caller without a valid key (no anonymous 8 MiB parse)', async () => {
    const body = { profiles: [], pad: 'x'.repeat(2 * 1024 * 1024) };
    const anonymous = await http(h.app).post('/api/v1/metering/profiles').send(body);
    expectError(anonymous, 413, 'PAYLOAD_TOO_LARGE');
    const forged = await http(h.app).post('/api/v1/metering/profiles').set('Authorization', 'Bearer obe_not-a-key').send(body);
    expectError(forged, 413, 'PAYLOAD_TOO_LARGE');
  });
});
