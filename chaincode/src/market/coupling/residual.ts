import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes, canonicalJson } from '../../common/canonical-json';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../../common/errors';
import { commitmentOf, deriveSalt } from '../../common/hash';
import { orgCollection } from '../../common/keys';
import { maySeePrivate, tryPrivate } from '../../common/private-details';
import { readJson, readPrivateJson } from '../../common/state';
import { saltSchema } from '../../common/transient';
import { txTimeIso, txTimeMs } from '../../common/tx-time';
import { describeOutsider, orgOutsideCollection } from '../../governance/collections';
import { intervalMs } from '../../governance/config';
import { getConfig } from '../../governance/store';
import { requireParticipant, requireRole } from '../../participants/authorize';
import { pseudonymSchema } from '../../participants/participant';
import { listOrders, listPublicAwards, orderKey, placeOrder, readPrivateAwards, readResult, totalWh, type PriceBlock, type PrivateOrder } from '../book';
import { intervalText, parseInterval } from '../interval';
import { RETAIL } from '../retail/rules';
import { checkPrices, priceSchema, quantitySchema, zoneSchema } from '../rules';
import { MAX_CURVE_BLOCKS, WHOLESALE, WHOLESALE_ZONE } from '../wholesale/rules';

/**
 * Wholesale ↔ retail coupling (docs/demand-response.md#coupling). After a retail zone's interval is
 * cleared, what a retailer's (or aggregator's) org did not match locally there — its households' unawarded bids minus
 * their unawarded offers — may enter the wholesale market as one aggregated curve: a demand curve when the households
 * lacked energy, a supply curve when they had surplus. The chaincode derives the residual itself from the retail
 * orders and awards on the ledger (the caller only names the zones and prices its curve); the curve may carry at most
 * that residual. Each (zone, org, interval) enters once, and each retailer once per interval. The residual gate is the
 * interval's start and the wholesale interval must still be open (placeOrder refuses a cleared interval, also against a
 * clearing that commits first); it then clears in wholesale with every other curve and settles like one (a residual
 * names no meter: delivered as awarded; a demand residual escrows its maximum cost from the caller's account).
 *
 * Keys: obe.coupling.residual [interval, retailer]  public record (zones, side, wholesale order id, commitment)
 *                                                    and the derivation under the same key in orders_<MSP>
 *       obe.coupling.zone     [interval, zone, MSP]   one claim per zone and org
 */

export const RESIDUAL = 'obe.coupling.residual';
export const RESIDUAL_ZONE = 'obe.coupling.zone';
export const RESIDUAL_TRANSIENT = 'residual';
export const RESIDUAL_SUBMITTED_EVENT = 'RetailResidualSubmitted';
export const MAX_RESIDUAL_ZONES = 20;

export const residualArgSchema = z.strictObject({
  interval: intervalText,
  /** The retail zones whose unmatched volume of the caller's org this residual carries. */
  zones: z.array(zoneSchema).min(1).max(MAX_RESIDUAL_ZONES),
});
export const residualRefSchema = z.strictObject({ interval: intervalText, retailer: pseudonymSchema });
const blockSchema = z.strictObject({ price: priceSchema, quantityWh: quantitySchema });
export const residualCurveSchema = z.strictObject({
  /** Price blocks of the aggregated curve (demand: falling prices; supply: rising); their total at most the residual. */
  blocks: z.array(blockSchema).min(1).max(MAX_CURVE_BLOCKS),
  salt: saltSchema,
});
export type ResidualCurve = z.output<typeof residualCurveSchema>;

export interface ZoneResidual {
  readonly zone: string;
  readonly unmatchedBuyWh: number;
  readonly unmatchedSellWh: number;
}

export interface PublicResidual {
  readonly interval: string;
  readonly retailer: string;
  readonly retailerMsp: string;
  readonly zones: readonly string[];
  readonly side: 'BUY' | 'SELL';
  /** The wholesale order the residual became (WHOLESALE, SYSTEM, interval). */
  readonly orderId: string;
  readonly collection: string;
  readonly commitment: string;
  readonly submittedAt: string;
}

export interface PrivateResidual {
  readonly interval: string;
  readonly retailer: string;
  readonly zones: readonly ZoneResidual[];
  /** Σ unmatched buy − Σ unmatched sell over the zones (positive: the org lacked energy). */
  readonly netWh: number;
  readonly blocks: readonly PriceBlock[];
  readonly salt: string;
}

/** The unmatched volume of one org's retail orders in one cleared zone interval, from the ledger's orders and awards. */
async function zoneResidual(ctx: Context, zone: string, interval: string, mspId: string): Promise<ZoneResidual> {
  const orders = (await listOrders(ctx, RETAIL, zone, interval)).filter((o) => o.status === 'OPEN' && o.ownerMsp === mspId);
  const publicAwards = (await listPublicAwards(ctx, RETAIL, zone, interval)).filter((a) => a.ownerMsp === mspId);
  const awards = await readPrivateAwards(ctx, RETAIL, zone, interval, publicAwards);
  const awarded = new Map<string, number>();
  awards.forEach((award, i) => {
    if (!award) throw new RuleViolationError(`this peer holds no private award for order '${publicAwards[i].orderId}'`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    awarded.set(award.orderId, award.quantityWh);
  });
  let buy = 0n;
  let sell = 0n;
  for (const order of orders) {
    const body = await readPrivateJson<PrivateOrder>(ctx, order.collection, orderKey(ctx, RETAIL, zone, interval, order.orderId));
    if (!body || commitmentOf(body) !== order.commitment) {
      throw new RuleViolationError(`order '${order.orderId}' has no private body matching its commitment on this peer`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    }
    const unmatched = BigInt(totalWh(body.blocks) - (awarded.get(order.orderId) ?? 0));
    if (order.side === 'BUY') buy += unmatched;
    else sell += unmatched;
  }
  return { zone, unmatchedBuyWh: Number(buy), unmatchedSellWh: Number(sell) };
}

function residualKey(ctx: Context, interval: string, retailer: string): string {
  return ctx.stub.createCompositeKey(RESIDUAL, [interval, retailer]);
}

export async function submitResidual(ctx: Context, args: z.output<typeof residualArgSchema>, curve: ResidualCurve): Promise<PublicResidual> {
  const caller = await requireRole(ctx, 'RETAILER', 'AGGREGATOR');
  const config = await getConfig(ctx);
  const interval = parseInterval(args.interval, intervalMs(config));
  if (txTimeMs(ctx) >= interval.startMs) {
    throw new RuleViolationError(`a retail residual for ${interval.id} is accepted until the interval starts`, { reason: 'GATE_CLOSED' });
  }
  const zones = [...new Set(args.zones)].sort();
  if (zones.length !== args.zones.length) throw new RuleViolationError('a zone is named twice', { reason: 'DUPLICATE_ZONE' });
  const ordersCollection = orgCollection('orders', caller.mspId);
  const outsider = orgOutsideCollection(ctx, config, ordersCollection);
  if (outsider) throw new ForbiddenError(`${describeOutsider(outsider)} cannot read ${caller.mspId}'s retail orders`);
  const key = residualKey(ctx, interval.id, caller.pseudonym);
  if (await readJson(ctx, key)) throw new ConflictError(`participant ${caller.pseudonym} has already submitted its residual for ${interval.id}`, { reason: 'RESIDUAL_EXISTS' });

  const derived: ZoneResidual[] = [];
  for (const zone of zones) {
    if (!(await readResult(ctx, RETAIL, zone, interval.id))) {
      throw new RuleViolationError(`retail ${zone} ${interval.id} has not been cleared: its residual is not known yet`, { reason: 'RETAIL_NOT_CLEARED' });
    }
    const claim = ctx.stub.createCompositeKey(RESIDUAL_ZONE, [interval.id, zone, caller.mspId]);
    if (await readJson(ctx, claim)) throw new ConflictError(`${caller.mspId}'s residual of retail ${zone} ${interval.id} has already entered wholesale`, { reason: 'RESIDUAL_EXISTS' });
    derived.push(await zoneResidual(ctx, zone, interval.id, caller.mspId));
  }
  const net = derived.reduce((sum, z) => sum + BigInt(z.unmatchedBuyWh) - BigInt(z.unmatchedSellWh), 0n);
  if (net === 0n) throw new RuleViolationError(`nothing of ${zones.join(', ')} is unmatched for ${caller.mspId} in ${interval.id}`, { reason: 'NO_RESIDUAL' });
  const side = net > 0n ? 'BUY' : 'SELL';
  const residualWh = net > 0n ? net : -net;
  const offered = curve.blocks.reduce((sum, b) => sum + BigInt(b.quantityWh), 0n);
  if (offered > residualWh) {
    throw new RuleViolationError(`the curve carries ${offered} Wh, more than the ${residualWh} Wh left unmatched in retail`, { reason: 'RESIDUAL_EXCEEDS_UNMATCHED' });
  }
  for (let i = 1; i < curve.blocks.length; i++) {
    const ok = side === 'BUY' ? curve.blocks[i].price < curve.blocks[i - 1].price : curve.blocks[i].price > curve.blocks[i - 1].price;
    if (!ok) throw new RuleViolationError(side === 'BUY' ? 'demand block prices must fall' : 'supply block prices must rise', { reason: 'CURVE_ORDER' });
  }
  checkPrices(config, curve.blocks, side);

  const order = await placeOrder(ctx, {
    market: WHOLESALE,
    zone: WHOLESALE_ZONE,
    interval: interval.id,
    owner: caller.pseudonym,
    ownerMsp: caller.mspId,
    side,
    blocks: curve.blocks,
    meterIds: [],
    assetId: null,
    salt: curve.salt,
  });
  const body: PrivateResidual = { interval: interval.id, retailer: caller.pseudonym, zones: derived, netWh: Number(net), blocks: curve.blocks, salt: deriveSalt(curve.salt, `residual:${key}`) };
  const record: PublicResidual = {
    interval: interval.id,
    retailer: caller.pseudonym,
    retailerMsp: caller.mspId,
    zones,
    side,
    orderId: order.orderId,
    collection: ordersCollection,
    commitment: commitmentOf(body),
    submittedAt: txTimeIso(ctx),
  };
  for (const zone of zones) {
    await ctx.stub.putState(ctx.stub.createCompositeKey(RESIDUAL_ZONE, [interval.id, zone, caller.mspId]), canonicalBytes({ interval: interval.id, zone, mspId: caller.mspId, retailer: caller.pseudonym }));
  }
  await ctx.stub.putState(key, canonicalBytes(record));
  await ctx.stub.putPrivateData(ordersCollection, key, canonicalBytes(body));
  ctx.stub.setEvent(RESIDUAL_SUBMITTED_EVENT, Buffer.from(canonicalJson({ interval: interval.id, retailer: caller.pseudonym, orderId: order.orderId })));
  return record;
}

/** {residual, details?}: the derivation for the retailer, the market operator and the regulator. */
export async function getResidual(ctx: Context, interval: string, retailer: string): Promise<{ residual: PublicResidual; details?: PrivateResidual }> {
  const config = await getConfig(ctx);
  const id = parseInterval(interval, intervalMs(config)).id;
  const key = residualKey(ctx, id, retailer);
  const record = await readJson<PublicResidual>(ctx, key);
  if (!record) throw new NotFoundError(`participant ${retailer} has no residual for ${id}`);
  const caller = await requireParticipant(ctx);
  const details = maySeePrivate(caller, record.retailer) ? await tryPrivate(() => readPrivateJson<PrivateResidual>(ctx, record.collection, key)) : undefined;
  return details === undefined ? { residual: record } : { residual: record, details };
}
