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
 * Grid limits and fees (optional, `ClearingOptions`; docs/grid.md, docs/adr/0008-envelope-curtailment.md). With no
 * options the rule above is applied unchanged and the result has no grid fields.
 *  - Fee: a network tariff of `perKwh` (and `localPerKwh` ≤ perKwh for energy matched within one node) is added to
 *    every buyer's price. A bid takes part with the limit `price − perKwh` (a bid below perKwh takes no part), so the
 *    clearing price plus the full fee never exceeds its limit; each buy award carries `fee`, exact: localPerKwh × its
 *    local Wh + perKwh × the rest. Local Wh of a node = min(bought, sold on that node), given to its buy awards in
 *    buy priority order. Sellers receive price × quantity; buyers pay price × quantity + fee; the fee goes to the DSO.
 *    With `minLocalGroupSize` k, a node's Wh are local only where its buy awards and its sell awards each have ≥ k
 *    distinct owners: a buyer's local Wh would otherwise tell it a lone neighbour's award (the small-group rule).
 *  - Limits (operating envelopes): an order may name the grid node (feeder) its meter is attached to; a node may cap
 *    the awarded BUY volume of its orders (import) and the awarded SELL volume (export), and `total` caps the whole
 *    slot's per side. Steps 1–3 then use the capped demand D'(p) = min(total, Σ_nodes min(cap_n, D_n(p)) + D_free(p))
 *    and capped supply S'(p) likewise: D' is the most a uniform price p can award to bids under the caps (the caps
 *    form two levels, nodes inside the total, so filling in any order up to each cap reaches it), and D' and S' are
 *    still monotone step functions changing only at limits, so the chosen volume is the largest any price can trade
 *    within the limits, and every price in [lo, hi] still trades it.
 *  - Curtailment rule (step 4 under limits): price priority within limits. Orders are filled in the same priority
 *    order, each up to min(its quantity, the volume left, what its node's cap has left, what the total has left). An
 *    order a limit stopped short is curtailed; the result's `binding` names every limit (node and direction, or the
 *    total) that curtailed an order while its side still had volume to allocate.
 *  - Limits that bind nothing change nothing: the clearing without limits is computed first, and when its awards are
 *    within every limit it is the result (binding: [], and optimal under the limits, since caps never raise the
 *    volume). Only otherwise are steps 1–4 run under the caps, and `binding` then also names every limit the
 *    unconstrained awards exceeded. (Without this, a cap that curtails no award could still move the price: D'(p)
 *    enters the imbalance tie-break at other candidate prices.) So binding is empty exactly when the result is that of
 *    the clearing without limits.
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
  /** The grid node (feeder) the order's meter is attached to, for operating envelopes and local fees; none: no node. */
  readonly node?: string;
  /** Who placed it: only counted for the local fee's small-group rule (`ClearingFee.minLocalGroupSize`). */
  readonly owner?: string;
}

/** One node's caps in Wh per interval: awarded BUY volume (import) and SELL volume (export); null: no cap. */
export interface NodeLimit {
  readonly importWh: number | null;
  readonly exportWh: number | null;
}

export interface ClearingLimits {
  /** Caps per node (feeder), by node id. */
  readonly nodes?: Readonly<Record<string, NodeLimit>>;
  /** Caps on the whole slot (the zone), reported under `totalNode`. */
  readonly total?: NodeLimit;
  readonly totalNode?: string;
}

/** The network tariff added to buyers' prices, in price units per kWh (so fee × Wh is in token units). */
export interface ClearingFee {
  readonly perKwh: number;
  /** For Wh matched within the buyer's own node; ≤ perKwh. */
  readonly localPerKwh: number;
  /**
   * k of the small-group rule: a node's Wh are local only when its buy awards and its sell awards each have at least
   * k distinct owners (orders without an owner count as one each). A buyer's local Wh tells it how much was sold on
   * its feeder; on a feeder with one seller, that is the neighbour's own award. Absent: every node (k = 1).
   */
  readonly minLocalGroupSize?: number;
}

export interface ClearingOptions {
  readonly limits?: ClearingLimits;
  readonly fee?: ClearingFee;
}

export type LimitDirection = 'IMPORT' | 'EXPORT';

/** A limit that curtailed an order (see the curtailment rule). */
export interface BindingLimit {
  readonly node: string;
  readonly direction: LimitDirection;
  readonly limitWh: number;
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
  /** With a fee (buys only): the network fee in token units, paid on top of amount. */
  readonly fee?: number;
  /** With a fee (buys only): the Wh of this award matched within its own node (charged localPerKwh). */
  readonly localWh?: number;
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
  /** With limits: the limits that curtailed an order, sorted by node then direction. */
  readonly binding?: readonly BindingLimit[];
  /** With a fee: Σ fees of the buy awards, token units. */
  readonly fees?: number;
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
    if (order.node !== undefined && typeof order.node !== 'string') throw new ClearingInputError(`order '${order.id}': node must be a string`);
    if (order.owner !== undefined && typeof order.owner !== 'string') throw new ClearingInputError(`order '${order.id}': owner must be a string`);
  }
}

function validateOptions(options: ClearingOptions): void {
  const cap = (value: number | null, what: string) => {
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) throw new ClearingInputError(`${what} must be an integer ≥ 0 or null`);
  };
  for (const [node, limit] of Object.entries(options.limits?.nodes ?? {})) {
    cap(limit.importWh, `import limit of '${node}'`);
    cap(limit.exportWh, `export limit of '${node}'`);
  }
  if (options.limits?.total) {
    cap(options.limits.total.importWh, 'total import limit');
    cap(options.limits.total.exportWh, 'total export limit');
  }
  const fee = options.fee;
  if (fee?.minLocalGroupSize !== undefined && (!Number.isSafeInteger(fee.minLocalGroupSize) || fee.minLocalGroupSize < 1)) {
    throw new ClearingInputError('fee minLocalGroupSize must be an integer ≥ 1');
  }
  if (fee) {
    if (!Number.isSafeInteger(fee.perKwh) || fee.perKwh < 0) throw new ClearingInputError('fee perKwh must be an integer ≥ 0');
    if (!Number.isSafeInteger(fee.localPerKwh) || fee.localPerKwh < 0 || fee.localPerKwh > fee.perKwh) {
      throw new ClearingInputError('fee localPerKwh must be an integer between 0 and perKwh');
    }
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

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const absBig = (a: bigint): bigint => (a < 0n ? -a : a);

/** One side's caps as BigInt: per node, and the total (null: none). No caps at all without limits. */
interface SideCaps {
  readonly nodes: ReadonlyMap<string, bigint>;
  readonly total: bigint | null;
}

const NO_CAPS: SideCaps = { nodes: new Map(), total: null };

function sideCaps(limits: ClearingLimits | undefined, direction: 'importWh' | 'exportWh'): SideCaps {
  if (!limits) return NO_CAPS;
  const nodes = new Map<string, bigint>();
  for (const [node, limit] of Object.entries(limits.nodes ?? {})) {
    const cap = limit[direction];
    if (cap !== null) nodes.set(node, BigInt(cap));
  }
  const total = limits.total?.[direction];
  return { nodes, total: total === undefined || total === null ? null : BigInt(total) };
}

/** min(total, Σ_nodes min(cap_n, quantity on n) + uncapped quantity), kept exact as orders enter or leave. */
class CappedSum {
  private readonly perNode = new Map<string, bigint>();
  private sum = 0n;
  constructor(private readonly caps: SideCaps) {}

  add(order: ClearingOrder, delta: bigint): void {
    const cap = order.node === undefined ? undefined : this.caps.nodes.get(order.node);
    if (cap === undefined) {
      this.sum += delta;
      return;
    }
    const before = this.perNode.get(order.node!) ?? 0n;
    const after = before + delta;
    this.perNode.set(order.node!, after);
    this.sum += minBig(after, cap) - minBig(before, cap);
  }

  value(): bigint {
    return this.caps.total === null ? this.sum : minBig(this.sum, this.caps.total);
  }
}

/** D(p) and S(p) — under caps, D'(p) and S'(p) — at every distinct limit price, ascending (exact sums). */
function priceLevels(buys: readonly ClearingOrder[], sells: readonly ClearingOrder[], buyCaps: SideCaps, sellCaps: SideCaps): PriceLevel[] {
  const prices = [...new Set([...buys, ...sells].map((o) => o.price))].sort((a, b) => a - b);
  const buysAsc = [...buys].sort((a, b) => a.price - b.price);
  const sellsAsc = [...sells].sort((a, b) => a.price - b.price);
  const demand = new CappedSum(buyCaps);
  for (const o of buysAsc) demand.add(o, BigInt(o.quantity));
  const supply = new CappedSum(sellCaps);
  let bi = 0;
  let si = 0;
  const levels: PriceLevel[] = [];
  for (const price of prices) {
    // Demand at p excludes buys with a limit below p; supply at p includes sells with a limit up to p.
    while (bi < buysAsc.length && buysAsc[bi].price < price) {
      const o = buysAsc[bi++];
      demand.add(o, -BigInt(o.quantity));
    }
    while (si < sellsAsc.length && sellsAsc[si].price <= price) {
      const o = sellsAsc[si++];
      supply.add(o, BigInt(o.quantity));
    }
    levels.push({ price, demand: demand.value(), supply: supply.value() });
  }
  return levels;
}

/**
 * Fills ranked orders up to `volume` (the curtailment rule under caps): each order takes min(its quantity, the volume
 * left, its node's room, the total's room). A cap binds when it is used up while the eligible orders under it asked
 * for more (for the total: more than the node caps let through); each binding cap is added to `bound`.
 */
function fill(ranked: readonly ClearingOrder[], volume: bigint, price: number, caps: SideCaps, bound: Set<string>): ClearingAward[] {
  const awards: ClearingAward[] = [];
  const used = new Map<string, bigint>();
  const eligible = new Map<string, bigint>();
  let eligibleFree = 0n;
  let totalLeft = caps.total;
  let left = volume;
  for (const order of ranked) {
    const cap = order.node === undefined ? undefined : caps.nodes.get(order.node);
    if (cap !== undefined) eligible.set(order.node!, (eligible.get(order.node!) ?? 0n) + BigInt(order.quantity));
    else eligibleFree += BigInt(order.quantity);
    if (left === 0n) continue;
    let quantity = BigInt(order.quantity) < left ? BigInt(order.quantity) : left;
    if (cap !== undefined) quantity = minBig(quantity, cap - (used.get(order.node!) ?? 0n));
    if (totalLeft !== null) quantity = minBig(quantity, totalLeft);
    if (quantity === 0n) continue;
    left -= quantity;
    if (totalLeft !== null) totalLeft -= quantity;
    if (cap !== undefined) used.set(order.node!, (used.get(order.node!) ?? 0n) + quantity);
    awards.push({ id: order.id, side: order.side, quantity: Number(quantity), price, amount: safeNumber(BigInt(price) * quantity, `amount of '${order.id}'`) });
  }
  // Under caps D'(price) ≥ volume, and filling a two-level family of caps in any order reaches it (module comment).
  if (left !== 0n) throw new ClearingInputError(`allocation fell ${left} Wh short of the traded volume`);
  let throughNodes = eligibleFree;
  for (const [node, asked] of eligible) {
    const cap = caps.nodes.get(node)!;
    throughNodes += minBig(asked, cap);
    if (asked > cap && (used.get(node) ?? 0n) === cap) bound.add(`node\u0000${node}`);
  }
  if (caps.total !== null && throughNodes > caps.total && totalLeft === 0n) bound.add('total');
  return awards;
}

/** The limits in `bound` as the result reports them, sorted by node, then direction. */
function bindingLimits(bound: { IMPORT: Set<string>; EXPORT: Set<string> }, limits: ClearingLimits): BindingLimit[] {
  const out: BindingLimit[] = [];
  for (const direction of ['EXPORT', 'IMPORT'] as const) {
    const field = direction === 'IMPORT' ? 'importWh' : 'exportWh';
    for (const entry of bound[direction]) {
      if (entry === 'total') out.push({ node: limits.totalNode ?? '*', direction, limitWh: limits.total![field]! });
      else {
        const node = entry.slice(entry.indexOf('\u0000') + 1);
        out.push({ node, direction, limitWh: limits.nodes![node][field]! });
      }
    }
  }
  return out.sort((a, b) => compareIds(a.node, b.node) || compareIds(a.direction, b.direction));
}

/**
 * The fee of each buy award (see the module comment): per node, local Wh = min(bought, sold there), given to its buy
 * awards in priority order (`buyAwards` is in priority order); localPerKwh on local Wh, perKwh on the rest.
 */
function withFees(buyAwards: readonly ClearingAward[], sellAwards: readonly ClearingAward[], orderOf: ReadonlyMap<string, ClearingOrder>, fee: ClearingFee): ClearingAward[] {
  const nodeOf = (id: string) => orderOf.get(id)?.node;
  const bought = new Map<string, bigint>();
  const sold = new Map<string, bigint>();
  const owners = { bought: new Map<string, Set<string>>(), sold: new Map<string, Set<string>>() };
  const add = (into: Map<string, bigint>, who: Map<string, Set<string>>, award: ClearingAward) => {
    const node = nodeOf(award.id);
    if (node === undefined) return;
    into.set(node, (into.get(node) ?? 0n) + BigInt(award.quantity));
    const set = who.get(node) ?? new Set<string>();
    set.add(orderOf.get(award.id)?.owner ?? `\u0000${award.id}`);
    who.set(node, set);
  };
  buyAwards.forEach((a) => add(bought, owners.bought, a));
  sellAwards.forEach((a) => add(sold, owners.sold, a));
  const k = fee.minLocalGroupSize ?? 1;
  const localLeft = new Map<string, bigint>();
  for (const [node, wh] of bought) {
    const enough = (owners.bought.get(node)?.size ?? 0) >= k && (owners.sold.get(node)?.size ?? 0) >= k;
    localLeft.set(node, enough ? minBig(wh, sold.get(node) ?? 0n) : 0n);
  }
  return buyAwards.map((award) => {
    const node = nodeOf(award.id);
    const room = node === undefined ? 0n : localLeft.get(node)!;
    const local = minBig(room, BigInt(award.quantity));
    if (node !== undefined) localLeft.set(node, room - local);
    const amount = BigInt(fee.localPerKwh) * local + BigInt(fee.perKwh) * (BigInt(award.quantity) - local);
    return { ...award, fee: safeNumber(amount, `fee of '${award.id}'`), localWh: Number(local) };
  });
}

/**
 * Clears one interval. Throws ClearingInputError for malformed orders (duplicate id, non-integer price/quantity) or
 * options. Without options the result is exactly the rule's; with them, see "Grid limits and fees" above.
 */
export function clearInterval(orders: readonly ClearingOrder[], options?: ClearingOptions): ClearingResult {
  validate(orders);
  if (options) validateOptions(options);
  const fee = options?.fee;
  const limits = options?.limits;
  const allBuys = orders.filter((o) => o.side === 'BUY');
  // With a fee a bid takes part at its limit less the full fee; a bid that cannot cover the fee takes no part.
  const buys = fee ? allBuys.filter((o) => o.price >= fee.perKwh).map((o) => ({ ...o, price: o.price - fee.perKwh })) : allBuys;
  const sells = orders.filter((o) => o.side === 'SELL');
  const extras = { ...(limits ? { binding: [] } : {}), ...(fee ? { fees: 0 } : {}) };
  const noTrade: ClearingResult = { price: null, volume: 0, value: 0, buyOrders: allBuys.length, sellOrders: sells.length, awards: [], ...extras };
  if (buys.length === 0 || sells.length === 0) return noTrade;

  const buyCaps = sideCaps(limits, 'importWh');
  const sellCaps = sideCaps(limits, 'exportWh');
  const bound = { IMPORT: new Set<string>(), EXPORT: new Set<string>() };
  // Limits that bind nothing change nothing: the clearing without them is taken whenever its awards are within every
  // limit (then it is also optimal under them: no capped volume exceeds the uncapped one). A cap that curtails no
  // award could otherwise still move the price, since the capped D'(p) enters the imbalance tie-break at other prices.
  const plain = uniformClearing(buys, sells, NO_CAPS, NO_CAPS, { IMPORT: new Set(), EXPORT: new Set() });
  let cleared = plain;
  if (limits && plain) {
    const exceeded = { IMPORT: exceededCaps(plain.buyAwards, buys, buyCaps), EXPORT: exceededCaps(plain.sellAwards, sells, sellCaps) };
    if (exceeded.IMPORT.size > 0 || exceeded.EXPORT.size > 0) {
      cleared = uniformClearing(buys, sells, buyCaps, sellCaps, bound);
      // The limits made the result differ from the clearing without them: each limit the unconstrained awards would
      // exceed bound it, whether or not the capped allocation then used it up.
      for (const direction of ['IMPORT', 'EXPORT'] as const) for (const entry of exceeded[direction]) bound[direction].add(entry);
    }
  }
  // A limit can stop all trade (a cap of 0): nothing trades, and the limits that stopped it are named.
  if (!cleared) return limits ? { ...noTrade, binding: bindingLimits(bound, limits) } : noTrade;
  const { price, volume: maxVolume, sellAwards } = cleared;
  let buyAwards = cleared.buyAwards;
  let fees: bigint | undefined;
  if (fee) {
    buyAwards = withFees(buyAwards, sellAwards, new Map(orders.map((o) => [o.id, o])), fee);
    fees = buyAwards.reduce((sum, a) => sum + BigInt(a.fee!), 0n);
  }
  return {
    price,
    volume: safeNumber(maxVolume, 'traded volume'),
    value: safeNumber(BigInt(price) * maxVolume, 'traded value'),
    buyOrders: allBuys.length,
    sellOrders: sells.length,
    awards: [...buyAwards, ...sellAwards],
    ...(limits ? { binding: bindingLimits(bound, limits) } : {}),
    ...(fees !== undefined ? { fees: safeNumber(fees, 'fees') } : {}),
  };
}

interface UniformClearing {
  readonly price: number;
  readonly volume: bigint;
  readonly buyAwards: ClearingAward[];
  readonly sellAwards: ClearingAward[];
}

/** Steps 1–4 of the rule under the given caps (none: the plain rule); undefined when nothing trades. */
function uniformClearing(buys: readonly ClearingOrder[], sells: readonly ClearingOrder[], buyCaps: SideCaps, sellCaps: SideCaps, bound: { IMPORT: Set<string>; EXPORT: Set<string> }): UniformClearing | undefined {
  const levels = priceLevels(buys, sells, buyCaps, sellCaps);
  let maxVolume = 0n;
  for (const level of levels) {
    const volume = minBig(level.demand, level.supply);
    if (volume > maxVolume) maxVolume = volume;
  }
  if (maxVolume === 0n) return undefined;

  const atMax = levels.filter((level) => minBig(level.demand, level.supply) === maxVolume);
  let minImbalance = absBig(atMax[0].demand - atMax[0].supply);
  for (const level of atMax) if (absBig(level.demand - level.supply) < minImbalance) minImbalance = absBig(level.demand - level.supply);
  const best = atMax.filter((level) => absBig(level.demand - level.supply) === minImbalance);
  const price = Number((BigInt(best[0].price) + BigInt(best[best.length - 1].price)) / 2n);

  const buyAwards = fill(buys.filter((o) => o.price >= price).sort(compareBuyPriority), maxVolume, price, buyCaps, bound.IMPORT);
  const sellAwards = fill(sells.filter((o) => o.price <= price).sort(compareSellPriority), maxVolume, price, sellCaps, bound.EXPORT);
  return { price, volume: maxVolume, buyAwards, sellAwards };
}

/** The caps (as `fill` names them in `bound`) that these awards exceed. */
function exceededCaps(awards: readonly ClearingAward[], orders: readonly ClearingOrder[], caps: SideCaps): Set<string> {
  const out = new Set<string>();
  const nodeOf = new Map(orders.map((o) => [o.id, o.node]));
  const onNode = new Map<string, bigint>();
  let total = 0n;
  for (const award of awards) {
    total += BigInt(award.quantity);
    const node = nodeOf.get(award.id);
    if (node !== undefined && caps.nodes.has(node)) onNode.set(node, (onNode.get(node) ?? 0n) + BigInt(award.quantity));
  }
  for (const [node, wh] of onNode) if (wh > caps.nodes.get(node)!) out.add(`node\u0000${node}`);
  if (caps.total !== null && total > caps.total) out.add('total');
  return out;
}
