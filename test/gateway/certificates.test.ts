import { verifyGcDocument } from '../../chaincode/src/certificates/export';
import { expectError, expectNoServerErrors, http } from './support/http';
import { activeAsset, hasField } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';
import { newDevice, signReading } from '../chaincode/support/devices';
import { restoreClock, setClock } from '../chaincode/support/clock';

expectNoServerErrors();

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const INTERVAL = 15 * MINUTE;
const ZONE = 'gc-feeder';
const base = '/api/v1/certificates';
/** Three days ahead, so every transaction time this suite sets lies after the harness's own. */
const day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
const start = day + 10 * 60 * MINUTE;
const interval = new Date(start).toISOString();
const slot = `${base}/zones/${ZONE}/intervals/${interval}`;
const devices = { 'prosumer-01': newDevice(), 'consumer-01': newDevice() };
const meterOf = (who: keyof typeof devices) => `gc-m-${who}`;
const EVERYONE = ['gridoperator-admin', 'utility-admin', 'regulator-admin', 'generator-1', 'prosumer-01', 'prosumer-02', 'consumer-01', 'newcomer'];
const OVERSEERS = ['gridoperator-admin', 'regulator-admin'];

let h: Harness;
let lotId: string;
let claimedLot: string;
let certId: string;

beforeAll(async () => {
  h = await startHarness();
  setClock(day - 2 * DAY);
  for (const who of Object.keys(devices) as (keyof typeof devices)[]) {
    await activeAsset(h, who, { assetId: meterOf(who), type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 20, devicePublicKey: devices[who].publicKeyPem });
  }
  await activeAsset(h, 'prosumer-01', { assetId: 'gc-pv-1', type: 'pv', segment: 'retail', zone: ZONE, capacityKw: 10 });
  setClock(start + INTERVAL + MINUTE);
  const reading = (who: keyof typeof devices, importedWh: number, exportedWh: number) => signReading(devices[who], { assetId: meterOf(who), intervalStart: start, importedWh, exportedWh, sequence: start / 1000 });
  const sent = await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: [reading('prosumer-01', 0, 1500), reading('consumer-01', 600, 0)] });
  expect(sent.status).toBe(200);
}, 90_000);
afterAll(async () => {
  restoreClock();
  await h?.close();
});

describe('green certificates over HTTP (/api/v1/certificates)', () => {
  it('issues as a DSO only (every other role 403), refuses bad input (400) and a second issue (409)', async () => {
    const issue = { interval, items: [{ assetId: 'gc-pv-1', meterId: meterOf('prosumer-01') }] };
    for (const who of EVERYONE.filter((w) => w !== 'gridoperator-admin')) {
      expectError(await http(h.app).post(`${base}/issuances`).set(h.auth(who)).send(issue), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/issuances`).set(h.auth('gridoperator-admin')).send({ ...issue, items: [] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/issuances`).set(h.auth('gridoperator-admin')).send({ ...issue, quantityWh: 10 }), 400, 'INVALID_ARGUMENT');
    const res = await http(h.app).post(`${base}/issuances`).set(h.auth('gridoperator-admin')).send(issue);
    expect(res.status).toBe(200);
    expect(hasField(res.body, ['quantityWh', 'owner'])).toBe(false);
    certId = res.body.result.issued[0].certId;
    expectError(await http(h.app).post(`${base}/issuances`).set(h.auth('gridoperator-admin')).send(issue), 409, 'CONFLICT');
    const listed = await http(h.app).get(slot).set(h.auth('consumer-01'));
    expect(listed.body).toHaveLength(1);
    expect(hasField(listed.body, ['quantityWh', 'owner'])).toBe(false);
  });

  it('shows each holder its own lots; slices a lot to another participant (the holder only, private fields never in the answer)', async () => {
    const mine = await http(h.app).get(`${base}/lots?zone=${ZONE}&interval=${interval}`).set(h.auth('prosumer-01'));
    expect(mine.body).toHaveLength(1);
    expect(mine.body[0].details).toMatchObject({ quantityWh: 1500, owner: h.pseudonyms['prosumer-01'] });
    lotId = mine.body[0].lot.lotId;
    expect((await http(h.app).get(`${base}/lots`).set(h.auth('consumer-01'))).body).toEqual([]);
    // Every org has a certificates collection (the regulator's too): an identity that never held one gets none, not a 500.
    for (const who of ['regulator-admin', 'gridoperator-admin', 'generator-1']) expect((await http(h.app).get(`${base}/lots?zone=${ZONE}`).set(h.auth(who))).body).toEqual([]);
    const transfer = { zone: ZONE, interval, lotId, to: h.pseudonyms['consumer-01'], quantityWh: 1000 };
    for (const who of EVERYONE.filter((w) => w !== 'prosumer-01' && w !== 'consumer-01')) {
      expectError(await http(h.app).post(`${base}/transfers`).set(h.auth(who)).send(transfer), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/transfers`).set(h.auth('consumer-01')).send(transfer), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/transfers`).set(h.auth('prosumer-01')).send({ ...transfer, quantityWh: 1501 }), 400, 'INVALID_ARGUMENT');
    const res = await http(h.app).post(`${base}/transfers`).set(h.auth('prosumer-01')).send(transfer);
    expect(res.status).toBe(200);
    expect(hasField(res.body, ['quantityWh', 'to', 'salt'])).toBe(false);
    const received = await http(h.app).get(`${base}/lots`).set(h.auth('consumer-01'));
    expect(received.body.map((l: { details: { quantityWh: number } }) => l.details.quantityWh)).toEqual([1000]);
    claimedLot = received.body[0].lot.lotId;
  });

  it('claims against the holder meter’s import: above it 422, someone else’s lot or meter 403', async () => {
    const claim = { zone: ZONE, interval, lotIds: [claimedLot], meterId: meterOf('consumer-01'), quantityWh: 600 };
    expectError(await http(h.app).post(`${base}/claims`).set(h.auth('consumer-01')).send({ ...claim, quantityWh: 601 }), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post(`${base}/claims`).set(h.auth('prosumer-01')).send({ ...claim, meterId: meterOf('prosumer-01') }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(`${base}/claims`).set(h.auth('prosumer-02')).send(claim), 403, 'FORBIDDEN');
    const res = await http(h.app).post(`${base}/claims`).set(h.auth('consumer-01')).send(claim);
    expect(res.status).toBe(200);
    expect(hasField(res.body, ['quantityWh', 'salt'])).toBe(false);
  });

  it('gives the household its green share per interval; only it, the market operator and the regulator', async () => {
    const query = `meterId=${meterOf('consumer-01')}&from=${interval}&to=${new Date(start + INTERVAL).toISOString()}`;
    const mine = await http(h.app).get(`${base}/matching-score?${query}`).set(h.auth('consumer-01'));
    expect(mine.status).toBe(200);
    expect(mine.body.buckets[0]).toMatchObject({ importedWh: 600, claimedWh: 600, scorePermille: 1000 });
    for (const who of EVERYONE.filter((w) => !['consumer-01', ...OVERSEERS].includes(w))) {
      expectError(await http(h.app).get(`${base}/matching-score?${query}`).set(h.auth(who)), 403, 'FORBIDDEN');
    }
    for (const who of OVERSEERS) expect((await http(h.app).get(`${base}/matching-score?${query}`).set(h.auth(who))).status).toBe(200);
    expectError(await http(h.app).get(`${base}/matching-score?meterId=${meterOf('consumer-01')}&from=${interval}`).set(h.auth('consumer-01')), 400, 'INVALID_ARGUMENT');
  });

  it('shows the trail to the market operator and the regulator only; a lot to its holder and them', async () => {
    for (const who of EVERYONE.filter((w) => !OVERSEERS.includes(w))) {
      expectError(await http(h.app).get(`${slot}/certificates/${certId}/trail`).set(h.auth(who)), 403, 'FORBIDDEN');
    }
    const trail = await http(h.app).get(`${slot}/certificates/${certId}/trail`).set(h.auth('regulator-admin'));
    expect(trail.body.events.map((e: { event: { kind: string } }) => e.event.kind)).toEqual(['ISSUE', 'TRANSFER', 'CLAIM']);
    expect((await http(h.app).get(`${slot}/lots/${claimedLot}`).set(h.auth('consumer-01'))).status).toBe(200);
    expectError(await http(h.app).get(`${slot}/lots/${claimedLot}`).set(h.auth('prosumer-02')), 403, 'FORBIDDEN');
    expectError(await http(h.app).get(`${slot}/certificates/gc-${'0'.repeat(40)}/trail`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
  });

  it('seals after the claim window (a DSO or the market operator; others 403), and exports a signed document that verifies offline', async () => {
    expectError(await http(h.app).post(`${slot}/seal`).set(h.auth('gridoperator-admin')), 422, 'RULE_VIOLATION');
    setClock(start + INTERVAL + 7 * DAY);
    for (const who of EVERYONE.filter((w) => w !== 'gridoperator-admin')) {
      expectError(await http(h.app).post(`${slot}/seal`).set(h.auth(who)), 403, 'FORBIDDEN');
    }
    const sealed = await http(h.app).post(`${slot}/seal`).set(h.auth('gridoperator-admin'));
    expect(sealed.status).toBe(200);
    const seal = sealed.body.result;
    expect(seal).toMatchObject({ leafCount: 5, issuedWh: null, suppressed: expect.arrayContaining(['issuedWh']) });
    expect((await http(h.app).get(`${slot}/seal`).set(h.auth('regulator-admin'))).body.details).toMatchObject({ issuedWh: 1500, claimedWh: 600, expiredWh: 900 });
    expect((await http(h.app).get(`${slot}/seal`).set(h.auth('consumer-01'))).body).not.toHaveProperty('details');
    // The relay's attestation, by hand here.
    const attest = { market: 'CERTIFICATES', zone: ZONE, interval, merkleRoot: seal.merkleRoot, recordCount: seal.leafCount, sourceTxId: seal.txId };
    expect((await http(h.app).post('/api/v1/audit/attestations').set(h.auth('gridoperator-admin')).send(attest)).status).toBe(200);

    const key = (await http(h.app).get(`${base}/export-key`).set(h.auth('consumer-01'))).body.publicKey as string;
    const byRegulator = await http(h.app).get(`${slot}/lots/${claimedLot}/export`).set(h.auth('regulator-admin'));
    expect(byRegulator.status).toBe(200);
    expect(byRegulator.body.verification.verified).toBe(true);
    const { verification: _v, ...doc } = byRegulator.body;
    expect(verifyGcDocument(doc, { root: seal.merkleRoot, publicKeyPem: key }).verified).toBe(true);
    // The household's own export carries no attestation (its org is not on the audit channel): it verifies with the
    // root the verifier brings, and not without.
    const byHolder = await http(h.app).get(`${slot}/lots/${claimedLot}/export`).set(h.auth('consumer-01'));
    const { verification: _w, ...own } = byHolder.body;
    expect(own.evidence.attestation).toBeNull();
    expect(verifyGcDocument(own, { root: seal.merkleRoot, publicKeyPem: key }).verified).toBe(true);
    expect(verifyGcDocument(own, { publicKeyPem: key }).verified).toBe(false);
    expectError(await http(h.app).get(`${slot}/lots/${claimedLot}/export`).set(h.auth('prosumer-02')), 403, 'FORBIDDEN');
  });
});
