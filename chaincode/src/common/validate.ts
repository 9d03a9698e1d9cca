import { z } from 'zod';
import { InvalidArgumentError } from './errors';

/**
 * Parses transaction arguments against a schema. Every transaction validates its input here, so a bad argument is
 * refused with one clear, field-level message before anything is read or written.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what = 'argument'): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : what}: ${issue.message}`);
    throw new InvalidArgumentError(`invalid ${what}: ${problems.join('; ')}`, { problems });
  }
  return result.data;
}

/** Parses a JSON text argument, then validates it. */
export function parseJsonArg<S extends z.ZodType>(schema: S, text: string, what = 'argument'): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError(`invalid ${what}: not valid JSON`);
  }
  return parseWith(schema, value, what);
}
