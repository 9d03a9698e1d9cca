import { toHttpError } from '../http/errors';
import type { Handlers, OperationContext } from '../http/operations';
import { myAwards, newSalt } from './market-support';
import { paginate } from './paging';
import { intParam } from './params';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

const slot = (ctx: OperationContext) => ({ interval: String(ctx.params.interval) });
const withOrder = (ctx: OperationContext) => ({ ...slot(ctx), orderId: String(ctx.params.orderId) });
const settlementSlot = (ctx: OperationContext) => ({ market: 'WHOLESALE', zone: 'SYSTEM', ...slot(ctx) });

/** The wholesale day-ahead segment: WholesaleMarket:* and, for wholesale intervals, Settlement:*. */
export function wholesaleRoutes(deps: RouteDeps): Handlers {
  const read = (ctx: OperationContext, fn: string, args: unknown) => evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn, args: [args] });
  return {
    listWholesaleResults: async (ctx) => {
      const { config } = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Governance:GetConfig' })) as { config: { intervalMinutes: number } };
      const length = config.intervalMinutes * 60_000;
      const count = intParam(ctx.query, 'count', 96);
      const newest = (Math.floor(Date.now() / length) + intParam(ctx.query, 'offset', 0)) * length;
      const results: unknown[] = [];
      for (let i = 0; i < count; i++) {
        try {
          results.push(await read(ctx, 'WholesaleMarket:GetResult', { interval: new Date(newest - i * length).toISOString() }));
        } catch (err) {
          if (toHttpError(err).status !== 404) throw err;
        }
      }
      return { status: 200, body: paginate(results, ctx) };
    },
    submitWholesaleCurve: (ctx) => {
      // The curve is private: everything but the interval moves from the body into the transient map.
      const { interval, salt, ...curve } = ctx.body as { interval: string; salt?: string };
      return submit(deps, ctx, {
        channel: CHANNEL_ENERGY,
        fn: 'WholesaleMarket:SubmitCurve',
        args: [{ interval }],
        transient: { curve: { ...curve, salt: salt ?? newSalt() } },
      });
    },
    listWholesaleCurves: async (ctx) => ({ status: 200, body: paginate((await read(ctx, 'WholesaleMarket:ListCurves', slot(ctx))) as unknown[], ctx) }),
    getWholesaleCurve: async (ctx) => ({ status: 200, body: await read(ctx, 'WholesaleMarket:GetCurve', withOrder(ctx)) }),
    cancelWholesaleCurve: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'WholesaleMarket:CancelCurve', args: [withOrder(ctx)] }),
    // As in the retail market: the operator's peer supplies the open curves' bodies, checked by the chaincode.
    clearWholesaleInterval: async (ctx) => {
      const orders = await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'WholesaleMarket:ListOpenOrderBodies', args: [slot(ctx)] });
      return submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'WholesaleMarket:ClearInterval', args: [slot(ctx)], transient: { salt: newSalt(), orders } });
    },
    getWholesaleResult: async (ctx) => ({ status: 200, body: await read(ctx, 'WholesaleMarket:GetResult', slot(ctx)) }),
    listWholesaleAwards: async (ctx) => ({ status: 200, body: paginate((await read(ctx, 'WholesaleMarket:ListAwards', slot(ctx))) as unknown[], ctx) }),
    listMyWholesaleAwards: async (ctx) => ({
      status: 200,
      body: await myAwards(deps, ctx, 'WholesaleMarket:ListAwards', 'WholesaleMarket:GetAward', slot(ctx)),
    }),
    getWholesaleAward: async (ctx) => ({ status: 200, body: await read(ctx, 'WholesaleMarket:GetAward', withOrder(ctx)) }),
    settleWholesaleInterval: (ctx) =>
      submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Settlement:SettleInterval', args: [settlementSlot(ctx)], transient: { salt: newSalt() } }),
    getWholesaleSettlement: async (ctx) => ({ status: 200, body: await read(ctx, 'Settlement:GetSettlement', settlementSlot(ctx)) }),
    listWholesaleSettlementRecords: async (ctx) => ({
      status: 200,
      body: paginate((await read(ctx, 'Settlement:ListRecords', settlementSlot(ctx))) as unknown[], ctx),
    }),
  };
}
