import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { HttpError } from '../../gateway/src/http/errors';
import { GatewayMetrics } from '../../gateway/src/http/metrics';
import { TransactionInvalidError } from '../../gateway/src/ledger/errors';
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
});
