import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalJson } from '../../common/canonical-json';
import { txTimeMs } from '../../common/tx-time';
import { parseJsonArg } from '../../common/validate';
import { gateClosureMs, intervalMs } from '../../governance/config';
import { getConfig } from '../../governance/store';
import { participantOrNone, requireParticipant, requireRole } from '../../participants/authorize';
import { withOversightDetails, withPrivateDetails } from '../../common/private-details';
import { saltSchema, transientJson, transientSalt } from '../../common/transient';
import { cancelOrder, readFullResult, readPrivateAward, clearOrders, openOrderBodies, suppliedOrders, listOrders, listPublicAwards, orderKey, placeOrder, readPublicAward, readPublicOrder, readResult } from '../book';
import { retailBuyerEligibility, retailSellerEligibility } from '../eligibility';
import { parseInterval } from '../interval';
import { checkPrices, gateClosed, mayWithdraw, gateOpen, orderIdSchema, priceSchema, quantitySchema, zoneSchema } from '../rules';
import { NotFoundError } from '../../common/errors';
import { orgCollection } from '../../common/keys';
import { assetIdSchema } from '../../registry/asset';

/**
 * The retail P2P market: per zone and delivery interval, prosumers sell surplus to neighbours in a periodic double
 * auction. Prices and quantities travel in the transient map and are stored only in the submitting org's `orders_*`
 * collection; the channel sees a salted commitment, the owner's pseudonym and the side (and, through the token
 * ledger's escrow, a bid's maximum cost).
 */

export const RETAIL = 'RETAIL';
export const ORDER_TRANSIENT = 'order';
export const ORDER_PLACED_EVENT = 'OrderPlaced';
export const ORDER_CANCELLED_EVENT = 'OrderCancelled';
export const MARKET_CLEARED_EVENT = 'MarketCleared';

export const slotSchema = z.strictObject({ zone: zoneSchema, interval: z.string().min(1).max(40) });
export const orderRefSchema = z.strictObject({ zone: zoneSchema, interval: z.string().min(1).max(40), orderId: orderIdSchema });
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

async function slot(ctx: Context, text: string) {
  const args = parseJsonArg(slotSchema, text, 'interval reference');
  const config = await getConfig(ctx);
  const interval = parseInterval(args.interval, intervalMs(config));
  return { zone: args.zone, interval, gateMs: interval.startMs - gateClosureMs(config), config };
}

@Info({ title: 'RetailMarket', description: 'Retail P2P double auction per zone and delivery interval' })
export class RetailMarketContract extends Contract {
  constructor() {
    super('RetailMarket');
  }

  /**
   * Args {zone, interval}; transient `order` = {side, price, quantityWh, assetId (SELL), meterId, salt}. A SELL names
   * the caller's active generating or storage asset in the zone, both sides the caller's active meter there; a BUY
   * escrows price × quantity. Refused once the interval is cleared, whatever the transaction's timestamp.
   * Returns the public order record (neither the private body nor the escrowed amount).
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async PlaceOrder(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval, gateMs, config } = await slot(ctx, argsJson);
    const order = transientJson(ctx, ORDER_TRANSIENT, retailOrderSchema);
    if (txTimeMs(ctx) >= gateMs) throw gateClosed(`orders for ${interval.id} are no longer accepted`, gateMs);
    const blocks = [{ price: order.price, quantityWh: order.quantityWh }];
    checkPrices(config, blocks, order.side);
    const caller = order.side === 'SELL' ? await requireRole(ctx, 'PROSUMER') : await requireRole(ctx, 'PROSUMER', 'CONSUMER');
    const eligible =
      order.side === 'SELL'
        ? await retailSellerEligibility(ctx, caller.pseudonym, zone, order.assetId!, order.meterId, config.intervalMinutes)
        : await retailBuyerEligibility(ctx, caller.pseudonym, zone, order.meterId);
    const placed = await placeOrder(ctx, {
      market: RETAIL,
      zone,
      interval: interval.id,
      owner: caller.pseudonym,
      ownerMsp: caller.mspId,
      side: order.side,
      blocks,
      meterIds: eligible.meterIds,
      assetId: eligible.assetId,
      salt: order.salt,
    }, eligible.limits);
    ctx.stub.setEvent(ORDER_PLACED_EVENT, Buffer.from(canonicalJson({ market: RETAIL, zone, interval: interval.id, orderId: placed.orderId })));
    return canonicalJson(placed);
  }

  /**
   * Args {zone, interval, orderId}: the owner withdraws an open order before gate closure, or once the interval is
   * abandoned (its end plus the settlement deadline passed, uncleared); never once the interval is cleared. A bid's
   * escrow returns, a sell order's quantity leaves its assets' offer totals.
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CancelOrder(ctx: Context, argsJson: string): Promise<string> {
    const ref = parseJsonArg(orderRefSchema, argsJson, 'order reference');
    const { zone, interval, gateMs, config } = await slot(ctx, canonicalJson({ zone: ref.zone, interval: ref.interval }));
    if (!mayWithdraw(txTimeMs(ctx), gateMs, interval, config)) throw gateClosed(`orders for ${interval.id} can no longer be cancelled (until it is abandoned uncleared)`, gateMs);
    const caller = await requireParticipant(ctx);
    const cancelled = await cancelOrder(ctx, RETAIL, zone, interval.id, ref.orderId, caller.pseudonym);
    ctx.stub.setEvent(ORDER_CANCELLED_EVENT, Buffer.from(canonicalJson({ market: RETAIL, zone, interval: interval.id, orderId: ref.orderId })));
    return canonicalJson(cancelled);
  }

  /** Args {zone, interval}; transient `salt`, optionally `orders` (ListOpenOrderBodies). Market operator only, after gate closure, once. Returns the public result. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async ClearInterval(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval, gateMs, config } = await slot(ctx, argsJson);
    const salt = transientSalt(ctx);
    const operator = await requireRole(ctx, 'MARKET_OPERATOR');
    if (txTimeMs(ctx) < gateMs) throw gateOpen(gateMs);
    const { result } = await clearOrders(ctx, RETAIL, zone, interval.id, salt, suppliedOrders(ctx), {
      collection: orgCollection('settlement', operator.mspId),
      minPublicGroupSize: config.minPublicGroupSize,
    });
    ctx.stub.setEvent(MARKET_CLEARED_EVENT, Buffer.from(canonicalJson(result)));
    return canonicalJson(result);
  }

  /** Args {zone, interval} → the public clearing result (price, volume, order counts). */
  /**
   * Args {zone, interval} → the private bodies of the interval's open orders, for the market operator to pass to ClearInterval in
   * transient `orders` (see clearOrders: it checks each against its public commitment). An evaluation on the
   * operator's own peer, which belongs to every order collection; never submitted.
   */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOpenOrderBodies(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await slot(ctx, argsJson);
    await requireRole(ctx, 'MARKET_OPERATOR');
    return canonicalJson(await openOrderBodies(ctx, RETAIL, zone, interval.id));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetResult(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await slot(ctx, argsJson);
    const result = await readResult(ctx, RETAIL, zone, interval.id);
    if (!result) throw new NotFoundError(`retail ${zone} ${interval.id} has not been cleared`);
    return canonicalJson(await withOversightDetails(await participantOrNone(ctx), result, () => readFullResult(ctx, result)));
  }

  /** Args {zone, interval} → public order records (commitments, no prices or quantities). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOrders(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await slot(ctx, argsJson);
    return canonicalJson(await listOrders(ctx, RETAIL, zone, interval.id));
  }

  /** Args {zone, interval, orderId} → {order, details?}; details only for the owner, the operator or the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetOrder(ctx: Context, argsJson: string): Promise<string> {
    const ref = parseJsonArg(orderRefSchema, argsJson, 'order reference');
    const { zone, interval } = await slot(ctx, canonicalJson({ zone: ref.zone, interval: ref.interval }));
    const caller = await requireParticipant(ctx);
    const order = await readPublicOrder(ctx, RETAIL, zone, interval.id, ref.orderId);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'order', order, orderKey(ctx, RETAIL, zone, interval.id, ref.orderId)));
  }

  /** Args {zone, interval} → public award commitments (owner, side; no quantities). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAwards(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await slot(ctx, argsJson);
    return canonicalJson(await listPublicAwards(ctx, RETAIL, zone, interval.id));
  }

  /** Args {zone, interval, orderId} → {award, details?}; details only for the owner, the operator or the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAward(ctx: Context, argsJson: string): Promise<string> {
    const ref = parseJsonArg(orderRefSchema, argsJson, 'order reference');
    const { zone, interval } = await slot(ctx, canonicalJson({ zone: ref.zone, interval: ref.interval }));
    const caller = await requireParticipant(ctx);
    const award = await readPublicAward(ctx, RETAIL, zone, interval.id, ref.orderId);
    if (!award) throw new NotFoundError(`order '${ref.orderId}' has no award in retail ${zone} ${interval.id}`);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'award', award, () => readPrivateAward(ctx, RETAIL, zone, interval.id, award)));
  }
}
