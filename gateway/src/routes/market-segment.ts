import type { z } from 'zod';
import { TX, records, type TxEntry } from '@obe/chaincode';
import { toHttpError } from '../http/errors';
import type { Handlers, OperationContext } from '../http/operations';
import { callerPseudonym, newSalt } from './market-support';
import { paginate } from './paging';
import { intParam } from './params';
import { checkZoneFanOut } from './zone-fan-out';
import { body, evaluate, submit, type RouteDeps } from './support';

/** A transaction of one market book, called with the book's slot (or a slot plus an order id). */
type BookTx<A, R extends z.ZodType, T extends z.ZodObject = z.ZodObject> = TxEntry<string, readonly [z.ZodType<unknown, A>], T, R>;
type Ref<S> = S & { orderId: string };

/**
 * The retail and wholesale segments' routes from one description (their operations come from
 * openapi/market-segment.ts the same way). A segment is a market book per slot — retail: zone and interval;
 * wholesale: the interval (the zone is always SYSTEM) — with the same transactions under different names.
 */
export interface MarketRoutesSpec<S extends Record<string, string>> {
  market: 'RETAIL' | 'WHOLESALE';
  /** Operation id infix and order noun, as in the OpenAPI segment: `Retail`/`Order`, `Wholesale`/`Curve`. */
  name: string;
  noun: string;
  placeVerb: string;
  /** The slot's fields, in the path and in a placing body. */
  slotKeys: readonly (keyof S & string)[];
  slotAt(zone: string, interval: string): S;
  zoneOf(slot: S): string;
  /** The zones a results listing covers. */
  resultZones(deps: RouteDeps, ctx: OperationContext): Promise<string[]>;
  resultsCount: number;
  /** The transient key of the private order body: `order`, `curve`. */
  privateKey: string;
  /** Whether one settled record can be read through this segment (as in its OpenAPI operations). */
  settlementRecord: boolean;
  txs: {
    place: BookTx<S, typeof records.publicOrderRecord>;
    list: BookTx<S, z.ZodArray<typeof records.publicOrderRecord>>;
    get: BookTx<Ref<S>, z.ZodType>;
    cancel: BookTx<Ref<S>, typeof records.publicOrderRecord>;
    openBodies: BookTx<S, z.ZodArray<typeof records.privateOrderRecord>>;
    clear: BookTx<S, typeof records.marketResultRecord>;
    result: BookTx<S, typeof records.marketResultRecord>;
    awards: BookTx<S, z.ZodArray<typeof records.publicAwardRecord>>;
    award: BookTx<Ref<S>, typeof records.awardView>;
  };
}

export function marketRoutes<S extends Record<string, string>>(deps: RouteDeps, m: MarketRoutesSpec<S>): Handlers {
  const pick = (from: Record<string, unknown>): S => Object.fromEntries(m.slotKeys.map((k) => [k, String(from[k])])) as S;
  const slot = (ctx: OperationContext): S => pick(ctx.params);
  const withOrder = (ctx: OperationContext): Ref<S> => ({ ...slot(ctx), orderId: String(ctx.params.orderId) });
  const settlementSlot = (ctx: OperationContext) => {
    const s = slot(ctx);
    return { market: m.market, zone: m.zoneOf(s), interval: String(ctx.params.interval) };
  };
  const page = async <R>(ctx: OperationContext, items: Promise<R[]>) => ({ status: 200, body: paginate(await items, ctx) });
  const one = async (ctx: OperationContext, answer: Promise<unknown>) => ({ status: 200, body: await answer });
  const orders = `${m.name}${m.noun}s`;

  const handlers: Handlers = {
    [`list${m.name}Results`]: async (ctx) => {
      const { config } = await evaluate(deps, ctx, TX.Governance.GetConfig, [], { channel: 'energy' });
      const zones = await m.resultZones(deps, ctx);
      const count = intParam(ctx.query, 'count', m.resultsCount);
      checkZoneFanOut(count, zones.length);
      const length = config.intervalMinutes * 60_000;
      const newest = (Math.floor(Date.now() / length) + intParam(ctx.query, 'offset', 0)) * length;
      const results: z.output<typeof records.marketResultRecord>[] = [];
      for (let i = 0; i < count; i++) {
        const interval = new Date(newest - i * length).toISOString();
        for (const zone of zones) {
          try {
            results.push(await evaluate(deps, ctx, m.txs.result, [m.slotAt(zone, interval)]));
          } catch (err) {
            if (toHttpError(err).status !== 404) throw err;
          }
        }
      }
      return { status: 200, body: paginate(results, ctx) };
    },
    // Everything but the slot is private: it moves from the body into the transient map.
    [`${m.placeVerb}${m.name}${m.noun}`]: (ctx) => {
      const { salt, ...fields } = body<Record<string, unknown> & { salt?: string }>(ctx);
      const privatePart = Object.fromEntries(Object.entries(fields).filter(([k]) => !m.slotKeys.includes(k as keyof S & string)));
      return submit(deps, ctx, m.txs.place, [pick(fields)], { transient: { [m.privateKey]: { ...privatePart, salt: salt ?? newSalt() } } });
    },
    [`list${orders}`]: (ctx) => page(ctx, evaluate(deps, ctx, m.txs.list, [slot(ctx)])),
    [`get${m.name}${m.noun}`]: (ctx) => one(ctx, evaluate(deps, ctx, m.txs.get, [withOrder(ctx)])),
    [`cancel${m.name}${m.noun}`]: (ctx) => submit(deps, ctx, m.txs.cancel, [withOrder(ctx)]),
    // The operator's own peer holds every open order's body; handing them to the clearing saves one private read per
    // order inside the transaction (the chaincode checks each against its public commitment).
    [`clear${m.name}Interval`]: async (ctx) => {
      const bodies = await evaluate(deps, ctx, m.txs.openBodies, [slot(ctx)]);
      return submit(deps, ctx, m.txs.clear, [slot(ctx)], { transient: { salt: newSalt(), orders: bodies } });
    },
    [`get${m.name}Result`]: (ctx) => one(ctx, evaluate(deps, ctx, m.txs.result, [slot(ctx)])),
    [`list${m.name}Awards`]: (ctx) => page(ctx, evaluate(deps, ctx, m.txs.awards, [slot(ctx)])),
    // The caller's awards of one slot, each with the details the chaincode shows its owner.
    [`listMy${m.name}Awards`]: async (ctx) => {
      const me = await callerPseudonym(deps, ctx);
      const mine = (await evaluate(deps, ctx, m.txs.awards, [slot(ctx)])).filter((a) => a.owner === me);
      const out: z.output<typeof records.awardView>[] = [];
      for (const award of mine) out.push(await evaluate(deps, ctx, m.txs.award, [{ ...slot(ctx), orderId: award.orderId }]));
      return { status: 200, body: out };
    },
    [`get${m.name}Award`]: (ctx) => one(ctx, evaluate(deps, ctx, m.txs.award, [withOrder(ctx)])),
    [`settle${m.name}Interval`]: (ctx) => submit(deps, ctx, TX.Settlement.SettleInterval, [settlementSlot(ctx)], { transient: { salt: newSalt() } }),
    [`get${m.name}Settlement`]: (ctx) => one(ctx, evaluate(deps, ctx, TX.Settlement.GetSettlement, [settlementSlot(ctx)])),
    [`list${m.name}SettlementRecords`]: (ctx) => page(ctx, evaluate(deps, ctx, TX.Settlement.ListRecords, [settlementSlot(ctx)])),
  };
  if (m.settlementRecord) {
    handlers[`get${m.name}SettlementRecord`] = (ctx) =>
      one(ctx, evaluate(deps, ctx, TX.Settlement.GetRecord, [{ ...settlementSlot(ctx), orderId: String(ctx.params.orderId) }]));
  }
  return handlers;
}
