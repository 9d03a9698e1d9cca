import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, NotFoundError, RuleViolationError } from '../common/errors';
import { orgCollection } from '../common/keys';
import { txTimeMs } from '../common/tx-time';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { deriveSalt, listOrders, listPublicAwards, readPrivateAwards, readResult, tooSmall, type MarketName, type PrivateAward } from '../market/book';
import { ClearingInputError } from '../market/clearing';
import { TokenLedger, type Escrow } from '../tokens/ledger';
import { allocateMetered, computeSettlement, type SettlementRecord, type SettlementTotals } from './compute';
import { merkleLeafHash, merkleProofOfLeaves, merkleRootOfLeaves, type MerkleProofStep } from './merkle';
import { gridSettlementFor } from './grid-charges';
import { bindCertificatesToSettlement } from '../certificates/settle-hook';

/**
 * Settlement of one cleared interval against metered delivery, written in one transaction:
 *  - every award gets a settled record (the Merkle leaf): private in the award's collection, its leaf hash public;
 *  - tokens move: buyers' escrows pay into the interval's pool and return the rest, sellers are credited, the
 *    balancing account takes what remains (see compute.ts for the rule);
 *  - public totals and the Merkle root are stored, and `SettlementCompleted` is emitted for the audit relay.
 * Idempotent per (market, zone, interval): a second settlement is refused with CONFLICT and writes nothing.
 * Nothing stays locked: every awarded bid's escrow and awarded offer's deposit is closed (paid from and released),
 * every unawarded open bid's escrow released (an unawarded offer's deposit was released at clearing); a bid without an escrow (impossible for bids placed under the limit ≥ 1 rule) settles against 0
 * instead of failing the whole interval, which would strand every other escrow of it.
 *
 * Small groups (defect: a lone buyer's metered import was readable from the public totals): the public summary shows a
 * total only when at least k = governance minPublicGroupSize distinct participants contribute on each side it covers
 * (or none do) on BOTH sides, for every total: a clearing awards equal volumes to each side, so a one-sided total
 * is the other side's too (three sellers delivering in full publish, in deliveredSellWh and energyReceived, exactly
 * what a lone buyer bought), and mixed totals (shortfall, excess, imbalance, balancing credit) could be differenced
 * against one-sided ones. A withheld
 * total is null and named in `suppressed`. The Merkle root, the record count and the leaf hashes stay public; the full
 * summary is kept in the settling operator org's settlement collection under the same key (GetSettlement shows it to
 * the operator and the regulator as `details`), and every total can also be recomputed from the settled records.
 *
 * Keys: obe.settlement [market, zone, interval] (public summary), obe.settlement.record [market, zone, interval,
 * orderId] (public leaf hash; the private record under the same key in the award's collection).
 */

export const SETTLEMENT = 'obe.settlement';
export const SETTLEMENT_RECORD = 'obe.settlement.record';
export const SETTLEMENT_EVENT = 'SettlementCompleted';

/** The Merkle leaf: the settled record plus where it belongs and a salt, so its hash reveals nothing guessable. */
export interface SettledRecord extends SettlementRecord {
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly salt: string;
}

export interface PublicSettledRecord {
  readonly orderId: string;
  readonly owner: string;
  readonly collection: string;
  readonly leafHash: string;
  readonly index: number;
}

/** The public side of the totals: a total the small-group rule withholds is null. */
export type PublicTotals = { readonly [K in keyof SettlementTotals]: SettlementTotals[K] | null };

/** Which side(s) each total covers, for the small-group rule. */
const TOTAL_SIDES: Record<keyof SettlementTotals, readonly ('BUY' | 'SELL')[]> = {
  records: [],
  // Every total covers both sides: a clearing awards equal volumes to each, so a side's delivered energy or payment
  // is bounded by, and in a full delivery equal to, the other side's.
  awardedWh: ['BUY', 'SELL'],
  deliveredBuyWh: ['BUY', 'SELL'],
  energyPaid: ['BUY', 'SELL'],
  deliveredSellWh: ['BUY', 'SELL'],
  energyReceived: ['BUY', 'SELL'],
  shortfallWh: ['BUY', 'SELL'],
  excessWh: ['BUY', 'SELL'],
  imbalanceCharged: ['BUY', 'SELL'],
  imbalanceUnpaid: ['BUY', 'SELL'],
  missingReadings: ['BUY', 'SELL'],
  balancingCredit: ['BUY', 'SELL'],
};

/** The totals as the channel may see them, given the distinct participants per side and k. */
export function publicTotals(totals: SettlementTotals, participants: { BUY: number; SELL: number }, k: number): { totals: PublicTotals; suppressed: string[] } {
  const out: Record<string, unknown> = {};
  const suppressed: string[] = [];
  for (const name of Object.keys(TOTAL_SIDES).sort() as (keyof SettlementTotals)[]) {
    const hide = TOTAL_SIDES[name].some((side) => tooSmall(participants[side], k));
    out[name] = hide ? null : totals[name];
    if (hide) suppressed.push(name);
  }
  return { totals: out as PublicTotals, suppressed };
}

export interface SettlementSummary extends PublicTotals {
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly price: number | null;
  readonly merkleRoot: string;
  readonly recordCount: number;
  readonly readingsComplete: boolean;
  readonly balancingAccount: string;
  readonly settledAt: string;
  readonly settlementTxId: string;
  /** Distinct participants with a settled record, per side (public anyway: the awards list names their owners). */
  readonly buyParticipants: number;
  readonly sellParticipants: number;
  /** k of the small-group rule when settled, and the totals it withheld. */
  readonly minPublicGroupSize: number;
  readonly suppressed: readonly string[];
  /** Where the full summary is kept (the settling operator org's settlement collection). */
  readonly collection: string;
}

export interface SettlementCompletedEvent {
  readonly channel: string;
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: string;
  readonly merkleRoot: string;
  readonly recordCount: number;
  readonly txId: string;
}

export interface SettlementInputs {
  readonly market: MarketName;
  readonly zone: string;
  readonly interval: { id: string; endMs: number };
  readonly secretSalt: string;
  readonly imbalanceFactorPermille: number;
  /** Governance imbalanceReferencePrice (0: none): the floor of a seller's shortfall price (compute.ts). */
  readonly imbalanceReferencePrice?: number;
  readonly settlementDeadlineMs: number;
  readonly balancingAccount: string;
  /** The settling operator org's settlement collection, which keeps the full summary. */
  readonly oversightCollection: string;
  readonly minPublicGroupSize: number;
  /**
   * One meter's reading in Wh on one side (SELL: export, BUY: import), or null when none arrived. Read once per
   * meter and side; settlement allocates it across every award naming the meter (compute.ts).
   */
  readonly readingOf: (meterId: string, side: 'BUY' | 'SELL') => Promise<number | null>;
  /**
   * Who owned a meter at the interval (its start), if anyone. An award names meters its owner had when it placed the
   * order; a meter sold before the interval measures the new owner's energy, which is never the award's delivery.
   */
  readonly meterOwnerAt?: (meterId: string) => Promise<string | undefined>;
}

function summaryKey(ctx: Context, market: MarketName, zone: string, interval: string): string {
  return ctx.stub.createCompositeKey(SETTLEMENT, [market, zone, interval]);
}

export async function readSettlement(ctx: Context, market: MarketName, zone: string, interval: string): Promise<SettlementSummary | undefined> {
  return readJson<SettlementSummary>(ctx, summaryKey(ctx, market, zone, interval));
}

export async function settleInterval(ctx: Context, inputs: SettlementInputs): Promise<SettlementSummary> {
  const { market, zone } = inputs;
  const interval = inputs.interval.id;
  const now = txTimeMs(ctx);
  if (now < inputs.interval.endMs) {
    throw new RuleViolationError(`${interval} has not ended yet; settlement opens at ${new Date(inputs.interval.endMs).toISOString()}`, {
      reason: 'INTERVAL_NOT_ENDED',
    });
  }
  const key = summaryKey(ctx, market, zone, interval);
  if ((await ctx.stub.getState(key)).length > 0) {
    throw new ConflictError(`${market.toLowerCase()} ${zone} ${interval} is already settled`, { reason: 'ALREADY_SETTLED' });
  }
  const result = await readResult(ctx, market, zone, interval);
  if (!result) throw new RuleViolationError(`${market.toLowerCase()} ${zone} ${interval} has not been cleared`, { reason: 'NOT_CLEARED' });

  const ledger = new TokenLedger(ctx, inputs.secretSalt);
  const awards: PrivateAward[] = [];
  const ownerMsps = new Map<string, string>();
  const publicAwards = await listPublicAwards(ctx, market, zone, interval);
  for (const [i, award] of (await readPrivateAwards(ctx, market, zone, interval, publicAwards)).entries()) {
    if (!award) throw new RuleViolationError(`this peer holds no private award '${publicAwards[i].orderId}'`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    awards.push(award);
    ownerMsps.set(award.orderId, publicAwards[i].ownerMsp);
  }

  const submittedAt = new Map<string, number>();
  const orders = await listOrders(ctx, market, zone, interval);
  for (const order of orders) submittedAt.set(order.orderId, order.submittedAt);
  const readings = new Map<string, number | null>();
  for (const award of awards) {
    for (const meterId of award.meterIds) {
      const key = `${award.side}\u0000${meterId}`;
      if (!readings.has(key)) readings.set(key, await inputs.readingOf(meterId, award.side));
    }
  }
  // An award whose meter belonged to someone else at the interval delivered nothing through it (metered 0).
  const foreign = new Set<string>();
  if (inputs.meterOwnerAt) {
    const owners = new Map<string, string | undefined>();
    for (const award of awards) {
      for (const meterId of award.meterIds) {
        if (!owners.has(meterId)) owners.set(meterId, await inputs.meterOwnerAt(meterId));
        if (owners.get(meterId) !== award.owner) foreign.add(award.orderId);
      }
    }
  }
  // Every bid locked a positive escrow; one that is gone anyway settles against 0 rather than strand the others.
  // Sellers' offer deposits (market/deposit.ts) are escrows under the order id too; an offer without one has none.
  // Read before allocation: a seller's awards with less deposit per Wh take its meter's reading first (compute.ts).
  const escrows = new Map<string, Escrow>();
  for (const award of awards) {
    const escrow = await ledger.getEscrow(award.owner, award.orderId);
    if (escrow) escrows.set(award.orderId, escrow);
  }
  const metered = allocateMetered(
    awards
      .filter((a) => !foreign.has(a.orderId))
      .map((a) => ({
        orderId: a.orderId,
        side: a.side,
        awardedWh: a.quantityWh,
        meterIds: a.meterIds,
        submittedAt: submittedAt.get(a.orderId) ?? 0,
        ...(a.side === 'SELL' ? { deposit: escrows.get(a.orderId)?.amount ?? 0 } : {}),
      })),
    (side, meterId) => readings.get(`${side}\u0000${meterId}`) ?? null,
  );
  for (const orderId of foreign) metered.set(orderId, 0);
  const missing = [...metered.values()].filter((m) => m === null).length;
  const deadline = inputs.interval.endMs + inputs.settlementDeadlineMs;
  if (missing > 0 && now < deadline) {
    throw new RuleViolationError(`${missing} reading(s) still missing; settle when they arrive or after ${new Date(deadline).toISOString()}`, {
      reason: 'READINGS_PENDING',
      missing,
    });
  }

  // Grid fees and envelope charges (grid-charges.ts): none unless the slot had a DSO envelope or tariff.
  const grid = await gridSettlementFor(ctx, zone, interval, awards, metered);
  let computed: ReturnType<typeof computeSettlement>;
  try {
    computed = computeSettlement(
      awards.map((a) => ({
        orderId: a.orderId,
        participant: a.owner,
        side: a.side,
        price: a.price,
        awardedWh: a.quantityWh,
        ...(a.side === 'BUY'
          ? { escrow: grid ? grid.escrowFor(a.orderId, escrows.get(a.orderId)?.amount) : escrows.get(a.orderId)?.amount }
          : { deposit: escrows.get(a.orderId)?.amount }),
        meteredWh: metered.get(a.orderId) ?? null,
      })),
      inputs.imbalanceFactorPermille,
      inputs.imbalanceReferencePrice ?? 0,
    );
    if (grid) computed = grid.apply(computed);
  } catch (err) {
    if (err instanceof ClearingInputError) throw new RuleViolationError(`cannot settle ${market.toLowerCase()} ${zone} ${interval}: ${err.message}`, { reason: 'SETTLEMENT_INPUT' });
    throw err;
  }

  // Token movements: buyers' escrows close (consumed part into the pool, the rest back); sellers and the balancing
  // account are credited by blind writes, so settlement never conflicts with payments to those accounts.
  for (const record of computed.records) {
    const ref = `settlement:${market}:${zone}:${interval}:${record.orderId}`;
    const escrow = escrows.get(record.orderId);
    if (escrow) await ledger.closeEscrow(escrow, computed.escrowConsumed.get(record.orderId) ?? 0);
    if (record.side === 'SELL' && record.netCredit > 0) await ledger.credit(record.participant, record.netCredit, 'SETTLEMENT_CREDIT', ref);
  }
  if (computed.totals.balancingCredit > 0) {
    await ledger.credit(inputs.balancingAccount, computed.totals.balancingCredit, 'SETTLEMENT_CREDIT', `settlement:${market}:${zone}:${interval}:balancing`);
  }
  for (const payout of grid?.payouts() ?? []) await ledger.credit(payout.account, payout.amount, 'SETTLEMENT_CREDIT', `settlement:${market}:${zone}:${interval}:grid:${payout.account}`);
  // Green certificates move with the delivered energy, in this same transaction (certificates/settle-hook.ts).
  await bindCertificatesToSettlement(ctx, { market, zone, interval, records: computed.records, secretSalt: inputs.secretSalt });
  // Bids that won nothing kept their escrow through clearing: it returns to them now. (An offer that won nothing got
  // its deposit back at clearing, market/book.ts.)
  const awarded = new Set(awards.map((a) => a.orderId));
  for (const order of orders) {
    if (order.side === 'BUY' && order.status === 'OPEN' && !awarded.has(order.orderId)) await ledger.releaseIfHeld(order.owner, order.orderId);
  }

  const leaves: string[] = [];
  for (const [index, record] of computed.records.entries()) {
    const settled: SettledRecord = { ...record, market, zone, interval, salt: deriveSalt(inputs.secretSalt, `settlement:${record.orderId}`) };
    const leafHash = merkleLeafHash(settled);
    leaves.push(leafHash);
    const recordKey = ctx.stub.createCompositeKey(SETTLEMENT_RECORD, [market, zone, interval, record.orderId]);
    const collection = orgCollection('settlement', ownerMsps.get(record.orderId)!);
    const publicRecord: PublicSettledRecord = { orderId: record.orderId, owner: record.participant, collection, leafHash, index };
    await ctx.stub.putState(recordKey, canonicalBytes(publicRecord));
    await ctx.stub.putPrivateData(collection, recordKey, canonicalBytes(settled));
  }

  const participants = {
    BUY: new Set(awards.filter((a) => a.side === 'BUY').map((a) => a.owner)).size,
    SELL: new Set(awards.filter((a) => a.side === 'SELL').map((a) => a.owner)).size,
  };
  const shown = publicTotals(computed.totals, participants, inputs.minPublicGroupSize);
  const full: SettlementSummary = {
    ...computed.totals,
    market,
    zone,
    interval,
    price: result.price,
    merkleRoot: merkleRootOfLeaves(leaves),
    recordCount: leaves.length,
    readingsComplete: missing === 0,
    balancingAccount: inputs.balancingAccount,
    settledAt: new Date(now).toISOString(),
    settlementTxId: ctx.stub.getTxID(),
    buyParticipants: participants.BUY,
    sellParticipants: participants.SELL,
    minPublicGroupSize: inputs.minPublicGroupSize,
    suppressed: [],
    collection: inputs.oversightCollection,
  };
  const summary: SettlementSummary = { ...full, ...shown.totals, suppressed: shown.suppressed };
  await ctx.stub.putState(key, canonicalBytes(summary));
  // Salted: the block carries the SHA-256 of every private value, and the unsalted full summary's hash would confirm
  // a guess of the withheld totals (every other field is public, and the totals of a small group follow from a few).
  await ctx.stub.putPrivateData(inputs.oversightCollection, key, canonicalBytes({ ...full, ...(grid ? grid.totals() : {}), salt: deriveSalt(inputs.secretSalt, `summary:${key}`) }));
  const event: SettlementCompletedEvent = {
    channel: ctx.stub.getChannelID(),
    market,
    zone,
    interval,
    merkleRoot: summary.merkleRoot,
    recordCount: summary.recordCount,
    txId: summary.settlementTxId,
  };
  ctx.stub.setEvent(SETTLEMENT_EVENT, canonicalBytes(event));
  return summary;
}

/** The full summary (every total), for the operator and the regulator; undefined where this peer does not hold it. */
export async function readFullSettlement(ctx: Context, summary: SettlementSummary): Promise<SettlementSummary | undefined> {
  if (!summary.collection) return summary;
  return readPrivateJson<SettlementSummary>(ctx, summary.collection, summaryKey(ctx, summary.market, summary.zone, summary.interval));
}

export async function listSettledRecords(ctx: Context, market: MarketName, zone: string, interval: string): Promise<PublicSettledRecord[]> {
  const found = (await readJsonByPrefix<PublicSettledRecord>(ctx, SETTLEMENT_RECORD, [market, zone, interval])).map((entry) => entry.value);
  return found.sort((a, b) => a.index - b.index);
}

export async function readSettledRecord(ctx: Context, market: MarketName, zone: string, interval: string, orderId: string): Promise<SettledRecord | undefined> {
  const recordKey = ctx.stub.createCompositeKey(SETTLEMENT_RECORD, [market, zone, interval, orderId]);
  const record = await readJson<PublicSettledRecord>(ctx, recordKey);
  return record ? readPrivateJson<SettledRecord>(ctx, record.collection, recordKey) : undefined;
}

export interface SettlementProof {
  readonly orderId: string;
  readonly leafHash: string;
  readonly index: number;
  readonly proof: MerkleProofStep[];
  readonly merkleRoot: string;
}

/** A record's Merkle proof, built from the public leaf hashes alone. */
export async function proofFor(ctx: Context, market: MarketName, zone: string, interval: string, orderId: string): Promise<SettlementProof> {
  const summary = await readSettlement(ctx, market, zone, interval);
  if (!summary) throw new NotFoundError(`${market.toLowerCase()} ${zone} ${interval} is not settled`);
  const records = await listSettledRecords(ctx, market, zone, interval);
  const index = records.findIndex((r) => r.orderId === orderId);
  if (index < 0) throw new NotFoundError(`no settled record for order '${orderId}'`);
  const leaves = records.map((r) => r.leafHash);
  return { orderId, leafHash: leaves[index], index, proof: merkleProofOfLeaves(leaves, index), merkleRoot: summary.merkleRoot };
}
