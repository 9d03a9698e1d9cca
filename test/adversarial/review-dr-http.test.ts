import { expectError, expectNoServerErrors, http } from '../gateway/support/http';
import { startHarness, type Harness } from '../gateway/support/harness';
import { restoreClock, setClock } from '../chaincode/support/clock';

expectNoServerErrors();

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const base = '/api/v1/grid/dr';
const day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
const start = new Date(day + 18 * HOUR).toISOString();
const event = '0'.repeat(64);

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  setClock(day - DAY);
  await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['gridoperator-admin'], amount: 1_000_000 });
  await http(h.app).post(`${base}/programs`).set(h.auth('gridoperator-admin')).send({ programId: 'rv-http', zone: 'rv-http-zone' });
}, 90_000);
afterAll(async () => {
  restoreClock();
  await h?.close();
});

/** Review R1: bad input to the demand-response and residual routes is a 400 that writes nothing, never a 500. */
describe('review: demand-response and residual routes refuse bad input (400)', () => {
  const raw = (path: string, who: string, json: string) => http(h.app).post(path).set(h.auth(who)).set('Content-Type', 'application/json').send(json);

  it('refuses non-finite, fractional, negative, oversized numbers and arrays in an event', async () => {
    const heights = JSON.stringify(await http(h.app).get(`${base}/events`).set(h.auth('consumer-01')).then((r) => r.body));
    for (const body of [
      `{"programId":"rv-http","start":"${start}","targetsWh":[1e400],"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[100],"pricePerKwh":1e400}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[100],"pricePerKwh":-1e400}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[100.5],"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[-100],"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[100],"pricePerKwh":0}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":["100"],"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[100],"pricePerKwh":9007199254740993}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":${JSON.stringify(Array(13).fill(1))},"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":${JSON.stringify(Array(20_000).fill(1))},"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"not a time","targetsWh":[100],"pricePerKwh":10}`,
      `{"programId":"rv-http","start":"${start}","targetsWh":[100],"pricePerKwh":10,"issuer":"someone"}`,
    ]) {
      const res = await raw(`${base}/events`, 'gridoperator-admin', body);
      expect([400, 413]).toContain(res.status);
    }
    expect(JSON.stringify(await http(h.app).get(`${base}/events`).set(h.auth('consumer-01')).then((r) => r.body))).toBe(heights);
  });

  it('refuses a bad baseline rule, a bad opt-in and a malformed event id', async () => {
    for (const baseline of ['{"days":1e400}', '{"days":0}', '{"days":11}', '{"lookbackDays":21}', '{"days":5,"lookbackDays":4}', '{"method":"OTHER"}', '{"dayType":"WEEKDAY"}']) {
      expectError(await raw(`${base}/programs`, 'gridoperator-admin', `{"programId":"rv-bad","zone":"rv-http-zone","baseline":${baseline}}`), 400, 'INVALID_ARGUMENT');
    }
    expectError(await raw(`${base}/programs`, 'gridoperator-admin', `{"programId":"rv-bad","zone":"rv-http-zone","aggregators":${JSON.stringify(Array(11).fill('x'))}}`), 400, 'INVALID_ARGUMENT');
    expectError(await raw(`${base}/events/${event}/opt-ins`, 'consumer-01', '{}'), 400, 'INVALID_ARGUMENT');
    expectError(await raw(`${base}/events/${event}/opt-ins`, 'consumer-01', `{"meterId":"${'m'.repeat(10_000)}"}`), 400, 'INVALID_ARGUMENT');
    expect((await raw(`${base}/events/not-an-id/opt-ins`, 'consumer-01', '{"meterId":"m"}')).status).toBe(400);
    expect((await http(h.app).post(`${base}/events/not-an-id/settle`).set(h.auth('gridoperator-admin'))).status).toBe(400);
    expect((await http(h.app).get(`${base}/events/${event}/reports/not-a-pseudonym`).set(h.auth('consumer-01'))).status).toBe(400);
  });

  it('refuses a residual with non-finite or oversized blocks and zones', async () => {
    const interval = start;
    for (const body of [
      `{"interval":"${interval}","zones":["z"],"blocks":[{"price":1e400,"quantityWh":10}]}`,
      `{"interval":"${interval}","zones":["z"],"blocks":[{"price":10,"quantityWh":1e400}]}`,
      `{"interval":"${interval}","zones":["z"],"blocks":[{"price":10,"quantityWh":-5}]}`,
      `{"interval":"${interval}","zones":["z"],"blocks":[]}`,
      `{"interval":"${interval}","zones":[],"blocks":[{"price":10,"quantityWh":10}]}`,
      `{"interval":"${interval}","zones":${JSON.stringify(Array(21).fill(0).map((_, i) => `z${i}`))},"blocks":[{"price":10,"quantityWh":10}]}`,
      `{"interval":"${interval}","zones":["z"],"blocks":${JSON.stringify(Array(11).fill({ price: 1, quantityWh: 1 }))}}`,
      `{"interval":"${interval}","zones":["z"],"blocks":[{"price":10,"quantityWh":10}],"salt":"short"}`,
      `{"interval":"${interval}","zones":["z"],"blocks":[{"price":10,"quantityWh":10}],"side":"SELL"}`,
    ]) {
      const res = await raw('/api/v1/wholesale/residuals', 'utility-admin', body);
      expect([400, 413]).toContain(res.status);
    }
  });
});
