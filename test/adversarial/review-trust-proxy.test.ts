/**
 * Review of #12 (rate limits behind a proxy): OBE_TRUST_PROXY=on (or true) made Express believe EVERY
 * X-Forwarded-For hop, so the client address the per-address limit and the failed-authentication limit count is the
 * leftmost entry, which the caller writes. A caller changing it per request was never limited. The gateway now refuses
 * `on`/`true` and takes a hop count or the proxies' addresses, which Express reads from the right.
 */
import pino from 'pino';
import { createApp } from '../../gateway/src/app';
import { loadConfig } from '../../gateway/src/config';
import { GatewayContext } from '../../gateway/src/context';
import { startHarness, type Harness } from '../gateway/support/harness';
import { http } from '../gateway/support/http';

jest.setTimeout(60_000);

describe('review: trust proxy and the per-address limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(() => h?.close());

  const app = (trustProxy: boolean | number) =>
    createApp(new GatewayContext({ logger: pino({ level: 'silent' }), keys: h.gateway.keys, ledger: h.ledger, limits: { perAddress: 5, perKey: 100_000 } }), { trustProxy });

  it('trusting every hop lets a caller pick its own address (why `on` is refused)', async () => {
    const open = app(true);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await http(open).get('/openapi.json').set('X-Forwarded-For', `10.0.${i}.1`)).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('with one trusted hop the caller’s own X-Forwarded-For entries do not count', async () => {
    const oneHop = app(1);
    const statuses: number[] = [];
    // A proxy appends the address it saw; the caller's forged entries stay to the left.
    for (let i = 0; i < 8; i++) statuses.push((await http(oneHop).get('/openapi.json').set('X-Forwarded-For', `10.0.${i}.1, 192.0.2.7`)).status);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });

  it('refuses OBE_TRUST_PROXY=on and true; accepts a hop count, addresses and off', () => {
    expect(() => loadConfig({ OBE_TRUST_PROXY: 'on' })).toThrow(/OBE_TRUST_PROXY/);
    expect(() => loadConfig({ OBE_TRUST_PROXY: 'true' })).toThrow(/OBE_TRUST_PROXY/);
    expect(loadConfig({ OBE_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ OBE_TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
    expect(loadConfig({ OBE_TRUST_PROXY: 'off' }).trustProxy).toBe(false);
  });
});
