/**
 * Errors of the embedded runtime. Endorsement and validation outcomes carry Fabric's names and codes so callers
 * (the gateway adapter, chaincode tests) handle them exactly as they would handle a peer's answer.
 */

/** Fabric's transaction validation codes this runtime produces (peer.TxValidationCode names). */
export type ValidationCode =
  | 'VALID'
  | 'MVCC_READ_CONFLICT'
  | 'PHANTOM_READ_CONFLICT'
  | 'ENDORSEMENT_POLICY_FAILURE'
  | 'DUPLICATE_TXID'
  | 'INVALID_OTHER_REASON';

/** The chaincode returned an error response; `message` is the chaincode's message verbatim. */
export class EndorseError extends Error {
  readonly code = 'ENDORSE_FAILED';
  constructor(message: string, readonly status: number, readonly txId: string, readonly org?: string) {
    super(message);
    this.name = 'EndorseError';
  }
}

/** Endorsing peers returned different read-write sets, responses or events (non-deterministic chaincode). */
export class EndorsementMismatchError extends Error {
  readonly code = 'ENDORSEMENT_MISMATCH';
  constructor(message: string, readonly txId: string, readonly orgs: readonly string[]) {
    super(message);
    this.name = 'EndorsementMismatchError';
  }
}

/** The transaction was ordered into a block but invalidated at validation; it wrote nothing. */
export class TxValidationError extends Error {
  readonly code = 'TX_INVALID';
  constructor(readonly validationCode: ValidationCode, readonly txId: string, readonly blockNumber: number) {
    super(`transaction ${txId} invalidated with code ${validationCode} in block ${blockNumber}`);
    this.name = 'TxValidationError';
  }
}

/** Misuse of the runtime API itself (unknown channel, chaincode or org, closed runtime, bad options). */
export class RuntimeUsageError extends Error {
  readonly code = 'RUNTIME_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'RuntimeUsageError';
  }
}

/** The persisted ledger fails verification somewhere other than a torn last record; it is never repaired silently. */
export class LedgerCorruptedError extends Error {
  readonly code = 'LEDGER_CORRUPTED';
  constructor(message: string, readonly file: string) {
    super(`${message} (${file})`);
    this.name = 'LedgerCorruptedError';
  }
}

/** An error a peer returns to the chaincode, worded as Fabric's handler does: "<TYPE> failed: transaction ID: <id>: <why>". */
export function peerError(messageType: string, txId: string, reason: string): Error {
  return new Error(`${messageType} failed: transaction ID: ${txId}: ${reason}`);
}
