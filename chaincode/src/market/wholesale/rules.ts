import { z } from 'zod';
import { saltSchema } from '../../common/transient';
import { assetIdSchema } from '../../registry/asset';
import type { MarketRules } from '../desk';
import { wholesaleSupplyEligibility } from '../eligibility';
import { intervalText, utcDayStart } from '../interval';
import { orderIdSchema, priceSchema, quantitySchema } from '../rules';

/**
 * The wholesale day-ahead market's rules. Generators offer stepwise supply curves for their wholesale generator
 * assets; retailers and the DSO bid stepwise demand curves; each interval is cleared by merit order at one uniform
 * price (each curve block is one order of the same clearing as retail). Curves for a delivery day close at noon UTC
 * the day before. The market area is the whole system (zone `SYSTEM`).
 */

export const WHOLESALE = 'WHOLESALE';
export const WHOLESALE_ZONE = 'SYSTEM';
export const CURVE_TRANSIENT = 'curve';
export const MAX_CURVE_BLOCKS = 10;
/** Day-ahead gate closure: this long before the delivery day starts (noon UTC the day before). */
export const DAY_AHEAD_GATE_MS = 12 * 60 * 60 * 1000;
export const CURVE_SUBMITTED_EVENT = 'CurveSubmitted';
export const CURVE_CANCELLED_EVENT = 'CurveCancelled';
export const WHOLESALE_CLEARED_EVENT = 'WholesaleCleared';

export const intervalArgSchema = z.strictObject({ interval: intervalText });
export const curveRefSchema = z.strictObject({ interval: intervalText, orderId: orderIdSchema });
const blockSchema = z.strictObject({ price: priceSchema, quantityWh: quantitySchema });

export const curveSchema = z
  .strictObject({
    side: z.enum(['SUPPLY', 'DEMAND']),
    /** The wholesale generator asset offering (SUPPLY only). */
    assetId: assetIdSchema.optional(),
    /** Optional meter settling the curve; default: the generator asset's own readings. */
    meterId: assetIdSchema.optional(),
    blocks: z.array(blockSchema).min(1).max(MAX_CURVE_BLOCKS),
    salt: saltSchema,
  })
  .superRefine((curve, issues) => {
    if (curve.side === 'SUPPLY' && !curve.assetId) issues.addIssue({ code: 'custom', path: ['assetId'], message: 'a supply curve names its generator asset' });
    if (curve.side === 'DEMAND' && (curve.assetId || curve.meterId)) issues.addIssue({ code: 'custom', path: ['assetId'], message: 'a demand curve names no asset' });
    // A supply curve steps up in price, a demand curve steps down: each block is the next tranche of the merit order.
    for (let i = 1; i < curve.blocks.length; i++) {
      const rising = curve.blocks[i].price > curve.blocks[i - 1].price;
      const falling = curve.blocks[i].price < curve.blocks[i - 1].price;
      if ((curve.side === 'SUPPLY' && !rising) || (curve.side === 'DEMAND' && !falling)) {
        issues.addIssue({ code: 'custom', path: ['blocks', i, 'price'], message: curve.side === 'SUPPLY' ? 'supply block prices must rise' : 'demand block prices must fall' });
      }
    }
  });
export type Curve = z.output<typeof curveSchema>;

export function dayAheadGateMs(intervalStartMs: number): number {
  return utcDayStart(intervalStartMs) - DAY_AHEAD_GATE_MS;
}

/** A demand curve is bid with no meter or asset: it settles against the bidder's tokens only. */
const NO_ASSETS = { meterIds: [], assetId: null, limits: [] };

export const wholesaleRules: MarketRules<Curve> = {
  market: WHOLESALE,
  slotSchema: intervalArgSchema,
  refSchema: curveRefSchema,
  refLabel: 'curve reference',
  zoneOf: () => WHOLESALE_ZONE,
  gateMs: (startMs) => dayAheadGateMs(startMs),
  orderTransient: CURVE_TRANSIENT,
  orderSchema: curveSchema,
  toBook: (curve) => ({ side: curve.side === 'SUPPLY' ? 'SELL' : 'BUY', blocks: curve.blocks, salt: curve.salt }),
  roles: { SELL: ['GENERATOR'], BUY: ['RETAILER', 'DSO'] },
  eligibility: async (ctx, caller, _zone, curve, config) =>
    curve.side === 'SUPPLY' ? wholesaleSupplyEligibility(ctx, caller.pseudonym, curve.assetId!, curve.meterId, config.intervalMinutes) : NO_ASSETS,
  events: { placed: CURVE_SUBMITTED_EVENT, cancelled: CURVE_CANCELLED_EVENT, cleared: WHOLESALE_CLEARED_EVENT, withZone: false },
  words: { order: 'curve', placing: 'day-ahead curves', cancelling: 'curves' },
  where: (_zone, intervalId) => `wholesale ${intervalId}`,
};
