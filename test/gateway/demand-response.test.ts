import { expectError, expectNoServerErrors, http } from './support/http';
import { activeAsset, hasField } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';
import { newDevice, signReading } from '../chaincode/support/devices';
import { restoreClock, setClock } from '../chaincode/support/clock';

expectNoServerErrors();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONE = 'dr-feeder';
const base = '/api/v1/grid/dr';
/** Three days ahead, so every transaction time this suite sets lies after the harness's own. */
const day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
const eventStart = day + 18 * HOUR;
const devices = { 'prosumer-01': newDevice(), 'consumer-01': newDevice() };
const meterOf = (who: keyof typeof devices) => `dr-m-${who}`;
/** Every role but the one allowed, as the harness's identities hold them. */
const OTHERS = ['gridoperator-admin', 'utility-admin', 'regulator-admin', 'generator-1', 'prosumer-01', 'consumer-01'];

let h: Harness;
let eventId: string;

beforeAll(async () => {
  h = await startHarness();
  setClock(day - 3 * DAY);
  for (const who of Object.keys(devices) as (keyof typeof devices)[]) {
    await activeAsset(h, who, { assetId: meterOf(who), type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 20, devicePublicKey: devices[who].publicKeyPem });
  }
  await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['gridoperator-admin'], amount: 1_000_000 });
}, 90_000);
afterAll(async () => {
  restoreClock();
  await h?.close();
});

describe('demand response over HTTP (/api/v1/grid/dr)', () => {
  it('creates a program as the DSO; every other role is refused (403)', async () => {
    const program = { programId: 'evening', zone: ZONE, baseline: { days: 1, lookbackDays: 2 } };
    for (const who of OTHERS.filter((w) => w !== 'gridoperator-admin')) {
      expectError(await http(h.app).post(`${base}/programs`).set(h.auth(who)).send(program), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/programs`).set(h.auth('gridoperator-admin')).send({ ...program, extra: 1 }), 400, 'INVALID_ARGUMENT');
    const res = await http(h.app).post(`${base}/programs`).set(h.auth('gridoperator-admin')).send(program);
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ programId: 'evening', zone: ZONE });
    expectError(await http(h.app).post(`${base}/programs`).set(h.auth('gridoperator-admin')).send(program), 409, 'CONFLICT');
    expect((await http(h.app).get(`${base}/programs?zone=${ZONE}`).set(h.auth('consumer-01'))).body).toHaveLength(1);
    expect((await http(h.app).get(`${base}/programs/evening`).set(h.auth('consumer-01'))).status).toBe(200);
    expectError(await http(h.app).get(`${base}/programs/nope`).set(h.auth('consumer-01')), 404, 'NOT_FOUND');
  });

  it('issues an event as the program DSO (escrow), refusing every other role', async () => {
    setClock(day + 12 * HOUR);
    const event = { programId: 'evening', start: new Date(eventStart).toISOString(), targetsWh: [2000], pricePerKwh: 10 };
    for (const who of OTHERS.filter((w) => w !== 'gridoperator-admin')) {
      expectError(await http(h.app).post(`${base}/events`).set(h.auth(who)).send(event), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/events`).set(h.auth('gridoperator-admin')).send({ ...event, targetsWh: [] }), 400, 'INVALID_ARGUMENT');
    const res = await http(h.app).post(`${base}/events`).set(h.auth('gridoperator-admin')).send(event);
    expect(res.status).toBe(200);
    eventId = res.body.result.eventId;
    expect(res.body.result).toMatchObject({ budget: 20_000, status: 'ACTIVE' });
    expect((await http(h.app).get(`${base}/events?programId=evening`).set(h.auth('prosumer-01'))).body).toHaveLength(1);
  });

  it('takes opt-ins from households with a meter in the zone; other roles 403, twice 409, a foreign meter 422', async () => {
    for (const who of ['gridoperator-admin', 'utility-admin', 'regulator-admin', 'generator-1']) {
      expectError(await http(h.app).post(`${base}/events/${eventId}/opt-ins`).set(h.auth(who)).send({ meterId: meterOf('prosumer-01') }), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/events/${eventId}/opt-ins`).set(h.auth('prosumer-01')).send({ meterId: meterOf('consumer-01') }), 422, 'RULE_VIOLATION');
    for (const who of ['prosumer-01', 'consumer-01'] as const) {
      expect((await http(h.app).post(`${base}/events/${eventId}/opt-ins`).set(h.auth(who)).send({ meterId: meterOf(who) })).status).toBe(200);
    }
    expectError(await http(h.app).post(`${base}/events/${eventId}/opt-ins`).set(h.auth('prosumer-01')).send({ meterId: meterOf('prosumer-01') }), 409, 'CONFLICT');
    expect((await http(h.app).get(`${base}/events/${eventId}/opt-ins`).set(h.auth('regulator-admin'))).body).toHaveLength(2);
    expectError(await http(h.app).post(`${base}/events/${eventId}/settle`).set(h.auth('gridoperator-admin')), 422, 'RULE_VIOLATION');
  });

  it('settles from signed readings as the DSO (others 403, twice 409); the answer carries no private value', async () => {
    setClock(eventStart + 2 * HOUR);
    const reading = (who: keyof typeof devices, t: number, importedWh: number) => signReading(devices[who], { assetId: meterOf(who), intervalStart: t, importedWh, exportedWh: 0, sequence: t / 1000 });
    const batch = [reading('prosumer-01', eventStart - DAY, 1000), reading('prosumer-01', eventStart, 300), reading('consumer-01', eventStart - DAY, 1000), reading('consumer-01', eventStart, 1200)];
    expect((await http(h.app).post('/api/v1/metering/readings').set(h.auth('utility-admin')).send({ readings: batch })).status).toBe(200);
    for (const who of OTHERS.filter((w) => w !== 'gridoperator-admin')) {
      expectError(await http(h.app).post(`${base}/events/${eventId}/settle`).set(h.auth(who)), 403, 'FORBIDDEN');
    }
    const settled = await http(h.app).post(`${base}/events/${eventId}/settle`).set(h.auth('gridoperator-admin'));
    expect(settled.status).toBe(200);
    expect(hasField(settled.body, ['details', 'amount', 'baselineWh', 'meteredWh', 'salt'])).toBe(false);
    expectError(await http(h.app).post(`${base}/events/${eventId}/settle`).set(h.auth('gridoperator-admin')), 409, 'CONFLICT');
    expect((await http(h.app).get(`${base}/events/${eventId}/reports`).set(h.auth('consumer-01'))).body).toHaveLength(2);
  });

  it("shows a report's baseline and payment to the participant, its utility, the DSO and the regulator only", async () => {
    const path = `${base}/events/${eventId}/reports/${h.pseudonyms['prosumer-01']}`;
    for (const who of ['prosumer-01', 'utility-admin', 'gridoperator-admin', 'regulator-admin']) {
      const res = await http(h.app).get(path).set(h.auth(who));
      expect(res.body.details).toMatchObject({ reductionWh: 700, paidWh: 700, amount: 7000, intervals: [{ baselineWh: 1000, meteredWh: 300 }] });
    }
    for (const who of ['consumer-01', 'generator-1']) expect((await http(h.app).get(path).set(h.auth(who))).body.details).toBeUndefined();
    const own = await http(h.app).get(`${base}/events/${eventId}/reports/${h.pseudonyms['consumer-01']}`).set(h.auth('consumer-01'));
    expect(own.body.details).toMatchObject({ reductionWh: 0, amount: 0 });
    expect((await http(h.app).get('/api/v1/tokens/balance').set(h.auth('prosumer-01'))).body).toMatchObject({ available: 7000 });
  });

  it('refuses a cancel after the start, and by anyone but the issuer', async () => {
    for (const who of OTHERS.filter((w) => w !== 'gridoperator-admin')) {
      expectError(await http(h.app).post(`${base}/events/${eventId}/cancel`).set(h.auth(who)), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/events/${eventId}/cancel`).set(h.auth('gridoperator-admin')), 409, 'CONFLICT');
    expectError(await http(h.app).post(`${base}/events/${'e'.repeat(64)}/cancel`).set(h.auth('gridoperator-admin')), 404, 'NOT_FOUND');
  });
});

describe('retail residual into wholesale over HTTP (/api/v1/wholesale/residuals)', () => {
  const interval = new Date(day + 2 * DAY + 10 * HOUR).toISOString();
  const residual = { interval, zones: [ZONE], blocks: [{ price: 30, quantityWh: 100 }] };

  it('takes residuals from retailers only; refuses one before retail clearing (422) and bad bodies (400)', async () => {
    for (const who of ['gridoperator-admin', 'regulator-admin', 'generator-1', 'prosumer-01', 'consumer-01']) {
      expectError(await http(h.app).post('/api/v1/wholesale/residuals').set(h.auth(who)).send(residual), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post('/api/v1/wholesale/residuals').set(h.auth('utility-admin')).send(residual), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post('/api/v1/wholesale/residuals').set(h.auth('utility-admin')).send({ ...residual, zones: [] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/wholesale/residuals').set(h.auth('utility-admin')).send({ ...residual, blocks: [{ price: 30, quantityWh: 1, extra: 1 }] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).get(`/api/v1/wholesale/residuals/${interval}/${h.pseudonyms['utility-admin']}`).set(h.auth('utility-admin')), 404, 'NOT_FOUND');
  });
});
