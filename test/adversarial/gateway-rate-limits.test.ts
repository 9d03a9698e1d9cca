import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Express } from 'express';
import pino from 'pino';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { activeAsset, deviceKey, intervalAt } from '../gateway/support/fixtures';
import { startHarness, type Harness } from '../gateway/support/harness';
import { http } from '../gateway/support/http';

/**
 * Issue #12, defect 12 (throttling): 300 failed authentications never met a 429, any key could open unlimited event
 * streams each replaying from block 0, and `…/curves` read the ledger once per open order. Each app below shares the
 * harness ledger and keys but has limits of its own (every createApp counts from zero).
 */
jest.setTimeout(90_000);

let h: Harness;
const ZONE = 'feeder-adv';
const interval = intervalAt(3);

beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

function appWith(limits: Record<string, unknown>): Express {
  return createApp(new GatewayContext({ logger: pino({ level: 'silent' }), keys: h.gateway.keys, ledger: h.ledger, limits }));
}

function expectRateLimited(res: { status: number; headers: Record<string, string>; body: { error?: { code?: string } } }): void {
  expect(res.status).toBe(429);
  expect(res.body.error?.code).toBe('RATE_LIMITED');
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
}

describe('rate limits answer 429 with Retry-After', () => {
  it('per API key: the key over its limit gets 429, another key does not', async () => {
    const app = appWith({ perKey: 10, perAddress: 100_000 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await http(app).get('/api/v1/me').set(h.auth('consumer-01'))).status);
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expectRateLimited(await http(app).get('/api/v1/me').set(h.auth('consumer-01')));
    expect((await http(app).get('/api/v1/me').set(h.auth('prosumer-01'))).status).toBe(200);
  });

  it('per client address: all keys and anonymous requests from one address together', async () => {
    const app = appWith({ perKey: 100_000, perAddress: 20 });
    const labels = ['consumer-01', 'prosumer-01', 'prosumer-02', 'newcomer'];
    for (let i = 0; i < 20; i++) await http(app).get('/api/v1/me').set(h.auth(labels[i % labels.length]));
    expectRateLimited(await http(app).get('/api/v1/me').set(h.auth('regulator-admin')));
    expectRateLimited(await http(app).get('/openapi.json'));
    // Liveness and readiness probes are never throttled.
    expect((await http(app).get('/healthz')).status).toBe(200);
  });

  it('300 failed authentications from one address (default limits): 429s, while a valid key keeps working', async () => {
    const app = appWith({});
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof http>> | undefined;
    for (let i = 0; i < 300; i++) {
      const res = await http(app).get('/api/v1/me').set('Authorization', `Bearer obe_guess${i}_${'x'.repeat(43)}`);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res as never;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(200);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expectRateLimited(limited as never);
    // Requests without a key on authenticated operations count too.
    expect((await http(app).get('/api/v1/me')).status).toBe(429);
    expect((await http(app).get('/api/v1/me').set(h.auth('consumer-01'))).status).toBe(200);
  });
});

describe('event streams are capped and bounded', () => {
  let server: Server;
  let base: string;
  const open: AbortController[] = [];
  beforeAll(async () => {
    server = appWith({ maxReplayBlocks: 3 }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    for (const c of open) c.abort();
    server.closeAllConnections();
    server.close();
  });

  async function stream(label: string, query = ''): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    const res = await fetch(`${base}/api/v1/events${query}`, { headers: h.auth(label), signal: controller.signal });
    clearTimeout(timer);
    if (res.status === 200) {
      open.push(controller);
      return { status: 200, retryAfter: null, body: undefined };
    }
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
  }

  it('at most 5 concurrent streams per key (default): the sixth is 429 with Retry-After; other keys still stream', async () => {
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await stream('prosumer-02'));
    expect(statuses.slice(0, 5).map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses[5].status).toBe(429);
    expect((statuses[5].body as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(Number(statuses[5].retryAfter)).toBeGreaterThan(0);
    expect((await stream('consumer-01')).status).toBe(200);
  });

  it('a stream may replay only so far back (here 3 blocks): fromBlock=0 is a 400 once the ledger is taller', async () => {
    const height = await h.ledger.blockHeight('energy');
    expect(height).toBeGreaterThan(3);
    const res = await stream('regulator-admin', '?fromBlock=0');
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
    expect((await stream('regulator-admin', `?fromBlock=${height - 2}`)).status).toBe(200);
  });
});

describe('retail curves read the ledger a bounded number of times, whatever the book holds', () => {
  const ORDERS = 8;
  beforeAll(async () => {
    await activeAsset(h, 'consumer-01', { assetId: 'adv-meter-1', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: deviceKey().publicKeyPem });
    await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['consumer-01'], amount: 1_000_000 });
    for (let i = 0; i < ORDERS; i++) {
      const res = await http(h.app)
        .post('/api/v1/retail/orders')
        .set(h.auth('consumer-01'))
        .send({ zone: ZONE, interval, side: 'BUY', price: 10 + i, quantityWh: 100, meterId: 'adv-meter-1' });
      if (res.status !== 200) throw new Error(`order ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }, 90_000);

  async function curvesCountingReads(app: Express, label: string): Promise<{ reads: number; body: { visibleOrders: number; totalOrders: number; demand: unknown[] } }> {
    const spy = jest.spyOn(h.ledger, 'evaluate');
    try {
      const res = await http(app).get(`/api/v1/retail/intervals/${interval}/zones/${ZONE}/curves`).set(h.auth(label));
      expect(res.status).toBe(200);
      return { reads: spy.mock.calls.length, body: res.body };
    } finally {
      spy.mockRestore();
    }
  }

  it('the market operator sees every order in at most 3 reads (not one per order)', async () => {
    const { reads, body } = await curvesCountingReads(h.app, 'gridoperator-admin');
    expect(body.totalOrders).toBe(ORDERS);
    expect(body.visibleOrders).toBe(ORDERS);
    expect(body.demand).toHaveLength(ORDERS);
    expect(reads).toBeLessThanOrEqual(3);
  });

  it('anyone else reads at most limits.curveOrderReads orders (here 3): the view is then partial', async () => {
    const { reads, body } = await curvesCountingReads(appWith({ curveOrderReads: 3 }), 'regulator-admin');
    expect(body.totalOrders).toBe(ORDERS);
    expect(body.visibleOrders).toBe(3);
    expect(reads).toBeLessThanOrEqual(2 + 3);
  });
});
