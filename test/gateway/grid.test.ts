import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expectError, expectNoServerErrors, http } from './support/http';
import { activeAsset, deviceKey, intervalAt } from './support/fixtures';
import { startHarness, type Harness } from './support/harness';
import { readEvents } from './support/sse';
import { restoreClock, setClock } from '../chaincode/support/clock';

expectNoServerErrors();

/**
 * The grid segment over HTTP (/api/v1/grid): the DSO (gridoperator-admin) writes topology, envelopes and tariffs;
 * every other role is refused 403 by the chaincode; reads are public; the price-signal stream carries the
 * documented format.
 */
const ZONE = 'grid-zone';
const base = '/api/v1/grid';
const DSO = 'gridoperator-admin';
const OTHERS = ['utility-admin', 'regulator-admin', 'generator-1', 'prosumer-01', 'consumer-01'];

let h: Harness;
let server: Server;
let url: string;
const interval = intervalAt(8);

beforeAll(async () => {
  h = await startHarness();
  server = h.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await activeAsset(h, 'prosumer-01', { assetId: 'grid-meter-1', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
}, 90_000);
afterAll(async () => {
  restoreClock();
  h?.gateway.closeStreams();
  await new Promise((r) => server?.close(r));
  await h?.close();
});

describe('grid segment over HTTP', () => {
  it('registers zone and feeder nodes as the DSO; every other role 403, a duplicate 409, bad input 400', async () => {
    for (const who of OTHERS) expectError(await http(h.app).post(`${base}/nodes`).set(h.auth(who)).send({ nodeId: ZONE, kind: 'ZONE' }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: ZONE, kind: 'SUBSTATION' }), 400, 'INVALID_ARGUMENT');
    expect((await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: ZONE, kind: 'ZONE' })).status).toBe(200);
    expect((await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: 'grid-f1', kind: 'FEEDER', zone: ZONE })).status).toBe(200);
    expectError(await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: 'grid-f1', kind: 'FEEDER', zone: ZONE }), 409, 'CONFLICT');
    expectError(await http(h.app).post(`${base}/nodes`).set(h.auth(DSO)).send({ nodeId: 'grid-f2', kind: 'FEEDER', zone: 'no-zone' }), 404, 'NOT_FOUND');
    const nodes = await http(h.app).get(`${base}/nodes?zone=${ZONE}`).set(h.auth('consumer-01'));
    expect(nodes.body.map((n: { nodeId: string }) => n.nodeId).sort()).toEqual(['grid-f1', ZONE]);
    expect((await http(h.app).get(`${base}/nodes/grid-f1`).set(h.auth('consumer-01'))).body).toMatchObject({ kind: 'FEEDER', zone: ZONE });
    expectError(await http(h.app).get(`${base}/nodes/nope`).set(h.auth('consumer-01')), 404, 'NOT_FOUND');
    // With governance requiring registered zones, an asset's zone must be a registered zone node.
    expect((await http(h.app).put('/api/v1/governance').set(h.auth(DSO)).send({ requireRegisteredZones: true })).status).toBe(200);
    expectError(
      await http(h.app).post('/api/v1/registry/assets').set(h.auth('prosumer-01')).send({ assetId: 'grid-stray', type: 'pv', segment: 'retail', zone: 'unregistered-zone', capacityKw: 1 }),
      422,
      'RULE_VIOLATION',
    );
  });

  it('attaches a meter to a feeder as the DSO only; reads it back with its history', async () => {
    for (const who of OTHERS) expectError(await http(h.app).put(`${base}/attachments/grid-meter-1`).set(h.auth(who)).send({ feeder: 'grid-f1' }), 403, 'FORBIDDEN');
    expect((await http(h.app).put(`${base}/attachments/grid-meter-1`).set(h.auth(DSO)).send({ feeder: 'grid-f1' })).status).toBe(200);
    expectError(await http(h.app).put(`${base}/attachments/grid-meter-1`).set(h.auth(DSO)).send({ feeder: 'grid-f1' }), 409, 'CONFLICT');
    const attached = await http(h.app).get(`${base}/attachments/grid-meter-1`).set(h.auth('consumer-01'));
    expect(attached.body).toMatchObject({ feeder: 'grid-f1', zone: ZONE, history: [{ feeder: 'grid-f1', until: null }] });
    expect((await http(h.app).get(`${base}/zones/${ZONE}/attachments?feeder=grid-f1`).set(h.auth('consumer-01'))).body).toHaveLength(1);
  });

  it('publishes envelopes and tariffs as the DSO only, and streams them as price signals in the documented format', async () => {
    const live = readEvents(`${url}${base}/signals?zone=${ZONE}`, { Authorization: `Bearer ${h.keys['consumer-01']}` }, 2);
    await new Promise((r) => setTimeout(r, 300));

    const envelopes = { envelopes: [{ nodeId: 'grid-f1', interval, importLimitWh: 5000, exportLimitWh: 2000 }] };
    const tariffs = { tariffs: [{ zone: ZONE, interval, feePerKwh: 3, localFeePerKwh: 1 }] };
    for (const who of OTHERS) {
      expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(who)).send(envelopes), 403, 'FORBIDDEN');
      expectError(await http(h.app).post(`${base}/tariffs`).set(h.auth(who)).send(tariffs), 403, 'FORBIDDEN');
    }
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [{ ...envelopes.envelopes[0], exportLimitWh: 1.5 }] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/tariffs`).set(h.auth(DSO)).send({ tariffs: [{ ...tariffs.tariffs[0], localFeePerKwh: 9 }] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send({ envelopes: [{ ...envelopes.envelopes[0], interval: intervalAt(-2) }] }), 422, 'RULE_VIOLATION');
    const published = await http(h.app).post(`${base}/envelopes`).set(h.auth(DSO)).send(envelopes);
    expect(published.status).toBe(200);
    expect(published.body.result[0]).toMatchObject({ nodeId: 'grid-f1', exportLimitWh: 2000, revision: 1, publishedBy: h.pseudonyms[DSO] });
    expect((await http(h.app).post(`${base}/tariffs`).set(h.auth(DSO)).send(tariffs)).status).toBe(200);

    expect((await http(h.app).get(`${base}/zones/${ZONE}/intervals/${interval}/envelopes`).set(h.auth('consumer-01'))).body).toHaveLength(1);
    expect((await http(h.app).get(`${base}/zones/${ZONE}/intervals/${interval}/tariff`).set(h.auth('consumer-01'))).body).toMatchObject({ feePerKwh: 3, localFeePerKwh: 1 });
    expectError(await http(h.app).get(`${base}/zones/${ZONE}/intervals/${intervalAt(9)}/tariff`).set(h.auth('consumer-01')), 404, 'NOT_FOUND');
    expect((await http(h.app).get(`${base}/zones/${ZONE}/intervals/${interval}/loading`).set(h.auth(DSO))).body).toMatchObject({ zone: ZONE, feeders: [] });

    const { status, events } = await live;
    expect(status).toBe(200);
    expect(events.map((e) => e.event)).toEqual(['price-signal', 'price-signal']);
    const [envelope, tariff] = events.map((e) => JSON.parse(e.data!));
    expect(envelope).toMatchObject({ version: 1, kind: 'ENVELOPE', zone: ZONE, interval, nodeId: 'grid-f1', importLimitWh: 5000, exportLimitWh: 2000 });
    expect(tariff).toMatchObject({ version: 1, kind: 'TARIFF', zone: ZONE, interval, feePerKwh: 3, localFeePerKwh: 1 });
    expect(events[0].id).toMatch(/^\d+\.\d+$/);
  });

  it('streams a retail clearing as a PRICE signal with that interval’s fee, and records the feeder loading', async () => {
    const live = readEvents(`${url}${base}/signals?zone=${ZONE}`, { Authorization: `Bearer ${h.keys['prosumer-01']}` }, 1);
    await new Promise((r) => setTimeout(r, 300));
    setClock(Date.parse(interval) - 60_000); // the gate has closed
    const cleared = await http(h.app).post(`/api/v1/retail/intervals/${interval}/zones/${ZONE}/clear`).set(h.auth(DSO));
    expect(cleared.status).toBe(200);
    const { events } = await live;
    expect(JSON.parse(events[0].data!)).toMatchObject({ version: 1, kind: 'PRICE', zone: ZONE, interval, clearingPrice: null, feePerKwh: 3, binding: [] });
    const loading = await http(h.app).get(`${base}/zones/${ZONE}/intervals/${interval}/loading`).set(h.auth('consumer-01'));
    expect(loading.body.feeders).toEqual([{ nodeId: 'grid-f1', importLimitWh: 5000, exportLimitWh: 2000, importWh: 0, exportWh: 0, importBound: false, exportBound: false }]);
    // Published limits are final once the interval is cleared.
    expectError(await http(h.app).post(`${base}/tariffs`).set(h.auth(DSO)).send({ tariffs: [{ zone: ZONE, interval, feePerKwh: 1, localFeePerKwh: 0 }] }), 422, 'RULE_VIOLATION');
  });
});
