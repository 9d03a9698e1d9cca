import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expectNoServerErrors, http } from './support/http';
import { startHarness, type Harness } from './support/harness';
import { readEvents } from './support/sse';

expectNoServerErrors();

let h: Harness;
let server: Server;
let base: string;
beforeAll(async () => {
  h = await startHarness();
  server = h.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  h?.gateway.closeStreams();
  await new Promise((r) => server?.close(r));
  await h?.close();
});

const key = (label: string) => ({ Authorization: `Bearer ${h.keys[label]}` });
const order = (id: string) => id.split('.').map(Number);

describe('GET /api/v1/events', () => {
  it('replays the channel’s chaincode events from a block, with ids <block>.<txIndex> in ledger order', async () => {
    const { status, events } = await readEvents(`${base}/api/v1/events?fromBlock=0`, key('prosumer-01'), 6);
    expect(status).toBe(200);
    expect(events).toHaveLength(6);
    for (const e of events) {
      expect(e.id).toMatch(/^\d+\.\d+$/);
      const data = JSON.parse(e.data!);
      expect(data.id).toBe(e.id);
      expect(data.name).toBe(e.event);
      expect(data.channel).toBe('energy');
    }
    const ids = events.map((e) => order(e.id!));
    for (let i = 1; i < ids.length; i++) expect(ids[i][0] > ids[i - 1][0] || (ids[i][0] === ids[i - 1][0] && ids[i][1] > ids[i - 1][1])).toBe(true);
  });

  it('resumes after Last-Event-ID (header or query) with no gap and no duplicate', async () => {
    const all = (await readEvents(`${base}/api/v1/events?fromBlock=0`, key('prosumer-01'), 8)).events.map((e) => e.id);
    const head = (await readEvents(`${base}/api/v1/events?fromBlock=0`, key('prosumer-01'), 3)).events.map((e) => e.id);
    const tail = (await readEvents(`${base}/api/v1/events`, { ...key('prosumer-01'), 'Last-Event-ID': head[2]! }, 5)).events.map((e) => e.id);
    expect([...head, ...tail]).toEqual(all);
    const viaQuery = (await readEvents(`${base}/api/v1/events?lastEventId=${head[2]}`, key('prosumer-01'), 5)).events.map((e) => e.id);
    expect(viaQuery).toEqual(tail);
  });

  it('delivers new events live, filtered by name', async () => {
    const live = readEvents(`${base}/api/v1/events?names=TokensMoved`, key('regulator-admin'), 1);
    await new Promise((r) => setTimeout(r, 300));
    const minted = await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['prosumer-01'], amount: 5 });
    expect(minted.status).toBe(200);
    const { events } = await live;
    expect(events).toHaveLength(1);
    expect(events[0].event).toBe('TokensMoved');
    expect(JSON.parse(events[0].data!).txId).toBe(minted.body.txId);
  });

  it('refuses orgs outside the channel (403), bad resume ids (400) and missing keys (401) as JSON', async () => {
    const audit = await readEvents(`${base}/api/v1/events?channel=audit`, key('utility-admin'), 1);
    expect(audit.status).toBe(403);
    expect(JSON.parse(audit.body!).error.code).toBe('FORBIDDEN');
    expect((await readEvents(`${base}/api/v1/events`, { ...key('utility-admin'), 'Last-Event-ID': 'abc' }, 1)).status).toBe(400);
    expect((await readEvents(`${base}/api/v1/events?channel=moon`, key('utility-admin'), 1)).status).toBe(400);
    expect((await readEvents(`${base}/api/v1/events`, {}, 1)).status).toBe(401);
    expect((await readEvents(`${base}/api/v1/events?channel=audit&fromBlock=0`, key('regulator-admin'), 1)).status).toBe(200);
  });
});
