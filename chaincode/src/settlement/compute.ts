/**
 * Settlement arithmetic for one cleared interval — pure, so the rule can be read and tested apart from the ledger.
 *
 * For each award (quantity A Wh at the clearing price p) and the energy metered for it (M Wh; a missing reading counts
 * as 0 — nothing delivered):
 *   delivered = min(A, M), shortfall = A − delivered, excess = max(0, M − A)
 *   imbalance price: charge(x Wh) = ⌈p × x × f / 1000⌉, f = the governance factor in permille (≥ 1000 is enforced,
 *   so the pool below never runs dry)
 * Buyers (their award is escrowed at their limit price):
 *   pay p × delivered for the energy, plus charge(shortfall + excess) for leaning on the grid — bought and not taken,
 *   or taken beyond the award. Both come out of the escrow; what the escrow cannot cover is recorded as `unpaid` for
 *   off-chain recovery; the rest of the escrow is released.
 * Sellers:
 *   receive p × delivered, minus charge(shortfall) for what they failed to deliver (floored at 0, the remainder
 *   recorded as `unpaid`). Excess export is recorded (Wh and its value at the imbalance price) but not bought by the
 *   market: the market only trades what it awarded.
 * The balancing account (the market's balancing party) receives what buyers paid beyond what sellers received, which
 * is ≥ 0 because every buyer pays at least p × A (f ≥ 1) and every seller receives at most p × A.
 */

export interface SettlementAward {
  readonly orderId: string;
  readonly participant: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly awardedWh: number;
  /** Buyers only: the escrow still held for the order. */
  readonly escrow?: number;
  /** Metered energy for this award, or null when no reading arrived. */
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
  /** Imbalance that could not be collected on chain. */
  readonly imbalanceUnpaid: number;
  /** Seller's excess export at the imbalance price; recorded, not paid. */
  readonly excessValue: number;
  /** Buyer: escrow returned. Seller: 0. */
  readonly escrowReleased: number;
  /** Signed change to the participant's spendable tokens from this settlement (seller credit or buyer release). */
  readonly netCredit: number;
}

export interface SettlementTotals {
  readonly records: number;
  readonly awardedWh: number;
  readonly deliveredBuyWh: number;
  readonly deliveredSellWh: number;
  readonly shortfallWh: number;
  readonly excessWh: number;
  readonly energyPaid: number;
  readonly energyReceived: number;
  readonly imbalanceCharged: number;
  readonly imbalanceUnpaid: number;
  readonly missingReadings: number;
  /** Tokens credited to the balancing account. */
  readonly balancingCredit: number;
}

export interface SettlementComputation {
  readonly records: SettlementRecord[];
  readonly totals: SettlementTotals;
  /** Tokens each buyer's escrow gives up (paid into the pool), by order id. */
  readonly escrowConsumed: ReadonlyMap<string, number>;
}

export const MIN_IMBALANCE_FACTOR_PERMILLE = 1000;

export function imbalanceCharge(price: number, wh: number, factorPermille: number): number {
  const factor = Math.max(factorPermille, MIN_IMBALANCE_FACTOR_PERMILLE);
  const raw = price * wh * factor;
  return raw === 0 ? 0 : Math.floor((raw + 999) / 1000);
}

export function computeSettlement(awards: readonly SettlementAward[], factorPermille: number): SettlementComputation {
  const records: SettlementRecord[] = [];
  const escrowConsumed = new Map<string, number>();
  for (const award of [...awards].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0))) {
    const metered = award.meteredWh ?? 0;
    const delivered = Math.min(award.awardedWh, metered);
    const shortfall = award.awardedWh - delivered;
    const excess = Math.max(0, metered - award.awardedWh);
    const energyAmount = award.price * delivered;
    const common = {
      orderId: award.orderId,
      participant: award.participant,
      side: award.side,
      price: award.price,
      awardedWh: award.awardedWh,
      meteredWh: metered,
      readingMissing: award.meteredWh === null,
      deliveredWh: delivered,
      shortfallWh: shortfall,
      excessWh: excess,
      energyAmount,
    };
    if (award.side === 'BUY') {
      const escrow = award.escrow ?? 0;
      if (energyAmount > escrow) throw new Error(`escrow of order '${award.orderId}' cannot cover its award`);
      const due = imbalanceCharge(award.price, shortfall + excess, factorPermille);
      const charged = Math.min(due, escrow - energyAmount);
      const released = escrow - energyAmount - charged;
      escrowConsumed.set(award.orderId, energyAmount + charged);
      records.push({ ...common, imbalanceCharged: charged, imbalanceUnpaid: due - charged, excessValue: 0, escrowReleased: released, netCredit: released });
    } else {
      const due = imbalanceCharge(award.price, shortfall, factorPermille);
      const charged = Math.min(due, energyAmount);
      const excessValue = imbalanceCharge(award.price, excess, factorPermille);
      records.push({ ...common, imbalanceCharged: charged, imbalanceUnpaid: due - charged, excessValue, escrowReleased: 0, netCredit: energyAmount - charged });
    }
  }
  const sum = (pick: (r: SettlementRecord) => number, side?: 'BUY' | 'SELL') =>
    records.filter((r) => !side || r.side === side).reduce((s, r) => s + pick(r), 0);
  const consumed = [...escrowConsumed.values()].reduce((s, v) => s + v, 0);
  const sellerCredits = sum((r) => r.netCredit, 'SELL');
  const totals: SettlementTotals = {
    records: records.length,
    awardedWh: sum((r) => r.awardedWh, 'BUY'),
    deliveredBuyWh: sum((r) => r.deliveredWh, 'BUY'),
    deliveredSellWh: sum((r) => r.deliveredWh, 'SELL'),
    shortfallWh: sum((r) => r.shortfallWh),
    excessWh: sum((r) => r.excessWh),
    energyPaid: sum((r) => r.energyAmount, 'BUY'),
    energyReceived: sum((r) => r.energyAmount, 'SELL'),
    imbalanceCharged: sum((r) => r.imbalanceCharged),
    imbalanceUnpaid: sum((r) => r.imbalanceUnpaid),
    missingReadings: records.filter((r) => r.readingMissing).length,
    balancingCredit: consumed - sellerCredits,
  };
  if (totals.balancingCredit < 0) throw new Error('settlement pool would run dry; the imbalance factor floor is broken');
  return { records, totals, escrowConsumed };
}
