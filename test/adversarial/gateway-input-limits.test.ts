import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RecordStore } from '../../gateway/src/submits/record-store';
import { startHarness, type Harness } from '../gateway/support/harness';
import { http } from '../gateway/support/http';

/**
 * Issue #12, "more of the same class" on the gateway: request shapes that cost the gateway more than they should or
 * answered 500 — a JSON depth bomb (a 500: recursive code overflowed the stack), idempotency records kept forever
 * (one file per key a caller invents, also for refused submits), and the edges of body and header input.
 */
jest.setTimeout(60_000);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
}, 60_000);
afterAll(() => h?.close());

describe('JSON bodies', () => {
  it('a depth bomb on an operation that takes any object is a 400, not a 500', async () => {
    const bomb = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
    const res = await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).set('Content-Type', 'application/json').send(bomb);
    expect([res.status, res.body.error?.code]).toEqual([400, 'INVALID_ARGUMENT']);
    const arrays = '['.repeat(100_000) + ']'.repeat(100_000);
    const res2 = await http(h.app).put('/api/v1/governance').set(h.auth('gridoperator-admin')).set('Content-Type', 'application/json').send(arrays);
    expect(res2.status).toBe(400);
  });

  // A guard (held before the fix too): the body limit and media type stay JSON errors.
  it('an oversized body is a 413 and a body that is not JSON a 415, both in the JSON error format', async () => {
    const big = await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Content-Type', 'application/json').send(`"${'x'.repeat(1_100_000)}"`);
    expect([big.status, big.body.error?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const text = await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Content-Type', 'text/plain').send('amount=1');
    expect([text.status, text.body.error?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });
});

describe('Idempotency-Key', () => {
  // A guard (held before the fix too): the key's length and charset are checked by the schema.
  it('is 1–128 characters of [A-Za-z0-9_.:-]; anything else is a 400 before the ledger is asked', async () => {
    for (const key of ['k'.repeat(129), 'a b', 'k!ey', '../../x', '']) {
      const res = await http(h.app)
        .post('/api/v1/tokens/transfers')
        .set(h.auth('consumer-01'))
        .set('Idempotency-Key', key)
        .send({ to: `p-${'0'.repeat(40)}`, amount: 1 });
      expect([JSON.stringify(key).slice(0, 20), res.status]).toEqual([JSON.stringify(key).slice(0, 20), 400]);
    }
  });

  it('records are kept for a bounded time: older ones are pruned, recent ones stay', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-idem-'));
    const store = new RecordStore<{ n: number }>(dir);
    for (let i = 0; i < 5; i++) await store.put(`old-${i}`, { n: i });
    await store.put('recent', { n: 99 });
    const old = new Date(Date.now() - 48 * 3600_000);
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name);
      if (JSON.parse(fs.readFileSync(file, 'utf8')).n !== 99) fs.utimesSync(file, old, old);
    }
    const prune = (store as unknown as { pruneOlderThan?: (ms: number) => Promise<number> }).pruneOlderThan;
    expect(typeof prune).toBe('function');
    expect(await prune!.call(store, 24 * 3600_000)).toBe(5);
    expect(store.get('old-0')).toBeUndefined();
    expect(store.get('recent')).toEqual({ n: 99 });
  });
});
