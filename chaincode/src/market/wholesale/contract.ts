import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalJson } from '../../common/canonical-json';
import { NotFoundError } from '../../common/errors';
import { orgCollection } from '../../common/keys';
import { assetIdSchema } from '../../registry/asset';
import { txTimeMs } from '../../common/tx-time';
import { parseJsonArg } from '../../common/validate';
import { intervalMs } from '../../governance/config';
import { getConfig } from '../../governance/store';
import { participantOrNone, requireParticipant, requireRole } from '../../participants/authorize';
import { withOversightDetails, withPrivateDetails } from '../../common/private-details';
import { saltSchema, transientJson, transientSalt } from '../../common/transient';
import { cancelOrder, readFullResult, readPrivateAward, clearOrders, openOrderBodies, suppliedOrders, listOrders, listPublicAwards, orderKey, placeOrder, readPublicAward, readPublicOrder, readResult } from '../book';
import { wholesaleSupplyEligibility } from '../eligibility';
import { parseInterval, utcDayStart } from '../interval';
import { checkPrices, gateClosed, mayWithdraw, gateOpen, orderIdSchema, priceSchema, quantitySchema } from '../rules';

/**
 * The wholesale day-ahead market. Generators offer stepwise supply curves for their wholesale generator assets;
 * retailers and the DSO bid stepwise demand curves; each interval is cleared by merit order at one uniform price (the
 * same clearing function as retail: each curve block is one order). Curves for a delivery day close at noon UTC the
 * day before. Curves are private like retail orders; the market area is the whole system (zone `SYSTEM`).
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

export const intervalArgSchema = z.strictObject({ interval: z.string().min(1).max(40) });
export const curveRefSchema = z.strictObject({ interval: z.string().min(1).max(40), orderId: orderIdSchema });
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

export function dayAheadGateMs(intervalStartMs: number): number {
  return utcDayStart(intervalStartMs) - DAY_AHEAD_GATE_MS;
}

async function intervalOf(ctx: Context, text: string) {
  const config = await getConfig(ctx);
  const interval = parseInterval(text, intervalMs(config));
  return { interval, gateMs: dayAheadGateMs(interval.startMs), config };
}

@Info({ title: 'WholesaleMarket', description: 'Wholesale day-ahead market: merit-order clearing of supply and demand curves' })
export class WholesaleMarketContract extends Contract {
  constructor() {
    super('WholesaleMarket');
  }

  /**
   * Args {interval}; transient `curve` = {side: SUPPLY|DEMAND, assetId (SUPPLY), blocks: [{price, quantityWh}] ≤ 10,
   * salt}. SUPPLY: a GENERATOR with the named active wholesale generator asset. DEMAND: a RETAILER or the DSO; escrows
   * the curve's maximum cost. Refused once the interval is cleared, whatever the transaction's timestamp. Returns the
   * public curve record (neither the blocks nor the escrowed amount).
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SubmitCurve(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(intervalArgSchema, argsJson, 'interval reference');
    const { interval, gateMs, config } = await intervalOf(ctx, args.interval);
    const curve = transientJson(ctx, CURVE_TRANSIENT, curveSchema);
    if (txTimeMs(ctx) >= gateMs) throw gateClosed(`day-ahead curves for ${interval.id} are no longer accepted`, gateMs);
    checkPrices(config, curve.blocks, curve.side === 'SUPPLY' ? 'SELL' : 'BUY');
    const caller = curve.side === 'SUPPLY' ? await requireRole(ctx, 'GENERATOR') : await requireRole(ctx, 'RETAILER', 'DSO');
    const eligible = curve.side === 'SUPPLY' ? await wholesaleSupplyEligibility(ctx, caller.pseudonym, curve.assetId!, curve.meterId, config.intervalMinutes) : { meterIds: [], assetId: null, limits: [] };
    const placed = await placeOrder(ctx, {
      market: WHOLESALE,
      zone: WHOLESALE_ZONE,
      interval: interval.id,
      owner: caller.pseudonym,
      ownerMsp: caller.mspId,
      side: curve.side === 'SUPPLY' ? 'SELL' : 'BUY',
      blocks: curve.blocks,
      meterIds: eligible.meterIds,
      assetId: eligible.assetId,
      salt: curve.salt,
    }, eligible.limits);
    ctx.stub.setEvent(CURVE_SUBMITTED_EVENT, Buffer.from(canonicalJson({ market: WHOLESALE, interval: interval.id, orderId: placed.orderId })));
    return canonicalJson(placed);
  }

  /**
   * Args {interval, orderId}: the owner withdraws a curve before gate closure, or once the interval is abandoned (its
   * end plus the settlement deadline passed, uncleared); never once it is cleared. A demand curve's escrow returns, a
   * supply curve's quantity leaves its assets' offer totals.
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CancelCurve(ctx: Context, argsJson: string): Promise<string> {
    const ref = parseJsonArg(curveRefSchema, argsJson, 'curve reference');
    const { interval, gateMs, config } = await intervalOf(ctx, ref.interval);
    if (!mayWithdraw(txTimeMs(ctx), gateMs, interval, config)) throw gateClosed(`curves for ${interval.id} can no longer be cancelled (until it is abandoned uncleared)`, gateMs);
    const caller = await requireParticipant(ctx);
    const cancelled = await cancelOrder(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id, ref.orderId, caller.pseudonym);
    ctx.stub.setEvent(CURVE_CANCELLED_EVENT, Buffer.from(canonicalJson({ market: WHOLESALE, interval: interval.id, orderId: ref.orderId })));
    return canonicalJson(cancelled);
  }

  /** Args {interval}; transient `salt`, optionally `orders` (ListOpenOrderBodies). Market operator only, after the day-ahead gate, once per interval. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async ClearInterval(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(intervalArgSchema, argsJson, 'interval reference');
    const { interval, gateMs, config } = await intervalOf(ctx, args.interval);
    const salt = transientSalt(ctx);
    const operator = await requireRole(ctx, 'MARKET_OPERATOR');
    if (txTimeMs(ctx) < gateMs) throw gateOpen(gateMs);
    const { result } = await clearOrders(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id, salt, suppliedOrders(ctx), {
      collection: orgCollection('settlement', operator.mspId),
      minPublicGroupSize: config.minPublicGroupSize,
    });
    ctx.stub.setEvent(WHOLESALE_CLEARED_EVENT, Buffer.from(canonicalJson(result)));
    return canonicalJson(result);
  }

  /**
   * Args {interval} → the private bodies of the interval's open orders, for the market operator to pass to ClearInterval in
   * transient `orders` (see clearOrders: it checks each against its public commitment). An evaluation on the
   * operator's own peer, which belongs to every order collection; never submitted.
   */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOpenOrderBodies(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(intervalArgSchema, argsJson, 'interval reference');
    const { interval } = await intervalOf(ctx, args.interval);
    await requireRole(ctx, 'MARKET_OPERATOR');
    return canonicalJson(await openOrderBodies(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetResult(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(intervalArgSchema, argsJson, 'interval reference');
    const { interval } = await intervalOf(ctx, args.interval);
    const result = await readResult(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id);
    if (!result) throw new NotFoundError(`wholesale ${interval.id} has not been cleared`);
    return canonicalJson(await withOversightDetails(await participantOrNone(ctx), result, () => readFullResult(ctx, result)));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListCurves(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(intervalArgSchema, argsJson, 'interval reference');
    const { interval } = await intervalOf(ctx, args.interval);
    return canonicalJson(await listOrders(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id));
  }

  /** Args {interval, orderId} → {curve, details?}; details only for the owner, the operator or the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetCurve(ctx: Context, argsJson: string): Promise<string> {
    const ref = parseJsonArg(curveRefSchema, argsJson, 'curve reference');
    const { interval } = await intervalOf(ctx, ref.interval);
    const caller = await requireParticipant(ctx);
    const curve = await readPublicOrder(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id, ref.orderId);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'curve', curve, orderKey(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id, ref.orderId)));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAwards(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(intervalArgSchema, argsJson, 'interval reference');
    const { interval } = await intervalOf(ctx, args.interval);
    return canonicalJson(await listPublicAwards(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id));
  }

  /** Args {interval, orderId} → {award, details?}. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAward(ctx: Context, argsJson: string): Promise<string> {
    const ref = parseJsonArg(curveRefSchema, argsJson, 'curve reference');
    const { interval } = await intervalOf(ctx, ref.interval);
    const caller = await requireParticipant(ctx);
    const award = await readPublicAward(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id, ref.orderId);
    if (!award) throw new NotFoundError(`curve '${ref.orderId}' has no award in wholesale ${interval.id}`);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'award', award, () => readPrivateAward(ctx, WHOLESALE, WHOLESALE_ZONE, interval.id, award)));
  }
}
