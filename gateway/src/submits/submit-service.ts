import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { CommitUnknownError, TransactionInvalidError } from '../ledger/errors';
import type { Ledger, PendingSubmit, SubmitResult, TransactionRequest } from '../ledger/port';
import { HttpError, toHttpError } from '../http/errors';
import type { GatewayMetrics } from '../http/metrics';
import { RecordStore } from './record-store';

export type SubmitOutcome =
  | { status: 'committed'; txId: string; blockNumber: number; result: unknown }
  | { status: 'pending'; txId: string };

interface StoredError {
  status: number;
  code: string;
  message: string;
}

/** What an Idempotency-Key remembers: the request's fingerprint and, once known, its outcome. */
interface IdempotencyRecord {
  fingerprint: string;
  txId?: string;
  outcome?: SubmitOutcome | { status: 'failed'; error: StoredError };
  at: string;
}

/** A submit whose commit the gateway follows; persisted so a status URL survives a restart. */
export interface PendingRecord {
  txId: string;
  identity: string;
  channel: string;
  fn: string;
  payload: string;
  commitState: string;
  status: 'pending' | 'committed' | 'failed';
  blockNumber?: number;
  result?: unknown;
  error?: StoredError;
  at: string;
}

/** What a keyed submit records under its Idempotency-Key: the txId once started, then the outcome. */
interface KeyedRecorder {
  started(txId: string): Promise<void>;
  settled(outcome: SubmitOutcome): Promise<void>;
}

export interface SubmitRequest {
  tx: TransactionRequest;
  /** What the caller asked (operation, path, body) in canonical form; an Idempotency-Key must always come with it. */
  fingerprint: string;
  idempotencyKey?: string;
  respondAsync?: boolean;
}

/** The chaincode's return value: JSON when it is JSON, else text, null when empty. */
export function decodeResult(payload: Uint8Array): unknown {
  const text = Buffer.from(payload).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A 32-byte secret kept beside the records it protects, created once with owner-only permissions. */
function loadOrCreateKey(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another gateway process on the same data directory won the race: use its key.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file);
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long a status request waits for a pending commit before answering that it is still pending. */
const STATUS_WAIT_MS = 2000;

/** Waits for `work` at most `ms`; the timer is cleared as soon as the work settles, so none outlives the request. */
async function withinMs(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every ledger submit of the API goes through here: MVCC retries with a new proposal, idempotency, asynchronous
 * submits with a resumable status, metrics, and tracking of in-flight work for graceful shutdown.
 */
export class SubmitService {
  readonly #ledger: () => Ledger;
  readonly #idempotency: RecordStore<IdempotencyRecord>;
  readonly #pending: RecordStore<PendingRecord>;
  readonly #metrics: GatewayMetrics;
  readonly #log: Logger;
  readonly #attempts: number;
  readonly #fingerprintKey: Buffer;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #byIdempotencyKey = new Map<string, Promise<SubmitOutcome>>();
  readonly #resolving = new Map<string, Promise<void>>();

  readonly #retentionMs: number;
  #pruned = 0;

  constructor(options: {
    ledger: () => Ledger;
    dataDir: string;
    metrics: GatewayMetrics;
    logger: Logger;
    attempts: number;
    /** How long an Idempotency-Key's record is kept (default 24 h); a key reused later is a new request. */
    idempotencyRetentionMs?: number;
  }) {
    this.#retentionMs = options.idempotencyRetentionMs ?? 24 * 3600_000;
    this.#ledger = options.ledger;
    this.#idempotency = new RecordStore(`${options.dataDir}/idempotency`);
    this.#pending = new RecordStore(`${options.dataDir}/submits`);
    this.#metrics = options.metrics;
    this.#log = options.logger;
    this.#attempts = options.attempts;
    this.#fingerprintKey = loadOrCreateKey(path.join(options.dataDir, 'idempotency.key'));
  }

  /**
   * Requests carry private inputs (readings, prices), so what is kept on disk is an HMAC under this gateway's own
   * key, never a plain hash a reader of the data directory could confirm a guess against.
   */
  #fingerprintOf(request: SubmitRequest): string {
    return crypto.createHmac('sha256', this.#fingerprintKey).update(request.fingerprint).digest('hex');
  }

  /** Submits (or replays) a transaction. Rejects with HttpError/LedgerError for refusals. */
  async submit(request: SubmitRequest): Promise<SubmitOutcome> {
    return this.#submit(request);
  }

  /** Deletes idempotency records older than the retention; runs by itself at most hourly as keyed submits arrive. */
  pruneIdempotency(now = Date.now()): Promise<number> {
    this.#pruned = now;
    return this.#idempotency.pruneOlderThan(this.#retentionMs, now).catch((err: unknown) => {
      this.#log.warn({ err }, 'pruning idempotency records failed');
      return 0;
    });
  }

  #submit(request: SubmitRequest): Promise<SubmitOutcome> {
    if (!request.idempotencyKey) return this.#track(this.#execute(request));
    if (Date.now() - this.#pruned > Math.min(3600_000, this.#retentionMs)) void this.pruneIdempotency();
    const key = `${request.tx.identity}\u0000${request.idempotencyKey}`;
    const running = this.#byIdempotencyKey.get(key);
    const stored = this.#idempotency.get(key);
    if (stored && stored.fingerprint !== this.#fingerprintOf(request)) {
      throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request');
    }
    if (running) return running;
    if (stored?.outcome) {
      this.#metrics.submits.inc({ fn: request.tx.fn, outcome: 'replayed' });
      const outcome = stored.outcome;
      if (outcome.status === 'failed') {
        return Promise.reject(new HttpError(outcome.error.status, outcome.error.code as HttpError['code'], outcome.error.message));
      }
      if (outcome.status === 'pending') return Promise.resolve(this.#latest(outcome.txId, outcome));
      return Promise.resolve(outcome);
    }
    if (stored) {
      // The gateway stopped while this submit's commit was pending: follow that transaction, never a new one.
      const pending = stored.txId ? this.#pending.get(stored.txId) : undefined;
      if (pending) return this.#track(this.#finishStored(key, stored, pending));
      // It stopped (or another gateway on this data directory is) between taking the key and recording the
      // transaction: it may have reached the ledger, so submitting again could make it twice.
      return Promise.reject(
        new HttpError(
          409,
          'CONFLICT',
          'an earlier request with this Idempotency-Key was interrupted before its transaction was recorded; it may have reached the ledger. Check the ledger, then retry with a new key',
        ),
      );
    }
    const promise = this.#track(this.#executeIdempotent(key, request));
    this.#byIdempotencyKey.set(key, promise);
    const forget = () => this.#byIdempotencyKey.delete(key);
    promise.then(forget, forget);
    return promise;
  }

  async #executeIdempotent(key: string, request: SubmitRequest): Promise<SubmitOutcome> {
    const record: IdempotencyRecord = { fingerprint: this.#fingerprintOf(request), at: new Date().toISOString() };
    // Durable before anything reaches the ledger: a gateway restarted after a crash finds the key taken.
    await this.#idempotency.put(key, record);
    try {
      return await this.#execute(request, {
        started: (txId) => this.#idempotency.put(key, { ...record, txId }),
        settled: (outcome) => this.#idempotency.put(key, { ...record, txId: outcome.txId, outcome }),
      });
    } catch (err) {
      const http = toHttpError(err);
      // Refusals are final and replayed; an unavailable ledger is not, so the caller may simply retry.
      if (http.status >= 400 && http.status < 500 && http.code !== 'MVCC_CONFLICT') {
        await this.#idempotency.put(key, { ...record, outcome: { status: 'failed', error: { status: http.status, code: http.code, message: http.message } } });
      } else if (!this.#idempotency.get(key)?.txId) {
        await this.#idempotency.delete(key);
      }
      throw err;
    }
  }

  async #finishStored(key: string, stored: IdempotencyRecord, pending: PendingRecord): Promise<SubmitOutcome> {
    await this.#resolve(pending.txId);
    const latest = this.#pending.get(pending.txId) ?? pending;
    const outcome = this.#outcomeOf(latest);
    if (outcome.status !== 'pending') await this.#idempotency.put(key, { ...stored, outcome });
    if (outcome.status === 'failed') throw new HttpError(outcome.error.status, outcome.error.code as HttpError['code'], outcome.error.message);
    return outcome;
  }

  /**
   * `keyed` records the txId, then the outcome, under the caller's Idempotency-Key. The pending record (what a restarted gateway
   * needs to follow the commit without re-endorsing) is kept for what may be followed later: an async submit, a keyed
   * submit, a commit that stays unknown. Records are written while the commit is awaited and are durable before this
   * resolves or a 202 is answered. A plain synchronous submit whose outcome is known when it is answered keeps nothing.
   */
  async #execute(request: SubmitRequest, keyed?: KeyedRecorder): Promise<SubmitOutcome> {
    const ledger = this.#ledger();
    const fn = request.tx.fn;
    for (let attempt = 1; ; attempt++) {
      let pending: PendingSubmit;
      try {
        pending = await ledger.startSubmit(request.tx);
      } catch (err) {
        this.#metrics.submits.inc({ fn, outcome: outcomeLabel(err) });
        throw err;
      }
      const record = this.#pendingRecord(pending, fn);
      const followable = request.respondAsync === true || keyed !== undefined;
      // The pending record first: a txId under a key is followed through it after a restart.
      const stored = followable ? this.#pending.put(record.txId, record).then(() => keyed?.started(pending.txId)) : Promise.resolve();
      stored.catch(() => undefined); // awaited on every path below; this only keeps a failure from counting as unhandled meanwhile
      if (request.respondAsync) {
        await stored;
        const outcome = { status: 'pending' as const, txId: pending.txId };
        await keyed?.settled(outcome);
        this.#metrics.submits.inc({ fn, outcome: 'pending' });
        void this.#resolve(pending.txId);
        return outcome;
      }
      try {
        const result = await ledger.commitStatus(pending);
        await stored;
        this.#metrics.submits.inc({ fn, outcome: 'committed' });
        const outcome = committedOutcome(result);
        if (followable) await Promise.all([this.#storeCommitted(record, outcome), keyed?.settled(outcome)]);
        return outcome;
      } catch (err) {
        await stored;
        if (err instanceof CommitUnknownError) {
          if (!followable) await this.#pending.put(record.txId, record);
          const outcome = { status: 'pending' as const, txId: pending.txId };
          await keyed?.settled(outcome);
          this.#metrics.submits.inc({ fn, outcome: 'pending' });
          void this.#resolve(pending.txId);
          return outcome;
        }
        if (err instanceof TransactionInvalidError && err.isConflict) {
          this.#metrics.mvccConflicts.inc({ fn });
          if (followable) await this.#storeFailed(record, err);
          if (attempt < this.#attempts) {
            this.#metrics.retries.inc({ fn });
            this.#log.info({ fn, txId: pending.txId, attempt }, 'MVCC conflict, retrying with a new proposal');
            await sleep(20 * 2 ** attempt + Math.floor(Math.random() * 20));
            continue;
          }
        } else if (followable) {
          await this.#storeFailed(record, err);
        }
        this.#metrics.submits.inc({ fn, outcome: outcomeLabel(err) });
        throw err;
      }
    }
  }

  /** The status of an asynchronous submit, for the identity that made it; resumes the commit check if needed. */
  async status(txId: string, identity: string): Promise<PendingRecord | undefined> {
    const record = this.#pending.get(txId);
    if (!record || record.identity !== identity) return undefined;
    if (record.status === 'pending') {
      await withinMs(this.#resolve(txId), STATUS_WAIT_MS);
      return this.#pending.get(txId);
    }
    return record;
  }

  /** Follows the commit of a stored pending submit once, whoever asks first. */
  #resolve(txId: string): Promise<void> {
    const running = this.#resolving.get(txId);
    if (running) return running;
    const work = (async () => {
      const record = this.#pending.get(txId);
      if (!record || record.status !== 'pending') return;
      const pending: PendingSubmit = {
        txId: record.txId,
        channel: record.channel,
        identity: record.identity,
        payload: Buffer.from(record.payload, 'base64'),
        commitState: Buffer.from(record.commitState, 'base64'),
      };
      try {
        const result = await this.#ledger().commitStatus(pending);
        await this.#storeCommitted(record, committedOutcome(result));
      } catch (err) {
        if (err instanceof CommitUnknownError) return;
        if (err instanceof TransactionInvalidError && err.isConflict) this.#metrics.mvccConflicts.inc({ fn: record.fn });
        const http = toHttpError(err);
        if (http.status === 503) return; // still unknown; a later status request tries again
        await this.#storeFailed(record, err);
      }
    })();
    const tracked = this.#track(work);
    this.#resolving.set(txId, tracked);
    const forget = () => this.#resolving.delete(txId);
    tracked.then(forget, forget);
    return tracked;
  }

  /** Resumes every submit that was still pending when the gateway last stopped. */
  resumePending(): void {
    for (const record of this.#pending.all()) {
      if (record.status === 'pending') void this.#resolve(record.txId).catch(() => undefined);
    }
  }

  /** Resolves once every submit in flight has finished (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.#inFlight.size) {
      await Promise.allSettled([...this.#inFlight]);
    }
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const done = () => this.#inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  #latest(txId: string, fallback: SubmitOutcome): SubmitOutcome {
    const record = this.#pending.get(txId);
    if (!record) return fallback;
    const outcome = this.#outcomeOf(record);
    if (outcome.status === 'failed') throw new HttpError(outcome.error.status, outcome.error.code as HttpError['code'], outcome.error.message);
    return outcome;
  }

  #outcomeOf(record: PendingRecord): SubmitOutcome | { status: 'failed'; error: StoredError } {
    if (record.status === 'committed') return { status: 'committed', txId: record.txId, blockNumber: record.blockNumber ?? 0, result: record.result ?? null };
    if (record.status === 'failed') return { status: 'failed', error: record.error ?? { status: 409, code: 'TRANSACTION_INVALID', message: 'failed' } };
    return { status: 'pending', txId: record.txId };
  }

  #pendingRecord(pending: PendingSubmit, fn: string): PendingRecord {
    return {
      txId: pending.txId,
      identity: pending.identity,
      channel: pending.channel,
      fn,
      payload: Buffer.from(pending.payload).toString('base64'),
      commitState: Buffer.from(pending.commitState).toString('base64'),
      status: 'pending',
      at: new Date().toISOString(),
    };
  }

  async #storeCommitted(record: PendingRecord, outcome: SubmitOutcome & { status: 'committed' }): Promise<void> {
    await this.#pending.put(record.txId, { ...record, status: 'committed', blockNumber: outcome.blockNumber, result: outcome.result });
  }

  async #storeFailed(record: PendingRecord, err: unknown): Promise<void> {
    const http = toHttpError(err);
    await this.#pending.put(record.txId, { ...record, status: 'failed', error: { status: http.status, code: http.code, message: http.message } });
  }
}

function committedOutcome(result: SubmitResult): SubmitOutcome & { status: 'committed' } {
  return { status: 'committed', txId: result.txId, blockNumber: result.blockNumber, result: decodeResult(result.payload) };
}

function outcomeLabel(err: unknown): string {
  if (err instanceof TransactionInvalidError) return err.isConflict ? 'conflict' : 'invalid';
  const http = toHttpError(err);
  if (http.status === 503) return 'unavailable';
  if (http.status >= 400 && http.status < 500) return 'rejected';
  return 'error';
}
