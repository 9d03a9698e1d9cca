import { TX } from '@obe/chaincode';
import { arr, int, obj, ref, type OperationSpec } from './builder';
import { bodyOf } from './catalogue';
import { intervalParam, saltField, zoneParam } from './market';
import { marketSegmentOperations } from './market-segment';
import { MAX_ZONE_INTERVALS } from './schemas';

const slot = { interval: intervalParam, zone: zoneParam };
const base = '/api/v1/retail/intervals/{interval}/zones/{zone}';

export const retailOperations: OperationSpec[] = [
  {
    operationId: 'listRetailIntervals',
    method: 'get',
    path: '/api/v1/retail/intervals',
    tag: 'retail',
    summary: 'Delivery intervals around now with their gate closure and phase (from governance)',
    query: {
      count: { schema: int({ minimum: 1, maximum: 96, default: 8 }), description: 'How many intervals, starting with the current one' },
      offset: { schema: int({ minimum: -96, maximum: 96, default: 0 }), description: 'Shift from the current interval (negative: past intervals)' },
    },
    response: arr(ref('IntervalInfo')),
    errors: [404],
  },
  ...marketSegmentOperations({
    tag: 'retail',
    name: 'Retail',
    noun: 'Order',
    placeVerb: 'place',
    base,
    slot,
    placePath: '/api/v1/retail/orders',
    // The public slot is the argument; everything else is the private order of transient `order`.
    placeBody: bodyOf(TX.RetailMarket.PlaceOrder.transient.shape.order, {
      extend: { properties: slot, required: ['zone', 'interval'] },
      optional: ['salt'],
      descriptions: {
        price: 'Limit price per kWh (a BUY at least 1)',
        assetId: 'SELL only: your active pv/wind/battery/generator asset in the zone',
        meterId: 'Your active meter in the zone whose readings settle the order',
        salt: saltField.description,
      },
    }),
    txs: {
      place: TX.RetailMarket.PlaceOrder,
      list: TX.RetailMarket.ListOrders,
      get: TX.RetailMarket.GetOrder,
      cancel: TX.RetailMarket.CancelOrder,
      clear: TX.RetailMarket.ClearInterval,
      result: TX.RetailMarket.GetResult,
      awards: TX.RetailMarket.ListAwards,
      award: TX.RetailMarket.GetAward,
    },
    results: {
      summary: 'Clearing results of recent intervals (for price and volume charts), newest first',
      description:
        'Zones default to every zone with a registered asset; intervals not (yet) cleared are left out. ' +
        `Each zone of each interval is one ledger read, so count × zones may be at most ${MAX_ZONE_INTERVALS}; a larger request is a 400.`,
      query: {
        zone: { schema: zoneParam },
        count: { schema: int({ minimum: 1, maximum: 96, default: 12 }), description: 'How many intervals back from the current one' },
      },
    },
    settlementRecord: true,
    text: {
      place: 'Place a P2P order (prosumers sell, prosumers and consumers buy) before gate closure',
      placeDescription:
        'Price and quantity are private: the gateway moves them (with the salt) into the transient map; the channel stores a salted commitment. ' +
        'A SELL names an active generating or storage asset of the caller in the zone, every order an active meter there; a BUY escrows price × quantity. ' +
        'A SELL locks governance’s offer deposit for the Wh it adds to its meter’s offers of the interval beyond offerDepositFreeWh (422 INSUFFICIENT_FUNDS when the balance cannot cover it; docs/markets.md#offer-deposits-and-the-reference-price).',
      list: 'Public order records of an interval and zone (commitments; no prices or quantities)',
      get: 'One order; `details` (price, quantity) only for its owner, the market operator and the regulator',
      cancel: 'Withdraw your open order before gate closure (a bid’s escrow or an offer’s deposit returns)',
      clear: 'Clear the zone’s double auction after gate closure (market operator; once)',
      result: 'Public clearing result: uniform price, volume, order counts',
      awards: 'Public award commitments (owner, side; no quantities)',
      myAwards: "The caller's own awards with their private details",
      settle: 'Settle the cleared interval against metered delivery (market operator; after delivery)',
      settleDescription: 'Moves tokens, writes Merkle-committed settled records and emits SettlementCompleted, which the audit relay anchors on the audit channel.',
      records: 'Public leaf hashes of the settled records, in Merkle order',
    },
  }),
  {
    operationId: 'getRetailCurves',
    method: 'get',
    path: `${base}/curves`,
    tag: 'retail',
    summary: 'Supply and demand curves of the interval, built from the order details the caller may see',
    description:
      'Supply: sell blocks by ascending price; demand: buy blocks by descending price. The market operator and the regulator see every order; ' +
      'anyone else only their own, so `visibleOrders` < `totalOrders` tells the view is partial.',
    pathParams: slot,
    response: obj({
      supply: arr(obj({ price: int(), quantityWh: int() })),
      demand: arr(obj({ price: int(), quantityWh: int() })),
      visibleOrders: int({ minimum: 0 }),
      totalOrders: int({ minimum: 0 }),
    }),
  },
];
