/**
 * The Ledger port's retry policy, in one place and the same on both adapters. Each row of the table says, for a
 * failure at one step of the transaction flow, what may safely be tried again: a chaincode refusal never; an
 * MVCC/phantom conflict from a new proposal with backoff; a peer that is unavailable or endorses differently while it
 * catches up, the same proposal after a short wait; a commit status that timed out by resuming it, never by
 * endorsing again; a transaction whose handover to the orderer is not confirmed by re-sending the same signed
 * transaction (same txId) until it commits or the submit deadline passes. `submitWithPolicy` is `Ledger.submit` for
 * both adapters; the Fabric adapter also asks `retryDecision` for its endorse step. The submit service follows
 * pending submits (the `follow` and `resend` rows) by this table; it never endorses again.
 */
import { CommitUnknownError, LedgerError, LedgerUnavailableError, TransactionInvalidError } from './errors';
import type { PendingSubmit, SubmitObserver, SubmitResult, TransactionRequest } from './port';

/** The steps of the fine-grained flow: proposal → endorse → submit → commit status → committed (valid or not). */
export type Step = 'evaluate' | 'endorse' | 'submit' | 'commitStatus' | 'commit' | 'events' | 'resend';

export type RetryAction =
  /** Give the error to the caller. */
  | 'fail'
  /** Send the same signed proposal again: nothing reached the orderer, so no transaction can be duplicated. */
  | 'same-proposal'
  /** Build a new proposal (new txId): the old transaction is final (invalid) and wrote nothing. */
  | 'new-proposal'
  /** Ask for the commit status again from the stored commit request; never endorse or order again. */
  | 'resume-commit'
  /**
   * Not retried within the call: the pending submit, with its signed envelope, goes to the submit service, which
   * follows it to an outcome (re-sending the same transaction) instead of answering "unavailable".
   */
  | 'follow'
  /** Hand the same signed transaction (same txId) to the orderer again; bounded by the submit deadline, not a count. */
  | 'resend'
  /** The txId is already on the ledger (a re-sent copy was DUPLICATE_TXID): the first copy's outcome is the answer. */
  | 'lookup';

export interface RetryRule {
  readonly step: Step | 'any';
  readonly matches: (err: Error) => boolean;
  readonly action: RetryAction;
  /** Which attempt budget of the policy bounds this action. */
  readonly budget?: keyof Pick<RetryPolicy, 'conflictAttempts' | 'endorseAttempts' | 'commitStatusAttempts'>;
  /** Bounded by the submit deadline of the follower (submits/submit-service.ts) rather than by a count. */
  readonly untilDeadline?: boolean;
  readonly reason: string;
}

const isKind = (kind: string) => (err: Error) => err instanceof LedgerError && err.kind === kind;
const isConflict = (err: Error) => err instanceof TransactionInvalidError && err.isConflict;

const isDuplicate = (err: Error) => err instanceof TransactionInvalidError && err.validationCode === 'DUPLICATE_TXID';
const isUnknownOrUnavailable = (err: Error) => err instanceof CommitUnknownError || err instanceof LedgerUnavailableError;

/** First matching row wins. */
export const RETRY_TABLE: readonly RetryRule[] = [
  { step: 'any', matches: isKind('chaincode'), action: 'fail', reason: 'the chaincode refused; the same input is refused again' },
  {
    step: 'endorse',
    matches: isKind('endorsement'),
    action: 'same-proposal',
    budget: 'endorseAttempts',
    reason: 'a peer still catching up (e.g. after a restart) endorses differently; nothing was ordered, the peers are chosen again after a short wait',
  },
  { step: 'any', matches: isKind('endorsement'), action: 'fail', reason: 'peers disagree or no policy can be met' },
  {
    step: 'commitStatus',
    matches: isDuplicate,
    action: 'lookup',
    reason: 'a re-sent copy was refused as DUPLICATE_TXID: the first copy got in, its own validation code is the outcome',
  },
  {
    step: 'commit',
    matches: isConflict,
    action: 'new-proposal',
    budget: 'conflictAttempts',
    reason: 'MVCC/phantom conflict: re-execute against the newer state under a new txId',
  },
  { step: 'commit', matches: () => true, action: 'fail', reason: 'invalidated for a reason a retry does not change' },
  {
    step: 'commitStatus',
    matches: (err) => err instanceof CommitUnknownError,
    action: 'resume-commit',
    budget: 'commitStatusAttempts',
    reason: 'the transaction was ordered; only its outcome is unknown',
  },
  {
    step: 'endorse',
    matches: (err) => err instanceof LedgerUnavailableError,
    action: 'same-proposal',
    budget: 'endorseAttempts',
    reason: 'nothing was sent to the orderer yet',
  },
  {
    step: 'submit',
    matches: (err) => err instanceof LedgerUnavailableError,
    action: 'follow',
    reason: 'the orderer may have the transaction: never re-endorsed; the signed transaction is followed and re-sent (same txId) until the deadline',
  },
  {
    step: 'resend',
    matches: isUnknownOrUnavailable,
    action: 'resend',
    untilDeadline: true,
    reason: 'a txId commits at most once, so the same signed transaction is re-sent until it commits or the submit deadline passes',
  },
  { step: 'any', matches: () => true, action: 'fail', reason: 'not retryable' },
];

export interface RetryPolicy {
  /** Transactions tried in total for one submit() when each loses an MVCC/phantom conflict. */
  readonly conflictAttempts: number;
  /** Endorse calls in total for one proposal while peers are unavailable or endorse differently (catching up). */
  readonly endorseAttempts: number;
  /** First wait before endorsing again (doubling, up to maxDelayMs): long enough for a peer to catch up a few blocks. */
  readonly endorseBaseDelayMs: number;
  /** Commit status calls in total within one submit() before reporting CommitUnknownError. */
  readonly commitStatusAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  conflictAttempts: 3,
  endorseAttempts: 4,
  endorseBaseDelayMs: 250,
  commitStatusAttempts: 2,
  baseDelayMs: 50,
  maxDelayMs: 2_000,
};

export function ruleFor(err: Error, step: Step): RetryRule {
  return RETRY_TABLE.find((rule) => (rule.step === 'any' || rule.step === step) && rule.matches(err))!;
}

/** Exponential backoff with jitter, so conflicting clients do not collide again in lockstep. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryDecision {
  readonly action: RetryAction;
  readonly retry: boolean;
  readonly delayMs: number;
  readonly reason: string;
}

/** `attempt` counts the attempts already made (1 after the first failure). */
export function retryDecision(err: Error, step: Step, attempt: number, policy: RetryPolicy): RetryDecision {
  const rule = ruleFor(err, step);
  const limit = rule.budget ? policy[rule.budget] : 1;
  const retry = rule.action !== 'fail' && rule.action !== 'follow' && (rule.untilDeadline === true || attempt < limit);
  const delays = rule.budget === 'endorseAttempts' ? { ...policy, baseDelayMs: policy.endorseBaseDelayMs ?? policy.baseDelayMs } : policy;
  return { action: rule.action, retry, delayMs: retry ? backoffMs(delays, attempt) : 0, reason: rule.reason };
}

export interface RetryInfo {
  readonly fn: string;
  readonly channel: string;
  readonly step: Step;
  readonly action: RetryAction;
  /** Attempts made so far at this step. */
  readonly attempt: number;
  readonly txId: string;
  readonly reason: string;
}

export interface ConflictInfo {
  readonly fn: string;
  readonly channel: string;
  readonly txId: string;
  readonly validationCode: string;
}

/** Observers for metrics and logs, wired where the ledger is opened (the adapters import no metrics library). */
export interface LedgerHooks {
  readonly onRetry?: (info: RetryInfo) => void;
  readonly onConflict?: (info: ConflictInfo) => void;
}

/** Observers only count and log: one that throws must not fail the transaction it observes. */
export function notify<H extends object, K extends keyof H>(hooks: H, hook: K, info: unknown): void {
  try {
    (hooks[hook] as ((i: unknown) => void) | undefined)?.(info);
  } catch {
    // ignored on purpose
  }
}

/** The two steps of a submit an adapter provides; the policy below strings them together. */
export interface SubmitSteps {
  startSubmit(request: TransactionRequest): Promise<PendingSubmit>;
  commitStatus(pending: PendingSubmit): Promise<SubmitResult>;
}

export interface PolicyOptions {
  readonly policy: RetryPolicy;
  readonly hooks?: LedgerHooks;
  readonly observer?: SubmitObserver;
  /** True once the ledger is closing: no further retry starts. */
  readonly closed?: () => boolean;
  readonly sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `Ledger.submit` on both adapters: start (endorse and order), then wait for the commit; a commit status that is not
 * known yet is asked again from the same commit request, a conflict starts a new proposal after a backoff, anything
 * else is the caller's.
 */
export async function submitWithPolicy(steps: SubmitSteps, request: TransactionRequest, options: PolicyOptions): Promise<SubmitResult> {
  const { policy, hooks = {}, observer, closed = () => false, sleep = sleepMs } = options;
  for (let attempt = 1; ; attempt++) {
    const pending = await steps.startSubmit(request);
    await observer?.started?.(pending);
    try {
      return await awaitCommit(steps, request, pending, options);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      if (err instanceof TransactionInvalidError && err.isConflict) {
        notify(hooks, 'onConflict', { fn: request.fn, channel: request.channel, txId: err.txId, validationCode: err.validationCode });
      }
      const decision = retryDecision(err, 'commit', attempt, policy);
      if (!decision.retry || closed()) throw err;
      await observer?.retrying?.(pending, err);
      notify(hooks, 'onRetry', { fn: request.fn, channel: request.channel, step: 'commit', action: decision.action, attempt, txId: pending.txId, reason: decision.reason });
      await sleep(decision.delayMs);
    }
  }
}

async function awaitCommit(steps: SubmitSteps, request: TransactionRequest, pending: PendingSubmit, options: PolicyOptions): Promise<SubmitResult> {
  const { policy, hooks = {}, closed = () => false } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await steps.commitStatus(pending);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      const decision = retryDecision(err, 'commitStatus', attempt, policy);
      if (!decision.retry || closed()) throw err;
      notify(hooks, 'onRetry', { fn: request.fn, channel: request.channel, step: 'commitStatus', action: decision.action, attempt, txId: pending.txId, reason: decision.reason });
    }
  }
}
