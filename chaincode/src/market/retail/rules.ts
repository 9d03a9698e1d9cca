import { z } from 'zod';
import { saltSchema } from '../../common/transient';
import { gateClosureMs } from '../../governance/config';
import { assetIdSchema } from '../../registry/asset';
import type { MarketRules } from '../desk';
import { retailBuyerEligibility, retailSellerEligibility } from '../eligibility';
import { loadGridClearing } from '../grid-constraints';
import { intervalText } from '../interval';
import { orderIdSchema, priceSchema, quantitySchema, zoneSchema } from '../rules';

/**
 * The retail P2P market's rules: per zone and delivery interval, prosumers sell surplus to neighbours in a periodic
 * double auction. One order is one price block; a SELL names the caller's generating or storage asset in the zone
 * and both sides the caller's meter there; the gate closes governance's gateClosureMinutes before the interval.
 */

export const RETAIL = 'RETAIL';
export const ORDER_TRANSIENT = 'order';
export const ORDER_PLACED_EVENT = 'OrderPlaced';
export const ORDER_CANCELLED_EVENT = 'OrderCancelled';
export const MARKET_CLEARED_EVENT = 'MarketCleared';

export const slotSchema = z.strictObject({ zone: zoneSchema, interval: intervalText });
export const orderRefSchema = z.strictObject({ zone: zoneSchema, interval: intervalText, orderId: orderIdSchema });
export const retailOrderSchema = z
  .strictObject({
    side: z.enum(['BUY', 'SELL']),
    /** Limit price, price units per kWh. */
    price: priceSchema,
    quantityWh: quantitySchema,
    /** SELL: the caller's active pv/wind/battery/generator asset in the zone. */
    assetId: assetIdSchema.optional(),
    /** The caller's active meter in the zone whose readings settle the order. */
    meterId: assetIdSchema,
    salt: saltSchema,
  })
  .superRefine((order, issues) => {
    if (order.side === 'SELL' && !order.assetId) issues.addIssue({ code: 'custom', path: ['assetId'], message: 'a sell order names the asset it sells from' });
    if (order.side === 'BUY' && order.assetId) issues.addIssue({ code: 'custom', path: ['assetId'], message: 'a buy order names only its meter' });
  });
export type RetailOrder = z.output<typeof retailOrderSchema>;

export const retailRules: MarketRules<RetailOrder> = {
  market: RETAIL,
  slotSchema,
  refSchema: orderRefSchema,
  refLabel: 'order reference',
  zoneOf: (args) => args.zone!,
  gateMs: (startMs, config) => startMs - gateClosureMs(config),
  orderTransient: ORDER_TRANSIENT,
  orderSchema: retailOrderSchema,
  toBook: (order) => ({ side: order.side, blocks: [{ price: order.price, quantityWh: order.quantityWh }], salt: order.salt }),
  roles: { SELL: ['PROSUMER'], BUY: ['PROSUMER', 'CONSUMER'] },
  eligibility: (ctx, caller, zone, order, config) =>
    order.side === 'SELL'
      ? retailSellerEligibility(ctx, caller.pseudonym, zone, order.assetId!, order.meterId, config.intervalMinutes)
      : retailBuyerEligibility(ctx, caller.pseudonym, zone, order.meterId),
  events: { placed: ORDER_PLACED_EVENT, cancelled: ORDER_CANCELLED_EVENT, cleared: MARKET_CLEARED_EVENT, withZone: true },
  words: { order: 'order', placing: 'orders', cancelling: 'orders' },
  where: (zone, intervalId) => `retail ${zone} ${intervalId}`,
  grid: loadGridClearing,
  offerDeposit: true,
};
