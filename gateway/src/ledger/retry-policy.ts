/**
 * The Fabric adapter's retry table in one place. Each row says, for a failure at one step of the transaction flow,
 * what may safely be tried again. The adapter asks `retryDecision` and never decides a retry anywhere else.
 */
import { CommitUnknownError, LedgerError, LedgerUnavailableError, TransactionInvalidError } from '../errors';

/** The steps of the fine-grained flow: proposal → endorse → submit → commit status → committed (valid or not). */
export type Step = 'evaluate' | 'endorse' | 'submit' | 'commitStatus' | 'commit' | 'events';

export type RetryAction =
  /** Give the error to the caller. */
  | 'fail'
  /** Send the same signed proposal again: nothing reached the orderer, so no transaction can be duplicated. */
  | 'same-proposal'
  /** Build a new proposal (new txId): the old transaction is final (invalid) and wrote nothing. */
  | 'new-proposal'
  /** Ask for the commit status again from the stored commit request; never endorse or order again. */
  | 'resume-commit';

export interface RetryRule {
  readonly step: Step | 'any';
  readonly matches: (err: Error) => boolean;
  readonly action: RetryAction;
  /** Which attempt budget of the policy bounds this action. */
  readonly budget?: keyof Pick<RetryPolicy, 'conflictAttempts' | 'endorseAttempts' | 'commitStatusAttempts'>;
  readonly reason: string;
}

const isKind = (kind: string) => (err: Error) => err instanceof LedgerError && err.kind === kind;
const isConflict = (err: Error) => err instanceof TransactionInvalidError && err.isConflict;

/** First matching row wins. */
export const RETRY_TABLE: readonly RetryRule[] = [
  { step: 'any', matches: isKind('chaincode'), action: 'fail', reason: 'the chaincode refused; the same input is refused again' },
  { step: 'any', matches: isKind('endorsement'), action: 'fail', reason: 'peers disagree or no policy can be met' },
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
    action: 'fail',
    reason: 'the orderer may have the transaction; sending it again or re-endorsing could apply it twice',
  },
  { step: 'any', matches: () => true, action: 'fail', reason: 'not retryable' },
];

export interface RetryPolicy {
  /** Transactions tried in total for one submit() when each loses an MVCC/phantom conflict. */
  readonly conflictAttempts: number;
  /** Endorse calls in total for one proposal while the gateway peer is unavailable. */
  readonly endorseAttempts: number;
  /** Commit status calls in total within one submit() before reporting CommitUnknownError. */
  readonly commitStatusAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  conflictAttempts: 3,
  endorseAttempts: 2,
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
  const retry = rule.action !== 'fail' && attempt < limit;
  return { action: rule.action, retry, delayMs: retry ? backoffMs(policy, attempt) : 0, reason: rule.reason };
}
