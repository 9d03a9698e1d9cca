import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { MarketDesk } from '../desk';
import { retailRules } from './rules';

/**
 * The retail P2P market: per zone and delivery interval, prosumers sell surplus to neighbours in a periodic double
 * auction. Prices and quantities travel in the transient map and are stored only in the submitting org's `orders_*`
 * collection; the channel sees a salted commitment, the owner's pseudonym and the side (and, through the token
 * ledger's escrow, a bid's maximum cost). The transactions are market/desk.ts's, under retail/rules.ts.
 */

export {
  RETAIL,
  ORDER_TRANSIENT,
  ORDER_PLACED_EVENT,
  ORDER_CANCELLED_EVENT,
  MARKET_CLEARED_EVENT,
  slotSchema,
  orderRefSchema,
  retailOrderSchema,
  type RetailOrder,
} from './rules';

const retailDesk = new MarketDesk(retailRules);

@Info({ title: 'RetailMarket', description: 'Retail P2P double auction per zone and delivery interval' })
export class RetailMarketContract extends Contract {
  constructor() {
    super('RetailMarket');
  }

  /**
   * Args {zone, interval}; transient `order` = {side, price, quantityWh, assetId (SELL), meterId, salt}. A SELL names
   * the caller's active generating or storage asset in the zone, both sides the caller's active meter there; a BUY
   * escrows price × quantity. Refused once the interval is cleared, whatever the transaction's timestamp.
   * Returns the public order record (neither the private body nor the escrowed amount).
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async PlaceOrder(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.place(ctx, argsJson);
  }

  /**
   * Args {zone, interval, orderId}: the owner withdraws an open order before gate closure, or once the interval is
   * abandoned (its end plus the settlement deadline passed, uncleared); never once the interval is cleared. A bid's
   * escrow returns, a sell order's quantity leaves its assets' offer totals.
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CancelOrder(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.cancel(ctx, argsJson);
  }

  /** Args {zone, interval}; transient `salt`, optionally `orders` (ListOpenOrderBodies). Market operator only, after gate closure, once. Returns the public result. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async ClearInterval(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.clear(ctx, argsJson);
  }

  /**
   * Args {zone, interval} → the private bodies of the interval's open orders, for the market operator to pass to ClearInterval in
   * transient `orders` (see clearOrders: it checks each against its public commitment). An evaluation on the
   * operator's own peer, which belongs to every order collection; never submitted.
   */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOpenOrderBodies(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.openBodies(ctx, argsJson);
  }

  /** Args {zone, interval} → the public clearing result (price, volume, order counts). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetResult(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.result(ctx, argsJson);
  }

  /** Args {zone, interval} → public order records (commitments, no prices or quantities). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOrders(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.orders(ctx, argsJson);
  }

  /** Args {zone, interval, orderId} → {order, details?}; details only for the owner, the operator or the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetOrder(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.order(ctx, argsJson);
  }

  /** Args {zone, interval} → public award commitments (owner, side; no quantities). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAwards(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.awards(ctx, argsJson);
  }

  /** Args {zone, interval, orderId} → {award, details?}; details only for the owner, the operator or the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAward(ctx: Context, argsJson: string): Promise<string> {
    return retailDesk.award(ctx, argsJson);
  }
}
