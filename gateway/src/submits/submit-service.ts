import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { errorCodeOf, TX } from '@obe/chaincode';
import {
  ChaincodeError,
  CommitUnknownError,
  EndorsementMismatchError,
  errorFromRecord,
  errorRecordOf,
  LedgerError,
  LedgerUnavailableError,
  SubmitExpiredError,
  SubmitUnconfirmedError,
  TransactionInvalidError,
  type ErrorRecord,
} from '../ledger/errors';
import type { Ledger, PendingSubmit, SubmitResult, TransactionLookup, TransactionRequest } from '../ledger/port';
import { backoffMs, DEFAULT_RETRY_POLICY, retryDecision } from '../ledger/retry-policy';
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
  /** Signed transactions handed to the orderer again by a follower (same txId). */
  readonly submitResends?: { inc(labels: { fn: string }): void };
  /** Followed submits that reached an outcome after at least one re-send, by outcome (committed, invalid). */
  readonly submitsResolvedAfterResend?: { inc(labels: { fn: string; outcome: string }): void };
  /** Followed submits reported failed at their deadline (not on the ledger: a new submit is safe). */
  readonly submitsExpired?: { inc(labels: { fn: string }): void };
}

/** How long a pending submit is followed (re-sent) before it is checked one last time and reported failed. */
export const DEFAULT_SUBMIT_DEADLINE_MS = 180_000;
/**
 * How long after the last re-send the final check waits: longer than a peer gateway keeps broadcasting a copy it was
 * handed (Fabric's gateway.broadcastTimeout, 30 s by default) plus the orderer's batch timeout, so that a copy still
 * on its way to the orderer at the deadline has been ordered, and is on the ledger, or has been dropped.
 */
export const DEFAULT_SUBMIT_SETTLE_MS = 35_000;
/**
 * The fence: a read-only transaction (Governance:GetConfig, which anyone may call) submitted on the pending submit's
 * channel after the settle time. Once it has committed, the ordering service is live and has ordered or dropped
 * everything it accepted before it (a Raft orderer cuts blocks in the order it accepted envelopes, and replays its
 * log before anything new): a txId not on the ledger then can no longer commit.
 */
export type FenceRequest = (channel: string, identity: string) => TransactionRequest;
export const DEFAULT_FENCE: FenceRequest = (channel, identity) => ({ channel, identity, fn: TX.Governance.GetConfig.name, args: [] });

/** Pending submits a restarted gateway follows at once; the rest wait for a free slot. */
export const DEFAULT_RESUME_CONCURRENCY = 8;

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
  /** Base64 signed commit status request; empty while the orderer never confirmed receiving the transaction. */
  commitState: string;
  /** Base64 signed transaction (Fabric: the prepared envelope), re-sent with the same txId until the deadline. */
  envelope?: string;
  /** When following stops: the last re-send is before it, the final check after it (plus the settle time). */
  deadlineAt?: string;
  /** Re-sends so far (for logs and metrics). */
  resends?: number;
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

/** Waits between re-sends of a pending transaction (doubling from 200 ms up to 5 s), and between final checks. */
const FOLLOW_BACKOFF = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 200, maxDelayMs: 5_000 };
const FINAL_CHECK_BACKOFF = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 500, maxDelayMs: 10_000 };

/**
 * How long drain() waits for followers still inside a ledger call before leaving them: a stop must not wait out a
 * commit-status deadline for submits the next start resumes anyway.
 */
const FOLLOWER_STOP_GRACE_MS = 2000;

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
  /** Wakes followers sleeping between re-sends (shutdown). */
  readonly #sleepers = new Set<() => void>();

  readonly #retentionMs: number;
  readonly #deadlineMs: number;
  readonly #settleMs: number;
  readonly #resumeConcurrency: number;
  readonly #fence: FenceRequest | undefined;
  /** The latest fence per channel and when it was started: one fence serves every submit whose settle time ended before. */
  readonly #fences = new Map<string, { startedAt: number; done: Promise<boolean> }>();
  #pruned = 0;
  #stopping = false;

  constructor(options: {
    ledger: () => Ledger;
    dataDir: string;
    metrics: SubmitMetrics;
    logger: Logger;
    /** How long an Idempotency-Key's record is kept (default 24 h); a key reused later is a new request. */
    idempotencyRetentionMs?: number;
    /** How long a pending submit is followed before it is reported failed (default DEFAULT_SUBMIT_DEADLINE_MS). */
    submitDeadlineMs?: number;
    /** Wait between the deadline and the final ledger check (default DEFAULT_SUBMIT_SETTLE_MS). */
    submitSettleMs?: number;
    /** Pending submits resumed at once after a restart (default DEFAULT_RESUME_CONCURRENCY). */
    resumeConcurrency?: number;
    /** The fence transaction before a submit is reported expired (default DEFAULT_FENCE); false: none (tests). */
    fence?: FenceRequest | false;
  }) {
    this.#fence = options.fence === false ? undefined : (options.fence ?? DEFAULT_FENCE);
    this.#retentionMs = options.idempotencyRetentionMs ?? 24 * 3600_000;
    this.#deadlineMs = options.submitDeadlineMs ?? DEFAULT_SUBMIT_DEADLINE_MS;
    this.#settleMs = options.submitSettleMs ?? DEFAULT_SUBMIT_SETTLE_MS;
    this.#resumeConcurrency = Math.max(1, options.resumeConcurrency ?? DEFAULT_RESUME_CONCURRENCY);
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
    // The follower may need until the deadline; a retried request answers what is known after a short wait.
    await withinMs(this.#resolve(pending.txId), STATUS_WAIT_MS);
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
        // Signed but not confirmed by the orderer: it may be ordered, so it is followed like any pending submit.
        if (err instanceof SubmitUnconfirmedError) {
          pending = err.pending;
        } else {
          this.#metrics.submits.inc({ fn, outcome: outcomeLabel(err) });
          throw err;
        }
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
      if (err instanceof SubmitUnconfirmedError) {
        // The latest transaction was signed but the orderer never confirmed it: follow it, never answer "unavailable"
        // for a transaction that may commit. (An earlier one that lost a conflict is already stored as failed.)
        if (current) await current.stored;
        const record = this.#pendingRecord(err.pending, fn);
        await this.#pending.put(record.txId, record);
        await keyed?.started(record.txId);
        const outcome = { status: 'pending' as const, txId: record.txId };
        await keyed?.settled(outcome);
        this.#metrics.submits.inc({ fn, outcome: 'pending' });
        this.#log.warn({ txId: record.txId, fn }, 'the orderer did not confirm a submitted transaction; following it');
        void this.#resolve(record.txId);
        return outcome;
      }
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

  /**
   * Follows a stored pending submit to its outcome, once, whoever asks first (a 202, a status request, a restart):
   *
   *   pending ──commit status──► committed | failed (invalidated: its validation code)
   *      │ unknown (orderer unreachable, status timed out, the orderer never confirmed it)
   *      ▼
   *   re-send the same signed transaction (same txId) with backoff ─► ask again ... until the deadline
   *      │ deadline passed: no more re-sends; wait the settle time; a fence transaction commits on the channel
   *      ▼
   *   final check (the txId on the ledger?) ──► committed | failed (invalid) | failed (SubmitExpiredError: safe to resubmit)
   *
   * A DUPLICATE_TXID answer to a re-sent copy means an earlier copy got in: its own outcome is the answer. While no
   * fence can commit (ordering down) or the ledger cannot be asked, the last step is repeated, never skipped: "safe to
   * resubmit" is said only after both.
   * On shutdown a follower stops where it is; the record stays pending on disk and the next start resumes it.
   */
  #resolve(txId: string): Promise<void> {
    const running = this.#resolving.get(txId);
    if (running) return running;
    const work = this.#follow(txId).catch((err: unknown) => {
      this.#log.error({ err, txId }, 'following a pending submit failed; it is resumed on the next start');
    });
    this.#resolving.set(txId, work);
    const forget = () => this.#resolving.delete(txId);
    work.then(forget, forget);
    return work;
  }

  async #follow(txId: string): Promise<void> {
    let record = this.#pending.get(txId);
    if (!record || record.status !== 'pending') return;
    if (!record.deadlineAt) {
      record = { ...record, deadlineAt: new Date(Date.parse(record.at) + this.#deadlineMs).toISOString() };
    }
    const deadline = Date.parse(record.deadlineAt!);
    let pending = pendingOf(record);
    let resends = record.resends ?? 0;
    for (let attempt = 1; !this.#stopping; attempt++) {
      let ledger: Ledger | undefined;
      try {
        ledger = this.#ledger();
      } catch {
        ledger = undefined; // still starting: wait below
      }
      if (ledger) {
        // A transaction the orderer never confirmed, or whose status stayed unknown: hand the same bytes over again.
        // Never at or past the deadline (e.g. resumed after it): the settle time only covers copies sent before it.
        if (ledger.resend && pending.envelope && Date.now() < deadline && (attempt > 1 || pending.commitState.length === 0)) {
          try {
            pending = await ledger.resend(pending);
            resends++;
            this.#metrics.submitResends?.inc({ fn: record.fn });
            this.#log.info({ txId, fn: record.fn, resends }, 're-sent a pending transaction (same txId)');
          } catch (err) {
            if (err instanceof TransactionInvalidError && retryDecision(err, 'commitStatus', 1, DEFAULT_RETRY_POLICY).action === 'lookup') {
              if (await this.#settleFromLedger(record, pending, resends, undefined)) return;
            } else if (!isUnknownOutcome(err)) {
              this.#log.warn({ err, txId }, 'a pending transaction could not be re-sent');
            }
          }
        }
        // Never confirmed by the orderer and not re-sent now: there is no status to ask for yet. At or past the
        // deadline (e.g. resumed after it) the final check below answers instead, committed included: a commit-status
        // wait for a transaction the orderer lost would first hold this follower for its whole gRPC deadline.
        const unsent = pending.commitState.length === 0 && ledger.resend !== undefined && pending.envelope !== undefined;
        if (!unsent && Date.now() < deadline && (await this.#settleFromStatus(ledger, record, pending, resends))) return;
      }
      if (Date.now() >= deadline) break;
      if (resends !== (record.resends ?? 0)) {
        record = { ...record, resends };
        await this.#pending.put(txId, record);
      }
      await this.#sleep(Math.min(backoffMs(FOLLOW_BACKOFF, attempt), Math.max(0, deadline - Date.now())));
    }
    if (this.#stopping) return;
    // The deadline passed: nothing is re-sent any more. Once a copy still travelling has had time to be ordered (or
    // dropped), the ledger says whether the txId got in; only if it did not is the submit reported failed.
    record = { ...record, resends };
    await this.#pending.put(txId, record);
    const settledAt = deadline + this.#settleMs;
    await this.#sleep(Math.max(0, settledAt - Date.now()));
    for (let attempt = 1; !this.#stopping; attempt++) {
      if ((await this.#fenced(record, settledAt)) && (await this.#settleFromLedger(record, pending, resends, deadline))) return;
      await this.#sleep(backoffMs(FINAL_CHECK_BACKOFF, attempt));
    }
  }

  /**
   * True once a fence transaction started after `after` has committed on the record's channel (see DEFAULT_FENCE).
   * False while ordering is not live: the submit then stays pending, and its status says so, until it is. A fence
   * refused for the channel itself (e.g. no governance) is logged and the check goes ahead without it; one refused
   * for the caller (UNAUTHENTICATED, FORBIDDEN: a removed label) is tried as its org's other identities here, and stays
   * pending if every one is refused (a refusal proves nothing about ordering). Fences are per channel and org (peer).
   */
  async #fenced(record: PendingRecord, after: number): Promise<boolean> {
    if (!this.#fence) return true;
    let ledger: Ledger;
    try {
      ledger = this.#ledger();
    } catch {
      return false;
    }
    // One fence per channel and org: a fence seen committed through one org's peer says nothing of another org's
    // peer, which the record's last ledger check (its own identity's) asks.
    const mspId = ledger.identities().find((i) => i.label === record.identity)?.mspId ?? `?${record.identity}`;
    const slot = `${record.channel}\u0000${mspId}`;
    let fence = this.#fences.get(slot);
    if (!fence || fence.startedAt < after) {
      const fenceOf = this.#fence;
      const done = (async () => {
        // A refusal for the submitter (e.g. its label is gone) proves nothing about ordering: the fence is then tried
        // as the org's other identities here, and if every one is refused the submit stays pending.
        const identities = [record.identity, ...ledger.identities().filter((i) => i.mspId === mspId && i.label !== record.identity).map((i) => i.label)];
        for (const identity of identities) {
          try {
            await ledger.submit(fenceOf(record.channel, identity));
            return true;
          } catch (err) {
            if (isUnknownOutcome(err)) {
              this.#log.warn({ err, txId: record.txId, channel: record.channel }, 'ordering is not live yet: a pending submit past its deadline waits for the fence');
              return false;
            }
            const code = (err as { code?: unknown }).code;
            if (code !== 'UNAUTHENTICATED' && code !== 'FORBIDDEN') {
              // Refused for the channel, whoever asks (e.g. no governance on it): the check goes ahead without a fence.
              this.#log.warn({ err, txId: record.txId, channel: record.channel }, 'the fence transaction was refused; checking the ledger without it');
              return true;
            }
            this.#log.warn({ err, txId: record.txId, channel: record.channel, identity }, 'the fence transaction was refused for this identity');
          }
        }
        return false;
      })();
      fence = { startedAt: Date.now(), done };
      this.#fences.set(slot, fence);
      const current = fence;
      // A failed fence is not reused: the next check starts a new one.
      void done.then((ok) => {
        if (!ok && this.#fences.get(slot) === current) this.#fences.delete(slot);
      });
    }
    return fence.done;
  }

  /** Asks for the commit status once: true once the submit is settled (committed, or invalidated for good). */
  async #settleFromStatus(ledger: Ledger, record: PendingRecord, pending: PendingSubmit, resends: number): Promise<boolean> {
    try {
      const result = await ledger.commitStatus(pending);
      await this.#storeCommitted(record, committedOutcome(result));
      this.#settled(record, resends, 'committed');
      return true;
    } catch (err) {
      if (isUnknownOutcome(err)) return false;
      // (A conflict within Ledger.submit is counted by the ledger's hooks; this commit was followed here.)
      if (err instanceof TransactionInvalidError && err.isConflict) this.#metrics.mvccConflicts.inc({ fn: record.fn });
      await this.#storeFailed(record, err);
      this.#settled(record, resends, 'invalid');
      return true;
    }
  }

  /**
   * Settles a pending submit from what the ledger holds for its txId now. Not on the ledger: still unknown before the
   * deadline (false, follow on), failed with SubmitExpiredError after it. False when the ledger cannot be asked.
   */
  async #settleFromLedger(record: PendingRecord, pending: PendingSubmit, resends: number, deadline: number | undefined): Promise<boolean> {
    let found: TransactionLookup;
    try {
      const ledger = this.#ledger();
      if (ledger.lookupTransaction) {
        found = await ledger.lookupTransaction(pending);
      } else {
        // A ledger that orders in-process answers from its own blocks: a txId it does not know was never ordered.
        try {
          const result = await ledger.commitStatus(pending);
          found = { status: 'committed', blockNumber: result.blockNumber };
        } catch (err) {
          if (err instanceof TransactionInvalidError) found = { status: 'invalid', validationCode: err.validationCode, ...(err.blockNumber === undefined ? {} : { blockNumber: err.blockNumber }) };
          else if (isUnknownOutcome(err)) found = { status: 'not-found' };
          else throw err;
        }
      }
    } catch (err) {
      this.#log.warn({ err, txId: record.txId }, 'the ledger could not be asked about a pending transaction; asking again');
      return false;
    }
    if (found.status === 'committed') {
      const result = { txId: record.txId, blockNumber: found.blockNumber, payload: pending.payload };
      await this.#storeCommitted(record, committedOutcome(result));
      this.#settled(record, resends, 'committed');
      return true;
    }
    if (found.status === 'invalid' && found.validationCode !== 'NOT_ORDERED') {
      await this.#storeFailed(record, new TransactionInvalidError(found.validationCode, record.txId, found.blockNumber));
      this.#settled(record, resends, 'invalid');
      return true;
    }
    if (deadline === undefined) return false;
    const expired = new SubmitExpiredError(record.txId, new Date(deadline).toISOString());
    await this.#storeFailed(record, expired);
    this.#metrics.submitsExpired?.inc({ fn: record.fn });
    this.#log.warn({ txId: record.txId, fn: record.fn, resends, deadline: expired.deadline }, 'a pending submit did not commit by its deadline and is not on the ledger; reported failed (safe to resubmit)');
    return true;
  }

  #settled(record: PendingRecord, resends: number, outcome: 'committed' | 'invalid'): void {
    if (resends === 0) return;
    this.#metrics.submitsResolvedAfterResend?.inc({ fn: record.fn, outcome });
    this.#log.info({ txId: record.txId, fn: record.fn, resends, outcome }, 'a re-sent pending submit reached its outcome');
  }

  /** Sleeps up to `ms`; shutdown wakes it early. */
  #sleep(ms: number): Promise<void> {
    if (this.#stopping || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  /**
   * Resumes every submit that was still pending when the gateway last stopped, `resumeConcurrency` at a time, each
   * driven to committed or failed; resolves when all have (or shutdown stopped them).
   */
  async resumePending(): Promise<void> {
    const queue = this.#pending.all().filter((r) => r.status === 'pending').map((r) => r.txId);
    if (queue.length > 0) this.#log.info({ pending: queue.length }, 'resuming pending submits');
    const worker = async () => {
      for (let txId = queue.shift(); txId !== undefined && !this.#stopping; txId = queue.shift()) await this.#resolve(txId);
    };
    await Promise.all(Array.from({ length: Math.min(this.#resumeConcurrency, queue.length) }, worker));
  }

  /**
   * Resolves once every submit in flight has finished (graceful shutdown): a client is waiting for each. Followers of
   * pending submits stop where they are (their records stay pending on disk; the next start resumes them): one asleep
   * at once, one inside a ledger call after at most FOLLOWER_STOP_GRACE_MS. That call may be a commit-status wait of
   * up to its whole gRPC deadline (30 s on Fabric, for a transaction the orderer lost); the ledger's close() ends it.
   */
  async drain(): Promise<void> {
    this.#stopping = true;
    for (const wake of [...this.#sleepers]) wake();
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
    await withinMs(Promise.allSettled([...this.#resolving.values()]), FOLLOWER_STOP_GRACE_MS);
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
    const at = new Date();
    return {
      txId: pending.txId,
      identity: pending.identity,
      channel: pending.channel,
      fn,
      payload: Buffer.from(pending.payload).toString('base64'),
      commitState: Buffer.from(pending.commitState).toString('base64'),
      ...(pending.envelope ? { envelope: Buffer.from(pending.envelope).toString('base64') } : {}),
      deadlineAt: new Date(at.getTime() + this.#deadlineMs).toISOString(),
      status: 'pending',
      at: at.toISOString(),
    };
  }

  async #storeCommitted(record: PendingRecord, outcome: SubmitOutcome & { status: 'committed' }): Promise<void> {
    await this.#pending.put(record.txId, { ...finished(record), status: 'committed', blockNumber: outcome.blockNumber, result: outcome.result });
  }

  async #storeFailed(record: PendingRecord, err: unknown): Promise<void> {
    await this.#pending.put(record.txId, { ...finished(record), status: 'failed', error: errorRecordOf(err) });
  }
}

/** A record with an outcome keeps no signed envelope: nothing re-sends it any more. */
function finished(record: PendingRecord): PendingRecord {
  const { envelope: _envelope, ...rest } = record;
  return rest;
}

function committedOutcome(result: SubmitResult): SubmitOutcome & { status: 'committed' } {
  return { status: 'committed', txId: result.txId, blockNumber: result.blockNumber, result: decodeResult(result.payload) };
}

/** The PendingSubmit a stored record stands for (what the ledger needs to follow or re-send it). */
function pendingOf(record: PendingRecord): PendingSubmit {
  return {
    txId: record.txId,
    channel: record.channel,
    identity: record.identity,
    payload: Buffer.from(record.payload, 'base64'),
    commitState: Buffer.from(record.commitState, 'base64'),
    ...(record.envelope ? { envelope: Buffer.from(record.envelope, 'base64') } : {}),
  };
}

/** The outcome is still open: not confirmed either way (a status timed out, the ledger is unreachable or closing). */
function isUnknownOutcome(err: unknown): boolean {
  return isUnavailable(err);
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
