/** The market rules: order and price bounds, gate closure, withdrawal. Transient inputs and private views are in common/. */
import { z } from 'zod';
import { RuleViolationError, InvalidArgumentError } from '../common/errors';
import type { GovernanceConfig } from '../governance/config';
import type { PriceBlock } from './book';

/** Zones are names of feeders or microgrids as the registry records them. */
export { zoneSchema } from '../registry/asset';
export const orderIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'an order id (the placing transaction id)');
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
