import { errorCodeOf, type ErrorCode } from '@obe/chaincode';
import type { PendingSubmit } from './port';

/**
 * Typed ledger errors shared by both adapters: the ledger port and the submit service throw these, never an HTTP
 * error; only `http/errors.ts` maps them to statuses. Mirrors fabric-gateway's split: endorsement (chaincode said
 * no), commit (transaction invalidated), availability.
 *
 *   LedgerError                  kind (stable code)
 *   ├─ ChaincodeError            'chaincode'       the chaincode refused; `code` is its domain code (RULE_VIOLATION, NOT_FOUND, ...)
 *   ├─ TransactionInvalidError   'invalid'         invalidated at commit; `isConflict` for MVCC/phantom read conflicts
 *   ├─ EndorsementMismatchError  'endorsement'     peers disagreed or no endorsement policy could be met
 *   ├─ LedgerUnavailableError    'unavailable'     not reachable, not in time, starting or closed
 *   │  └─ SubmitUnconfirmedError                   signed, but the orderer's receipt was not confirmed: followed, never re-endorsed
 *   ├─ CommitUnknownError        'commit-unknown'  ordered, outcome not known yet; the pending submit can be resumed
 *   └─ SubmitExpiredError        'expired'         not committed by the submit deadline and checked absent: a new submit is safe
 */
export abstract class LedgerError extends Error {
  /** Stable code of the error class, kept when the error is stored (see ErrorRecord). */
  abstract readonly kind: LedgerErrorKind;
  /** True when the same request would be refused again: a final answer worth remembering under an Idempotency-Key. */
  get isRefusal(): boolean {
    return false;
  }
}

export type LedgerErrorKind = 'chaincode' | 'invalid' | 'endorsement' | 'unavailable' | 'commit-unknown' | 'expired';

/** The chaincode refused the transaction; `code` is the domain error code it carried, if any. Never retried. */
export class ChaincodeError extends LedgerError {
  readonly kind = 'chaincode';
  readonly code: ErrorCode | undefined;
  constructor(message: string, readonly txId?: string) {
    super(message);
    this.name = 'ChaincodeError';
    this.code = errorCodeOf(message);
  }
  /** A refusal with a domain code is final; one without is a chaincode failure (a bug), not an answer. */
  override get isRefusal(): boolean {
    return this.code !== undefined;
  }
}

/** Fabric validation codes a committed-but-invalid transaction can carry. */
export type ValidationCode = 'MVCC_READ_CONFLICT' | 'PHANTOM_READ_CONFLICT' | 'ENDORSEMENT_POLICY_FAILURE' | string;

/** The transaction was ordered but invalidated at commit; it wrote nothing. */
export class TransactionInvalidError extends LedgerError {
  readonly kind = 'invalid';
  constructor(readonly validationCode: ValidationCode, readonly txId: string, readonly blockNumber?: number) {
    super(`transaction ${txId} invalid: ${validationCode}`);
    this.name = 'TransactionInvalidError';
  }
  get isConflict(): boolean {
    return this.validationCode === 'MVCC_READ_CONFLICT' || this.validationCode === 'PHANTOM_READ_CONFLICT';
  }
  /** A conflict may pass under a new proposal; any other invalidation is final. */
  override get isRefusal(): boolean {
    return !this.isConflict;
  }
}

/** Endorsing peers disagreed (non-deterministic chaincode) or a policy could not be satisfied. */
export class EndorsementMismatchError extends LedgerError {
  readonly kind = 'endorsement';
  constructor(message: string, readonly txId?: string) {
    super(message);
    this.name = 'EndorsementMismatchError';
  }
}

/** The ledger could not be reached or did not answer in time. */
export class LedgerUnavailableError extends LedgerError {
  readonly kind = 'unavailable';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'LedgerUnavailableError';
  }
}

/**
 * The transaction was endorsed and signed, but handing it to the orderer failed in a way that does not say whether
 * the orderer got it (unreachable, timed out). Nothing is endorsed again: `pending` (with the signed envelope) is
 * followed by re-sending the same transaction, whose txId Fabric commits at most once.
 */
export class SubmitUnconfirmedError extends LedgerUnavailableError {
  constructor(readonly pending: PendingSubmit, cause?: unknown) {
    super(`transaction ${pending.txId} was signed but the orderer did not confirm receiving it`, cause);
    this.name = 'SubmitUnconfirmedError';
  }
}

/**
 * A followed submit did not commit before its deadline, and a last look at the ledger found no trace of its txId
 * (see docs/api.md, "Submit outcomes"): the gateway stopped re-sending it, so a new submit is safe.
 */
export class SubmitExpiredError extends LedgerError {
  readonly kind = 'expired';
  constructor(readonly txId: string, readonly deadline: string) {
    super(`transaction ${txId} did not commit by its deadline (${deadline}) and is not on the ledger; it is no longer sent, so a new submit is safe`);
    this.name = 'SubmitExpiredError';
  }
  /** Final: this transaction will not commit, whoever asks again. */
  override get isRefusal(): boolean {
    return true;
  }
}

/** The commit outcome is not known yet (e.g. commit status deadline); the pending submit can be resumed. */
export class CommitUnknownError extends LedgerError {
  readonly kind = 'commit-unknown';
  constructor(readonly txId: string, override readonly cause?: unknown) {
    super(`commit status of ${txId} not known yet`);
    this.name = 'CommitUnknownError';
  }
}

/**
 * A ledger error as data, for records kept on disk (a failed submit's outcome), and the same error again from it.
 * It names the error class by its stable kind, never by how an API answers it.
 */
export interface ErrorRecord {
  readonly kind: LedgerErrorKind | 'internal';
  readonly message: string;
  readonly txId?: string;
  readonly validationCode?: string;
  readonly blockNumber?: number;
  /** When a submit's deadline passed (kind 'expired'). */
  readonly deadline?: string;
}

export function errorRecordOf(err: unknown): ErrorRecord {
  if (err instanceof TransactionInvalidError) {
    return { kind: err.kind, message: err.message, txId: err.txId, validationCode: err.validationCode, ...(err.blockNumber === undefined ? {} : { blockNumber: err.blockNumber }) };
  }
  if (err instanceof CommitUnknownError) return { kind: err.kind, message: err.message, txId: err.txId };
  if (err instanceof SubmitExpiredError) return { kind: err.kind, message: err.message, txId: err.txId, deadline: err.deadline };
  if (err instanceof ChaincodeError || err instanceof EndorsementMismatchError) {
    return { kind: err.kind, message: err.message, ...(err.txId === undefined ? {} : { txId: err.txId }) };
  }
  if (err instanceof LedgerError) return { kind: err.kind, message: err.message };
  return { kind: 'internal', message: err instanceof Error ? err.message : String(err) };
}

export function errorFromRecord(record: ErrorRecord): Error {
  switch (record.kind) {
    case 'chaincode':
      return new ChaincodeError(record.message, record.txId);
    case 'invalid':
      return new TransactionInvalidError(record.validationCode ?? 'UNKNOWN', record.txId ?? '', record.blockNumber);
    case 'endorsement':
      return new EndorsementMismatchError(record.message, record.txId);
    case 'unavailable':
      return new LedgerUnavailableError(record.message);
    case 'commit-unknown':
      return new CommitUnknownError(record.txId ?? '');
    case 'expired':
      return new SubmitExpiredError(record.txId ?? '', record.deadline ?? '');
    default:
      return new Error(record.message);
  }
}
