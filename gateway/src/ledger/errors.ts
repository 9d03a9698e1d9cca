import { errorCodeOf, type ErrorCode } from '@obe/chaincode';

/**
 * Typed ledger errors shared by both adapters, so routes map outcomes to HTTP without knowing which ledger runs.
 * Mirrors fabric-gateway's split: endorsement (chaincode said no), commit (transaction invalidated), availability.
 */
export abstract class LedgerError extends Error {
  abstract readonly kind: string;
}

/** The chaincode refused the transaction; `code` is the domain error code it carried, if any. Never retried. */
export class ChaincodeError extends LedgerError {
  readonly kind = 'chaincode';
  readonly code: ErrorCode | undefined;
  constructor(message: string, readonly txId?: string) {
    super(message);
    this.name = 'ChaincodeError';
    this.code = errorCodeOf(message);
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

/** The commit outcome is not known yet (e.g. commit status deadline); the pending submit can be resumed. */
export class CommitUnknownError extends LedgerError {
  readonly kind = 'commit-unknown';
  constructor(readonly txId: string, override readonly cause?: unknown) {
    super(`commit status of ${txId} not known yet`);
    this.name = 'CommitUnknownError';
  }
}
