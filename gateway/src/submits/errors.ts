/**
 * Refusals of the submit service's own (idempotency), as typed errors with stable kinds; `http/errors.ts` maps them
 * to statuses. Ledger outcomes travel as the ledger's errors (ledger/errors.ts).
 */
export abstract class SubmitError extends Error {
  abstract readonly kind: 'idempotency-key-reused' | 'idempotency-key-interrupted';
}

/** The Idempotency-Key was already used by this identity for a different request. */
export class IdempotencyKeyReusedError extends SubmitError {
  readonly kind = 'idempotency-key-reused';
  constructor() {
    super('this Idempotency-Key was already used with a different request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

/**
 * An earlier request with this key stopped between taking the key and recording its transaction: that transaction
 * may have reached the ledger, so submitting again could make it twice.
 */
export class IdempotencyKeyInterruptedError extends SubmitError {
  readonly kind = 'idempotency-key-interrupted';
  constructor() {
    super(
      'an earlier request with this Idempotency-Key was interrupted before its transaction was recorded; it may have reached the ledger. Check the ledger, then retry with a new key',
    );
    this.name = 'IdempotencyKeyInterruptedError';
  }
}
