import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { InvalidArgumentError } from './errors';
import { transientText } from './state';
import { parseJsonArg } from './validate';

/**
 * Private inputs travel in the proposal's transient map, never as arguments (arguments are written to the block).
 * These read them for any domain: tokens (amounts), markets (limit curves, meters), settlement (salts).
 */

/** A salt long enough that a hash of a small value (a price, a quantity) cannot be brute-forced. */
export const saltSchema = z.string().min(16).max(256);

export const SALT_TRANSIENT = 'salt';

/** Reads and validates a JSON transient entry; a missing entry is bad input like any other. */
export function transientJson<S extends z.ZodType>(ctx: Context, name: string, schema: S): z.output<S> {
  const text = transientText(ctx, name);
  if (text === undefined) throw new InvalidArgumentError(`transient '${name}' is required (private inputs never travel as arguments)`);
  return parseJsonArg(schema, text, `transient '${name}'`);
}

export function transientSalt(ctx: Context): string {
  const text = transientText(ctx, SALT_TRANSIENT);
  if (text === undefined) throw new InvalidArgumentError(`transient '${SALT_TRANSIENT}' is required`);
  const result = saltSchema.safeParse(text);
  if (!result.success) throw new InvalidArgumentError(`transient '${SALT_TRANSIENT}' must be 16 to 256 characters`);
  return result.data;
}
