import type { Context } from 'fabric-contract-api';
import type { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { NotFoundError } from '../common/errors';
import { orgCollection } from '../common/keys';
import { withOversightDetails, withPrivateDetails } from '../common/private-details';
import type { ParticipantRole } from '../common/roles';
import { txTimeMs } from '../common/tx-time';
import { transientJson, transientSalt } from '../common/transient';
import { parseJsonArg } from '../common/validate';
import { intervalMs, type GovernanceConfig } from '../governance/config';
import { getConfig } from '../governance/store';
import { participantOrNone, requireParticipant, requireRole } from '../participants/authorize';
import type { ActingParticipant } from '../participants/participant';
import {
  cancelOrder,
  clearOrders,
  listOrders,
  listPublicAwards,
  openOrderBodies,
  orderKey,
  placeOrder,
  readFullResult,
  readPrivateAward,
  readPublicAward,
  readPublicOrder,
  readResult,
  suppliedOrders,
  type MarketName,
  type PriceBlock,
} from './book';
import type { Side } from './clearing';
import type { Eligibility } from './eligibility';
import type { GridClearing } from './grid-constraints';
import { parseInterval, type DeliveryInterval } from './interval';
import { checkPrices, gateClosed, gateOpen, mayWithdraw } from './rules';
import { offerDepositPolicy } from './deposit';

/**
 * One market, parameterised by its rules: the retail P2P auction (market/retail) and the wholesale day-ahead market
 * (market/wholesale) are both a MarketDesk over the same book (market/book.ts) and clearing (market/clearing.ts).
 * What differs between them is only what MarketRules says: which slot an argument names (the zone rule), when its gate
 * closes (the gate rule), what an order is and how it becomes price blocks (the block rule), who may buy or sell and
 * with what assets (the eligibility rule), and the words of its events and messages. The contracts
 * (retail/contract.ts, wholesale/contract.ts) keep their own transaction names and decorators and call a desk.
 */

/** A slot argument: the market's interval and, where the market has zones, the zone. */
export interface SlotArgs {
  readonly zone?: string;
  readonly interval: string;
}

export interface RefArgs extends SlotArgs {
  readonly orderId: string;
}

export interface Slot {
  readonly zone: string;
  readonly interval: DeliveryInterval;
  readonly gateMs: number;
  readonly config: GovernanceConfig;
}

/** An order as the book takes it: its side and its price blocks (one for a retail order, a curve's steps wholesale). */
export interface BookOrder {
  readonly side: Side;
  readonly blocks: readonly PriceBlock[];
  readonly salt: string;
}

export interface MarketRules<Order> {
  readonly market: MarketName;
  /** Slot argument {zone?, interval} and order reference {zone?, interval, orderId}, as the contract declares them. */
  readonly slotSchema: z.ZodType<SlotArgs>;
  readonly refSchema: z.ZodType<RefArgs>;
  /** How an order reference is named in errors ('order reference', 'curve reference'). */
  readonly refLabel: string;
  /** The zone rule: the zone a slot argument trades in (retail: the named zone; wholesale: the whole system). */
  zoneOf(args: SlotArgs): string;
  /** The gate rule: when orders for an interval starting at `startMs` stop being accepted. */
  gateMs(startMs: number, config: GovernanceConfig): number;
  /** The order in the transient map (never an argument) and its schema. */
  readonly orderTransient: string;
  readonly orderSchema: z.ZodType<Order>;
  /** The block rule: the order as a side and price blocks. */
  toBook(order: Order): BookOrder;
  /** Who may buy and who may sell. */
  readonly roles: Readonly<Record<Side, readonly ParticipantRole[]>>;
  /** What the caller may offer or bid with: its meters and assets, checked against the registry. */
  eligibility(ctx: Context, caller: ActingParticipant, zone: string, order: Order, config: GovernanceConfig): Promise<Eligibility>;
  /** Event names and whether their payload names the zone. */
  readonly events: { readonly placed: string; readonly cancelled: string; readonly cleared: string; readonly withZone: boolean };
  /** The words of messages: an order ('order', 'curve'), orders being placed ('orders', 'day-ahead curves') and cancelled ('orders', 'curves'). */
  readonly words: { readonly order: string; readonly placing: string; readonly cancelling: string };
  /** The market and slot as messages name them ('retail zone-1 <interval>', 'wholesale <interval>'). */
  where(zone: string, intervalId: string): string;
  /**
   * The grid rule (retail): the DSO's envelopes and tariff for the slot, if any, with each meter's feeder as it was
   * attached when the gate closed at `gateMs` (market/grid-constraints.ts).
   */
  grid?(ctx: Context, zone: string, intervalId: string, gateMs: number): Promise<GridClearing | undefined>;
  /**
   * The deposit rule (retail): sell orders lock governance's offer deposit (market/deposit.ts). Wholesale sellers are
   * GENERATOR participants admitted by their org, not open admission, and post none.
   */
  readonly offerDeposit?: boolean;
}

/** The nine transactions of a market, each taking the contract's JSON argument and returning its JSON answer. */
export class MarketDesk<Order> {
  constructor(private readonly rules: MarketRules<Order>) {}

  private async slot(ctx: Context, args: SlotArgs): Promise<Slot> {
    const config = await getConfig(ctx);
    const interval = parseInterval(args.interval, intervalMs(config));
    return { zone: this.rules.zoneOf(args), interval, gateMs: this.rules.gateMs(interval.startMs, config), config };
  }

  private slotArg(ctx: Context, argsJson: string): Promise<Slot> {
    return this.slot(ctx, parseJsonArg(this.rules.slotSchema, argsJson, 'interval reference'));
  }

  private async refArg(ctx: Context, argsJson: string): Promise<Slot & { orderId: string }> {
    const ref = parseJsonArg(this.rules.refSchema, argsJson, this.rules.refLabel);
    return { ...(await this.slot(ctx, ref)), orderId: ref.orderId };
  }

  private event(ctx: Context, name: string, zone: string, interval: string, orderId: string): void {
    const { market, events } = this.rules;
    const payload = events.withZone ? { market, zone, interval, orderId } : { market, interval, orderId };
    ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload)));
  }

  /** Places an order before gate closure; a bid escrows its maximum cost. Returns the public order record. */
  async place(ctx: Context, argsJson: string): Promise<string> {
    const { market, roles } = this.rules;
    const { zone, interval, gateMs, config } = await this.slotArg(ctx, argsJson);
    const order = transientJson(ctx, this.rules.orderTransient, this.rules.orderSchema);
    if (txTimeMs(ctx) >= gateMs) throw gateClosed(`${this.rules.words.placing} for ${interval.id} are no longer accepted`, gateMs);
    const { side, blocks, salt } = this.rules.toBook(order);
    checkPrices(config, blocks, side);
    const caller = await requireRole(ctx, ...roles[side]);
    const eligible = await this.rules.eligibility(ctx, caller, zone, order, config);
    const placed = await placeOrder(ctx, {
      market,
      zone,
      interval: interval.id,
      owner: caller.pseudonym,
      ownerMsp: caller.mspId,
      side,
      blocks,
      meterIds: eligible.meterIds,
      assetId: eligible.assetId,
      salt,
    }, eligible.limits, this.rules.offerDeposit ? offerDepositPolicy(config) : undefined);
    this.event(ctx, this.rules.events.placed, zone, interval.id, placed.orderId);
    return canonicalJson(placed);
  }

  /** The owner withdraws an open order before gate closure or once the interval is abandoned uncleared. */
  async cancel(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval, gateMs, config, orderId } = await this.refArg(ctx, argsJson);
    if (!mayWithdraw(txTimeMs(ctx), gateMs, interval, config)) {
      throw gateClosed(`${this.rules.words.cancelling} for ${interval.id} can no longer be cancelled (until it is abandoned uncleared)`, gateMs);
    }
    const caller = await requireParticipant(ctx);
    const cancelled = await cancelOrder(ctx, this.rules.market, zone, interval.id, orderId, caller.pseudonym);
    this.event(ctx, this.rules.events.cancelled, zone, interval.id, orderId);
    return canonicalJson(cancelled);
  }

  /** The market operator clears the slot once, after gate closure. Returns the public result. */
  async clear(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval, gateMs, config } = await this.slotArg(ctx, argsJson);
    const salt = transientSalt(ctx);
    const operator = await requireRole(ctx, 'MARKET_OPERATOR');
    if (txTimeMs(ctx) < gateMs) throw gateOpen(gateMs);
    const grid = await this.rules.grid?.(ctx, zone, interval.id, gateMs);
    const { result } = await clearOrders(ctx, this.rules.market, zone, interval.id, salt, suppliedOrders(ctx), {
      collection: orgCollection('settlement', operator.mspId),
      minPublicGroupSize: config.minPublicGroupSize,
    }, grid);
    ctx.stub.setEvent(this.rules.events.cleared, Buffer.from(canonicalJson(result)));
    return canonicalJson(result);
  }

  /** The open orders' private bodies, for the market operator to pass to the clearing. */
  async openBodies(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await this.slotArg(ctx, argsJson);
    await requireRole(ctx, 'MARKET_OPERATOR');
    return canonicalJson(await openOrderBodies(ctx, this.rules.market, zone, interval.id));
  }

  /** The public clearing result, with its private totals for the market operator and the regulator. */
  async result(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await this.slotArg(ctx, argsJson);
    const result = await readResult(ctx, this.rules.market, zone, interval.id);
    if (!result) throw new NotFoundError(`${this.rules.where(zone, interval.id)} has not been cleared`);
    return canonicalJson(await withOversightDetails(await participantOrNone(ctx), result, () => readFullResult(ctx, result)));
  }

  /** Public order records (commitments, no prices or quantities). */
  async orders(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await this.slotArg(ctx, argsJson);
    return canonicalJson(await listOrders(ctx, this.rules.market, zone, interval.id));
  }

  /** {<order word>: record, details?}: details only for the owner, the market operator and the regulator. */
  async order(ctx: Context, argsJson: string): Promise<string> {
    const { market } = this.rules;
    const { zone, interval, orderId } = await this.refArg(ctx, argsJson);
    const caller = await requireParticipant(ctx);
    const order = await readPublicOrder(ctx, market, zone, interval.id, orderId);
    return canonicalJson(await withPrivateDetails(ctx, caller, this.rules.words.order, order, orderKey(ctx, market, zone, interval.id, orderId)));
  }

  /** Public award commitments (owner, side; no quantities). */
  async awards(ctx: Context, argsJson: string): Promise<string> {
    const { zone, interval } = await this.slotArg(ctx, argsJson);
    return canonicalJson(await listPublicAwards(ctx, this.rules.market, zone, interval.id));
  }

  /** {award, details?}: details only for the owner, the market operator and the regulator. */
  async award(ctx: Context, argsJson: string): Promise<string> {
    const { market } = this.rules;
    const { zone, interval, orderId } = await this.refArg(ctx, argsJson);
    const caller = await requireParticipant(ctx);
    const award = await readPublicAward(ctx, market, zone, interval.id, orderId);
    if (!award) throw new NotFoundError(`${this.rules.words.order} '${orderId}' has no award in ${this.rules.where(zone, interval.id)}`);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'award', award, () => readPrivateAward(ctx, market, zone, interval.id, award)));
  }
}
