import { toHttpError } from '../http/errors';
import type { Handlers, OperationContext } from '../http/operations';
import { myAwards, newSalt } from './market-support';
import { paginate } from './paging';
import { intParam } from './params';
import { checkZoneFanOut } from './zone-fan-out';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

const slot = (ctx: OperationContext) => ({ zone: String(ctx.params.zone), interval: String(ctx.params.interval) });
const withOrder = (ctx: OperationContext) => ({ ...slot(ctx), orderId: String(ctx.params.orderId) });
const settlementSlot = (ctx: OperationContext) => ({ market: 'RETAIL', ...slot(ctx) });

interface Block {
  price: number;
  quantityWh: number;
}

interface GovernanceRecord {
  config: { intervalMinutes: number; gateClosureMinutes: number };
}

/** The retail P2P segment: RetailMarket:* and, for retail intervals, Settlement:*. */
export function retailRoutes(deps: RouteDeps): Handlers {
  const read = (ctx: OperationContext, fn: string, args: unknown) => evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn, args: [args] });
  return {
    listRetailIntervals: async (ctx) => {
      const { config } = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Governance:GetConfig' })) as GovernanceRecord;
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
    listRetailResults: async (ctx) => {
      const { config } = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Governance:GetConfig' })) as GovernanceRecord;
      const zones = ctx.query.zone
        ? [String(ctx.query.zone)]
        : [...new Set(((await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:ListAssets', args: [{}] })) as { zone: string }[]).map((a) => a.zone))].sort();
      const count = intParam(ctx.query, 'count', 12);
      checkZoneFanOut(count, zones.length);
      const length = config.intervalMinutes * 60_000;
      const current = Math.floor(Date.now() / length) * length;
      const results: unknown[] = [];
      for (let i = 0; i < count; i++) {
        const interval = new Date(current - i * length).toISOString();
        for (const zone of zones) {
          try {
            results.push(await read(ctx, 'RetailMarket:GetResult', { zone, interval }));
          } catch (err) {
            if (toHttpError(err).status !== 404) throw err;
          }
        }
      }
      return { status: 200, body: paginate(results, ctx) };
    },
    placeRetailOrder: (ctx) => {
      // Everything but the slot is private: it moves from the body into the transient map.
      const { zone, interval, salt, ...order } = ctx.body as { zone: string; interval: string; salt?: string };
      return submit(deps, ctx, {
        channel: CHANNEL_ENERGY,
        fn: 'RetailMarket:PlaceOrder',
        args: [{ zone, interval }],
        transient: { order: { ...order, salt: salt ?? newSalt() } },
      });
    },
    listRetailOrders: async (ctx) => ({ status: 200, body: paginate((await read(ctx, 'RetailMarket:ListOrders', slot(ctx))) as unknown[], ctx) }),
    // A bounded number of ledger reads whatever the book holds: the market operator's view is one evaluation of every
    // open order's body; anyone else reads the orders it may see (the regulator: all; others: their own), at most
    // limits.curveOrderReads of them — past that the view is partial, as visibleOrders < totalOrders says.
    getRetailCurves: async (ctx) => {
      const me = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Participants:WhoAmI' })) as { pseudonym: string; effectiveRoles?: string[] };
      const roles = new Set(me.effectiveRoles ?? []);
      const orders = (await read(ctx, 'RetailMarket:ListOrders', slot(ctx))) as { orderId: string; status: string; owner: string }[];
      const open = orders.filter((o) => o.status === 'OPEN');
      const supply: Block[] = [];
      const demand: Block[] = [];
      let visible = 0;
      const add = (details: { side: string; blocks: Block[] }) => {
        visible++;
        const blocks = details.blocks.map((b) => ({ price: b.price, quantityWh: b.quantityWh }));
        (details.side === 'SELL' ? supply : demand).push(...blocks);
      };
      if (roles.has('MARKET_OPERATOR') && open.length) {
        const bodies = (await read(ctx, 'RetailMarket:ListOpenOrderBodies', slot(ctx))) as { side: string; blocks: Block[] }[];
        for (const body of bodies) add(body);
      } else {
        const readable = roles.has('REGULATOR') ? open : open.filter((o) => o.owner === me.pseudonym);
        for (const order of readable.slice(0, deps.gateway.limits.curveOrderReads)) {
          const view = (await read(ctx, 'RetailMarket:GetOrder', { ...slot(ctx), orderId: order.orderId })) as { details?: { side: string; blocks: Block[] } };
          if (view.details) add(view.details);
        }
      }
      supply.sort((a, b) => a.price - b.price);
      demand.sort((a, b) => b.price - a.price);
      return { status: 200, body: { supply, demand, visibleOrders: visible, totalOrders: open.length } };
    },
    getRetailOrder: async (ctx) => ({ status: 200, body: await read(ctx, 'RetailMarket:GetOrder', withOrder(ctx)) }),
    cancelRetailOrder: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'RetailMarket:CancelOrder', args: [withOrder(ctx)] }),
    // The operator's own peer holds every open order's body; handing them to the clearing saves one private read per
    // order inside the transaction (the chaincode checks each against its public commitment).
    clearRetailInterval: async (ctx) => {
      const orders = await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'RetailMarket:ListOpenOrderBodies', args: [slot(ctx)] });
      return submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'RetailMarket:ClearInterval', args: [slot(ctx)], transient: { salt: newSalt(), orders } });
    },
    getRetailResult: async (ctx) => ({ status: 200, body: await read(ctx, 'RetailMarket:GetResult', slot(ctx)) }),
    listRetailAwards: async (ctx) => ({ status: 200, body: paginate((await read(ctx, 'RetailMarket:ListAwards', slot(ctx))) as unknown[], ctx) }),
    listMyRetailAwards: async (ctx) => ({ status: 200, body: await myAwards(deps, ctx, 'RetailMarket:ListAwards', 'RetailMarket:GetAward', slot(ctx)) }),
    getRetailAward: async (ctx) => ({ status: 200, body: await read(ctx, 'RetailMarket:GetAward', withOrder(ctx)) }),
    settleRetailInterval: (ctx) =>
      submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Settlement:SettleInterval', args: [settlementSlot(ctx)], transient: { salt: newSalt() } }),
    getRetailSettlement: async (ctx) => ({ status: 200, body: await read(ctx, 'Settlement:GetSettlement', settlementSlot(ctx)) }),
    listRetailSettlementRecords: async (ctx) => ({
      status: 200,
      body: paginate((await read(ctx, 'Settlement:ListRecords', settlementSlot(ctx))) as unknown[], ctx),
    }),
    getRetailSettlementRecord: async (ctx) => ({
      status: 200,
      body: await read(ctx, 'Settlement:GetRecord', { ...settlementSlot(ctx), orderId: String(ctx.params.orderId) }),
    }),
  };
}
