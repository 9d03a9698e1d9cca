/** The retry table itself: one decision per (failure, step), bounded by the policy's budgets. */
import {
  ChaincodeError,
  CommitUnknownError,
  EndorsementMismatchError,
  LedgerUnavailableError,
  TransactionInvalidError,
} from '../../../gateway/src/ledger/errors';
import { backoffMs, DEFAULT_RETRY_POLICY, retryDecision, type Step } from '../../../gateway/src/ledger/retry-policy';

const policy = { ...DEFAULT_RETRY_POLICY, conflictAttempts: 3, endorseAttempts: 2, commitStatusAttempts: 2 };

describe('retry table', () => {
  it.each<[string, string, string, boolean, Error]>([
    ['chaincode refusal at endorse', 'endorse', 'fail', false, new ChaincodeError('[CONFLICT] already registered')],
    ['chaincode refusal at evaluate', 'evaluate', 'fail', false, new ChaincodeError('[NOT_FOUND] no asset')],
    ['endorsement mismatch (a peer catching up)', 'endorse', 'same-proposal', true, new EndorsementMismatchError('payloads differ')],
    ['endorsement mismatch at evaluate', 'evaluate', 'fail', false, new EndorsementMismatchError('payloads differ')],
    ['a re-sent copy refused as DUPLICATE_TXID', 'commitStatus', 'lookup', false, new TransactionInvalidError('DUPLICATE_TXID', 't1')],
    ['orderer unreachable at re-send', 'resend', 'resend', true, new LedgerUnavailableError('down')],
    ['commit still unknown after a re-send', 'resend', 'resend', true, new CommitUnknownError('t1')],
    ['chaincode refusal never re-sent', 'resend', 'fail', false, new ChaincodeError('[FORBIDDEN] no')],
    ['MVCC conflict at commit', 'commit', 'new-proposal', true, new TransactionInvalidError('MVCC_READ_CONFLICT', 't1')],
    ['phantom conflict at commit', 'commit', 'new-proposal', true, new TransactionInvalidError('PHANTOM_READ_CONFLICT', 't1')],
    ['policy failure at commit', 'commit', 'fail', false, new TransactionInvalidError('ENDORSEMENT_POLICY_FAILURE', 't1')],
    ['commit status timeout', 'commitStatus', 'resume-commit', true, new CommitUnknownError('t1')],
    ['unknown commit inside submit()', 'commit', 'fail', false, new CommitUnknownError('t1')],
    ['peer unavailable at endorse', 'endorse', 'same-proposal', true, new LedgerUnavailableError('down')],
    ['orderer unavailable at submit: followed (re-sent by the submit service), not retried in the call', 'submit', 'follow', false, new LedgerUnavailableError('down')],
    ['peer unavailable at evaluate', 'evaluate', 'fail', false, new LedgerUnavailableError('down')],
  ])('%s (step %s) → %s', (_name, step, action, retry, err) => {
    expect(retryDecision(err, step as Step, 1, policy)).toMatchObject({ action, retry });
  });

  it('stops each retryable row at its own budget', () => {
    const conflict = new TransactionInvalidError('MVCC_READ_CONFLICT', 't1');
    expect([1, 2, 3].map((attempt) => retryDecision(conflict, 'commit', attempt, policy).retry)).toEqual([true, true, false]);
    const down = new LedgerUnavailableError('down');
    expect([1, 2].map((attempt) => retryDecision(down, 'endorse', attempt, policy).retry)).toEqual([true, false]);
    expect(retryDecision(conflict, 'commit', 1, { ...policy, conflictAttempts: 1 }).retry).toBe(false);
    const mismatch = new EndorsementMismatchError('payloads differ');
    expect([1, 2].map((attempt) => retryDecision(mismatch, 'endorse', attempt, policy).retry)).toEqual([true, false]);
  });

  it('re-sends are bounded by the submit deadline, not a count', () => {
    expect(retryDecision(new LedgerUnavailableError('down'), 'resend', 1_000, policy)).toMatchObject({ action: 'resend', retry: true });
  });

  it('waits longer before endorsing again (a peer catching up needs blocks, not milliseconds)', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 10, endorseBaseDelayMs: 400, maxDelayMs: 5_000 };
    const decision = retryDecision(new EndorsementMismatchError('payloads differ'), 'endorse', 1, p);
    expect(decision.delayMs).toBeGreaterThanOrEqual(200);
    expect(decision.delayMs).toBeLessThanOrEqual(400);
    expect(DEFAULT_RETRY_POLICY.endorseAttempts).toBeGreaterThanOrEqual(3);
  });

  it('backs off exponentially, with jitter, up to the cap', () => {
    const p = { ...policy, baseDelayMs: 100, maxDelayMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(p, a, () => 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect([1, 2, 3].map((a) => backoffMs(p, a, () => 0))).toEqual([50, 100, 200]);
  });
});
