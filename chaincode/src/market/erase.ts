import type { Context } from 'fabric-contract-api';
import { tryPrivate } from '../common/private-details';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { completeScan } from '../common/scan';
import { ORDER, awardsKey, offeredKey, orderKey, type PrivateOrder, type PublicAward, type PublicOffered, type PublicOrder } from './book';

/**
 * The market's part of a participant's erasure (docs/privacy-and-erasure.md). The order book has no index by owner:
 * erasure, a rare transaction, reads the whole order range (a concurrent order placement makes it fail with a phantom
 * read and be retried).
 */

/** The participant's orders, every market, zone and interval, in key order. */
export async function ordersOf(ctx: Context, owner: string): Promise<PublicOrder[]> {
  return completeScan(await readJsonByPrefix<PublicOrder>(ctx, ORDER, []), 'the order book')
    .map((entry) => entry.value)
    .filter((order) => order.owner === owner);
}

export interface MarketPurge {
  readonly orders: number;
  readonly offers: number;
  readonly awards: number;
  /**
   * Escrow ids (= order ids) of its bids and of its offers (a retail offer may have held a deposit, market/deposit.ts):
   * their closed escrows' private history is the token ledger's to purge.
   */
  readonly bidIds: string[];
}

/**
 * Purges the private side of every order of `owner` (no open obligations left, see openObligations): each order body,
 * each offer total of its sell orders' assets that is still (or was last) its own, and — per settled interval in
 * which it won something — its org's private awards record of that interval. Fabric purges whole keys: the awards
 * record is shared by every award of the org's participants in the interval, so theirs leave it too; after
 * settlement each of their settled records (settlement collection) keeps what the award said.
 */
export async function purgeOrdersOf(ctx: Context, owner: string, orders: readonly PublicOrder[]): Promise<MarketPurge> {
  let offers = 0;
  const offerKeys = new Set<string>();
  for (const order of orders) {
    const key = orderKey(ctx, order.market, order.zone, order.interval, order.orderId);
    if (order.side === 'SELL') {
      const body = await tryPrivate(() => readPrivateJson<PrivateOrder>(ctx, order.collection, key));
      for (const assetId of new Set([...(body?.assetId ? [body.assetId] : []), ...(body?.meterIds ?? [])])) {
        const offered = offeredKey(ctx, assetId, order.interval);
        if (offerKeys.has(offered)) continue;
        offerKeys.add(offered);
        const pub = await readJson<PublicOffered>(ctx, offered);
        // Another owner's later offer on the same asset and interval is theirs, not this participant's.
        if (pub && pub.owner !== owner) continue;
        if (pub) await ctx.stub.deleteState(offered);
        await ctx.stub.purgePrivateData(pub?.collection ?? order.collection, offered);
        offers++;
      }
    }
    await ctx.stub.purgePrivateData(order.collection, key);
  }

  let awards = 0;
  const intervals = new Map<string, PublicOrder>();
  for (const order of orders) intervals.set(`${order.market}\u0000${order.zone}\u0000${order.interval}`, order);
  for (const order of intervals.values()) {
    const key = awardsKey(ctx, order.market, order.zone, order.interval);
    const mine = ((await readJson<PublicAward[]>(ctx, key)) ?? []).filter((award) => award.owner === owner);
    for (const collection of new Set(mine.map((award) => award.collection))) {
      await ctx.stub.purgePrivateData(collection, key);
      awards++;
    }
  }
  return { orders: orders.length, offers, awards, bidIds: orders.map((o) => o.orderId) };
}
