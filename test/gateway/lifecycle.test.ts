import '../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import path from 'node:path';
import { restartableGateway } from '../e2e/support/in-process-gateway';
import { expectNoServerErrors, http } from './support/http';

expectNoServerErrors();

/** The gateway as `npm start` runs it, stopped and started again on the same data dir. */
describe('gateway lifecycle', () => {
  const { dataDir, start, current } = restartableGateway('obe-life-', { OBE_AUDIT_RELAY: 'off' });
  let keys: Record<string, string>;

  it('creates hashed keys and demo keys on the first start, and reports readiness with block heights', async () => {
    const url = await start();
    const stored = JSON.parse(fs.readFileSync(path.join(dataDir, 'gateway.json'), 'utf8')) as { apiKeys: { hash: string }[] };
    const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    keys = Object.fromEntries(Object.entries(demo).map(([label, k]) => [label, k.key]));
    expect(stored.apiKeys.every((k) => /^sha256:[0-9a-f]{64}$/.test(k.hash))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(keys['utility-admin']);
    const ready = await http(url).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.channels.energy.height).toBeGreaterThan(0);
    expect(ready.body.channels.audit.height).toBeGreaterThan(0);
    expect((await http(url).get('/api/v1/demo/identities')).status).toBe(404);
  });

  it('finishes a submit in flight when stopped, and keeps idempotency and async status across the restart', async () => {
    const url = current()!.url.replace(/\/$/, '');
    const auth = (label: string) => ({ Authorization: `Bearer ${keys[label]}` });
    const keyed = await http(url).post('/api/v1/registry/participants').set(auth('prosumer-01')).set('Idempotency-Key', 'enrol-1');
    expect(keyed.status).toBe(200);
    const accepted = await http(url).post('/api/v1/registry/participants').set(auth('prosumer-02')).set('Prefer', 'respond-async');
    expect(accepted.status).toBe(202);
    await current()!.gateway.submits?.drain();
    const inFlight = http(url).post('/api/v1/registry/participants').set(auth('consumer-01')).then((r) => r);
    while (!current()!.gateway.submits?.inFlight) await new Promise((r) => setImmediate(r));
    const stopping = current()!.stop();
    const finished = await inFlight;
    await stopping;
    expect(finished.status).toBe(200);

    const again = await start();
    const replay = await http(again).post('/api/v1/registry/participants').set(auth('prosumer-01')).set('Idempotency-Key', 'enrol-1');
    expect(replay.status).toBe(200);
    expect(replay.body.txId).toBe(keyed.body.txId);
    const status = await http(again).get(accepted.body.statusUrl).set(auth('prosumer-02'));
    expect(status.body).toMatchObject({ txId: accepted.body.txId, status: 'committed' });
    const me = await http(again).get('/api/v1/registry/participants/me').set(auth('consumer-01'));
    expect(me.body.registered).toBe(true);
  }, 120_000);
});
