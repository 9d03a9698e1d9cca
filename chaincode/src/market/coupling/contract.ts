import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../../common/canonical-json';
import { transientJson } from '../../common/transient';
import { parseJsonArg } from '../../common/validate';
import { getResidual, residualArgSchema, residualCurveSchema, residualRefSchema, RESIDUAL_TRANSIENT, submitResidual } from './residual';

export { residualArgSchema, residualCurveSchema, residualRefSchema, RESIDUAL_TRANSIENT } from './residual';

/**
 * Wholesale ↔ retail coupling: a retailer's or aggregator's net retail position of an interval (what its org's
 * households did not match in their zones' retail clearing, derived on chain) enters the wholesale market as one
 * aggregated curve. The rules are in residual.ts.
 */
@Info({ title: 'MarketCoupling', description: "A retailer's unmatched retail volume as one wholesale curve" })
export class MarketCouplingContract extends Contract {
  constructor() {
    super('MarketCoupling');
  }

  /**
   * Args {interval, zones}; transient `residual` = {blocks, salt}. A RETAILER or AGGREGATOR, after the zones' retail
   * clearing and before the interval starts and its wholesale clearing; once per retailer and interval, once per zone
   * and org. Returns the public residual record (side and the wholesale order id; no quantities).
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SubmitResidual(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(residualArgSchema, argsJson, 'residual');
    return canonicalJson(await submitResidual(ctx, args, transientJson(ctx, RESIDUAL_TRANSIENT, residualCurveSchema)));
  }

  /** Args {interval, retailer} → {residual, details?}; details (the derivation) for the retailer, the market operator and the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetResidual(ctx: Context, argsJson: string): Promise<string> {
    const { interval, retailer } = parseJsonArg(residualRefSchema, argsJson, 'residual reference');
    return canonicalJson(await getResidual(ctx, interval, retailer));
  }
}
