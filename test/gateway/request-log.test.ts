import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { http } from './support/http';

/** The request log (gateway/src/http/request-log.ts): one line per request, the fields operators rely on, no secrets. */
function capture(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('request log', () => {
  const key = newApiKey('utility-admin');

  it('writes one line per request with its id, method, URL, status, time and caller; never the key or the body', async () => {
    const { logger, lines } = capture();
    const app = createApp(new GatewayContext({ logger, keys: new ApiKeyStore([key.stored]) }));
    const res = await http(app)
      .post('/api/v1/metering/readings?x=1')
      .set('Authorization', `Bearer ${key.key}`)
      .set('X-Request-Id', 'req-42')
      .send({ salt: 'secret-salt-value', readings: [] });
    await settle();
    expect(res.headers['x-request-id']).toBe('req-42');
    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'req-42');
    expect(line).toBeDefined();
    expect(line).toMatchObject({ req: { id: 'req-42', method: 'POST', url: '/api/v1/metering/readings?x=1' }, res: { statusCode: res.status }, caller: key.stored.id });
    expect(typeof line!.responseTime).toBe('number');
    expect(line!.level).toBe(res.status >= 500 && res.status !== 503 ? 50 : res.status >= 400 ? 40 : 30);
    expect(lines.filter((l) => (l.req as { id?: string } | undefined)?.id === 'req-42')).toHaveLength(1);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(key.key);
    expect(text).not.toContain('secret-salt-value');
  });

  it('logs 2xx at info, 4xx at warn, and replaces a malformed X-Request-Id with a fresh one', async () => {
    const { logger, lines } = capture();
    const app = createApp(new GatewayContext({ logger, keys: new ApiKeyStore([key.stored]) }));
    const ok = await http(app).get('/healthz');
    const missing = await http(app).get('/api/v1/nothing-here').set('X-Request-Id', 'bad id with spaces');
    await settle();
    expect(missing.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const byId = (id: string) => lines.find((l) => (l.req as { id?: string } | undefined)?.id === id);
    expect(byId(ok.headers['x-request-id'])).toMatchObject({ level: 30, msg: 'request completed', res: { statusCode: 200 } });
    expect(byId(missing.headers['x-request-id'])).toMatchObject({ level: 40, msg: 'request completed', res: { statusCode: 404 } });
  });

  it('writes nothing below the logger level', async () => {
    const { logger, lines } = capture();
    logger.level = 'error';
    const app = createApp(new GatewayContext({ logger, keys: new ApiKeyStore([key.stored]) }));
    await http(app).get('/healthz');
    await http(app).get('/api/v1/nothing-here');
    await settle();
    expect(lines).toHaveLength(0);
  });
});
