import { TX, type TxArgs } from '@obe/chaincode';
import type { Handlers } from '../http/operations';
import { newSalt } from './market-support';
import { body, evaluate, params, submit, type RouteDeps } from './support';

type Query = Record<string, string | undefined>;

/**
 * The grid services segment's demand response (DemandResponse:*) and the retail residual's entry into wholesale
 * (MarketCoupling:*). Salts for the escrow and the private reports are fresh per request and go in the transient map;
 * a residual's blocks and salt leave the body for the transient map too, so the block never carries a quantity.
 */
export function demandResponseRoutes(deps: RouteDeps): Handlers {
  const salt = () => ({ salt: newSalt() });
  const eventOf = (ctx: Parameters<Handlers[string]>[0]) => ({ eventId: params<{ eventId: string }>(ctx).eventId });
  return {
    createDrProgram: (ctx) => submit(deps, ctx, TX.DemandResponse.CreateProgram, [body<TxArgs<typeof TX.DemandResponse.CreateProgram>[0]>(ctx)]),
    listDrPrograms: async (ctx) => {
      const { zone } = ctx.query as Query;
      return { status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.ListPrograms, [zone === undefined ? {} : { zone }]) };
    },
    getDrProgram: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.GetProgram, [{ programId: params<{ programId: string }>(ctx).programId }]) }),
    createDrEvent: (ctx) => submit(deps, ctx, TX.DemandResponse.CreateEvent, [body<TxArgs<typeof TX.DemandResponse.CreateEvent>[0]>(ctx)], { transient: salt() }),
    listDrEvents: async (ctx) => {
      const { programId } = ctx.query as Query;
      return { status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.ListEvents, [programId === undefined ? {} : { programId }]) };
    },
    getDrEvent: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.GetEvent, [eventOf(ctx)]) }),
    cancelDrEvent: (ctx) => submit(deps, ctx, TX.DemandResponse.CancelEvent, [eventOf(ctx)], { transient: salt() }),
    optInDrEvent: (ctx) => submit(deps, ctx, TX.DemandResponse.OptIn, [{ ...eventOf(ctx), meterId: body<{ meterId: string }>(ctx).meterId }]),
    listDrOptIns: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.ListOptIns, [eventOf(ctx)]) }),
    settleDrEvent: (ctx) => submit(deps, ctx, TX.DemandResponse.SettleEvent, [eventOf(ctx)], { transient: salt() }),
    listDrReports: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.ListReports, [eventOf(ctx)]) }),
    getDrReport: async (ctx) => {
      const { eventId, participant } = params<{ eventId: string; participant: string }>(ctx);
      return { status: 200, body: await evaluate(deps, ctx, TX.DemandResponse.GetReport, [{ eventId, participant }]) };
    },
    submitRetailResidual: (ctx) => {
      const { interval, zones, blocks, salt: given } = body<{ interval: string; zones: string[]; blocks: { price: number; quantityWh: number }[]; salt?: string }>(ctx);
      return submit(deps, ctx, TX.MarketCoupling.SubmitResidual, [{ interval, zones }], { transient: { residual: { blocks, salt: given ?? newSalt() } } });
    },
    getRetailResidual: async (ctx) => {
      const { interval, retailer } = params<{ interval: string; retailer: string }>(ctx);
      return { status: 200, body: await evaluate(deps, ctx, TX.MarketCoupling.GetResidual, [{ interval, retailer }]) };
    },
  };
}
