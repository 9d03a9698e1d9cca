import crypto from 'node:crypto';
import { TX, type ProfileBatch, type ReadingBatch } from '@obe/chaincode';
import { toHttpError } from '../http/errors';
import type { Handlers } from '../http/operations';
import { paginate } from './paging';
import { intParam } from './params';
import { checkZoneFanOut } from './zone-fan-out';
import { CHANNEL_ENERGY, body, evaluate, submit, zonesOf, type RouteDeps } from './support';

/** Metering: Metering:* transactions. Reading values travel only in the transient map. */
export function meteringRoutes(deps: RouteDeps): Handlers {
  return {
    submitReadings: (ctx) => {
      const { readings, salt } = body<{ readings: ReadingBatch['readings']; salt?: string }>(ctx);
      return submit(deps, ctx, TX.Metering.SubmitReadings, [], { transient: { readings: { salt: salt ?? crypto.randomBytes(24).toString('hex'), readings } } });
    },
    submitProfiles: (ctx) => {
      const { profiles, salt } = body<{ profiles: ProfileBatch['profiles']; salt?: string }>(ctx);
      return submit(deps, ctx, TX.Metering.SubmitProfiles, [], { transient: { profiles: { salt: salt ?? crypto.randomBytes(24).toString('hex'), profiles } } });
    },
    getReading: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Metering.GetReading, [String(ctx.params.assetId), String(ctx.params.intervalStart)]),
    }),
    getReadingHash: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Metering.GetReadingHash, [String(ctx.params.assetId), String(ctx.params.intervalStart)]),
    }),
    getZoneTotal: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Metering.GetZoneTotal, [String(ctx.params.zone), String(ctx.params.intervalStart)]),
    }),
    publishZoneTotal: (ctx) =>
      submit(deps, ctx, TX.Metering.PublishZoneTotal, [{ zone: String(ctx.params.zone), intervalStart: intParam(ctx.params, 'intervalStart') }]),
    listZoneTotals: async (ctx) => {
      const { config } = await evaluate(deps, ctx, TX.Governance.GetConfig, [], { channel: CHANNEL_ENERGY });
      const zones = await zonesOf(deps, ctx);
      const count = intParam(ctx.query, 'count', 12);
      checkZoneFanOut(count, zones.length);
      const length = config.intervalMinutes * 60_000;
      const current = Math.floor(Date.now() / length) * length;
      const totals: unknown[] = [];
      for (let i = 0; i < count; i++) {
        for (const zone of zones) {
          try {
            totals.push(await evaluate(deps, ctx, TX.Metering.GetZoneTotal, [zone, String(current - i * length)]));
          } catch (err) {
            if (toHttpError(err).status !== 404) throw err;
          }
        }
      }
      return { status: 200, body: paginate(totals, ctx) };
    },
  };
}
