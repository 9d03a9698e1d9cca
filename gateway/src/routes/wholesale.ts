import { TX } from '@obe/chaincode';
import type { Handlers } from '../http/operations';
import { marketRoutes } from './market-segment';
import type { RouteDeps } from './support';

const SYSTEM = 'SYSTEM';

/** The wholesale day-ahead segment: WholesaleMarket:* and, for wholesale intervals, Settlement:* (zone SYSTEM). */
export function wholesaleRoutes(deps: RouteDeps): Handlers {
  return marketRoutes<{ interval: string }>(deps, {
    market: 'WHOLESALE',
    name: 'Wholesale',
    noun: 'Curve',
    placeVerb: 'submit',
    slotKeys: ['interval'],
    slotAt: (_zone, interval) => ({ interval }),
    zoneOf: () => SYSTEM,
    resultZones: async () => [SYSTEM],
    resultsCount: 96,
    privateKey: 'curve',
    settlementRecord: false,
    txs: {
      place: TX.WholesaleMarket.SubmitCurve,
      list: TX.WholesaleMarket.ListCurves,
      get: TX.WholesaleMarket.GetCurve,
      cancel: TX.WholesaleMarket.CancelCurve,
      openBodies: TX.WholesaleMarket.ListOpenOrderBodies,
      clear: TX.WholesaleMarket.ClearInterval,
      result: TX.WholesaleMarket.GetResult,
      awards: TX.WholesaleMarket.ListAwards,
      award: TX.WholesaleMarket.GetAward,
    },
  });
}
