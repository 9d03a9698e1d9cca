/**
 * Review of #12 (event stream caps): a client that disconnects while the gateway is still working out where its stream
 * starts (the ledger height read) never got its slot back. The slot was taken after that await and released on the
 * request's 'close' event, which had already fired; with no events and only heartbeats written into the closed socket,
 * the stream and its slot lived on. Five such aborted requests used up a key's streams for good (429 from then on), and
 * streamsTotal of them the whole gateway's.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import type { EmbeddedLedger } from '../../gateway/src/ledger/embedded/adapter';
import { startHarness, type Harness } from '../gateway/support/harness';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('review: event stream slots of clients that disconnect early', () => {
  let h: Harness;
  let gateway: GatewayContext;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    h = await startHarness();
    // The ledger as a slow peer would be: every height read takes 300 ms.
    const slow = new Proxy(h.ledger, {
      get(target, prop) {
        if (prop === 'blockHeight') return async (channel: string) => (await sleep(300), target.blockHeight(channel));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    }) as EmbeddedLedger;
    gateway = new GatewayContext({ logger: pino({ level: 'silent' }), keys: h.gateway.keys, ledger: slow, limits: { streamsPerKey: 2 } });
    server = createApp(gateway).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    gateway.closeStreams();
    server.closeAllConnections();
    server.close();
    await h?.close();
  });

  it('gives the slot back when the client is gone before its stream opened', async () => {
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const request = fetch(`${base}/api/v1/events`, { headers: h.auth('consumer-01'), signal: controller.signal }).catch(() => undefined);
      await sleep(50);
      controller.abort();
      await request;
    }
    await sleep(600);
    expect(gateway.openStreamCount).toBe(0);
    const controller = new AbortController();
    const res = await fetch(`${base}/api/v1/events`, { headers: h.auth('consumer-01'), signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
  });
});
