import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { MarketDesk } from '../desk';
import { wholesaleRules } from './rules';

/**
 * The wholesale day-ahead market. Generators offer stepwise supply curves for their wholesale generator assets;
 * retailers and the DSO bid stepwise demand curves; each interval is cleared by merit order at one uniform price (the
 * same clearing function as retail: each curve block is one order). Curves for a delivery day close at noon UTC the
 * day before. Curves are private like retail orders; the market area is the whole system (zone `SYSTEM`).
 * The transactions are market/desk.ts's, under wholesale/rules.ts.
 */

export {
  WHOLESALE,
  WHOLESALE_ZONE,
  CURVE_TRANSIENT,
  MAX_CURVE_BLOCKS,
  DAY_AHEAD_GATE_MS,
  CURVE_SUBMITTED_EVENT,
  CURVE_CANCELLED_EVENT,
  WHOLESALE_CLEARED_EVENT,
  intervalArgSchema,
  curveRefSchema,
  curveSchema,
  dayAheadGateMs,
  type Curve,
} from './rules';

const wholesaleDesk = new MarketDesk(wholesaleRules);

@Info({ title: 'WholesaleMarket', description: 'Wholesale day-ahead market: merit-order clearing of supply and demand curves' })
export class WholesaleMarketContract extends Contract {
  constructor() {
    super('WholesaleMarket');
  }

  /**
   * Args {interval}; transient `curve` = {side: SUPPLY|DEMAND, assetId (SUPPLY), blocks: [{price, quantityWh}] ≤ 10,
   * salt}. SUPPLY: a GENERATOR with the named active wholesale generator asset. DEMAND: a RETAILER or the DSO; escrows
   * the curve's maximum cost. Refused once the interval is cleared, whatever the transaction's timestamp. Returns the
   * public curve record (neither the blocks nor the escrowed amount).
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SubmitCurve(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.place(ctx, argsJson);
  }

  /**
   * Args {interval, orderId}: the owner withdraws a curve before gate closure, or once the interval is abandoned (its
   * end plus the settlement deadline passed, uncleared); never once it is cleared. A demand curve's escrow returns, a
   * supply curve's quantity leaves its assets' offer totals.
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CancelCurve(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.cancel(ctx, argsJson);
  }

  /** Args {interval}; transient `salt`, optionally `orders` (ListOpenOrderBodies). Market operator only, after the day-ahead gate, once per interval. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async ClearInterval(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.clear(ctx, argsJson);
  }

  /**
   * Args {interval} → the private bodies of the interval's open orders, for the market operator to pass to ClearInterval in
   * transient `orders` (see clearOrders: it checks each against its public commitment). An evaluation on the
   * operator's own peer, which belongs to every order collection; never submitted.
   */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListOpenOrderBodies(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.openBodies(ctx, argsJson);
  }

  /** Args {interval} → the public clearing result (price, volume, order counts). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetResult(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.result(ctx, argsJson);
  }

  /** Args {interval} → public curve records (commitments, no blocks). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListCurves(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.orders(ctx, argsJson);
  }

  /** Args {interval, orderId} → {curve, details?}; details only for the owner, the operator or the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetCurve(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.order(ctx, argsJson);
  }

  /** Args {interval} → public award commitments (owner, side; no quantities). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAwards(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.awards(ctx, argsJson);
  }

  /** Args {interval, orderId} → {award, details?}. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAward(ctx: Context, argsJson: string): Promise<string> {
    return wholesaleDesk.award(ctx, argsJson);
  }
}
