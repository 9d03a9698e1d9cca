import { TX } from '@obe/chaincode';
import type { Handlers, OperationContext } from '../http/operations';
import { marketRoutes } from './market-segment';
import { intParam } from './params';
import { CHANNEL_ENERGY, evaluate, zonesOf, type RouteDeps } from './support';

const slot = (ctx: OperationContext) => ({ zone: String(ctx.params.zone), interval: String(ctx.params.interval) });

interface Block {
  price: number;
  quantityWh: number;
}

/** The retail P2P segment: RetailMarket:* and, for retail intervals, Settlement:* (shared with wholesale: market-segment.ts), plus its interval listing and curves view. */
export function retailRoutes(deps: RouteDeps): Handlers {
  return {
    ...marketRoutes<{ zone: string; interval: string }>(deps, {
      market: 'RETAIL',
      name: 'Retail',
      noun: 'Order',
      placeVerb: 'place',
      slotKeys: ['zone', 'interval'],
      slotAt: (zone, interval) => ({ zone, interval }),
      zoneOf: (slot) => slot.zone,
      resultZones: zonesOf,
      resultsCount: 12,
      privateKey: 'order',
      settlementRecord: true,
      txs: {
        place: TX.RetailMarket.PlaceOrder,
        list: TX.RetailMarket.ListOrders,
        get: TX.RetailMarket.GetOrder,
        cancel: TX.RetailMarket.CancelOrder,
        openBodies: TX.RetailMarket.ListOpenOrderBodies,
        clear: TX.RetailMarket.ClearInterval,
        result: TX.RetailMarket.GetResult,
        awards: TX.RetailMarket.ListAwards,
        award: TX.RetailMarket.GetAward,
      },
    }),
    listRetailIntervals: async (ctx) => {
      const { config } = await evaluate(deps, ctx, TX.Governance.GetConfig, [], { channel: CHANNEL_ENERGY });
      const length = config.intervalMinutes * 60_000;
      const gate = config.gateClosureMinutes * 60_000;
      const now = Date.now();
      const current = Math.floor(now / length) * length;
      const count = intParam(ctx.query, 'count', 8);
      const offset = intParam(ctx.query, 'offset', 0);
      const out = [];
      for (let i = 0; i < count; i++) {
        const start = current + (offset + i) * length;
        const end = start + length;
        const phase = now < start - gate ? 'OPEN' : now < start ? 'GATE_CLOSED' : now < end ? 'DELIVERY' : 'DELIVERED';
        const iso = (ms: number) => new Date(ms).toISOString();
        out.push({ interval: iso(start), startsAt: iso(start), endsAt: iso(end), gateClosesAt: iso(start - gate), phase });
      }
      return { status: 200, body: out };
    },
    // A bounded number of ledger reads whatever the book holds: the market operator's view is one evaluation of every
    // open order's body; anyone else reads the orders it may see (the regulator: all; others: their own), at most
    // limits.curveOrderReads of them — past that the view is partial, as visibleOrders < totalOrders says.
    getRetailCurves: async (ctx) => {
      const me = await evaluate(deps, ctx, TX.Participants.WhoAmI, [], { channel: CHANNEL_ENERGY });
      const roles = new Set(me.effectiveRoles ?? []);
      const orders = await evaluate(deps, ctx, TX.RetailMarket.ListOrders, [slot(ctx)]);
      const open = orders.filter((o) => o.status === 'OPEN');
      const supply: Block[] = [];
      const demand: Block[] = [];
      let visible = 0;
      const add = (details: { side: string; blocks: readonly Block[] }) => {
        visible++;
        const blocks = details.blocks.map((b) => ({ price: b.price, quantityWh: b.quantityWh }));
        (details.side === 'SELL' ? supply : demand).push(...blocks);
      };
      if (roles.has('MARKET_OPERATOR') && open.length) {
        const bodies = await evaluate(deps, ctx, TX.RetailMarket.ListOpenOrderBodies, [slot(ctx)]);
        for (const body of bodies) add(body);
      } else {
        const readable = roles.has('REGULATOR') ? open : open.filter((o) => o.owner === me.pseudonym);
        for (const order of readable.slice(0, deps.gateway.limits.curveOrderReads)) {
          const view = await evaluate(deps, ctx, TX.RetailMarket.GetOrder, [{ ...slot(ctx), orderId: order.orderId }]);
          if (view.details) add(view.details);
        }
      }
      supply.sort((a, b) => a.price - b.price);
      demand.sort((a, b) => b.price - a.price);
      return { status: 200, body: { supply, demand, visibleOrders: visible, totalOrders: open.length } };
    },
  };
}
