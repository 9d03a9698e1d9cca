import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { errorCodeOf } from '@obe/chaincode';
import {
  ChaincodeError,
  CommitUnknownError,
  EndorsementMismatchError,
  errorFromRecord,
  errorRecordOf,
  LedgerError,
  LedgerUnavailableError,
  TransactionInvalidError,
  type ErrorRecord,
} from '../ledger/errors';
import type { Ledger, PendingSubmit, SubmitResult, TransactionRequest } from '../ledger/port';
import { IdempotencyKeyInterruptedError, IdempotencyKeyReusedError } from './errors';
import { RecordStore } from './record-store';
import { decodePayload } from '../ledger/call';

export type SubmitOutcome =
  | { status: 'committed'; txId: string; blockNumber: number; result: unknown }
  | { status: 'pending'; txId: string };

/**
 * A failed submit's error as kept on disk: the typed error as data (ledger/errors.ts), never an HTTP answer.
 * Records written by gateways before this format kept the HTTP answer ({status, code, message}); they are still
 * read, and turned back into the typed error that answers the same (legacyError).
 */
type StoredError = ErrorRecord | LegacyStoredError;

interface LegacyStoredError {
  status: number;
  code: string;
  message: string;
}

/** The counters the submit service keeps (the gateway's Prometheus metrics satisfy this). */
export interface SubmitMetrics {
  readonly submits: { inc(labels: { fn: string; outcome: string }): void };
  readonly mvccConflicts: { inc(labels: { fn: string }): void };
}

/** What an Idempotency-Key remembers: the request's fingerprint and, once known, its outcome. */
interface IdempotencyRecord {
  fingerprint: string;
  txId?: string;
  outcome?: SubmitOutcome | { status: 'failed'; error: StoredError };
  at: string;
}

/** What a status request answers about a followed submit; `error` is the typed error of a failed one. */
export interface SubmitStatus {
  txId: string;
  status: 'pending' | 'committed' | 'failed';
  blockNumber?: number;
  result?: unknown;
  error?: Error;
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
export const decodeResult = decodePayload;

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
 * Every ledger submit of the API goes through here: idempotency, asynchronous submits with a resumable status,
 * metrics, and tracking of in-flight work for graceful shutdown. It never retries by itself: `Ledger.submit` applies
 * the port's retry policy (ledger/retry-policy.ts), and this service only records each transaction it starts.
 * Refusals are thrown as typed errors (ledger/errors.ts, ./errors.ts); only http/ maps them to statuses.
 */
export class SubmitService {
  readonly #ledger: () => Ledger;
  readonly #idempotency: RecordStore<IdempotencyRecord>;
  readonly #pending: RecordStore<PendingRecord>;
  readonly #metrics: SubmitMetrics;
  readonly #log: Logger;
  readonly #fingerprintKey: Buffer;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #byIdempotencyKey = new Map<string, Promise<SubmitOutcome>>();
  readonly #resolving = new Map<string, Promise<void>>();

  readonly #retentionMs: number;
  #pruned = 0;

  constructor(options: {
    ledger: () => Ledger;
    dataDir: string;
    metrics: SubmitMetrics;
    logger: Logger;
    /** How long an Idempotency-Key's record is kept (default 24 h); a key reused later is a new request. */
    idempotencyRetentionMs?: number;
  }) {
    this.#retentionMs = options.idempotencyRetentionMs ?? 24 * 3600_000;
    this.#ledger = options.ledger;
    this.#idempotency = new RecordStore(`${options.dataDir}/idempotency`);
    this.#pending = new RecordStore(`${options.dataDir}/submits`);
    this.#metrics = options.metrics;
    this.#log = options.logger;
    this.#fingerprintKey = loadOrCreateKey(path.join(options.dataDir, 'idempotency.key'));
  }

  /**
   * Requests carry private inputs (readings, prices), so what is kept on disk is an HMAC under this gateway's own
   * key, never a plain hash a reader of the data directory could confirm a guess against.
   */
  #fingerprintOf(request: SubmitRequest): string {
    return crypto.createHmac('sha256', this.#fingerprintKey).update(request.fingerprint).digest('hex');
  }

  /** Submits (or replays) a transaction. Rejects with a LedgerError or a SubmitError for refusals. */
  async submit(request: SubmitRequest): Promise<SubmitOutcome> {
    return this.#submit(request);
  }

  /** Deletes idempotency records older than the retention; runs by itself at most hourly as keyed submits arrive. */
  pruneIdempotency(now = Date.now()): Promise<number> {
    this.#pruned = now;
    // Only records with a final outcome go: one whose submit never reached committed or failed (the gateway was down
    // past the retention, or stopped before its transaction was recorded) stays, so a retry never submits twice.
    const unfinished = (record: IdempotencyRecord) => record.outcome === undefined || record.outcome.status === 'pending';
    return this.#idempotency.pruneOlderThan(this.#retentionMs, now, unfinished).catch((err: unknown) => {
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
      throw new IdempotencyKeyReusedError();
    }
    if (running) return running;
    if (stored?.outcome) {
      this.#metrics.submits.inc({ fn: request.tx.fn, outcome: 'replayed' });
      const outcome = stored.outcome;
      if (outcome.status === 'failed') return Promise.reject(storedError(outcome.error, stored.txId));
      if (outcome.status === 'pending') return Promise.resolve(this.#latest(outcome.txId, outcome));
      return Promise.resolve(outcome);
    }
    if (stored) {
      // The gateway stopped while this submit's commit was pending: follow that transaction, never a new one.
      const pending = stored.txId ? this.#pending.get(stored.txId) : undefined;
      if (pending) return this.#track(this.#finishStored(key, stored, pending));
      // It stopped (or another gateway on this data directory is) between taking the key and recording the
      // transaction: it may have reached the ledger, so submitting again could make it twice.
      return Promise.reject(new IdempotencyKeyInterruptedError());
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
      // Refusals are final and replayed; an unavailable ledger or a lost conflict is not, so the caller may retry.
      if (err instanceof LedgerError && err.isRefusal) {
        const txId = this.#idempotency.get(key)?.txId;
        await this.#idempotency.put(key, { ...record, ...(txId ? { txId } : {}), outcome: { status: 'failed', error: errorRecordOf(err) } });
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
    if (outcome.status === 'failed') throw storedError(outcome.error, latest.txId);
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
    const followable = request.respondAsync === true || keyed !== undefined;
    if (request.respondAsync) {
      let pending: PendingSubmit;
      try {
        pending = await ledger.startSubmit(request.tx);
      } catch (err) {
        this.#metrics.submits.inc({ fn, outcome: outcomeLabel(err) });
        throw err;
      }
      await this.#pending.put(pending.txId, this.#pendingRecord(pending, fn));
      await keyed?.started(pending.txId);
      const outcome = { status: 'pending' as const, txId: pending.txId };
      await keyed?.settled(outcome);
      this.#metrics.submits.inc({ fn, outcome: 'pending' });
      void this.#resolve(pending.txId);
      return outcome;
    }
    // The transaction now being awaited (the ledger starts a new one after a lost conflict).
    let current: { record: PendingRecord; stored: Promise<void> } | undefined;
    try {
      const result = await ledger.submit(request.tx, {
        started: (pending) => {
          const record = this.#pendingRecord(pending, fn);
          // The pending record first: a txId under a key is followed through it after a restart.
          const stored = followable ? this.#pending.put(record.txId, record).then(() => keyed?.started(pending.txId)) : Promise.resolve();
          stored.catch(() => undefined); // awaited on every path below; this only keeps a failure from counting as unhandled meanwhile
          current = { record, stored };
        },
        retrying: async (_pending, err) => {
          if (!current) return;
          await current.stored;
          if (followable) await this.#storeFailed(current.record, err);
        },
      });
      await current?.stored;
      this.#metrics.submits.inc({ fn, outcome: 'committed' });
      const outcome = committedOutcome(result);
      if (followable && current) await Promise.all([this.#storeCommitted(current.record, outcome), keyed?.settled(outcome)]);
      return outcome;
    } catch (err) {
      if (!current) {
        // Nothing was started: refused at endorsement, or the ledger is unavailable.
        this.#metrics.submits.inc({ fn, outcome: outcomeLabel(err) });
        throw err;
      }
      const { record, stored } = current;
      await stored;
      if (err instanceof CommitUnknownError) {
        if (!followable) await this.#pending.put(record.txId, record);
        const outcome = { status: 'pending' as const, txId: record.txId };
        await keyed?.settled(outcome);
        this.#metrics.submits.inc({ fn, outcome: 'pending' });
        void this.#resolve(record.txId);
        return outcome;
      }
      if (followable) await this.#storeFailed(record, err);
      this.#metrics.submits.inc({ fn, outcome: outcomeLabel(err) });
      throw err;
    }
  }

  /** The status of an asynchronous submit, for the identity that made it; resumes the commit check if needed. */
  async status(txId: string, identity: string): Promise<SubmitStatus | undefined> {
    let record = this.#pending.get(txId);
    if (!record || record.identity !== identity) return undefined;
    if (record.status === 'pending') {
      await withinMs(this.#resolve(txId), STATUS_WAIT_MS);
      record = this.#pending.get(txId) ?? record;
    }
    return {
      txId: record.txId,
      status: record.status,
      ...(record.blockNumber === undefined ? {} : { blockNumber: record.blockNumber }),
      ...(record.result === undefined ? {} : { result: record.result }),
      ...(record.error ? { error: storedError(record.error, record.txId) } : {}),
    };
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
        // Still unknown; a later status request tries again.
        if (err instanceof CommitUnknownError || isUnavailable(err)) return;
        // (A conflict within Ledger.submit is counted by the ledger's hooks; this commit was followed here.)
        if (err instanceof TransactionInvalidError && err.isConflict) this.#metrics.mvccConflicts.inc({ fn: record.fn });
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
    if (outcome.status === 'failed') throw storedError(outcome.error, record.txId);
    return outcome;
  }

  #outcomeOf(record: PendingRecord): SubmitOutcome | { status: 'failed'; error: StoredError } {
    if (record.status === 'committed') return { status: 'committed', txId: record.txId, blockNumber: record.blockNumber ?? 0, result: record.result ?? null };
    if (record.status === 'failed') return { status: 'failed', error: record.error ?? errorRecordOf(new TransactionInvalidError('UNKNOWN', record.txId)) };
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
    await this.#pending.put(record.txId, { ...record, status: 'failed', error: errorRecordOf(err) });
  }
}

function committedOutcome(result: SubmitResult): SubmitOutcome & { status: 'committed' } {
  return { status: 'committed', txId: result.txId, blockNumber: result.blockNumber, result: decodeResult(result.payload) };
}

function isUnavailable(err: unknown): boolean {
  return err instanceof LedgerUnavailableError || err instanceof CommitUnknownError;
}

function outcomeLabel(err: unknown): string {
  if (err instanceof TransactionInvalidError) return err.isConflict ? 'conflict' : 'invalid';
  if (isUnavailable(err)) return 'unavailable';
  if (err instanceof ChaincodeError && err.isRefusal) return 'rejected';
  return 'error';
}

/** The typed error a stored failure stands for. */
function storedError(stored: StoredError, txId: string | undefined): Error {
  return 'kind' in stored ? errorFromRecord(stored) : legacyError(stored, txId);
}

/**
 * A failure stored by an older gateway as its HTTP answer, back as the typed error that http/ maps to the same
 * status, code and message.
 */
const UNCODED_CHAINCODE_FAILURE = 'the chaincode failed without a domain error code';

function legacyError(stored: LegacyStoredError, txId = ''): Error {
  const { code, message } = stored;
  if (errorCodeOf(`[${code}]`) === code) return new ChaincodeError(`[${code}] ${message}`);
  switch (code) {
    case 'MVCC_CONFLICT':
      return new TransactionInvalidError('MVCC_READ_CONFLICT', txId);
    case 'TRANSACTION_INVALID':
      return new TransactionInvalidError(/\(([^()]*)\)$/.exec(message)?.[1] ?? 'UNKNOWN', txId);
    case 'ENDORSEMENT_MISMATCH':
      return new EndorsementMismatchError(message);
    case 'LEDGER_UNAVAILABLE':
      return new LedgerUnavailableError(message);
    default:
      // 500 INTERNAL: a chaincode failure without a domain code keeps its message; anything else is 'internal error'.
      return message === UNCODED_CHAINCODE_FAILURE ? new ChaincodeError(message) : new Error(message);
  }
}
