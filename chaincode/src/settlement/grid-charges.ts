/**
 * Grid charges at settlement (docs/grid.md): the network fee each buyer pays the DSO, and the charge for metered flow
 * beyond a DSO operating envelope. Applies only to awards that carry grid terms (a retail slot the DSO published an
 * envelope or a tariff for); any other settlement is untouched. Kept apart from compute.ts so the rule reads alone;
 * settle.ts calls it in four places (reserve, apply, pay, summarise).
 *
 * Fee. A buyer's award records the tariff (feePerKwh, localFeePerKwh) and the Wh matched on its own feeder (localWh).
 * The fee is due on what was delivered: delivered = min(awarded, metered); local = min(localWh, delivered, what its
 * feeder's sellers delivered and no other buyer there took: `localDelivered`);
 *   fee = localFeePerKwh × local + feePerKwh × (delivered − local)             (token units, exact)
 * It is reserved out of the buyer's escrow before the energy settles (the clearing admitted the bid only if its limit
 * covers price + feePerKwh, so escrow ≥ energy + fee always), and paid to the DSO that published the tariff.
 *
 * Envelope check. For every envelope of the slot and its direction (EXPORT: sell awards, IMPORT: buy awards, on the
 * envelope's feeder, or the whole zone for a zone envelope):
 *  - the awarded Wh must be within the limit (the clearing guarantees it; settlement refuses otherwise);
 *  - over = Σ metered − limit. When positive, it is attributed to the awards that metered more than awarded (their
 *    excess), largest excess first, then order id, each up to its excess. An award's violation Wh is the largest
 *    attributed to it by any envelope (a Wh is charged once, even beyond a feeder's and its zone's limit).
 *  - charge = envelopeViolationPricePerKwh × violation Wh, collected from what the award would otherwise receive:
 *    a seller's credit, a buyer's released escrow; what cannot be collected is recorded as unpaid (a decimal string).
 *    It is paid to the DSO that published the envelope that attributed the most (ties: smaller node id).
 *
 * Conservation: every token moved here comes from a buyer's escrow or a seller's credit and goes to a DSO, so
 * Σ escrow consumed = Σ seller credits + balancing credit + Σ DSO payouts (test/chaincode/settlement/grid-charges).
 */
import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { getConfig } from '../governance/store';
import type { PrivateAward } from '../market/book';
import { readEnvelopes, type AwardGridTerms, type EnvelopeRecord } from '../market/grid-constraints';
import type { SettlementComputation, SettlementRecord } from './compute';

export const GRID_DEFAULTS = { envelopeViolationPricePerKwh: 1000 } as const;

export interface GridAward {
  readonly orderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantityWh: number;
  readonly grid?: AwardGridTerms;
}

export interface GridRecordFields {
  /** Buyer: the network fee paid to the DSO. */
  readonly gridFee: number;
  /** Wh of metered flow beyond an envelope attributed to this award. */
  readonly envelopeViolationWh: number;
  readonly envelopeCharged: number;
  /** Decimal string: what could not be collected. */
  readonly envelopeUnpaid: string;
}

export interface GridPayout {
  readonly account: string;
  readonly amount: number;
}

export interface GridTotals {
  readonly gridFees: number;
  readonly envelopeCharged: number;
  readonly envelopeUnpaid: string;
  readonly envelopeViolationWh: string;
}

const minBig = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n) throw new RuleViolationError(`${what} ${value} is not a safe integer ≥ 0`, { reason: 'SETTLEMENT_INPUT' });
  return Number(value);
}

/**
 * The fee due on an award's delivered Wh (see the module comment); 0 without a tariff. `localCap`: the most of it that
 * was locally supplied at settlement (`localDelivered`); absent, the local Wh of the award.
 */
export function feeOnDelivered(award: GridAward, meteredWh: number | null, localCap?: bigint): bigint {
  const terms = award.grid;
  if (award.side !== 'BUY' || terms?.feePerKwh === undefined) return 0n;
  const delivered = minBig(BigInt(award.quantityWh), BigInt(meteredWh ?? 0));
  let local = minBig(BigInt(terms.localWh ?? 0), delivered);
  if (localCap !== undefined) local = minBig(local, localCap);
  return BigInt(terms.localFeePerKwh ?? 0) * local + BigInt(terms.feePerKwh) * (delivered - local);
}

/**
 * The local Wh each buy award may be charged the local fee on at settlement: its feeder's sellers must have delivered
 * them. Per feeder, the sell awards' delivered Wh (min(awarded, metered)) is a pool that the buy awards with local Wh
 * draw on, by order id, each up to min(its local Wh, its delivered Wh). Otherwise a buyer and a seller on one feeder
 * could have the seller not deliver and the buyer still pay the local fee on energy that came from afar.
 */
export function localDelivered(awards: readonly GridAward[], metered: ReadonlyMap<string, number | null>): Map<string, bigint> {
  const delivered = (a: GridAward) => minBig(BigInt(a.quantityWh), BigInt(metered.get(a.orderId) ?? 0));
  const pool = new Map<string, bigint>();
  for (const a of awards) {
    const feeder = a.grid?.feeder;
    if (a.side === 'SELL' && feeder) pool.set(feeder, (pool.get(feeder) ?? 0n) + delivered(a));
  }
  const out = new Map<string, bigint>();
  for (const a of [...awards].sort((x, y) => compareIds(x.orderId, y.orderId))) {
    const feeder = a.grid?.feeder;
    if (a.side !== 'BUY' || a.grid?.feePerKwh === undefined) continue;
    const left = feeder ? (pool.get(feeder) ?? 0n) : 0n;
    const local = minBig(minBig(BigInt(a.grid.localWh ?? 0), delivered(a)), left);
    if (feeder) pool.set(feeder, left - local);
    out.set(a.orderId, local);
  }
  return out;
}

/** Per award, the violation Wh and the envelope it is charged under (the module comment's attribution). */
export function attributeViolations(
  zone: string,
  awards: readonly GridAward[],
  metered: ReadonlyMap<string, number | null>,
  envelopes: readonly EnvelopeRecord[],
): Map<string, { wh: bigint; envelope: EnvelopeRecord }> {
  const out = new Map<string, { wh: bigint; envelope: EnvelopeRecord }>();
  for (const envelope of [...envelopes].sort((a, b) => compareIds(a.nodeId, b.nodeId))) {
    for (const side of ['SELL', 'BUY'] as const) {
      const limit = side === 'SELL' ? envelope.exportLimitWh : envelope.importLimitWh;
      if (limit === null) continue;
      const on = awards.filter((a) => a.side === side && a.grid !== undefined && (envelope.nodeId === zone || a.grid.feeder === envelope.nodeId));
      const awarded = on.reduce((s, a) => s + BigInt(a.quantityWh), 0n);
      if (awarded > BigInt(limit)) {
        throw new RuleViolationError(`awards on '${envelope.nodeId}' (${awarded} Wh ${side === 'SELL' ? 'export' : 'import'}) exceed its envelope of ${limit} Wh`, { reason: 'AWARD_EXCEEDS_ENVELOPE' });
      }
      let over = on.reduce((s, a) => s + BigInt(metered.get(a.orderId) ?? 0), 0n) - BigInt(limit);
      if (over <= 0n) continue;
      const excess = on
        .map((a) => ({ a, excess: BigInt(metered.get(a.orderId) ?? 0) - BigInt(a.quantityWh) }))
        .filter((e) => e.excess > 0n)
        .sort((x, y) => (x.excess > y.excess ? -1 : x.excess < y.excess ? 1 : compareIds(x.a.orderId, y.a.orderId)));
      for (const { a, excess: e } of excess) {
        if (over === 0n) break;
        const wh = minBig(e, over);
        over -= wh;
        const before = out.get(a.orderId);
        if (!before || wh > before.wh) out.set(a.orderId, { wh, envelope });
      }
    }
  }
  return out;
}

/** The grid side of one settlement: reserve fees before computeSettlement, apply charges after it. */
export class GridSettlement {
  private readonly fees = new Map<string, bigint>();
  private readonly violations: Map<string, { wh: bigint; envelope: EnvelopeRecord }>;
  private readonly awards: ReadonlyMap<string, GridAward>;
  private payoutsByAccount = new Map<string, bigint>();
  private totalsValue: GridTotals = { gridFees: 0, envelopeCharged: 0, envelopeUnpaid: '0', envelopeViolationWh: '0' };

  constructor(
    zone: string,
    awards: readonly GridAward[],
    metered: ReadonlyMap<string, number | null>,
    envelopes: readonly EnvelopeRecord[],
    private readonly violationPricePerKwh: number,
  ) {
    this.awards = new Map(awards.map((a) => [a.orderId, a]));
    const local = localDelivered(awards, metered);
    for (const award of awards) this.fees.set(award.orderId, feeOnDelivered(award, metered.get(award.orderId) ?? null, local.get(award.orderId)));
    this.violations = attributeViolations(zone, awards, metered, envelopes);
  }

  /** The escrow computeSettlement may use for the energy and imbalance: the buyer's escrow less its fee. */
  escrowFor(orderId: string, escrow: number | undefined): number | undefined {
    const fee = this.fees.get(orderId) ?? 0n;
    if (escrow === undefined || fee === 0n) return escrow;
    if (BigInt(escrow) < fee) throw new RuleViolationError(`escrow of order '${orderId}' cannot cover its network fee`, { reason: 'SETTLEMENT_INPUT' });
    return Number(BigInt(escrow) - fee);
  }

  /** The computation with fees and envelope charges applied: records, escrow consumed and the DSO payouts. */
  apply(computed: SettlementComputation): SettlementComputation {
    const consumed = new Map(computed.escrowConsumed);
    const payouts = new Map<string, bigint>();
    const pay = (account: string, amount: bigint) => amount > 0n && payouts.set(account, (payouts.get(account) ?? 0n) + amount);
    let fees = 0n;
    let charged = 0n;
    let unpaid = 0n;
    let violationWh = 0n;
    const records: SettlementRecord[] = computed.records.map((record) => {
      const award = this.awards.get(record.orderId);
      if (!award?.grid) return record;
      const fee = this.fees.get(record.orderId) ?? 0n;
      const violation = this.violations.get(record.orderId);
      const due = violation ? BigInt(this.violationPricePerKwh) * violation.wh : 0n;
      const available = BigInt(record.side === 'BUY' ? record.escrowReleased : record.netCredit);
      const take = minBig(due, available);
      fees += fee;
      charged += take;
      unpaid += due - take;
      violationWh += violation?.wh ?? 0n;
      if (fee > 0n) pay(award.grid.feeAccount!, fee);
      if (take > 0n) pay(violation!.envelope.publishedBy, take);
      if (record.side === 'BUY') consumed.set(record.orderId, safe(BigInt(consumed.get(record.orderId) ?? 0) + fee + take, 'escrow consumed'));
      const fields: GridRecordFields = { gridFee: safe(fee, 'grid fee'), envelopeViolationWh: safe(violation?.wh ?? 0n, 'violation'), envelopeCharged: safe(take, 'envelope charge'), envelopeUnpaid: String(due - take) };
      const left = safe(available - take, 'credit');
      return record.side === 'BUY' ? { ...record, ...fields, escrowReleased: left, netCredit: left } : { ...record, ...fields, netCredit: left };
    });
    this.payoutsByAccount = payouts;
    this.totalsValue = { gridFees: safe(fees, 'grid fees'), envelopeCharged: safe(charged, 'envelope charges'), envelopeUnpaid: String(unpaid), envelopeViolationWh: String(violationWh) };
    return { ...computed, records, escrowConsumed: consumed };
  }

  /** Tokens to credit each DSO, sorted by account (after apply). */
  payouts(): GridPayout[] {
    return [...this.payoutsByAccount.entries()].sort(([a], [b]) => compareIds(a, b)).map(([account, amount]) => ({ account, amount: safe(amount, 'payout') }));
  }

  totals(): GridTotals {
    return this.totalsValue;
  }
}

/**
 * The grid side of a settlement, or undefined when no award carries grid terms (then settlement is unchanged).
 * Reads the slot's envelopes and governance's violation price.
 */
export async function gridSettlementFor(
  ctx: Context,
  zone: string,
  interval: string,
  awards: readonly PrivateAward[],
  metered: ReadonlyMap<string, number | null>,
): Promise<GridSettlement | undefined> {
  if (!awards.some((a) => a.grid !== undefined)) return undefined;
  const config = await getConfig(ctx);
  const price = config.envelopeViolationPricePerKwh ?? GRID_DEFAULTS.envelopeViolationPricePerKwh;
  return new GridSettlement(zone, awards, metered, await readEnvelopes(ctx, zone, interval), price);
}
