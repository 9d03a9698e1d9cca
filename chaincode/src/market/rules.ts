import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { RuleViolationError, InvalidArgumentError } from '../common/errors';
import { readPrivateJson, transientText } from '../common/state';
import { parseJsonArg } from '../common/validate';
import type { GovernanceConfig } from '../governance/config';
import type { ActingParticipant } from '../participants/participant';
import { requireParticipant } from '../participants/authorize';
import type { PriceBlock } from './book';

/** Zones are names of feeders or microgrids as the registry records them. */
export { zoneSchema } from '../registry/asset';
export const orderIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'an order id (the placing transaction id)');
/** A salt long enough that a hash of a small value (a price, a quantity) cannot be brute-forced. */
export const saltSchema = z.string().min(16).max(256);
/**
 * The arithmetic bounds of the markets (the proof that every amount is a safe integer is in market/clearing.ts):
 *  - a limit price is at most MAX_PRICE per kWh, whatever governance's priceCap says;
 *  - an order (all blocks of a curve together) offers or bids at most MAX_ORDER_WH;
 *  - so an order's value Σ price × quantity ≤ MAX_PRICE × MAX_ORDER_WH = 10^15 < 2^53.
 * A bid's limit is at least MIN_BID_PRICE, so every bid locks a positive escrow ≥ its quantity in Wh.
 */
export const MAX_PRICE = 1_000_000;
export const MAX_ORDER_WH = 1_000_000_000;
export const MIN_BID_PRICE = 1;
export const priceSchema = z.number().int().min(0).max(MAX_PRICE);
export const quantitySchema = z.number().int().positive().max(MAX_ORDER_WH);

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

/**
 * The price rules of one order: every block within governance's [priceFloor, priceCap]; a bid's every limit at least
 * MIN_BID_PRICE (a bid at 0 would lock no escrow, and its award nothing to settle from); the order's total quantity at
 * most MAX_ORDER_WH (each block is bounded by the schema, a curve's sum here).
 */
export function checkPrices(config: GovernanceConfig, blocks: readonly PriceBlock[], side?: 'BUY' | 'SELL'): void {
  const total = blocks.reduce((sum, b) => sum + b.quantityWh, 0);
  if (total > MAX_ORDER_WH) {
    throw new InvalidArgumentError(`an order offers or bids at most ${MAX_ORDER_WH} Wh in total, not ${total}`, { reason: 'QUANTITY_OUT_OF_RANGE' });
  }
  for (const block of blocks) {
    if (side === 'BUY' && block.price < MIN_BID_PRICE) {
      throw new RuleViolationError(`a bid's limit price must be at least ${MIN_BID_PRICE} per kWh (a bid at 0 would escrow nothing)`, { reason: 'BID_PRICE_TOO_LOW' });
    }
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

/**
 * Whether an order may be withdrawn now: before gate closure, or once its interval is abandoned — past the end of the
 * interval plus the governance settlement deadline and still not cleared (cancelOrder refuses a cleared interval),
 * so a bid's escrow can never stay locked because nobody cleared the interval.
 */
export function mayWithdraw(nowMs: number, gateMs: number, interval: { endMs: number }, config: GovernanceConfig): boolean {
  return nowMs < gateMs || nowMs >= interval.endMs + config.settlementDeadlineMinutes * 60_000;
}

export function gateOpen(gateMs: number): RuleViolationError {
  return new RuleViolationError(`the interval cannot be cleared before gate closure at ${new Date(gateMs).toISOString()}`, { reason: 'GATE_OPEN' });
}

/** Private parts of orders and awards are shown to their owner, the market operator and the regulator only. */
export function maySeePrivate(caller: ActingParticipant, owner: string): boolean {
  return caller.pseudonym === owner || caller.effectiveRoles.includes('MARKET_OPERATOR') || caller.effectiveRoles.includes('REGULATOR');
}

/**
 * The two ways a Fabric peer refuses a private read for lack of membership, worded as Fabric 2.5 words them:
 * the creator's org is not a member of a memberOnlyRead collection (core/chaincode/handler.go), or the answering
 * peer's org is not a member and so holds only the hash (ledger ErrPvtdataNotAvailable; also a member peer that has
 * not reconciled the data yet). Either way this peer cannot show the details; any other failure is a real error.
 */
const NOT_READABLE_HERE = [/tx creator does not have read access permission on privatedata/, /private data matching public hash version is not available/];

function isPrivateReadRefusal(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return NOT_READABLE_HERE.some((pattern) => pattern.test(message));
}

/** A private read that yields undefined where membership forbids it; every other error propagates. */
async function tryPrivate<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isPrivateReadRefusal(err)) return undefined;
    throw err;
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
  /** The private counterpart's key in the record's collection, or how to read it when it is part of a larger record. */
  keyOrRead: string | (() => Promise<unknown>),
): Promise<Record<string, unknown>> {
  const read = typeof keyOrRead === 'string' ? () => readPrivateJson<unknown>(ctx, record.collection, keyOrRead) : keyOrRead;
  const details = maySeePrivate(caller, record.owner) ? await tryPrivate(read) : undefined;
  return details === undefined ? { [label]: record } : { [label]: record, details };
}

/**
 * A public aggregate plus, for the market operator and the regulator (when the answering peer holds it), `details`:
 * its full private counterpart, e.g. the totals the small-group rule withholds from everyone else.
 */
export async function withOversightDetails<R extends object>(ctx: Context, record: R, read: () => Promise<unknown>): Promise<R | (R & { details: unknown })> {
  let caller: ActingParticipant;
  try {
    caller = await requireParticipant(ctx);
  } catch {
    return record;
  }
  if (!caller.effectiveRoles.includes('MARKET_OPERATOR') && !caller.effectiveRoles.includes('REGULATOR')) return record;
  const details = await tryPrivate(read);
  return details === undefined ? record : { ...record, details };
}
