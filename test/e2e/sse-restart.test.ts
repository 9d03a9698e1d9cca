import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readEvents } from '../gateway/support/sse';
import { startGateway, type GatewayProcess } from './support/gateway-process';

/** SSE resume across a gateway restart: the client's Last-Event-ID is the only cursor; no gap, no duplicate. */
describe('event stream resume across a gateway restart', () => {
  const dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'obe-sse-')), 'data');
  let gw: GatewayProcess | undefined;
  afterAll(async () => {
    await gw?.stop();
  });

  const register = async (g: GatewayProcess, label: string) => {
    const res = await fetch(`${g.baseUrl}/api/v1/registry/participants`, { method: 'POST', headers: { Authorization: `Bearer ${g.keys[label]}` } });
    expect(res.status).toBe(200);
  };

  it('a client that read part of the stream before the restart gets exactly the rest after it', async () => {
    gw = await startGateway(dataDir);
    for (const label of ['prosumer-01', 'prosumer-02', 'prosumer-03']) await register(gw, label);
    const auth = { Authorization: `Bearer ${gw.keys['regulator-admin']}` };
    const before = await readEvents(`${gw.baseUrl}/api/v1/events?fromBlock=0`, auth, 2);
    expect(before.events).toHaveLength(2);
    const lastSeen = before.events[1].id!;
    expect(await gw.stop()).toBe(0);

    gw = await startGateway(dataDir);
    for (const label of ['prosumer-04', 'prosumer-05']) await register(gw, label);
    const everything = (await readEvents(`${gw.baseUrl}/api/v1/events?fromBlock=0`, auth, 100, 3000)).events.map((e) => e.id);
    expect(everything.length).toBeGreaterThanOrEqual(5);
    const resumed = await readEvents(`${gw.baseUrl}/api/v1/events`, { ...auth, 'Last-Event-ID': lastSeen }, everything.length - 2, 5000);
    expect([...before.events.map((e) => e.id), ...resumed.events.map((e) => e.id)]).toEqual(everything);
  }, 180_000);
});
