import { TX, type TxArgs } from '@obe/chaincode';
import type { Handlers } from '../http/operations';
import type { LedgerEvent } from '../ledger/port';
import { decodeResult } from '../submits/submit-service';
import { SIGNAL_EVENT } from '../openapi/grid';
import { serveEventStream, type StreamMessage } from './events';
import { body, CHANNEL_ENERGY, evaluate, params, submit, type RouteDeps } from './support';

type Query = Record<string, string | undefined>;

/** The chaincode events a price signal is made of (Grid:PublishTariffs/PublishEnvelopes, RetailMarket:ClearInterval). */
const GRID_SIGNAL = 'GridSignal';
const MARKET_CLEARED = 'MarketCleared';

interface SignalEntry {
  readonly zone: string;
  readonly interval: string;
  readonly [field: string]: unknown;
}

/**
 * The price signals one ledger event carries, in the documented format (docs/grid.md#price-signals): version 1, kind
 * TARIFF / ENVELOPE (one per published entry) or PRICE (a retail clearing: its price, the fee per kWh in force, the
 * binding limits). Signals of other zones, and every other event, give none.
 */
export function priceSignals(event: Pick<LedgerEvent, 'name' | 'payload' | 'txId' | 'blockNumber'>, zone: string | undefined, feeOf: (zone: string, interval: string) => number | null): StreamMessage[] {
  const payload = decodeResult(event.payload) as Record<string, unknown> | undefined;
  if (!payload || typeof payload !== 'object') return [];
  const meta = { txId: event.txId, blockNumber: event.blockNumber };
  if (event.name === GRID_SIGNAL) {
    const kind = payload.type === 'TARIFF' || payload.type === 'ENVELOPE' ? payload.type : undefined;
    if (!kind || !Array.isArray(payload.entries)) return [];
    return (payload.entries as SignalEntry[])
      .filter((entry) => zone === undefined || entry.zone === zone)
      .map((entry) => ({ event: SIGNAL_EVENT, data: { version: 1, kind, ...entry, ...meta } }));
  }
  if (event.name === MARKET_CLEARED && payload.market === 'RETAIL' && typeof payload.zone === 'string' && typeof payload.interval === 'string') {
    if (zone !== undefined && payload.zone !== zone) return [];
    return [
      {
        event: SIGNAL_EVENT,
        data: {
          version: 1,
          kind: 'PRICE',
          zone: payload.zone,
          interval: payload.interval,
          clearingPrice: payload.price ?? null,
          feePerKwh: feeOf(payload.zone, payload.interval),
          binding: payload.binding ?? [],
          ...meta,
        },
      },
    ];
  }
  return [];
}

/** Most (zone, interval) fees one signal stream remembers: a stream may stay open for weeks. */
export const MAX_REMEMBERED_FEES = 1024;

/** Remembers a fee, forgetting the oldest entries beyond MAX_REMEMBERED_FEES (a Map keeps insertion order). */
export function rememberFee<T>(fees: Map<string, T>, key: string, fee: T): void {
  fees.delete(key);
  fees.set(key, fee);
  while (fees.size > MAX_REMEMBERED_FEES) fees.delete(fees.keys().next().value as string);
}

/**
 * The grid services segment (Grid:*): topology, envelopes and tariffs (the DSO writes; the chaincode enforces the
 * role), feeder loading, and the device price-signal stream. Demand response is routes/demand-response.ts.
 */
export function gridRoutes(deps: RouteDeps): Handlers {
  const slotOf = (ctx: Parameters<Handlers[string]>[0]) => params<{ zone: string; interval: string }>(ctx);
  // The fee of a cleared slot, shared by every signal stream: a tariff is final once its interval is cleared, so one
  // read per cleared slot serves them all (not one per open stream and clearing).
  const clearedFees = new Map<string, Promise<number | null>>();
  const clearedFee = (ctx: Parameters<Handlers[string]>[0], zone: string, interval: string): Promise<number | null> => {
    const k = `${zone}\u0000${interval}`;
    let fee = clearedFees.get(k);
    if (fee === undefined) {
      fee = evaluate(deps, ctx, TX.Grid.GetTariff, [{ zone, interval }]).then(
        (tariff) => tariff.feePerKwh,
        () => null,
      );
      rememberFee(clearedFees, k, fee);
    }
    return fee;
  };
  return {
    registerGridNode: (ctx) => submit(deps, ctx, TX.Grid.RegisterGridNode, [body<TxArgs<typeof TX.Grid.RegisterGridNode>[0]>(ctx)]),
    listGridNodes: async (ctx) => {
      const { zone, kind } = ctx.query as Query;
      const filter = { ...(zone === undefined ? {} : { zone }), ...(kind === undefined ? {} : { kind: kind as 'ZONE' | 'FEEDER' }) };
      return { status: 200, body: await evaluate(deps, ctx, TX.Grid.ListGridNodes, [filter]) };
    },
    getGridNode: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Grid.GetGridNode, [params<{ nodeId: string }>(ctx).nodeId]) }),
    attachGridAsset: (ctx) => submit(deps, ctx, TX.Grid.AttachAsset, [{ assetId: params<{ assetId: string }>(ctx).assetId, feeder: body<{ feeder: string }>(ctx).feeder }]),
    getGridAttachment: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Grid.GetAttachment, [params<{ assetId: string }>(ctx).assetId]) }),
    listGridAttachments: async (ctx) => {
      const { feeder } = ctx.query as Query;
      return { status: 200, body: await evaluate(deps, ctx, TX.Grid.ListAttachments, [{ zone: params<{ zone: string }>(ctx).zone, ...(feeder === undefined ? {} : { feeder }) }]) };
    },
    publishEnvelopes: (ctx) => submit(deps, ctx, TX.Grid.PublishEnvelopes, [body<TxArgs<typeof TX.Grid.PublishEnvelopes>[0]>(ctx)]),
    listEnvelopes: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Grid.ListEnvelopes, [slotOf(ctx)]) }),
    publishTariffs: (ctx) => submit(deps, ctx, TX.Grid.PublishTariffs, [body<TxArgs<typeof TX.Grid.PublishTariffs>[0]>(ctx)]),
    getTariff: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Grid.GetTariff, [slotOf(ctx)]) }),
    getFeederLoading: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Grid.GetFeederLoading, [slotOf(ctx)]) }),
    streamGridSignals: async (ctx) => {
      const { zone } = ctx.query as Query;
      // The fee in force for a PRICE signal: from the TARIFF signals this stream carried, else the ledger's tariff of
      // that zone and interval (a tariff is always published before its interval's clearing), else null.
      const fees = new Map<string, number | null>();
      const key = (z: string, i: string) => `${z}\u0000${i}`;
      return serveEventStream(deps, ctx, CHANNEL_ENERGY, async (event) => {
        const cleared = event.name === MARKET_CLEARED ? (decodeResult(event.payload) as { market?: string; zone?: unknown; interval?: unknown } | undefined) : undefined;
        const wanted = cleared?.market === 'RETAIL' && typeof cleared.zone === 'string' && typeof cleared.interval === 'string' && (zone === undefined || cleared.zone === zone);
        if (wanted && !fees.has(key(cleared.zone as string, cleared.interval as string))) {
          rememberFee(fees, key(cleared.zone as string, cleared.interval as string), await clearedFee(ctx, cleared.zone as string, cleared.interval as string));
        }
        const messages = priceSignals(event, zone, (z, i) => fees.get(key(z, i)) ?? null);
        for (const m of messages) {
          const data = m.data as { kind: string; zone: string; interval: string; feePerKwh?: number };
          if (data.kind === 'TARIFF' && data.feePerKwh !== undefined) rememberFee(fees, key(data.zone, data.interval), data.feePerKwh);
        }
        return messages;
      });
    },
  };
}
