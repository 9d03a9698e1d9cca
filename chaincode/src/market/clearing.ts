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
 *
 * Exact arithmetic. Every sum here (demand, supply, the imbalance, value) is taken in BigInt, so no sum is ever
 * rounded and the result cannot depend on the order the orders came in; each number leaving the function is converted
 * back with a check (`safeNumber`) that throws rather than round. Why those checks never fire on the chaincode's
 * orders (the bounds are in market/rules.ts and tokens/ledger.ts):
 *  - a limit price is ≤ MAX_PRICE = 10^6 and an order's quantity ≤ MAX_ORDER_WH = 10^9, so an order's value
 *    Σ pᵢ × qᵢ ≤ 10^15 < 2^53 and every single product p × q is safe;
 *  - a bid's limit is ≥ 1, so its quantity ≤ its cost ≤ the escrow it locked; escrows are tokens, and the token
 *    supply is capped at MAX_TOKEN_SUPPLY = 2^51 − 1 at mint. So the traded volume ≤ total demand ≤ Σ escrows ≤ 2^51;
 *  - every award's amount p × q ≤ the bid's limit × q ≤ its escrow, so value = p × volume = Σ buyer amounts ≤ 2^51.
 * Total supply (Σ sell quantities) has no such bound (any number of assets may offer), which is why it is only ever
 * held in BigInt; only min(demand, supply) leaves as a number.
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

/** A BigInt back to a number, refusing (never rounding) anything beyond 2^53 − 1. */
export function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ClearingInputError(`${what} ${value} is not a safe integer`);
  }
  return Number(value);
}

interface PriceLevel {
  readonly price: number;
  readonly demand: bigint;
  readonly supply: bigint;
}

/** D(p) and S(p) at every distinct limit price, ascending (exact sums). */
function priceLevels(buys: readonly ClearingOrder[], sells: readonly ClearingOrder[]): PriceLevel[] {
  const prices = [...new Set([...buys, ...sells].map((o) => o.price))].sort((a, b) => a - b);
  const buysAsc = [...buys].sort((a, b) => a.price - b.price);
  const sellsAsc = [...sells].sort((a, b) => a.price - b.price);
  let demand = buysAsc.reduce((sum, o) => sum + BigInt(o.quantity), 0n);
  let supply = 0n;
  let bi = 0;
  let si = 0;
  const levels: PriceLevel[] = [];
  for (const price of prices) {
    // Demand at p excludes buys with a limit below p; supply at p includes sells with a limit up to p.
    while (bi < buysAsc.length && buysAsc[bi].price < price) demand -= BigInt(buysAsc[bi++].quantity);
    while (si < sellsAsc.length && sellsAsc[si].price <= price) supply += BigInt(sellsAsc[si++].quantity);
    levels.push({ price, demand, supply });
  }
  return levels;
}

function fill(ranked: readonly ClearingOrder[], volume: bigint, price: number): ClearingAward[] {
  const awards: ClearingAward[] = [];
  let left = volume;
  for (const order of ranked) {
    if (left === 0n) break;
    const quantity = BigInt(order.quantity) < left ? BigInt(order.quantity) : left;
    left -= quantity;
    awards.push({ id: order.id, side: order.side, quantity: Number(quantity), price, amount: safeNumber(BigInt(price) * quantity, `amount of '${order.id}'`) });
  }
  return awards;
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const absBig = (a: bigint): bigint => (a < 0n ? -a : a);

/** Clears one interval. Throws ClearingInputError for malformed orders (duplicate id, non-integer price/quantity). */
export function clearInterval(orders: readonly ClearingOrder[]): ClearingResult {
  validate(orders);
  const buys = orders.filter((o) => o.side === 'BUY');
  const sells = orders.filter((o) => o.side === 'SELL');
  const noTrade: ClearingResult = { price: null, volume: 0, value: 0, buyOrders: buys.length, sellOrders: sells.length, awards: [] };
  if (buys.length === 0 || sells.length === 0) return noTrade;

  const levels = priceLevels(buys, sells);
  let maxVolume = 0n;
  for (const level of levels) {
    const volume = minBig(level.demand, level.supply);
    if (volume > maxVolume) maxVolume = volume;
  }
  if (maxVolume === 0n) return noTrade;

  const atMax = levels.filter((level) => minBig(level.demand, level.supply) === maxVolume);
  let minImbalance = absBig(atMax[0].demand - atMax[0].supply);
  for (const level of atMax) if (absBig(level.demand - level.supply) < minImbalance) minImbalance = absBig(level.demand - level.supply);
  const best = atMax.filter((level) => absBig(level.demand - level.supply) === minImbalance);
  const price = Number((BigInt(best[0].price) + BigInt(best[best.length - 1].price)) / 2n);

  const volume = safeNumber(maxVolume, 'traded volume');
  const buyAwards = fill(buys.filter((o) => o.price >= price).sort(compareBuyPriority), maxVolume, price);
  const sellAwards = fill(sells.filter((o) => o.price <= price).sort(compareSellPriority), maxVolume, price);
  return {
    price,
    volume,
    value: safeNumber(BigInt(price) * maxVolume, 'traded value'),
    buyOrders: buys.length,
    sellOrders: sells.length,
    awards: [...buyAwards, ...sellAwards],
  };
}
