import { HttpError } from '../http/errors';

/**
 * A validated integer parameter. The validator (http/operations.ts) converts numeric parameters from canonical decimal
 * text and checks them against their schema's bounds, filling declared defaults, so a handler reads a safe integer
 * here and never parses request text itself (`Number(query.x)` would turn "Infinity" into a loop bound). Anything
 * else is refused rather than guessed at.
 */
export function intParam(values: Record<string, unknown>, name: string, fallback?: number): number {
  const value = values[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `invalid request: ${name} must be an integer`);
  }
  return value;
}

/** An optional validated integer parameter: undefined when absent. */
export function optionalIntParam(values: Record<string, unknown>, name: string): number | undefined {
  return values[name] === undefined ? undefined : intParam(values, name);
}
