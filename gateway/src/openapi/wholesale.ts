import { TX } from '@obe/chaincode';
import { int, type OperationSpec } from './builder';
import { bodyOf } from './catalogue';
import { intervalParam, saltField } from './market';
import { marketSegmentOperations } from './market-segment';

export const wholesaleBase = '/api/v1/wholesale/intervals/{interval}';
const wslot = { interval: intervalParam };

export const wholesaleOperations: OperationSpec[] = marketSegmentOperations({
  tag: 'wholesale',
  name: 'Wholesale',
  noun: 'Curve',
  placeVerb: 'submit',
  base: wholesaleBase,
  slot: wslot,
  placePath: '/api/v1/wholesale/curves',
  // The interval is the argument; the curve itself is transient `curve`.
  placeBody: bodyOf(TX.WholesaleMarket.SubmitCurve.transient.shape.curve, {
    extend: { properties: wslot, required: ['interval'] },
    optional: ['salt'],
    descriptions: {
      assetId: 'SUPPLY only: your active wholesale generator asset',
      meterId: 'SUPPLY only, optional: the meter settling the curve (default: the generator’s own readings)',
      salt: saltField.description,
    },
  }),
  txs: {
    place: TX.WholesaleMarket.SubmitCurve,
    list: TX.WholesaleMarket.ListCurves,
    get: TX.WholesaleMarket.GetCurve,
    cancel: TX.WholesaleMarket.CancelCurve,
    clear: TX.WholesaleMarket.ClearInterval,
    result: TX.WholesaleMarket.GetResult,
    awards: TX.WholesaleMarket.ListAwards,
    award: TX.WholesaleMarket.GetAward,
  },
  results: {
    summary: 'Clearing results of recent delivery intervals (system price and volume, for charts), newest first',
    query: {
      count: { schema: int({ minimum: 1, maximum: 192, default: 96 }), description: 'How many intervals back from the current one' },
      offset: { schema: int({ minimum: -192, maximum: 192, default: 0 }), description: 'Shift of the newest interval from the current one (positive: ahead)' },
    },
  },
  settlementRecord: false,
  text: {
    place: 'Submit a day-ahead supply curve (generator, for its generator asset) or demand curve (retailer or DSO)',
    placeDescription:
      'Blocks are private and travel in the transient map; a supply curve’s prices rise, a demand curve’s fall; at most 10 blocks. ' +
      'Curves for a delivery day close at noon UTC the day before. A demand curve escrows its maximum cost.',
    list: 'Public curve records of an interval (commitments only)',
    get: 'One curve; `details` (blocks) only for its owner, the market operator and the regulator',
    cancel: 'Withdraw your curve before the day-ahead gate',
    clear: 'Merit-order clearing after the day-ahead gate (market operator; once)',
    result: 'Public clearing result (system price and volume)',
    awards: 'Public award commitments',
    myAwards: "The caller's own awards with details",
    settle: 'Settle a cleared wholesale interval (market operator; after delivery)',
    records: 'Public leaf hashes of the settled records',
  },
});
