/**
 * Typed domain errors with stable codes.
 *
 * A chaincode error reaches a client only as a message string (a peer wraps it into the endorsement error), so the
 * code travels inside the message as a `[CODE]` prefix. `errorCodeOf` recovers it from any wrapped message, which is
 * how the gateway maps chaincode refusals to HTTP statuses without duplicating business rules.
 */
export const ERROR_CODES = ['INVALID_ARGUMENT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'RULE_VIOLATION'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ObeError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(`[${code}] ${message}`);
    this.name = 'ObeError';
    this.code = code;
    this.details = details;
  }
}

export class InvalidArgumentError extends ObeError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INVALID_ARGUMENT', message, details);
    this.name = 'InvalidArgumentError';
  }
}

export class ForbiddenError extends ObeError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('FORBIDDEN', message, details);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends ObeError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('NOT_FOUND', message, details);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends ObeError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
    this.name = 'ConflictError';
  }
}

export class RuleViolationError extends ObeError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('RULE_VIOLATION', message, details);
    this.name = 'RuleViolationError';
  }
}

const CODE_PATTERN = new RegExp(`\\[(${ERROR_CODES.join('|')})\\]`);

/** The stable code carried by a (possibly wrapped) chaincode error message, if any. */
export function errorCodeOf(message: string): ErrorCode | undefined {
  const match = CODE_PATTERN.exec(message);
  return match ? (match[1] as ErrorCode) : undefined;
}
