import type { ErrorCode } from '@obe/chaincode';
import {
  ChaincodeError,
  CommitUnknownError,
  EndorsementMismatchError,
  LedgerError,
  LedgerUnavailableError,
  SubmitExpiredError,
  TransactionInvalidError,
} from '../ledger/errors';
import { IdempotencyKeyInterruptedError, IdempotencyKeyReusedError, SubmitError } from '../submits/errors';

/**
 * Stable error codes of the HTTP API. The chaincode's domain codes pass through unchanged; the rest are the
 * gateway's own (transport, auth, idempotency, availability).
 */
export type ApiErrorCode =
  | ErrorCode
  | 'BAD_REQUEST'
  | 'MALFORMED_JSON'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'HEADERS_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'MVCC_CONFLICT'
  | 'LEDGER_UNAVAILABLE'
  | 'ENDORSEMENT_MISMATCH'
  | 'TRANSACTION_INVALID'
  | 'SUBMIT_EXPIRED'
  | 'INTERNAL';

/** An error with its HTTP status and stable code; everything thrown in a handler ends up as one of these. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
    /** Response headers the answer carries (e.g. Retry-After on a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const DOMAIN_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RULE_VIOLATION: 422,
};

/** The chaincode message without its `[CODE]` marker and any peer wrapping before it. */
function chaincodeMessage(message: string, code: ErrorCode | undefined): string {
  if (!code) return message;
  const at = message.indexOf(`[${code}]`);
  return message.slice(at + code.length + 2).trim() || message;
}

/**
 * Translates any error into the HTTP error a caller sees: the one place where the ledger's and the submit service's
 * typed errors become statuses. Unknown errors become 500 INTERNAL (a gateway bug).
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof LedgerError) return fromLedgerError(err);
  if (err instanceof SubmitError) return fromSubmitError(err);
  const transport = fromBodyParserError(err);
  if (transport) return transport;
  return new HttpError(500, 'INTERNAL', 'internal error');
}

function fromLedgerError(err: LedgerError): HttpError {
  if (err instanceof ChaincodeError) {
    if (err.code) {
      return new HttpError(DOMAIN_STATUS[err.code], err.code, chaincodeMessage(err.message, err.code), err.txId ? { txId: err.txId } : undefined);
    }
    return new HttpError(500, 'INTERNAL', 'the chaincode failed without a domain error code', err.txId ? { txId: err.txId } : undefined);
  }
  if (err instanceof TransactionInvalidError) {
    if (err.isConflict) {
      return new HttpError(409, 'MVCC_CONFLICT', 'the transaction kept conflicting with concurrent updates; retry it', {
        txId: err.txId,
        validationCode: err.validationCode,
      });
    }
    return new HttpError(409, 'TRANSACTION_INVALID', `the transaction was invalidated at commit (${err.validationCode})`, {
      txId: err.txId,
      validationCode: err.validationCode,
    });
  }
  if (err instanceof SubmitExpiredError) {
    return new HttpError(409, 'SUBMIT_EXPIRED', err.message, { txId: err.txId, deadline: err.deadline, safeToResubmit: true });
  }
  if (err instanceof LedgerUnavailableError || err instanceof CommitUnknownError) {
    return new HttpError(503, 'LEDGER_UNAVAILABLE', err.message);
  }
  if (err instanceof EndorsementMismatchError) {
    return new HttpError(502, 'ENDORSEMENT_MISMATCH', 'endorsing peers returned different results', err.txId ? { txId: err.txId } : undefined);
  }
  return new HttpError(503, 'LEDGER_UNAVAILABLE', err.message);
}

function fromSubmitError(err: SubmitError): HttpError {
  if (err instanceof IdempotencyKeyReusedError) return new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', err.message);
  if (err instanceof IdempotencyKeyInterruptedError) return new HttpError(409, 'CONFLICT', err.message);
  return new HttpError(500, 'INTERNAL', 'internal error');
}

/** An error as the status, code and message a submit's status answer reports (no details, no request id). */
export function errorSummary(err: unknown): { status: number; code: ApiErrorCode; message: string } {
  const http = toHttpError(err);
  return { status: http.status, code: http.code, message: http.message };
}

/** body-parser and http-errors carry `status`/`type`; those are always the caller's doing. */
function fromBodyParserError(err: unknown): HttpError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type, expose } = err as { status?: unknown; type?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  switch (type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'MALFORMED_JSON', 'the request body is not valid JSON');
    case 'entity.too.large':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'unsupported body charset or encoding');
    default:
      return new HttpError(status, 'BAD_REQUEST', expose === true ? String((err as Error).message) : 'bad request');
  }
}

/** The JSON error body every error response carries. */
export function errorBody(err: HttpError, requestId: string): { error: { code: string; message: string; details?: unknown; requestId: string } } {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
      requestId,
    },
  };
}
