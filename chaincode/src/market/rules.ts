import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { RuleViolationError, InvalidArgumentError } from '../common/errors';
import { readPrivateJson, transientText } from '../common/state';
import { parseJsonArg } from '../common/validate';
import type { GovernanceConfig } from '../governance/config';
import type { ActingParticipant } from '../participants/participant';
import type { PriceBlock } from './book';

/** Zones are names of feeders or microgrids as the registry records them. */
export { zoneSchema } from '../registry/asset';
export const orderIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'an order id (the placing transaction id)');
/** A salt long enough that a hash of a small value (a price, a quantity) cannot be brute-forced. */
export const saltSchema = z.string().min(16).max(256);
export const priceSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Up to 1 TWh per order keeps every price × quantity product a safe integer. */
export const quantitySchema = z.number().int().positive().max(1_000_000_000_000);

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

export function checkPrices(config: GovernanceConfig, blocks: readonly PriceBlock[]): void {
  for (const block of blocks) {
    if (block.price < config.priceFloor || block.price > config.priceCap) {
      throw new RuleViolationError(`price ${block.price} is outside the market's limits [${config.priceFloor}, ${config.priceCap}] per kWh`, {
        reason: 'PRICE_OUT_OF_RANGE',
      });
    }
  }
}

export function gateClosed(reason: string, gateMs: number): RuleViolationError {
  return new RuleViolationError(`${reason}: gate closure was ${new Date(gateMs).toISOString()}`, { reason: 'GATE_CLOSED' });
}

export function gateOpen(gateMs: number): RuleViolationError {
  return new RuleViolationError(`the interval cannot be cleared before gate closure at ${new Date(gateMs).toISOString()}`, { reason: 'GATE_OPEN' });
}

/** Private parts of orders and awards are shown to their owner, the market operator and the regulator only. */
export function maySeePrivate(caller: ActingParticipant, owner: string): boolean {
  return caller.pseudonym === owner || caller.effectiveRoles.includes('MARKET_OPERATOR') || caller.effectiveRoles.includes('REGULATOR');
}

/** A private read that yields undefined on a peer whose org is not a member of the collection. */
async function tryPrivate<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/** A public record whose private counterpart sits under the same key in the owner's collection. */
export interface OwnedRecord {
  readonly owner: string;
  readonly collection: string;
}

/**
 * The view every market and settlement query returns: `{[label]: record}`, plus `details` (the private counterpart)
 * when the caller may see it (see maySeePrivate) and the answering peer holds it.
 */
export async function withPrivateDetails<R extends OwnedRecord>(
  ctx: Context,
  caller: ActingParticipant,
  label: string,
  record: R,
  key: string,
): Promise<Record<string, unknown>> {
  const details = maySeePrivate(caller, record.owner) ? await tryPrivate(() => readPrivateJson<unknown>(ctx, record.collection, key)) : undefined;
  return details === undefined ? { [label]: record } : { [label]: record, details };
}
