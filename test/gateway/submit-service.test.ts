import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { HttpError } from '../../gateway/src/http/errors';
import { GatewayMetrics } from '../../gateway/src/http/metrics';
import { CommitUnknownError, TransactionInvalidError } from '../../gateway/src/ledger/errors';
import { SubmitService } from '../../gateway/src/submits/submit-service';
import { ScriptedLedger } from './support/scripted-ledger';

const tx = { channel: 'energy', identity: 'utility-admin', fn: 'Tokens:Transfer', args: ['{}'] };

function service(ledger: ScriptedLedger, dataDir: string, metrics = new GatewayMetrics()) {
  return new SubmitService({ ledger: () => ledger, dataDir, metrics, logger: pino({ level: 'silent' }), attempts: 3 });
}

describe('SubmitService', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-submits-'));
  });

  it('retries an MVCC conflict with a new proposal and counts it', async () => {
    const ledger = new ScriptedLedger();
    ledger.commitCodes.push('MVCC_READ_CONFLICT');
    const metrics = new GatewayMetrics();
    const outcome = await service(ledger, dir, metrics).submit({ tx, fingerprint: 'a' });
    expect(outcome.status).toBe('committed');
    expect(ledger.endorsed).toHaveLength(2);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/obe_submit_retries_total\{fn="Tokens:Transfer"\} 1/);
    expect(text).toMatch(/obe_mvcc_conflicts_total\{fn="Tokens:Transfer"\} 1/);
  });

  it('gives up after the configured attempts with the conflict', async () => {
    const ledger = new ScriptedLedger();
    ledger.commitCodes.push('MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT', 'MVCC_READ_CONFLICT');
    await expect(service(ledger, dir).submit({ tx, fingerprint: 'a' })).rejects.toBeInstanceOf(TransactionInvalidError);
    expect(ledger.endorsed).toHaveLength(3);
  });

  it('replays the first result for a repeated Idempotency-Key, also from a new process, and never submits twice', async () => {
    const ledger = new ScriptedLedger();
    const first = await service(ledger, dir).submit({ tx, fingerprint: 'a', idempotencyKey: 'k1' });
    const again = await service(ledger, dir).submit({ tx, fingerprint: 'a', idempotencyKey: 'k1' });
    expect(again).toEqual(first);
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('refuses an Idempotency-Key reused for a different request with 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const ledger = new ScriptedLedger();
    const submits = service(ledger, dir);
    await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k1' });
    const reuse = submits.submit({ tx, fingerprint: 'b', idempotencyKey: 'k1' });
    await expect(reuse).rejects.toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('keeps only a keyed hash of the request on disk, under an owner-only key that survives a restart', async () => {
    const ledger = new ScriptedLedger();
    const request = '["Tokens:Transfer",{},{},{"amount":5,"to":"p-1"}]';
    await service(ledger, dir).submit({ tx, fingerprint: request, idempotencyKey: 'k9' });
    const stored = fs.readdirSync(path.join(dir, 'idempotency')).map((f) => fs.readFileSync(path.join(dir, 'idempotency', f), 'utf8')).join('\n');
    const plain = crypto.createHash('sha256').update(request).digest('hex');
    expect(stored).not.toContain(plain);
    expect(stored).not.toContain('p-1');
    expect(fs.statSync(path.join(dir, 'idempotency.key')).mode & 0o777).toBe(0o600);
    // A restarted service reads the same key, so the same request still matches its Idempotency-Key.
    await expect(service(ledger, dir).submit({ tx, fingerprint: request, idempotencyKey: 'k9' })).resolves.toBeDefined();
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('scopes Idempotency-Keys per identity', async () => {
    const ledger = new ScriptedLedger();
    const submits = service(ledger, dir);
    await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k1' });
    await submits.submit({ tx: { ...tx, identity: 'someone-else' }, fingerprint: 'a', idempotencyKey: 'k1' });
    expect(ledger.endorsed).toHaveLength(2);
  });

  it('joins concurrent submits with the same key into one transaction', async () => {
    const ledger = new ScriptedLedger();
    const submits = service(ledger, dir);
    const [a, b] = await Promise.all([
      submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k2' }),
      submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k2' }),
    ]);
    expect(a).toEqual(b);
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('answers respond-async with the pending txId, and the status resolves once committed; a restarted service resumes it', async () => {
    const ledger = new ScriptedLedger();
    ledger.hold();
    const submits = service(ledger, dir);
    const pending = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    expect(pending.status).toBe('pending');
    const restarted = service(ledger, dir);
    const during = restarted.status(pending.txId, 'utility-admin');
    ledger.release();
    const record = await during;
    expect(record?.status).toBe('committed');
    expect(record?.blockNumber).toBe(1);
    expect(await restarted.status(pending.txId, 'someone-else')).toBeUndefined();
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('leaves no timer running once a status request is answered (nothing keeps a stopping process alive)', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const ledger = new ScriptedLedger();
    ledger.hold();
    const submits = service(ledger, dir);
    const pending = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    const before = timers();
    const during = submits.status(pending.txId, 'utility-admin');
    ledger.release();
    expect((await during)?.status).toBe('committed');
    expect(timers()).toBe(before);
  });

  it('records a refused submit under its key and replays the refusal', async () => {
    const ledger = new ScriptedLedger();
    ledger.commitCodes.push('ENDORSEMENT_POLICY_FAILURE');
    const submits = service(ledger, dir);
    await expect(submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k3' })).rejects.toBeInstanceOf(TransactionInvalidError);
    await expect(submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k3' })).rejects.toBeInstanceOf(HttpError);
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('drain() waits for submits in flight (graceful shutdown)', async () => {
    const ledger = new ScriptedLedger();
    ledger.hold();
    const submits = service(ledger, dir);
    const running = submits.submit({ tx, fingerprint: 'a' });
    let drained = false;
    const draining = submits.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    ledger.release();
    await running;
    await draining;
    expect(drained).toBe(true);
  });

  describe('durability (records are on disk before they are relied on, without blocking the event loop)', () => {
    const onDisk = (sub: string) =>
      fs
        .readdirSync(path.join(dir, sub))
        .filter((name) => name.endsWith('.json'))
        .map((name) => JSON.parse(fs.readFileSync(path.join(dir, sub, name), 'utf8')) as Record<string, unknown>);

    it('writes the Idempotency-Key record before the ledger sees the transaction', async () => {
      const ledger = new ScriptedLedger();
      const seen: Record<string, unknown>[][] = [];
      const start = ledger.startSubmit.bind(ledger);
      ledger.startSubmit = async (request) => {
        seen.push(onDisk('idempotency'));
        return start(request);
      };
      await service(ledger, dir).submit({ tx, fingerprint: 'a', idempotencyKey: 'k-durable' });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toEqual([expect.objectContaining({ fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    });

    it('answers a 202 only once the pending submit and its key are on disk: a restarted gateway follows that transaction', async () => {
      const ledger = new ScriptedLedger();
      ledger.hold();
      const pending = await service(ledger, dir).submit({ tx, fingerprint: 'a', idempotencyKey: 'k-async', respondAsync: true });
      expect(onDisk('submits')).toEqual([expect.objectContaining({ txId: pending.txId, status: 'pending' })]);
      expect(onDisk('idempotency')).toEqual([expect.objectContaining({ txId: pending.txId })]);
      const restarted = service(ledger, dir);
      expect(await restarted.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-async' })).toEqual({ status: 'pending', txId: pending.txId });
      const status = restarted.status(pending.txId, 'utility-admin');
      ledger.release();
      expect((await status)?.status).toBe('committed');
      expect(ledger.endorsed).toHaveLength(1);
    });

    it('never submits again under a key whose earlier attempt stopped before its transaction was recorded (409)', async () => {
      const ledger = new ScriptedLedger();
      const start = ledger.startSubmit.bind(ledger);
      ledger.startSubmit = (request) => {
        ledger.endorsed.push(request);
        return new Promise(() => undefined); // the gateway "crashes" while the ledger has the transaction
      };
      void service(ledger, dir).submit({ tx, fingerprint: 'a', idempotencyKey: 'k-crash' });
      await new Promise((r) => setTimeout(r, 50));
      expect(ledger.endorsed).toHaveLength(1);
      ledger.startSubmit = start;
      const restarted = service(ledger, dir);
      const again = restarted.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-crash' });
      await expect(again).rejects.toMatchObject({ status: 409, code: 'CONFLICT' });
      expect(ledger.endorsed).toHaveLength(1);
      await expect(restarted.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-fresh' })).resolves.toMatchObject({ status: 'committed' });
    });

    it('answers a committed submit only once its outcome is on disk', async () => {
      const ledger = new ScriptedLedger();
      const outcome = await service(ledger, dir).submit({ tx, fingerprint: 'a', idempotencyKey: 'k-sync' });
      expect(onDisk('idempotency')).toEqual([expect.objectContaining({ txId: outcome.txId, outcome: expect.objectContaining({ status: 'committed' }) })]);
      expect(onDisk('submits')).toEqual([expect.objectContaining({ txId: outcome.txId, status: 'committed' })]);
    });

    it('keeps nothing for a plain submit answered with its outcome, but a submit whose commit stays unknown is on disk before its 202', async () => {
      const ledger = new ScriptedLedger();
      const submits = service(ledger, dir);
      await submits.submit({ tx, fingerprint: 'a' });
      expect(onDisk('submits')).toEqual([]);
      const commitStatus = ledger.commitStatus.bind(ledger);
      ledger.commitStatus = async (pending) => {
        ledger.commitStatus = commitStatus;
        throw new CommitUnknownError(pending.txId);
      };
      const unknown = await submits.submit({ tx, fingerprint: 'b' });
      expect(unknown.status).toBe('pending');
      expect(onDisk('submits')).toEqual([expect.objectContaining({ txId: unknown.txId })]);
      expect((await service(ledger, dir).status(unknown.txId, 'utility-admin'))?.status).toBe('committed');
      expect(ledger.endorsed).toHaveLength(2);
    });

    it('keeps the event loop free while records are fsynced', async () => {
      const ledger = new ScriptedLedger();
      const submits = service(ledger, dir);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      try {
        await Promise.all(Array.from({ length: 20 }, (_, i) => submits.submit({ tx, fingerprint: String(i), idempotencyKey: `k-loop-${i}` })));
      } finally {
        clearInterval(timer);
      }
      expect(ticks).toBeGreaterThan(0);
      expect(onDisk('idempotency')).toHaveLength(20);
    });
  });
});

