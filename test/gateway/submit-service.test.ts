import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { toHttpError } from '../../gateway/src/http/errors';
import { GatewayMetrics } from '../../gateway/src/http/metrics';
import { CommitUnknownError, SubmitExpiredError, TransactionInvalidError } from '../../gateway/src/ledger/errors';
import type { PendingSubmit, SubmitResult, TransactionLookup } from '../../gateway/src/ledger/port';
import { DEFAULT_RETRY_POLICY } from '../../gateway/src/ledger/retry-policy';
import { IdempotencyKeyInterruptedError, IdempotencyKeyReusedError } from '../../gateway/src/submits/errors';
import { SubmitService } from '../../gateway/src/submits/submit-service';
import { ScriptedLedger } from './support/scripted-ledger';
import { TX } from '@obe/chaincode';

const tx = { channel: 'energy', identity: 'utility-admin', fn: TX.Tokens.Transfer.name, args: ['{}'] };

function service(ledger: ScriptedLedger, dataDir: string, metrics = new GatewayMetrics()) {
  return new SubmitService({ ledger: () => ledger, dataDir, metrics, logger: pino({ level: 'silent' }) });
}

describe('SubmitService', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-submits-'));
  });

  it('never retries by itself: a conflict the ledger does not retry (conflictAttempts 1) is the caller\'s, after one transaction', async () => {
    const ledger = new ScriptedLedger({ retry: { conflictAttempts: 1 } });
    ledger.commitCodes.push('MVCC_READ_CONFLICT');
    const metrics = new GatewayMetrics();
    await expect(service(ledger, dir, metrics).submit({ tx, fingerprint: 'a' })).rejects.toBeInstanceOf(TransactionInvalidError);
    expect(ledger.submitCalls).toBe(1);
    expect(ledger.endorsed).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).not.toMatch(/obe_submit_retries_total\{/);
    expect(text).toMatch(new RegExp(`obe_submits_total\\{fn="${TX.Tokens.Transfer.name}",outcome="conflict"\\} 1`));
  });

  it('leaves an MVCC conflict to the ledger\'s retry policy (one submit() call, a new proposal inside it)', async () => {
    const ledger = new ScriptedLedger();
    ledger.commitCodes.push('MVCC_READ_CONFLICT');
    const outcome = await service(ledger, dir).submit({ tx, fingerprint: 'a' });
    expect(outcome.status).toBe('committed');
    expect(ledger.submitCalls).toBe(1);
    expect(ledger.endorsed).toHaveLength(2);
  });

  it('gives up after the ledger policy\'s attempts with the conflict', async () => {
    const ledger = new ScriptedLedger({ retry: { conflictAttempts: 3 } });
    ledger.commitCodes.push('MVCC_READ_CONFLICT', 'PHANTOM_READ_CONFLICT', 'MVCC_READ_CONFLICT');
    await expect(service(ledger, dir).submit({ tx, fingerprint: 'a' })).rejects.toBeInstanceOf(TransactionInvalidError);
    expect(ledger.endorsed).toHaveLength(3);
  });

  it('records every transaction a keyed submit started: the conflicting one failed, the retried one committed under the key', async () => {
    const ledger = new ScriptedLedger();
    ledger.commitCodes.push('MVCC_READ_CONFLICT');
    const submits = service(ledger, dir);
    const outcome = await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-retry' });
    expect(outcome.status).toBe('committed');
    const records = fs.readdirSync(path.join(dir, 'submits')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'submits', f), 'utf8')) as { txId: string; status: string; error?: unknown });
    expect(records).toHaveLength(2);
    const lost = records.find((r) => r.txId !== outcome.txId)!;
    expect(lost).toMatchObject({ status: 'failed', error: { kind: 'invalid', validationCode: 'MVCC_READ_CONFLICT' } });
    expect(records.find((r) => r.txId === outcome.txId)?.status).toBe('committed');
    // The status of the lost transaction answers as before: 409 MVCC_CONFLICT, mapped only by http/.
    const status = await submits.status(lost.txId, 'utility-admin');
    expect(toHttpError(status?.error)).toMatchObject({ status: 409, code: 'MVCC_CONFLICT' });
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
    await expect(reuse).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(toHttpError(await reuse.catch((err: unknown) => err))).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(ledger.endorsed).toHaveLength(1);
  });

  it('keeps only a keyed hash of the request on disk, under an owner-only key that survives a restart', async () => {
    const ledger = new ScriptedLedger();
    const request = JSON.stringify([TX.Tokens.Transfer.name, {}, {}, { amount: 5, to: 'p-1' }]);
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

  it('prunes only idempotency records with a final outcome: a keyed submit still pending survives the retention, so a retry never submits twice', async () => {
    const ledger = new ScriptedLedger();
    const submits = service(ledger, dir);
    expect((await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-done' })).status).toBe('committed');
    ledger.hold();
    const pending = await submits.submit({ tx, fingerprint: 'b', idempotencyKey: 'k-pending', respondAsync: true });
    expect(pending.status).toBe('pending');
    const idem = path.join(dir, 'idempotency');
    const old = new Date(Date.now() - 72 * 3600_000);
    for (const name of fs.readdirSync(idem)) fs.utimesSync(path.join(idem, name), old, old);
    await submits.pruneIdempotency();
    const left = fs.readdirSync(idem).map((name) => JSON.parse(fs.readFileSync(path.join(idem, name), 'utf8')) as { outcome?: { status: string } });
    // The committed one went; the pending one stayed.
    expect(left).toHaveLength(1);
    expect(left[0].outcome === undefined || left[0].outcome.status === 'pending').toBe(true);
    const again = await submits.submit({ tx, fingerprint: 'b', idempotencyKey: 'k-pending', respondAsync: true });
    expect(again.txId).toBe(pending.txId);
    ledger.release();
    await submits.drain();
  });

  it('records a refused submit under its key and replays the refusal', async () => {
    const ledger = new ScriptedLedger();
    ledger.commitCodes.push('ENDORSEMENT_POLICY_FAILURE');
    const submits = service(ledger, dir);
    const first = await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k3' }).catch((err: unknown) => err);
    expect(first).toBeInstanceOf(TransactionInvalidError);
    const replayed = await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k3' }).catch((err: unknown) => err);
    expect(replayed).toBeInstanceOf(TransactionInvalidError);
    expect(toHttpError(replayed)).toMatchObject({ status: 409, code: 'TRANSACTION_INVALID', message: toHttpError(first).message });
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

  it('drain() leaves a follower stuck in a ledger call after a short grace: the stop does not wait out a commit-status deadline, and the record stays pending for the next start', async () => {
    const ledger = new ScriptedLedger();
    ledger.hold(); // the commit status never answers (a transaction the orderer lost)
    const submits = service(ledger, dir);
    const pending = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    expect(pending.status).toBe('pending');
    const started = Date.now();
    await submits.drain();
    expect(Date.now() - started).toBeLessThan(5000);
    const records = fs.readdirSync(path.join(dir, 'submits')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'submits', f), 'utf8')) as { txId: string; status: string });
    expect(records).toEqual([expect.objectContaining({ txId: pending.txId, status: 'pending' })]);
    // The next start follows it to its outcome.
    ledger.release();
    const next = service(ledger, dir);
    await next.resumePending();
    expect((await next.status(pending.txId, tx.identity))?.status).toBe('committed');
    await next.drain();
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
      await expect(again).rejects.toBeInstanceOf(IdempotencyKeyInterruptedError);
      expect(toHttpError(await again.catch((err: unknown) => err))).toMatchObject({ status: 409, code: 'CONFLICT' });
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
      // Unknown for every commit status request the ledger's policy makes (it resumes, never re-endorses).
      const commitStatus = ledger.commitStatus.bind(ledger);
      let unknownLeft = DEFAULT_RETRY_POLICY.commitStatusAttempts;
      ledger.commitStatus = async (pending) => {
        if (--unknownLeft === 0) ledger.commitStatus = commitStatus;
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

  describe('records stored by an older gateway (HTTP-shaped errors)', () => {
    it('replays an old refusal and answers an old failed status with the same status, code and message', async () => {
      const ledger = new ScriptedLedger();
      const submits = service(ledger, dir);
      // A key taken by the current format first, then its record rewritten as an older gateway stored it.
      ledger.commitCodes.push('ENDORSEMENT_POLICY_FAILURE');
      await submits.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-old' }).catch(() => undefined);
      const idem = path.join(dir, 'idempotency');
      const [file] = fs.readdirSync(idem).filter((f) => f.endsWith('.json'));
      const record = JSON.parse(fs.readFileSync(path.join(idem, file!), 'utf8')) as Record<string, unknown>;
      const legacy = { status: 404, code: 'NOT_FOUND', message: 'no asset m-1' };
      fs.writeFileSync(path.join(idem, file!), JSON.stringify({ ...record, outcome: { status: 'failed', error: legacy } }));
      const subs = path.join(dir, 'submits');
      const [pendingFile] = fs.readdirSync(subs).filter((f) => f.endsWith('.json'));
      const pending = JSON.parse(fs.readFileSync(path.join(subs, pendingFile!), 'utf8')) as Record<string, unknown>;
      const oldInvalid = { status: 409, code: 'TRANSACTION_INVALID', message: 'the transaction was invalidated at commit (ENDORSEMENT_POLICY_FAILURE)' };
      fs.writeFileSync(path.join(subs, pendingFile!), JSON.stringify({ ...pending, error: oldInvalid }));

      const restarted = service(ledger, dir);
      const replayed = await restarted.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-old' }).catch((err: unknown) => err);
      expect(toHttpError(replayed)).toMatchObject(legacy);
      const status = await restarted.status(String(pending.txId), 'utility-admin');
      expect(toHttpError(status?.error)).toMatchObject(oldInvalid);
      expect(ledger.endorsed).toHaveLength(1);
    });
  });

  describe('pending submits always reach an outcome, across restarts (issue 13)', () => {
    /** A Fabric-like ledger whose commit status stays unknown (the orderer is down) until `orderer` says otherwise. */
    class OrdererDownLedger extends ScriptedLedger {
      ordered = false;
      /** Whether a re-sent copy gets in once the orderer is back. */
      ordererUp = false;
      /** Whether new transactions (the fence) are ordered: the orderer is live again, the pending one's copies were lost. */
      fenceOk = false;
      fences: string[] = [];
      resent: string[] = [];
      lookups = 0;
      override async startSubmit(request: Parameters<ScriptedLedger['startSubmit']>[0]): Promise<PendingSubmit> {
        const pending = await super.startSubmit(request);
        if (request.fn === TX.Governance.GetConfig.name) this.fences.push(pending.txId);
        return { ...pending, envelope: Buffer.from(`signed:${pending.txId}`) };
      }
      override async commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
        if (this.fences.includes(pending.txId) ? !this.fenceOk : !this.ordered) throw new CommitUnknownError(pending.txId);
        return { txId: pending.txId, blockNumber: 42, payload: pending.payload };
      }
      async resend(pending: PendingSubmit): Promise<PendingSubmit> {
        expect(Buffer.from(pending.envelope!).toString()).toBe(`signed:${pending.txId}`); // the stored bytes, as signed
        this.resent.push(pending.txId);
        if (this.ordererUp) this.ordered = true;
        return pending;
      }
      async lookupTransaction(): Promise<TransactionLookup> {
        this.lookups++;
        return this.ordered ? { status: 'committed', blockNumber: 42 } : { status: 'not-found' };
      }
    }
    const shortDeadline = (ledger: ScriptedLedger, deadlineMs: number) =>
      new SubmitService({ ledger: () => ledger, dataDir: dir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }), submitDeadlineMs: deadlineMs, submitSettleMs: 20 });
    const records = () => fs.readdirSync(path.join(dir, 'submits')).filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'submits', f), 'utf8')) as Record<string, unknown>);

    it('a 202 pending when the gateway stopped is resumed on start and, its copies lost by the orderer, fails at its deadline with SUBMIT_EXPIRED after a fence and a last ledger check', async () => {
      const ledger = new OrdererDownLedger();
      ledger.fenceOk = true;
      const before = shortDeadline(ledger, 300);
      const pending = await before.submit({ tx, fingerprint: 'a', respondAsync: true });
      expect(records()[0]).toMatchObject({ status: 'pending', envelope: Buffer.from(`signed:${pending.txId}`).toString('base64') });
      await before.drain(); // the gateway stops; the record stays pending

      const after = shortDeadline(ledger, 300);
      await after.resumePending();
      expect(records()).toEqual([expect.objectContaining({ txId: pending.txId, status: 'failed', error: expect.objectContaining({ kind: 'expired', txId: pending.txId }) })]);
      const status = await after.status(pending.txId, 'utility-admin');
      expect(status?.error).toBeInstanceOf(SubmitExpiredError);
      expect(toHttpError(status?.error)).toMatchObject({ status: 409, code: 'SUBMIT_EXPIRED' });
      expect(ledger.resent.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ledger.resent)).toEqual(new Set([pending.txId]));
      expect(ledger.lookups).toBeGreaterThanOrEqual(1);
      expect(ledger.fences).toHaveLength(1);
      expect(ledger.endorsed.filter((r) => r.fn === tx.fn)).toHaveLength(1);
    });

    it('resumed past its deadline, a submit the orderer confirmed and then lost goes straight to the final check: no commit-status wait first', async () => {
      /** The orderer took the transaction and lost it (SIGKILL before its batch was cut): its commit status never answers. */
      class LostLedger extends OrdererDownLedger {
        statusWaits = 0;
        override async commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
          if (this.fences.includes(pending.txId)) return super.commitStatus(pending);
          this.statusWaits++;
          return new Promise<SubmitResult>(() => undefined);
        }
      }
      const ledger = new LostLedger();
      ledger.fenceOk = true;
      const before = shortDeadline(ledger, 100);
      const pending = await before.submit({ tx, fingerprint: 'a', respondAsync: true });
      await before.drain(); // left inside its commit-status wait
      expect(ledger.statusWaits).toBe(1);
      await new Promise((r) => setTimeout(r, 200)); // the deadline passes while the gateway is down

      const after = shortDeadline(ledger, 100);
      await after.resumePending();
      expect(records()).toEqual([expect.objectContaining({ txId: pending.txId, status: 'failed', error: expect.objectContaining({ kind: 'expired' }) })]);
      expect(ledger.statusWaits).toBe(1);
      expect(ledger.lookups).toBe(1);
      await after.drain();
    });

    it('past its deadline a submit stays pending while ordering is down (no fence can commit), and fails SUBMIT_EXPIRED once it is live again', async () => {
      const ledger = new OrdererDownLedger();
      const submits = shortDeadline(ledger, 100);
      const pending = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
      await new Promise((r) => setTimeout(r, 600));
      expect((await submits.status(pending.txId, 'utility-admin'))?.status).toBe('pending');
      expect(ledger.fences.length).toBeGreaterThanOrEqual(1);
      expect(ledger.lookups).toBe(0); // never "safe to resubmit" before the fence
      ledger.fenceOk = true;
      let status = await submits.status(pending.txId, 'utility-admin');
      for (let i = 0; status?.status === 'pending' && i < 10; i++) status = await submits.status(pending.txId, 'utility-admin');
      expect(status?.error).toBeInstanceOf(SubmitExpiredError);
      await submits.drain();
    });

    it('…and commits when the orderer is back before the deadline (the re-sent copy gets in); the key replays it', async () => {
      const ledger = new OrdererDownLedger();
      const before = shortDeadline(ledger, 30_000);
      const pending = await before.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-back', respondAsync: true });
      await before.drain();
      ledger.ordererUp = true;
      const after = shortDeadline(ledger, 30_000);
      await after.resumePending();
      expect(records()).toEqual([expect.objectContaining({ txId: pending.txId, status: 'committed', blockNumber: 42 })]);
      await expect(after.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-back' })).resolves.toMatchObject({ status: 'committed', txId: pending.txId });
      expect(ledger.endorsed).toHaveLength(1);
    });

    it('a synchronous submit whose commit stays unknown answers pending and reaches failed at the deadline, never pending forever', async () => {
      const ledger = new OrdererDownLedger({ retry: { commitStatusAttempts: 1 } });
      ledger.fenceOk = true;
      const submits = shortDeadline(ledger, 200);
      const outcome = await submits.submit({ tx, fingerprint: 'a' });
      expect(outcome.status).toBe('pending');
      await submits.resumePending();
      let status = await submits.status(outcome.txId, 'utility-admin');
      for (let i = 0; status?.status === 'pending' && i < 10; i++) status = await submits.status(outcome.txId, 'utility-admin');
      expect(status?.status).toBe('failed');
      await submits.drain();
    });

    it('a keyed retry of a submit still being followed answers pending after a short wait, never blocks until the deadline', async () => {
      const ledger = new OrdererDownLedger();
      const before = shortDeadline(ledger, 60_000);
      const pending = await before.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-wait', respondAsync: true });
      await before.drain();
      const restarted = shortDeadline(ledger, 60_000);
      const started = Date.now();
      await expect(restarted.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-wait' })).resolves.toEqual({ status: 'pending', txId: pending.txId });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(ledger.endorsed).toHaveLength(1);
      await restarted.drain();
    });

    it('a record written by an older gateway (no envelope, no deadline) is followed with a deadline from its start time', async () => {
      const ledger = new OrdererDownLedger();
      const before = shortDeadline(ledger, 60_000);
      const pending = await before.submit({ tx, fingerprint: 'a', respondAsync: true });
      await before.drain();
      const file = fs.readdirSync(path.join(dir, 'submits')).find((f) => f.endsWith('.json'))!;
      const old = JSON.parse(fs.readFileSync(path.join(dir, 'submits', file), 'utf8')) as Record<string, unknown>;
      delete old.envelope;
      delete old.deadlineAt;
      fs.writeFileSync(path.join(dir, 'submits', file), JSON.stringify({ ...old, at: new Date(Date.now() - 120_000).toISOString() }));
      ledger.fenceOk = true;
      const after = shortDeadline(ledger, 100);
      await after.resumePending();
      expect(records()).toEqual([expect.objectContaining({ txId: pending.txId, status: 'failed' })]);
      expect(ledger.resent).toHaveLength(0); // nothing stored to re-send: only asked and checked
    });
  });
});
