import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, InvalidArgumentError, NotFoundError, RuleViolationError } from '../common/errors';
import { commitmentOf, deriveSalt } from '../common/hash';
import { KEY, orgCollection } from '../common/keys';
import { readJson, readJsonByPrefix, readPrivateJson, transientText } from '../common/state';
import { parseJsonArg } from '../common/validate';
import { txTimeMs } from '../common/tx-time';
import { participantSecretOrCreate, shreddableSalt } from '../participants/secret';
import { TokenLedger } from '../tokens/ledger';
import { clearInterval, ClearingInputError, type BindingLimit, type ClearingOrder, type Side } from './clearing';
import { feederOfMeters, writeLoading, type AwardGridTerms, type GridClearing } from './grid-constraints';
import { MIN_BID_PRICE } from './rules';
import { depositWh, offerDeposit, type OfferDepositPolicy } from './deposit';

/**
 * The order book both markets share: per-order keys, private order bodies, clearing into public results and private
 * awards. The retail and wholesale contracts decide who may trade what and when; this module stores and clears.
 *
 * Keys (composite, every one carries the order or the interval, so nothing is a hot key):
 *   obe.market.order  [market, zone, interval, orderId]  public: owner pseudonym, side, status, commitment
 *   the same key in the owner's order collection          private: limit blocks, meters, salt
 *   obe.market.result [market, zone, interval]            public: price, volume, order counts
 *   obe.market.awards [market, zone, interval]            public: each award's owner, side, collection, commitment
 *   the same key in each order collection with awards     private: that collection's awards (written once, at clearing)
 * Clearing reads the order range after gate closure. Placing and cancelling read the result key and are refused once it
 * exists, whatever timestamp the client chose, so an order can never change an interval after (or while) it is
 * cleared: an order endorsed before clearing commits but fails MVCC validation if the clearing committed first.
 * A bid's escrow is the token ledger's (`obe.token.escrow/<owner>/<orderId>`); the order record does not repeat it.
 * So is a retail offer's deposit (market/deposit.ts), under the same key form.
 * Every bid locks a positive escrow (its limit is ≥ 1, market/rules.ts), so every award of a bid has one to settle from.
 *
 * Physical limit of offers (`obe.market.offered [assetId, interval]`, one key per asset and interval, so no key is
 * shared across assets): a sell order names the generating asset it offers from and the meter that settles it; the Wh
 * all open offers of one interval commit on each of them may never exceed what that asset can deliver in the interval
 * (rated capacity × interval length, for storage also its energy capacity). The key's public record carries the owner
 * and a commitment; the committed quantity and the market sit in the owner's order collection, salted, like the orders.
 * Placing adds to it, cancelling subtracts (the key is deleted at 0). Two offers of one asset endorsed concurrently
 * both read the key: the later to commit fails with MVCC_READ_CONFLICT and is retried against the new total. One asset
 * offers in one market per interval (retail or wholesale, never both), so one settlement sees every award naming a
 * meter, and allocates its one reading across them (settlement/compute.ts).
 *
 * Small groups: a public total over fewer than k distinct participants (k = governance minPublicGroupSize) reveals
 * each member's own quantity. The public result therefore shows volume and value only when at least k distinct
 * participants were awarded on each side (or none were: no trade, nothing to hide); otherwise both are null and
 * `suppressed` is true. The full result is kept in the market operator org's settlement collection under the same
 * key, which the operator and the regulator read (GetResult shows it to them as `details`); the price and the order and
 * award counts stay public.
 */

export type MarketName = 'RETAIL' | 'WHOLESALE';

export const ORDER = 'obe.market.order';
export const RESULT = 'obe.market.result';
/** One record per interval: every award's public part; one private record per order collection under the same key. */
export const AWARDS = 'obe.market.awards';
/** Per asset and interval: the Wh its open offers commit (public: owner and commitment; private: the quantity). */
export const OFFERED = KEY.offered;

export interface PriceBlock {
  /** Price units per kWh. */
  readonly price: number;
  readonly quantityWh: number;
}

export interface PrivateOrder {
  readonly orderId: string;
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly owner: string;
  readonly side: Side;
  readonly blocks: readonly PriceBlock[];
  /** Meters whose readings settle this order (empty: settled as delivered, e.g. wholesale demand). */
  readonly meterIds: readonly string[];
  readonly assetId: string | null;
  readonly salt: string;
  /** Retail offers: the deposit it locked (market/deposit.ts); absent when none. Lets clearing return it unread. */
  readonly deposit?: number;
}

export interface PublicOrder {
  readonly orderId: string;
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly owner: string;
  readonly ownerMsp: string;
  readonly side: Side;
  /** Submission order for tie-breaking: the submitting transaction's timestamp (ms). */
  readonly submittedAt: number;
  readonly status: 'OPEN' | 'CANCELLED';
  readonly collection: string;
  /** SHA-256 of the canonical private order (which includes the caller's salt). */
  readonly commitment: string;
}

export interface MarketResult {
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly price: number | null;
  /** Null when suppressed by the small-group rule (see the module comment). */
  readonly volumeWh: number | null;
  readonly value: number | null;
  /** True when volume and value are withheld because fewer than k distinct participants were awarded on a side. */
  readonly suppressed: boolean;
  /** Where the full result is kept (the market operator org's settlement collection). */
  readonly collection: string;
  readonly buyOrders: number;
  readonly sellOrders: number;
  readonly awardedBuyOrders: number;
  readonly awardedSellOrders: number;
  readonly clearedAt: string;
  readonly clearingTxId: string;
  /** Retail slots with a DSO envelope: the limits that curtailed an order (public: only those whose side total is shown). */
  readonly binding?: BindingLimit[];
  /** Retail slots with a DSO tariff: Σ network fees of the awards; in the full result only (details). */
  readonly gridFees?: number | null;
}

export interface PrivateAward {
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly orderId: string;
  readonly owner: string;
  readonly side: Side;
  readonly price: number;
  readonly quantityWh: number;
  readonly amount: number;
  readonly meterIds: readonly string[];
  readonly salt: string;
  /** Retail slots with a DSO envelope or tariff: the award's feeder and (buyers) its network fee terms. */
  readonly grid?: AwardGridTerms;
}

export interface PublicAward {
  readonly orderId: string;
  readonly owner: string;
  readonly ownerMsp: string;
  readonly side: Side;
  readonly collection: string;
  readonly commitment: string;
}

export { commitmentOf, deriveSalt } from '../common/hash';

/** Σ price × quantity, exact (BigInt) and checked: at most MAX_PRICE × MAX_ORDER_WH = 10^15 for a valid order. */
export function maxCost(blocks: readonly PriceBlock[]): number {
  const cost = blocks.reduce((sum, b) => sum + BigInt(b.price) * BigInt(b.quantityWh), 0n);
  if (cost > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError(`an order's maximum cost ${cost} is not a safe integer`);
  return Number(cost);
}

/** Total Wh of an order (all blocks), exact. */
export function totalWh(blocks: readonly PriceBlock[]): number {
  return blocks.reduce((sum, b) => sum + b.quantityWh, 0);
}

/** What one asset can deliver in one interval (Wh), as the contract read it from the registry. */
export interface AssetLimit {
  readonly assetId: string;
  readonly maxWh: number;
}

export interface PublicOffered {
  readonly assetId: string;
  readonly interval: string;
  readonly owner: string;
  readonly collection: string;
  readonly commitment: string;
}

export interface PrivateOffered {
  readonly assetId: string;
  readonly interval: string;
  readonly owner: string;
  readonly market: MarketName;
  readonly offeredWh: number;
  readonly salt: string;
}

export function offeredKey(ctx: Context, assetId: string, interval: string): string {
  return ctx.stub.createCompositeKey(OFFERED, [assetId, interval]);
}

async function readOffered(ctx: Context, key: string): Promise<{ pub: PublicOffered; body: PrivateOffered } | undefined> {
  const pub = await readJson<PublicOffered>(ctx, key);
  if (!pub) return undefined;
  const body = await readPrivateJson<PrivateOffered>(ctx, pub.collection, key);
  if (!body) throw new RuleViolationError(`this peer holds no private offer total for asset '${pub.assetId}'`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
  if (commitmentOf(body) !== pub.commitment) throw new RuleViolationError(`offer total of asset '${pub.assetId}' does not match its commitment`);
  return { pub, body };
}

async function writeOffered(ctx: Context, key: string, body: PrivateOffered, collection: string): Promise<void> {
  const pub: PublicOffered = { assetId: body.assetId, interval: body.interval, owner: body.owner, collection, commitment: commitmentOf(body) };
  await ctx.stub.putState(key, canonicalBytes(pub));
  await ctx.stub.putPrivateData(collection, key, canonicalBytes(body));
}

/**
 * Adds a sell order's quantity to what each of its assets (generating asset and meter) already offers in the interval,
 * refusing the order when any would exceed what the asset can deliver, or when the asset offers in the other market
 * or for another participant in that interval.
 */
async function commitOffer(ctx: Context, order: NewOrder, collection: string, limits: readonly AssetLimit[]): Promise<number> {
  const quantity = totalWh(order.blocks);
  const seen = new Set<string>();
  /** What the order's (first) meter offered in the interval before this order: the deposit's free allowance is per meter. */
  let meterBefore = 0;
  for (const limit of limits) {
    if (seen.has(limit.assetId)) continue;
    seen.add(limit.assetId);
    const key = offeredKey(ctx, limit.assetId, order.interval);
    const current = await readOffered(ctx, key);
    if (current && current.pub.owner !== order.owner) {
      throw new RuleViolationError(`asset '${limit.assetId}' already backs another participant's offers for ${order.interval}`, { reason: 'ASSET_ALREADY_OFFERED' });
    }
    if (current && current.body.market !== order.market) {
      throw new RuleViolationError(`asset '${limit.assetId}' already offers in the ${current.body.market.toLowerCase()} market for ${order.interval}; one asset offers in one market per interval`, {
        reason: 'ASSET_IN_OTHER_MARKET',
      });
    }
    const offered = (current?.body.offeredWh ?? 0) + quantity;
    if (limit.assetId === order.meterIds[0]) meterBefore = current?.body.offeredWh ?? 0;
    if (offered > limit.maxWh) {
      throw new RuleViolationError(
        `asset '${limit.assetId}' can deliver at most ${limit.maxWh} Wh in ${order.interval}; its open offers would total ${offered} Wh`,
        { reason: 'OFFER_EXCEEDS_CAPACITY', assetId: limit.assetId },
      );
    }
    const body: PrivateOffered = { assetId: limit.assetId, interval: order.interval, owner: order.owner, market: order.market, offeredWh: offered, salt: deriveSalt(order.salt, `offered:${key}`) };
    await writeOffered(ctx, key, body, current?.pub.collection ?? collection);
  }
  return meterBefore;
}

/** Takes a cancelled sell order's quantity back off its assets' offer totals. */
async function releaseOffer(ctx: Context, body: PrivateOrder): Promise<void> {
  const quantity = totalWh(body.blocks);
  for (const assetId of new Set([...(body.assetId === null ? [] : [body.assetId]), ...body.meterIds])) {
    const key = offeredKey(ctx, assetId, body.interval);
    const current = await readOffered(ctx, key);
    if (!current) continue;
    const left = current.body.offeredWh - quantity;
    if (left <= 0) {
      await ctx.stub.deleteState(key);
      await ctx.stub.deletePrivateData(current.pub.collection, key);
    } else {
      // A cancel carries no transient salt: the new salt derives from the old one, which only members know.
      await writeOffered(ctx, key, { ...current.body, offeredWh: left, salt: deriveSalt(current.body.salt, `cancel:${ctx.stub.getTxID()}`) }, current.pub.collection);
    }
  }
}

export function orderKey(ctx: Context, market: MarketName, zone: string, interval: string, orderId: string): string {
  return ctx.stub.createCompositeKey(ORDER, [market, zone, interval, orderId]);
}

export function awardsKey(ctx: Context, market: MarketName, zone: string, interval: string): string {
  return ctx.stub.createCompositeKey(AWARDS, [market, zone, interval]);
}

/** The awards of one interval that belong to one order collection (the private side of the awards record). */
export interface PrivateAwards {
  readonly awards: readonly PrivateAward[];
}

function resultKey(ctx: Context, market: MarketName, zone: string, interval: string): string {
  return ctx.stub.createCompositeKey(RESULT, [market, zone, interval]);
}

export async function readPublicOrder(ctx: Context, market: MarketName, zone: string, interval: string, orderId: string): Promise<PublicOrder> {
  const order = await readJson<PublicOrder>(ctx, orderKey(ctx, market, zone, interval, orderId));
  if (!order) throw new NotFoundError(`order '${orderId}' does not exist in ${market} ${zone} ${interval}`);
  return order;
}

export async function readResult(ctx: Context, market: MarketName, zone: string, interval: string): Promise<MarketResult | undefined> {
  return readJson<MarketResult>(ctx, resultKey(ctx, market, zone, interval));
}

export async function readPublicAward(ctx: Context, market: MarketName, zone: string, interval: string, orderId: string): Promise<PublicAward | undefined> {
  return (await listPublicAwards(ctx, market, zone, interval)).find((award) => award.orderId === orderId);
}

/**
 * Refuses any change to an interval's order book once its result exists. The read puts the result key in the read set,
 * so this also holds against a clearing that commits between this transaction's endorsement and its commit.
 */
async function requireNotCleared(ctx: Context, market: MarketName, zone: string, interval: string): Promise<void> {
  if (await readResult(ctx, market, zone, interval)) {
    throw new RuleViolationError(`${market.toLowerCase()} ${zone} ${interval}: interval already cleared`, { reason: 'INTERVAL_CLEARED' });
  }
}

/** An order before it is written: the private record less its id (the transaction id), plus the owner's org. */
export type NewOrder = Omit<PrivateOrder, 'orderId'> & { readonly ownerMsp: string };

/**
 * Writes one order (and locks a bid's maximum cost, or commits a sell order's quantity on its assets, `limits`). The
 * order id is the transaction id: unique, and no counter. With a deposit policy (retail, market/deposit.ts) a sell
 * order also locks its deposit under the same escrow id, for the Wh it adds to its meter's offers beyond the free
 * allowance (recorded in its private body); clearing returns it when the offer wins nothing, settlement draws a
 * shortfall charge from it and releases the rest.
 */
export async function placeOrder(ctx: Context, placed: NewOrder, limits: readonly AssetLimit[] = [], deposit?: OfferDepositPolicy): Promise<PublicOrder> {
  await requireNotCleared(ctx, placed.market, placed.zone, placed.interval);
  // Crypto-shredding: the order's salt also derives from the owner's own secret (created from this salt if it has
  // none yet), which erasure purges; the caller's transient salt alone no longer re-derives it.
  const ownerSecret = await participantSecretOrCreate(ctx, placed.owner, placed.ownerMsp, placed.salt);
  const order: NewOrder = { ...placed, salt: shreddableSalt(ownerSecret, placed.salt, 'order') };
  if (order.side === 'BUY' && order.blocks.some((b) => b.price < MIN_BID_PRICE)) {
    throw new RuleViolationError(`a bid's limit price must be at least ${MIN_BID_PRICE} per kWh`, { reason: 'BID_PRICE_TOO_LOW' });
  }
  if (order.side === 'SELL' && order.meterIds.length + (order.assetId === null ? 0 : 1) > 0 && limits.length === 0) {
    throw new RuleViolationError('a sell order must be checked against what its assets can deliver', { reason: 'NO_CAPACITY_LIMIT' });
  }
  const orderId = ctx.stub.getTxID();
  const collection = orgCollection('orders', order.ownerMsp);
  let locked = 0;
  if (order.side === 'BUY') await new TokenLedger(ctx, order.salt).lock(order.owner, orderId, maxCost(order.blocks), `order:${orderId}`);
  else {
    const meterBefore = await commitOffer(ctx, order, collection, limits);
    locked = deposit ? offerDeposit(deposit, depositWh(meterBefore, totalWh(order.blocks), deposit.freeWh)) : 0;
    if (locked > 0) await new TokenLedger(ctx, order.salt).lock(order.owner, orderId, locked, `offer-deposit:${orderId}`);
  }
  const body: PrivateOrder = {
    orderId,
    market: order.market,
    zone: order.zone,
    interval: order.interval,
    owner: order.owner,
    side: order.side,
    blocks: order.blocks,
    meterIds: order.meterIds,
    assetId: order.assetId,
    salt: order.salt,
    ...(locked > 0 ? { deposit: locked } : {}),
  };
  const record: PublicOrder = {
    orderId,
    market: order.market,
    zone: order.zone,
    interval: order.interval,
    owner: order.owner,
    ownerMsp: order.ownerMsp,
    side: order.side,
    submittedAt: txTimeMs(ctx),
    status: 'OPEN',
    collection,
    commitment: commitmentOf(body),
  };
  const key = orderKey(ctx, order.market, order.zone, order.interval, orderId);
  await ctx.stub.putState(key, canonicalBytes(record));
  await ctx.stub.putPrivateData(collection, key, canonicalBytes(body));
  return record;
}

export async function cancelOrder(ctx: Context, market: MarketName, zone: string, interval: string, orderId: string, caller: string): Promise<PublicOrder> {
  await requireNotCleared(ctx, market, zone, interval);
  const order = await readPublicOrder(ctx, market, zone, interval, orderId);
  if (order.owner !== caller) throw new ForbiddenError(`order '${orderId}' belongs to another participant`);
  if (order.status !== 'OPEN') throw new ConflictError(`order '${orderId}' is already ${order.status.toLowerCase()}`);
  if (order.side === 'BUY') await new TokenLedger(ctx).releaseIfHeld(order.owner, orderId);
  else {
    await releaseOffer(ctx, await readPrivateOrder(ctx, order));
    // An offer's deposit (market/deposit.ts) returns whole: a withdrawn offer owes nothing.
    await new TokenLedger(ctx).releaseIfHeld(order.owner, orderId);
  }
  const cancelled: PublicOrder = { ...order, status: 'CANCELLED' };
  await ctx.stub.putState(orderKey(ctx, market, zone, interval, orderId), canonicalBytes(cancelled));
  return cancelled;
}

/** Every order of one interval, in key order (public records only). */
export async function listOrders(ctx: Context, market: MarketName, zone: string, interval: string): Promise<PublicOrder[]> {
  return (await readJsonByPrefix<PublicOrder>(ctx, ORDER, [market, zone, interval])).map((entry) => entry.value);
}

async function readPrivateOrder(ctx: Context, order: PublicOrder): Promise<PrivateOrder> {
  const body = await readPrivateJson<PrivateOrder>(ctx, order.collection, orderKey(ctx, order.market, order.zone, order.interval, order.orderId));
  if (!body) {
    throw new RuleViolationError(`this peer holds no private body for order '${order.orderId}' (collection ${order.collection})`, {
      reason: 'PRIVATE_DATA_UNAVAILABLE',
    });
  }
  return checkedBody(order, body);
}

/** A body is only ever used once its canonical form hashes to the public commitment (which covers its salt). */
function checkedBody(order: PublicOrder, body: PrivateOrder | undefined): PrivateOrder {
  if (body === undefined) {
    throw new RuleViolationError(`transient 'orders' lacks open order '${order.orderId}'`, { reason: 'ORDER_BODY_MISSING' });
  }
  if (commitmentOf(body) !== order.commitment) {
    throw new RuleViolationError(`order '${order.orderId}' does not match its commitment`, { reason: 'COMMITMENT_MISMATCH' });
  }
  return body;
}

/** Block ids inside the clearing function: order id, '#', block index (two digits keep them in block order). */
function blockId(orderId: string, index: number): string {
  return `${orderId}#${String(index).padStart(2, '0')}`;
}

export interface ClearOutcome {
  readonly result: MarketResult;
  readonly awards: readonly PrivateAward[];
}

/** Transient entry of a clearing: the open orders' private bodies, as `openOrderBodies` returns them. */
export const ORDERS_TRANSIENT = 'orders';

/**
 * Only the shape needed to index the bodies is checked here: each body must then hash to its order's public
 * commitment, which pins every field exactly as validated when the order was placed.
 */
export const suppliedOrdersSchema = z.array(z.looseObject({ orderId: z.string() })).max(1_000_000);

/** The bodies in transient `orders`, or undefined when the caller left the clearing to read them itself. */
export function suppliedOrders(ctx: Context): PrivateOrder[] | undefined {
  const text = transientText(ctx, ORDERS_TRANSIENT);
  return text === undefined ? undefined : (parseJsonArg(suppliedOrdersSchema, text, `transient '${ORDERS_TRANSIENT}'`) as unknown as PrivateOrder[]);
}

/** The private bodies of an interval's open orders, for the market operator to hand to its clearing (see below). */
export async function openOrderBodies(ctx: Context, market: MarketName, zone: string, interval: string): Promise<PrivateOrder[]> {
  const bodies: PrivateOrder[] = [];
  for (const order of await listOrders(ctx, market, zone, interval)) if (order.status === 'OPEN') bodies.push(await readPrivateOrder(ctx, order));
  return bodies;
}

/**
 * The bodies a clearing caller supplied, by order id. Every one must be the body of an open order of the interval,
 * matching its public commitment (checked as the orders are read), and each at most once.
 */
function suppliedBodies(supplied: readonly PrivateOrder[], open: readonly PublicOrder[]): Map<string, PrivateOrder> {
  const byId = new Map<string, PrivateOrder>();
  for (const body of supplied) {
    if (byId.has(body.orderId)) throw new InvalidArgumentError(`transient 'orders' holds order '${body.orderId}' twice`);
    byId.set(body.orderId, body);
  }
  const openIds = new Set(open.map((o) => o.orderId));
  const stray = [...byId.keys()].find((id) => !openIds.has(id));
  if (stray !== undefined) throw new InvalidArgumentError(`transient 'orders' holds '${stray}', which is not an open order of this interval`);
  return byId;
}

/**
 * Clears one interval: reads every open order, runs the shared clearing function, writes the public result, the public
 * awards record (a salted commitment per award) and each order collection's private awards. Bids keep their escrow
 * until the interval settles, which pays what was delivered and releases the rest, also of bids that won nothing; the
 * only tokens that move here are the deposits of offers that won nothing (market/deposit.ts), returned whole.
 *
 * `supplied`: the open orders' private bodies, which the market operator (a member of every order collection) can
 * read with `openOrderBodies` and pass in the transient map. Every shim call is a round trip to the peer, and reading
 * 10,000 bodies one key at a time costs far more than the clearing itself (Fabric 2.5 has no multi-key read, and a
 * private range query forbids writes in the same transaction). Supplied bodies are checked against the public
 * commitments the order range returns, so a caller cannot alter, add or leave out an order; without them the bodies
 * are read from the collections.
 */
export async function clearOrders(
  ctx: Context,
  market: MarketName,
  zone: string,
  interval: string,
  secretSalt: string,
  supplied: readonly PrivateOrder[] | undefined,
  oversight: { readonly collection: string; readonly minPublicGroupSize: number },
  grid?: GridClearing,
): Promise<ClearOutcome> {
  if (await readResult(ctx, market, zone, interval)) {
    throw new ConflictError(`${market.toLowerCase()} ${zone} ${interval} is already cleared`, { reason: 'ALREADY_CLEARED' });
  }
  const open = (await listOrders(ctx, market, zone, interval)).filter((o) => o.status === 'OPEN');
  const given = supplied ? suppliedBodies(supplied, open) : undefined;
  const bodies = new Map<string, PrivateOrder>();
  const clearingOrders: ClearingOrder[] = [];
  for (const order of open) {
    const body = given ? checkedBody(order, given.get(order.orderId)) : await readPrivateOrder(ctx, order);
    bodies.set(order.orderId, body);
    const node = grid ? feederOfMeters(grid, gridAssetsOf(body)) : undefined;
    body.blocks.forEach((block, i) =>
      clearingOrders.push({ id: blockId(order.orderId, i), side: order.side, price: block.price, quantity: block.quantityWh, seq: order.submittedAt, ...(node === undefined ? {} : { node, owner: order.owner }) }),
    );
  }
  let cleared: ReturnType<typeof clearInterval>;
  try {
    // The local fee obeys the small-group rule: a buyer's local Wh would tell it a lone neighbour's award (clearing.ts).
    const options = grid?.options.fee ? { ...grid.options, fee: { ...grid.options.fee, minLocalGroupSize: oversight.minPublicGroupSize } } : grid?.options;
    cleared = clearInterval(clearingOrders, options);
  } catch (err) {
    if (err instanceof ClearingInputError) throw new RuleViolationError(`cannot clear ${market.toLowerCase()} ${zone} ${interval}: ${err.message}`, { reason: 'CLEARING_INPUT' });
    throw err;
  }

  // Fold block awards back into one award per order.
  const awardedWh = new Map<string, number>();
  const feeOf = new Map<string, { fee: number; localWh: number }>();
  for (const award of cleared.awards) {
    const orderId = award.id.slice(0, award.id.lastIndexOf('#'));
    awardedWh.set(orderId, (awardedWh.get(orderId) ?? 0) + award.quantity);
    if (award.fee !== undefined) {
      const sofar = feeOf.get(orderId) ?? { fee: 0, localWh: 0 };
      feeOf.set(orderId, { fee: sofar.fee + award.fee, localWh: sofar.localWh + award.localWh! });
    }
  }

  const awards: PrivateAward[] = [];
  const publicAwards: PublicAward[] = [];
  const byCollection = new Map<string, PrivateAward[]>();
  // An offer that won nothing owes nothing: its deposit (recorded in its body, market/deposit.ts) returns now, not
  // at settlement. Bids keep their escrow until settlement, as before.
  const ledger = new TokenLedger(ctx, secretSalt);
  for (const order of open) {
    const quantityWh = awardedWh.get(order.orderId) ?? 0;
    const body = bodies.get(order.orderId)!;
    if (quantityWh === 0 && order.side === 'SELL' && (body.deposit ?? 0) > 0) await ledger.releaseIfHeld(order.owner, order.orderId);
    if (quantityWh === 0) continue;
    const price = cleared.price!;
    const award: PrivateAward = {
      market,
      zone,
      interval,
      orderId: order.orderId,
      owner: order.owner,
      side: order.side,
      price,
      quantityWh,
      amount: price * quantityWh,
      meterIds: body.meterIds,
      salt: deriveSalt(secretSalt, `award:${order.orderId}`),
      ...(grid ? { grid: awardGridTerms(grid, gridAssetsOf(body), feeOf.get(order.orderId)) } : {}),
    };
    publicAwards.push({ orderId: order.orderId, owner: order.owner, ownerMsp: order.ownerMsp, side: order.side, collection: order.collection, commitment: commitmentOf(award) });
    const group = byCollection.get(order.collection);
    if (group) group.push(award);
    else byCollection.set(order.collection, [award]);
    awards.push(award);
  }
  // One public record and one private record per collection, not two writes per award: each write is a round trip
  // to the peer, and at 10,000 orders those dominated the clearing. Each award keeps its own salted commitment.
  const key = awardsKey(ctx, market, zone, interval);
  if (publicAwards.length > 0) await ctx.stub.putState(key, canonicalBytes(publicAwards));
  for (const collection of [...byCollection.keys()].sort()) {
    const record: PrivateAwards = { awards: byCollection.get(collection)! };
    await ctx.stub.putPrivateData(collection, key, canonicalBytes(record));
  }

  const full: MarketResult = {
    market,
    zone,
    interval,
    price: cleared.price,
    volumeWh: cleared.volume,
    value: cleared.value,
    suppressed: false,
    collection: oversight.collection,
    buyOrders: open.filter((o) => o.side === 'BUY').length,
    sellOrders: open.filter((o) => o.side === 'SELL').length,
    awardedBuyOrders: awards.filter((a) => a.side === 'BUY').length,
    awardedSellOrders: awards.filter((a) => a.side === 'SELL').length,
    clearedAt: new Date(txTimeMs(ctx)).toISOString(),
    clearingTxId: ctx.stub.getTxID(),
    ...(cleared.binding ? { binding: [...cleared.binding] } : {}),
    ...(cleared.fees !== undefined ? { gridFees: cleared.fees } : {}),
  };
  const small = ['BUY', 'SELL'].some((side) => tooSmall(new Set(awards.filter((a) => a.side === side).map((a) => a.owner)).size, oversight.minPublicGroupSize));
  // Grid fees stay in the full result: with local rates their sum would tell how much was matched within feeders,
  // which on a feeder with one or two traders is their own quantity.
  const { gridFees: _fees, ...shown } = full;
  let result: MarketResult = small ? { ...shown, volumeWh: null, value: null, suppressed: true } : shown;
  if (grid && grid.envelopes.length > 0) {
    const loading = await writeLoading(ctx, zone, interval, grid, awards, cleared.binding ?? [], oversight.minPublicGroupSize, small);
    result = { ...result, binding: [...loading.binding] };
  }
  const rKey = resultKey(ctx, market, zone, interval);
  await ctx.stub.putState(rKey, canonicalBytes(result));
  // Salted: the block carries the SHA-256 of every private value, and without a salt the hash of the full result would
  // confirm a guess of the withheld volume (price, counts and every other field are public).
  await ctx.stub.putPrivateData(oversight.collection, rKey, canonicalBytes({ ...full, salt: deriveSalt(secretSalt, `result:${rKey}`) }));
  return { result, awards };
}

/**
 * The assets whose attachment puts an order on a feeder: its meters first, then the asset a sell order offers from
 * (a DSO that attaches the inverters it caps but not their meters must not leave the offers unbound).
 */
function gridAssetsOf(body: PrivateOrder): string[] {
  return typeof body.assetId === 'string' ? [...body.meterIds, body.assetId] : [...body.meterIds];
}

/** An award's grid terms: its feeder, and for a buyer its fee under the slot's tariff (clearing.ts). */
function awardGridTerms(grid: GridClearing, meterIds: readonly string[], fee: { fee: number; localWh: number } | undefined): AwardGridTerms {
  const feeder = feederOfMeters(grid, meterIds) ?? null;
  if (!fee || !grid.tariff) return { feeder };
  return { feeder, feePerKwh: grid.tariff.feePerKwh, localFeePerKwh: grid.tariff.localFeePerKwh, localWh: fee.localWh, fee: fee.fee, feeAccount: grid.tariff.publishedBy };
}

/** The small-group rule: a total over n distinct participants is withheld when 0 < n < k (n = 0: nothing to hide). */
export function tooSmall(participants: number, minPublicGroupSize: number): boolean {
  return participants > 0 && participants < minPublicGroupSize;
}

/** The full result (volume and value even where the public one withholds them), for the operator and the regulator. */
export async function readFullResult(ctx: Context, result: MarketResult): Promise<MarketResult | undefined> {
  if (!result.collection) return result;
  return readPrivateJson<MarketResult>(ctx, result.collection, resultKey(ctx, result.market, result.zone, result.interval));
}

export async function listPublicAwards(ctx: Context, market: MarketName, zone: string, interval: string): Promise<PublicAward[]> {
  return (await readJson<PublicAward[]>(ctx, awardsKey(ctx, market, zone, interval))) ?? [];
}

/**
 * The private awards behind `publicAwards`, in their order, each checked against its commitment; one read per
 * collection. Undefined for an award whose collection this peer (or the caller's org) cannot read.
 */
export async function readPrivateAwards(
  ctx: Context,
  market: MarketName,
  zone: string,
  interval: string,
  publicAwards: readonly PublicAward[],
  readCollection: (collection: string, key: string) => Promise<PrivateAwards | undefined> = (collection, key) => readPrivateJson<PrivateAwards>(ctx, collection, key),
): Promise<(PrivateAward | undefined)[]> {
  const key = awardsKey(ctx, market, zone, interval);
  const byId = new Map<string, PrivateAward>();
  for (const collection of new Set(publicAwards.map((a) => a.collection))) {
    for (const award of (await readCollection(collection, key))?.awards ?? []) byId.set(award.orderId, award);
  }
  return publicAwards.map((pub) => {
    const award = byId.get(pub.orderId);
    if (award !== undefined && commitmentOf(award) !== pub.commitment) throw new RuleViolationError(`award of order '${pub.orderId}' does not match its commitment`);
    return award;
  });
}

export async function readPrivateAward(ctx: Context, market: MarketName, zone: string, interval: string, award: PublicAward): Promise<PrivateAward | undefined> {
  return (await readPrivateAwards(ctx, market, zone, interval, [award]))[0];
}
