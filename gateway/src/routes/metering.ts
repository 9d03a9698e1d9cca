import crypto from 'node:crypto';
import { toHttpError } from '../http/errors';
import type { Handlers } from '../http/operations';
import { paginate } from './paging';
import { intParam } from './params';
import { checkZoneFanOut } from './zone-fan-out';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

/** Metering: Metering:* transactions. Reading values travel only in the transient map. */
export function meteringRoutes(deps: RouteDeps): Handlers {
  return {
    submitReadings: (ctx) => {
      const body = ctx.body as { readings: unknown[]; salt?: string };
      return submit(deps, ctx, {
        channel: CHANNEL_ENERGY,
        fn: 'Metering:SubmitReadings',
        transient: { readings: { salt: body.salt ?? crypto.randomBytes(24).toString('hex'), readings: body.readings } },
      });
    },
    getReading: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Metering:GetReading', args: [String(ctx.params.assetId), String(ctx.params.intervalStart)] }),
    }),
    getReadingHash: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Metering:GetReadingHash', args: [String(ctx.params.assetId), String(ctx.params.intervalStart)] }),
    }),
    getZoneTotal: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Metering:GetZoneTotal', args: [String(ctx.params.zone), String(ctx.params.intervalStart)] }),
    }),
    publishZoneTotal: (ctx) =>
      submit(deps, ctx, {
        channel: CHANNEL_ENERGY,
        fn: 'Metering:PublishZoneTotal',
        args: [{ zone: String(ctx.params.zone), intervalStart: intParam(ctx.params, 'intervalStart') }],
      }),
    listZoneTotals: async (ctx) => {
      const { config } = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Governance:GetConfig' })) as { config: { intervalMinutes: number } };
      const zones = ctx.query.zone
        ? [String(ctx.query.zone)]
        : [...new Set(((await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:ListAssets', args: [{}] })) as { zone: string }[]).map((a) => a.zone))].sort();
      const count = intParam(ctx.query, 'count', 12);
      checkZoneFanOut(count, zones.length);
      const length = config.intervalMinutes * 60_000;
      const current = Math.floor(Date.now() / length) * length;
      const totals: unknown[] = [];
      for (let i = 0; i < count; i++) {
        for (const zone of zones) {
          try {
            totals.push(await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Metering:GetZoneTotal', args: [zone, String(current - i * length)] }));
          } catch (err) {
            if (toHttpError(err).status !== 404) throw err;
          }
        }
      }
      return { status: 200, body: paginate(totals, ctx) };
    },
  };
}
