/**
 * Uniform-price clearing of one delivery interval — the single auction rule shared by the retail P2P market and the
 * wholesale day-ahead market. Pure and deterministic: no Fabric imports, no clock, no randomness, and the result does
 * not depend on the order in which the orders are passed in.
 *
 * Units. A price is an integer in price units per kWh; a quantity is an integer in Wh. The token's smallest unit is
 * 1/1000 of a price unit, so the value of `q` Wh at `p` per kWh is exactly `p × q` token units — no rounding anywhere.
 *
 * The rule (a periodic double auction, pay-as-clear):
 *  1. Demand at price p, D(p), is the quantity of all buy orders whose limit is ≥ p; supply S(p) is the quantity of all
 *     sell orders whose limit is ≤ p. The volume that can trade at p is V(p) = min(D(p), S(p)).
 *  2. Only order limit prices are candidates. The traded volume is Vmax = max V(p) over the candidates (this is also the
 *     maximum over every price, since D and S are step functions that change only at limits). Vmax = 0: no trade.
 *  3. Among candidates reaching Vmax, keep those with the smallest imbalance |D(p) − S(p)|; they form a contiguous
 *     range [lo, hi] (D − S is monotone). The clearing price is ⌊(lo + hi) / 2⌋. Every price in [lo, hi] still trades
 *     Vmax, because D(p) ≥ D(hi) ≥ Vmax and S(p) ≥ S(lo) ≥ Vmax there.
 *  4. Allocation: buy orders with limit ≥ price in priority order (higher limit first, then earlier submission, then
 *     smaller order id) are filled until Vmax is reached; sell orders with limit ≤ price likewise (lower limit first,
 *     then submission, then id). Only the last filled order on each side may be filled partially.
 *  5. Every award trades at the clearing price: a buyer pays price × quantity, a seller receives the same.
 */

export type Side = 'BUY' | 'SELL';

export interface ClearingOrder {
  /** Unique among the orders passed in; the final tie-breaker (compared by UTF-16 code units). */
  readonly id: string;
  readonly side: Side;
  /** Limit price, integer ≥ 0, price units per kWh. */
  readonly price: number;
  /** Integer > 0, Wh. */
  readonly quantity: number;
  /** Submission order (e.g. the submitting transaction's timestamp in ms); smaller is earlier. */
  readonly seq: number;
}

export interface ClearingAward {
  readonly id: string;
  readonly side: Side;
  /** Awarded quantity in Wh, 0 < quantity ≤ the order's quantity. */
  readonly quantity: number;
  /** The uniform clearing price (price units per kWh). */
  readonly price: number;
  /** price × quantity, in token units. */
  readonly amount: number;
}

export interface ClearingResult {
  /** Uniform clearing price, or null when nothing trades. */
  readonly price: number | null;
  /** Traded volume in Wh (the same on both sides). */
  readonly volume: number;
  /** Total value traded, price × volume, in token units. */
  readonly value: number;
  readonly buyOrders: number;
  readonly sellOrders: number;
  /** Awards with a positive quantity: buys first, then sells, each side in priority order. */
  readonly awards: readonly ClearingAward[];
}

export class ClearingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClearingInputError';
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Buy priority: higher limit, then earlier submission, then smaller id. */
export function compareBuyPriority(a: ClearingOrder, b: ClearingOrder): number {
  return b.price - a.price || a.seq - b.seq || compareIds(a.id, b.id);
}

/** Sell priority: lower limit, then earlier submission, then smaller id. */
export function compareSellPriority(a: ClearingOrder, b: ClearingOrder): number {
  return a.price - b.price || a.seq - b.seq || compareIds(a.id, b.id);
}

function validate(orders: readonly ClearingOrder[]): void {
  const ids = new Set<string>();
  for (const order of orders) {
    if (ids.has(order.id)) throw new ClearingInputError(`duplicate order id '${order.id}'`);
    ids.add(order.id);
    if (order.side !== 'BUY' && order.side !== 'SELL') throw new ClearingInputError(`order '${order.id}': bad side`);
    if (!Number.isSafeInteger(order.price) || order.price < 0) throw new ClearingInputError(`order '${order.id}': price must be an integer ≥ 0`);
    if (!Number.isSafeInteger(order.quantity) || order.quantity <= 0) throw new ClearingInputError(`order '${order.id}': quantity must be an integer > 0`);
    if (!Number.isFinite(order.seq)) throw new ClearingInputError(`order '${order.id}': seq must be a finite number`);
  }
}

interface PriceLevel {
  readonly price: number;
  readonly demand: number;
  readonly supply: number;
}

/** D(p) and S(p) at every distinct limit price, ascending. */
function priceLevels(buys: readonly ClearingOrder[], sells: readonly ClearingOrder[]): PriceLevel[] {
  const prices = [...new Set([...buys, ...sells].map((o) => o.price))].sort((a, b) => a - b);
  const buysAsc = [...buys].sort((a, b) => a.price - b.price);
  const sellsAsc = [...sells].sort((a, b) => a.price - b.price);
  let demand = buysAsc.reduce((sum, o) => sum + o.quantity, 0);
  let supply = 0;
  let bi = 0;
  let si = 0;
  const levels: PriceLevel[] = [];
  for (const price of prices) {
    // Demand at p excludes buys with a limit below p; supply at p includes sells with a limit up to p.
    while (bi < buysAsc.length && buysAsc[bi].price < price) demand -= buysAsc[bi++].quantity;
    while (si < sellsAsc.length && sellsAsc[si].price <= price) supply += sellsAsc[si++].quantity;
    levels.push({ price, demand, supply });
  }
  return levels;
}

function fill(ranked: readonly ClearingOrder[], volume: number, price: number): ClearingAward[] {
  const awards: ClearingAward[] = [];
  let left = volume;
  for (const order of ranked) {
    if (left === 0) break;
    const quantity = Math.min(order.quantity, left);
    left -= quantity;
    awards.push({ id: order.id, side: order.side, quantity, price, amount: price * quantity });
  }
  return awards;
}

/** Clears one interval. Throws ClearingInputError for malformed orders (duplicate id, non-integer price/quantity). */
export function clearInterval(orders: readonly ClearingOrder[]): ClearingResult {
  validate(orders);
  const buys = orders.filter((o) => o.side === 'BUY');
  const sells = orders.filter((o) => o.side === 'SELL');
  const noTrade: ClearingResult = { price: null, volume: 0, value: 0, buyOrders: buys.length, sellOrders: sells.length, awards: [] };
  if (buys.length === 0 || sells.length === 0) return noTrade;

  const levels = priceLevels(buys, sells);
  let maxVolume = 0;
  for (const level of levels) maxVolume = Math.max(maxVolume, Math.min(level.demand, level.supply));
  if (maxVolume === 0) return noTrade;

  const atMax = levels.filter((level) => Math.min(level.demand, level.supply) === maxVolume);
  const minImbalance = atMax.reduce((min, level) => Math.min(min, Math.abs(level.demand - level.supply)), Infinity);
  const best = atMax.filter((level) => Math.abs(level.demand - level.supply) === minImbalance);
  const price = Math.floor((best[0].price + best[best.length - 1].price) / 2);

  const buyAwards = fill(buys.filter((o) => o.price >= price).sort(compareBuyPriority), maxVolume, price);
  const sellAwards = fill(sells.filter((o) => o.price <= price).sort(compareSellPriority), maxVolume, price);
  return {
    price,
    volume: maxVolume,
    value: price * maxVolume,
    buyOrders: buys.length,
    sellOrders: sells.length,
    awards: [...buyAwards, ...sellAwards],
  };
}
