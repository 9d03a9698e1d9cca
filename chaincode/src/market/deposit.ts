/**
 * Offer deposits and the reference imbalance price (docs/adr/0011-offer-deposits-and-reference-price.md) — pure, so
 * the rule reads alone and is property-tested apart from the ledger.
 *
 * Why: imbalance was priced at the clearing price, and one seller can set that price to 0 with an offer at 0 larger
 * than the zone's demand. Its shortfall then cost ⌈0 × x × f⌉ = 0, and a seller has nothing on chain the charge could
 * be taken from beyond what it earned in the interval. So:
 *  - a seller's shortfall is priced at max(clearing price, governance imbalanceReferencePrice) × factor (settlement/
 *    compute.ts), which the seller cannot move;
 *  - a retail sell order locks a deposit at placement, in the token ledger's escrow like a bid's (escrow id = order
 *    id): ⌈ref × x × f × d / 10^6⌉ tokens, x = the Wh the order adds to its meter's offers of the interval beyond the
 *    governance allowance offerDepositFreeWh, f = imbalanceFactorPermille, d = offerDepositPermille (1000: the whole
 *    worst-case shortfall charge of those Wh at the reference price). Settlement takes the shortfall charge from the
 *    award's energy credit first, then from its deposit, and releases the rest; an unawarded or cancelled offer's
 *    deposit is released whole.
 * The free allowance keeps households without a balance able to sell small offers; because it is per meter and
 * interval (the meter's running offer total, book.ts), splitting an offer into many small ones does not multiply it.
 *
 * Exact integers: ref ≤ 10^6, x ≤ 10^9, f ≤ 10^5, d ≤ 10^3, so the product (≤ 10^23) is taken in BigInt; a deposit
 * beyond 2^53 can never be held (the token supply is below 2^51) and is refused as INSUFFICIENT_FUNDS.
 */
import { RuleViolationError } from '../common/errors';
import type { GovernanceConfig } from '../governance/config';

export interface OfferDepositPolicy {
  /** Price units per kWh. */
  readonly referencePrice: number;
  readonly factorPermille: number;
  /** Fraction of the worst-case charge locked, permille. */
  readonly depositPermille: number;
  /** Wh per meter and interval offered without a deposit. */
  readonly freeWh: number;
}

type IntegrityFields = Pick<GovernanceConfig, 'imbalanceFactorPermille' | 'imbalanceReferencePrice' | 'offerDepositPermille' | 'offerDepositFreeWh'>;

/** The reference imbalance price (0 when governance sets none: the clearing price alone). */
export function referencePriceOf(config: Pick<GovernanceConfig, 'imbalanceReferencePrice'>): number {
  return config.imbalanceReferencePrice ?? 0;
}

/** The deposit policy, or undefined when governance asks for no deposit (no reference price or no fraction). */
export function offerDepositPolicy(config: IntegrityFields): OfferDepositPolicy | undefined {
  const referencePrice = referencePriceOf(config);
  const depositPermille = config.offerDepositPermille ?? 0;
  if (referencePrice === 0 || depositPermille === 0) return undefined;
  return { referencePrice, factorPermille: config.imbalanceFactorPermille, depositPermille, freeWh: config.offerDepositFreeWh ?? 0 };
}

/** The Wh of an offer of `addedWh` that need a deposit, given what its meter already offers in the interval. */
export function depositWh(offeredBeforeWh: number, addedWh: number, freeWh: number): number {
  const above = (total: number) => Math.max(0, total - freeWh);
  return above(offeredBeforeWh + addedWh) - above(offeredBeforeWh);
}

/** ⌈ref × x × f × d / 10^6⌉, exact. */
export function offerDepositExact(policy: OfferDepositPolicy, wh: number): bigint {
  const raw = BigInt(policy.referencePrice) * BigInt(wh) * BigInt(policy.factorPermille) * BigInt(policy.depositPermille);
  return (raw + 999_999n) / 1_000_000n;
}

/** The deposit as a token amount; refused when no account could ever hold it. */
export function offerDeposit(policy: OfferDepositPolicy, wh: number): number {
  const amount = offerDepositExact(policy, wh);
  if (amount > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RuleViolationError(`insufficient funds: an offer deposit of ${amount} is beyond any balance`, { reason: 'INSUFFICIENT_FUNDS', needed: String(amount) });
  }
  return Number(amount);
}
