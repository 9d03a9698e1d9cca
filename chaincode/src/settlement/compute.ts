/**
 * Settlement arithmetic for one cleared interval — pure, so the rule can be read and tested apart from the ledger.
 *
 * Metered energy per award (`allocateMetered`). One meter's reading for an interval is ONE quantity, however many
 * awards name that meter (one prosumer may have several offers behind one meter, a wholesale generator several curve
 * blocks): sellers share its export, buyers its import. Per side and meter, the awards naming it take the reading in
 * award priority order — a seller's awards with less offer deposit per Wh first (see compareAllocationPriority), then
 * earlier submission, then smaller order id — each up to its awarded quantity; what is
 * left after every award is served is the meter's excess and goes to the last of those awards. So the energy attributed
 * to a meter's awards sums to exactly its reading, no award is paid for energy another award was paid for, and the
 * result does not depend on the order the awards are passed in. A meter without a reading gives every award naming it
 * "no reading" (nothing delivered). An award without meters (wholesale demand) counts as delivered in full.
 *
 * For each award (quantity A Wh at the clearing price p) and the energy metered for it (M Wh; a missing reading counts
 * as 0 — nothing delivered):
 *   delivered = min(A, M), shortfall = A − delivered, excess = max(0, M − A)
 *   imbalance price: charge(x Wh) = ⌈p × x × f / 1000⌉, f = the governance factor in permille (≥ 1000 is enforced,
 *   so the pool below never runs dry)
 * Buyers (their award is escrowed at their limit price):
 *   pay p × delivered for the energy, plus charge(shortfall + excess) for leaning on the grid — bought and not taken,
 *   or taken beyond the award. Both come out of the escrow; what the escrow cannot cover is recorded as `unpaid` for
 *   off-chain recovery; the rest of the escrow is released. A bid whose escrow is gone (none can be: every bid locks a
 *   positive escrow, see market/rules.ts) settles against an escrow of 0: an award worth 0 settles cleanly, anything
 *   else is refused as a broken invariant rather than paid from nowhere.
 * Sellers:
 *   receive p × delivered, minus the shortfall charge ⌈max(p, ref) × shortfall × f / 1000⌉ (ref = governance
 *   imbalanceReferencePrice, 0 when unset; docs/adr/0011): taken from that credit first, then from the seller's offer
 *   deposits (market/deposit.ts) and then its other awards' credits — one pool per seller and settlement (see
 *   sellerDraws) — and the deposits' rest is released; what none covers is recorded as `unpaid`. Excess export is recorded (Wh and its value at the imbalance price) but not bought by the
 *   market: the market only trades what it awarded.
 * The balancing account (the market's balancing party) receives what buyers and seller deposits paid beyond what
 * sellers received, which is ≥ 0 because every buyer pays at least p × A (f ≥ 1) and every seller receives at most p × A.
 *
 * Exact arithmetic: everything is computed in BigInt. Amounts that move tokens (energyAmount, imbalanceCharged,
 * escrowReleased, netCredit, escrowConsumed, balancingCredit and their totals) are bounded by the escrows and the
 * traded value, hence by the token supply (≤ 2^51 − 1, tokens/ledger.ts): even the sum of two of them is a safe
 * integer, and each is converted back with a check. Amounts that are only recorded — an imbalance that could not be
 * collected, the value of excess export, total excess Wh — grow with the meters' readings and the imbalance factor
 * (p ≤ 10^6, f ≤ 100×, a reading ≤ 10^12 Wh: up to 10^20) and are carried as exact decimal strings.
 */

import { ClearingInputError } from '../market/clearing';

/** An award as allocation sees it. */
export interface MeteredAward {
  readonly orderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly awardedWh: number;
  /** Meters whose readings settle the award; empty: delivered as awarded. */
  readonly meterIds: readonly string[];
  /** Submission time (ms) of the order: allocation priority, then the order id. */
  readonly submittedAt: number;
  /** Sellers: the offer deposit held for the award (market/deposit.ts; absent: none). Allocation priority first. */
  readonly deposit?: number;
}

/** A meter's reading on one side (SELL: exported, BUY: imported), or null when none arrived. */
export type ReadingOf = (side: 'BUY' | 'SELL', meterId: string) => number | null;

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deposit per awarded Wh, compared exactly (cross-multiplied): an award with less deposit behind each Wh first. */
function compareCover(a: MeteredAward, b: MeteredAward): number {
  const x = BigInt(a.deposit ?? 0) * BigInt(b.awardedWh);
  const y = BigInt(b.deposit ?? 0) * BigInt(a.awardedWh);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Allocation priority: less offer deposit per awarded Wh first, then earlier submission, then smaller order id.
 * The first key matters only between one seller's awards on one meter (a meter's offers have one owner, market/book.ts):
 * its offers within the free allowance have no deposit, so they take the reading before deposit-backed ones and the
 * shortfall lands where a deposit covers it — as it would in one unsplit offer. Otherwise a seller could stamp its
 * deposit-backed offers earlier (the client picks the proposal timestamp, and the order id is its transaction id) so
 * they take the delivery and leave the shortfall on the free offers, uncollected. Without deposits (bids, wholesale,
 * channels without them) every award ties on it and the order is submission, then id, as before.
 */
export function compareAllocationPriority(a: MeteredAward, b: MeteredAward): number {
  return compareCover(a, b) || a.submittedAt - b.submittedAt || compareIds(a.orderId, b.orderId);
}

/**
 * The energy metered for each award, by order id (see the module comment): never more in total per meter and side than
 * the meter's reading. Null for an award with a meter that has no reading.
 */
export function allocateMetered(awards: readonly MeteredAward[], readingOf: ReadingOf): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const ranked = [...awards].sort(compareAllocationPriority);
  /** Per side and meter: what is left of its reading (BigInt: a sum of safe readings). */
  const left = new Map<string, bigint | null>();
  const lastAward = new Map<string, string>();
  const poolKey = (side: string, meterId: string) => `${side}\u0000${meterId}`;
  for (const award of ranked) {
    for (const meterId of award.meterIds) {
      const key = poolKey(award.side, meterId);
      if (!left.has(key)) {
        const reading = readingOf(award.side, meterId);
        left.set(key, reading === null ? null : BigInt(reading));
      }
    }
  }
  const taken = new Map<string, bigint>();
  for (const award of ranked) {
    if (award.meterIds.length === 0) {
      out.set(award.orderId, award.awardedWh);
      continue;
    }
    if (award.meterIds.some((m) => left.get(poolKey(award.side, m)) === null)) {
      out.set(award.orderId, null);
      continue;
    }
    let need = BigInt(award.awardedWh);
    let got = 0n;
    for (const meterId of award.meterIds) {
      const key = poolKey(award.side, meterId);
      const pool = left.get(key)!;
      const take = pool < need ? pool : need;
      left.set(key, pool - take);
      need -= take;
      got += take;
      lastAward.set(key, award.orderId);
    }
    taken.set(award.orderId, got);
  }
  // Each meter's remainder is excess: the last award (in priority order) naming it carries it.
  for (const [key, orderId] of lastAward) taken.set(orderId, taken.get(orderId)! + left.get(key)!);
  for (const [orderId, wh] of taken) out.set(orderId, safe(wh, `metered energy of '${orderId}'`));
  return out;
}

export interface SettlementAward {
  readonly orderId: string;
  readonly participant: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly awardedWh: number;
  /** Buyers only: the escrow still held for the order (undefined: none is held). */
  readonly escrow?: number;
  /** Sellers only: the offer deposit held for the order (market/deposit.ts; undefined: none). */
  readonly deposit?: number;
  /** Metered energy for this award (see allocateMetered), or null when no reading arrived. */
  readonly meteredWh: number | null;
}

export interface SettlementRecord {
  readonly orderId: string;
  readonly participant: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly awardedWh: number;
  readonly meteredWh: number;
  readonly readingMissing: boolean;
  readonly deliveredWh: number;
  readonly shortfallWh: number;
  readonly excessWh: number;
  /** p × delivered: paid by a buyer, received by a seller. */
  readonly energyAmount: number;
  /** Imbalance charged (buyer: shortfall + excess; seller: shortfall), as far as it could be collected. */
  readonly imbalanceCharged: number;
  /** Imbalance that could not be collected on chain: an exact integer as a decimal string (it is not bounded by 2^53). */
  readonly imbalanceUnpaid: string;
  /** Seller's excess export at the imbalance price; recorded, not paid. A decimal string, like imbalanceUnpaid. */
  readonly excessValue: string;
  /** Buyer: escrow returned. Seller: offer deposit returned (0 without one). */
  readonly escrowReleased: number;
  /**
   * Buyer: the escrow returned. Seller: the credit for delivered energy less the charge it covered, and less what it
   * paid of the seller's other awards' charges (sellerDraws); its deposit return is escrowReleased.
   */
  readonly netCredit: number;
}

export interface SettlementTotals {
  readonly records: number;
  readonly awardedWh: number;
  readonly deliveredBuyWh: number;
  readonly deliveredSellWh: number;
  readonly shortfallWh: number;
  /** Decimal string: a sum of readings. */
  readonly excessWh: string;
  readonly energyPaid: number;
  readonly energyReceived: number;
  readonly imbalanceCharged: number;
  /** Decimal string. */
  readonly imbalanceUnpaid: string;
  readonly missingReadings: number;
  /** Tokens credited to the balancing account. */
  readonly balancingCredit: number;
}

export interface SettlementComputation {
  readonly records: SettlementRecord[];
  readonly totals: SettlementTotals;
  /** Tokens each buyer's escrow or seller's offer deposit gives up (paid into the pool), by order id. */
  readonly escrowConsumed: ReadonlyMap<string, number>;
}

export const MIN_IMBALANCE_FACTOR_PERMILLE = 1000;

function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) throw new ClearingInputError(`${what} ${value} is not a safe integer`);
  return Number(value);
}

/** ⌈p × x × f / 1000⌉, exact. */
export function imbalanceChargeExact(price: number, wh: number | bigint, factorPermille: number): bigint {
  const factor = BigInt(Math.max(factorPermille, MIN_IMBALANCE_FACTOR_PERMILLE));
  const raw = BigInt(price) * BigInt(wh) * factor;
  return (raw + 999n) / 1000n;
}

/** imbalanceChargeExact as a number, refused when it is not a safe integer. */
export function imbalanceCharge(price: number, wh: number, factorPermille: number): number {
  return safe(imbalanceChargeExact(price, wh, factorPermille), 'imbalance charge');
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);

interface ExactRecord {
  readonly side: 'BUY' | 'SELL';
  readonly awardedWh: bigint;
  readonly deliveredWh: bigint;
  readonly shortfallWh: bigint;
  readonly excessWh: bigint;
  readonly energyAmount: bigint;
  readonly imbalanceCharged: bigint;
  readonly imbalanceUnpaid: bigint;
  readonly netCredit: bigint;
}

/**
 * A seller's offer deposits and energy credits are one pool per seller and settlement: what its awards' charges leave
 * after their own energy credits is taken from the sum of its deposits, then from what its other awards' credits
 * have left — not award by award. Per award, an undelivered offer's charge could reach only its own deposit, so a
 * seller that split an offer kept the deposits and the credits of the parts it delivered while the undelivered part's
 * charge beyond its own deposit went unpaid (with a partial deposit, offerDepositPermille < 1000, or on a part within
 * the free allowance) — where one unsplit offer's credit and whole deposit pay it. Pooled, the split pays what the
 * whole offer pays. Deterministic: charges are paid, deposits consumed and credits taken in order id order.
 * Per award: `paid` of its charge came from the pool, `consumed` of its own deposit and `fromCredit` of its own
 * remaining credit went into it (Σ paid = Σ consumed + Σ fromCredit).
 */
function sellerDraws(sorted: readonly SettlementAward[], factorPermille: number, referencePrice: number): Map<string, { paid: bigint; consumed: bigint; fromCredit: bigint }> {
  const bySeller = new Map<string, { award: SettlementAward; owed: bigint; deposit: bigint; credit: bigint }[]>();
  for (const award of sorted) {
    if (award.side !== 'SELL') continue;
    const awarded = BigInt(award.awardedWh);
    const delivered = minBig(awarded, BigInt(award.meteredWh ?? 0));
    const due = imbalanceChargeExact(Math.max(award.price, referencePrice), awarded - delivered, factorPermille);
    const energy = BigInt(award.price) * delivered;
    const fromEnergy = minBig(due, energy);
    const list = bySeller.get(award.participant) ?? [];
    list.push({ award, owed: due - fromEnergy, deposit: BigInt(award.deposit ?? 0), credit: energy - fromEnergy });
    bySeller.set(award.participant, list);
  }
  const out = new Map<string, { paid: bigint; consumed: bigint; fromCredit: bigint }>();
  for (const list of bySeller.values()) {
    const owed = list.reduce((sum, e) => sum + e.owed, 0n);
    const fromDeposits = minBig(owed, list.reduce((sum, e) => sum + e.deposit, 0n));
    const fromCredits = minBig(owed - fromDeposits, list.reduce((sum, e) => sum + e.credit, 0n));
    let toPay = fromDeposits + fromCredits;
    let toConsume = fromDeposits;
    let toTake = fromCredits;
    for (const entry of list) {
      const paid = minBig(entry.owed, toPay);
      const consumed = minBig(entry.deposit, toConsume);
      const fromCredit = minBig(entry.credit, toTake);
      toPay -= paid;
      toConsume -= consumed;
      toTake -= fromCredit;
      out.set(entry.award.orderId, { paid, consumed, fromCredit });
    }
  }
  return out;
}

/**
 * `referencePrice` (governance imbalanceReferencePrice, 0: none): a seller's shortfall is charged at max(clearing
 * price, referencePrice), taken from its energy credit first, then from its offer deposits and other credits, pooled per
 * seller (docs/adr/0011).
 */
export function computeSettlement(awards: readonly SettlementAward[], factorPermille: number, referencePrice = 0): SettlementComputation {
  const records: SettlementRecord[] = [];
  const exact: ExactRecord[] = [];
  const escrowConsumed = new Map<string, number>();
  let consumed = 0n;
  const sorted = [...awards].sort((a, b) => compareIds(a.orderId, b.orderId));
  const fromPool = sellerDraws(sorted, factorPermille, referencePrice);
  for (const award of sorted) {
    const metered = BigInt(award.meteredWh ?? 0);
    const awarded = BigInt(award.awardedWh);
    const price = BigInt(award.price);
    const delivered = minBig(awarded, metered);
    const shortfall = awarded - delivered;
    const excess = metered > awarded ? metered - awarded : 0n;
    const energyAmount = price * delivered;
    const common = {
      orderId: award.orderId,
      participant: award.participant,
      side: award.side,
      price: award.price,
      awardedWh: award.awardedWh,
      meteredWh: safe(metered, 'metered energy'),
      readingMissing: award.meteredWh === null,
      deliveredWh: Number(delivered),
      shortfallWh: Number(shortfall),
      excessWh: safe(excess, 'excess energy'),
      energyAmount: safe(energyAmount, `energy amount of '${award.orderId}'`),
    };
    let charged: bigint, due: bigint, netCredit: bigint;
    if (award.side === 'BUY') {
      const escrow = BigInt(award.escrow ?? 0);
      if (energyAmount > escrow) {
        throw new ClearingInputError(`escrow of order '${award.orderId}' (${escrow}) cannot cover its award (${energyAmount})`);
      }
      due = imbalanceChargeExact(award.price, shortfall + excess, factorPermille);
      charged = minBig(due, escrow - energyAmount);
      const released = escrow - energyAmount - charged;
      escrowConsumed.set(award.orderId, safe(energyAmount + charged, 'escrow consumed'));
      consumed += energyAmount + charged;
      netCredit = released;
      records.push({ ...common, imbalanceCharged: safe(charged, 'imbalance'), imbalanceUnpaid: String(due - charged), excessValue: '0', escrowReleased: safe(released, 'release'), netCredit: safe(released, 'release') });
    } else {
      // The seller cannot move the reference price: an offer that forced the clearing price down still pays for the
      // energy it failed to deliver, from what it earned and then from its deposit.
      const deposit = BigInt(award.deposit ?? 0);
      due = imbalanceChargeExact(Math.max(award.price, referencePrice), shortfall, factorPermille);
      const fromEnergy = minBig(due, energyAmount);
      const draw = fromPool.get(award.orderId)!;
      charged = fromEnergy + draw.paid;
      netCredit = energyAmount - fromEnergy - draw.fromCredit;
      const fromDeposit = draw.consumed;
      if (fromDeposit > 0n) escrowConsumed.set(award.orderId, safe(fromDeposit, 'deposit consumed'));
      consumed += fromDeposit;
      const excessValue = imbalanceChargeExact(award.price, excess, factorPermille);
      records.push({
        ...common,
        imbalanceCharged: safe(charged, 'imbalance'),
        imbalanceUnpaid: String(due - charged),
        excessValue: String(excessValue),
        escrowReleased: safe(deposit - fromDeposit, 'deposit release'),
        netCredit: safe(netCredit, 'credit'),
      });
    }
    exact.push({ side: award.side, awardedWh: awarded, deliveredWh: delivered, shortfallWh: shortfall, excessWh: excess, energyAmount, imbalanceCharged: charged, imbalanceUnpaid: due - charged, netCredit });
  }
  const sum = (pick: (r: ExactRecord) => bigint, side?: 'BUY' | 'SELL') => exact.filter((r) => !side || r.side === side).reduce((s, r) => s + pick(r), 0n);
  const sellerCredits = sum((r) => r.netCredit, 'SELL');
  const balancingCredit = consumed - sellerCredits;
  if (balancingCredit < 0n) throw new ClearingInputError('settlement pool would run dry; the imbalance factor floor is broken');
  const totals: SettlementTotals = {
    records: records.length,
    awardedWh: safe(sum((r) => r.awardedWh, 'BUY'), 'awarded energy'),
    deliveredBuyWh: safe(sum((r) => r.deliveredWh, 'BUY'), 'delivered energy'),
    deliveredSellWh: safe(sum((r) => r.deliveredWh, 'SELL'), 'delivered energy'),
    shortfallWh: safe(sum((r) => r.shortfallWh), 'shortfall'),
    excessWh: String(sum((r) => r.excessWh)),
    energyPaid: safe(sum((r) => r.energyAmount, 'BUY'), 'energy paid'),
    energyReceived: safe(sum((r) => r.energyAmount, 'SELL'), 'energy received'),
    imbalanceCharged: safe(sum((r) => r.imbalanceCharged), 'imbalance charged'),
    imbalanceUnpaid: String(sum((r) => r.imbalanceUnpaid)),
    missingReadings: records.filter((r) => r.readingMissing).length,
    balancingCredit: safe(balancingCredit, 'balancing credit'),
  };
  return { records, totals, escrowConsumed };
}
