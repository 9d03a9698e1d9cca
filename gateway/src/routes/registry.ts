import { HttpError } from '../http/errors';
import type { Handlers } from '../http/operations';
import { paginate } from './paging';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

const LIFECYCLE_FNS: Record<string, string> = {
  commission: 'CommissionAsset',
  activate: 'ActivateAsset',
  suspend: 'SuspendAsset',
  resume: 'ResumeAsset',
  decommission: 'DecommissionAsset',
};

const channelOf = (query: Record<string, unknown>) => String(query.channel ?? CHANNEL_ENERGY);

/** Participants, roles and governance: Participants:* and Governance:* transactions. */
export function registryRoutes(deps: RouteDeps): Handlers {
  return {
    registerSelf: (ctx) => submit(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:Register' }),
    listParticipants: async (ctx) => {
      const all = (await evaluate(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:ListParticipants' })) as unknown[];
      return { status: 200, body: paginate(all, ctx) };
    },
    whoAmI: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:WhoAmI' }) }),
    getParticipant: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:GetParticipant', args: [String(ctx.params.pseudonym)] }),
    }),
    grantRole: (ctx) =>
      submit(deps, ctx, {
        channel: channelOf(ctx.query),
        fn: 'Participants:GrantRole',
        args: [{ pseudonym: ctx.params.pseudonym, role: (ctx.body as { role: string }).role }],
      }),
    revokeRole: (ctx) =>
      submit(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:RevokeRole', args: [{ pseudonym: ctx.params.pseudonym, role: ctx.params.role }] }),
    suspendParticipant: (ctx) => submit(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:Suspend', args: [{ pseudonym: ctx.params.pseudonym }] }),
    reactivateParticipant: (ctx) =>
      submit(deps, ctx, { channel: channelOf(ctx.query), fn: 'Participants:Reactivate', args: [{ pseudonym: ctx.params.pseudonym }] }),
    registerAsset: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:RegisterAsset', args: [ctx.body] }),
    listAssets: async (ctx) => {
      const filter: Record<string, unknown> = {};
      for (const name of ['zone', 'owner', 'type', 'status', 'segment']) if (ctx.query[name] !== undefined) filter[name] = ctx.query[name];
      const all = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:ListAssets', args: [filter] })) as unknown[];
      return { status: 200, body: paginate(all, ctx) };
    },
    getAsset: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:GetAsset', args: [String(ctx.params.assetId)] }) }),
    getAssetHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:GetAssetHistory', args: [String(ctx.params.assetId)] }),
    }),
    changeAssetStatus: (ctx) => {
      const action = String(ctx.params.action);
      const meteringFrom = (ctx.body as { meteringFrom?: number } | undefined)?.meteringFrom;
      if (meteringFrom !== undefined && action !== 'commission') {
        throw new HttpError(400, 'INVALID_ARGUMENT', 'invalid request: body meteringFrom is only for commission');
      }
      return submit(deps, ctx, {
        channel: CHANNEL_ENERGY,
        fn: `Registry:${LIFECYCLE_FNS[action]}`,
        args: [{ assetId: ctx.params.assetId, ...(meteringFrom === undefined ? {} : { meteringFrom }) }],
      });
    },
    offerAssetTransfer: (ctx) =>
      submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:OfferTransfer', args: [{ assetId: ctx.params.assetId, to: (ctx.body as { to: string }).to }] }),
    acceptAssetTransfer: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:AcceptTransfer', args: [{ assetId: ctx.params.assetId }] }),
    cancelAssetTransfer: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:CancelTransfer', args: [{ assetId: ctx.params.assetId }] }),
    rotateDeviceKey: (ctx) =>
      submit(deps, ctx, {
        channel: CHANNEL_ENERGY,
        fn: 'Registry:RotateDeviceKey',
        args: [{ assetId: ctx.params.assetId, ...(ctx.body as { devicePublicKey: unknown; compromisedSince?: number }) }],
      }),
    getGovernance: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, { channel: channelOf(ctx.query), fn: 'Governance:GetConfig' }) }),
    getGovernanceHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: channelOf(ctx.query), fn: 'Governance:GetConfigHistory' }),
    }),
    initGovernance: (ctx) => {
      const body = ctx.body as { config: unknown; pseudonymKey: string };
      return submit(deps, ctx, {
        channel: channelOf(ctx.query),
        fn: 'Governance:InitConfig',
        args: [body.config],
        transient: { pseudonymKey: body.pseudonymKey },
      });
    },
    updateGovernance: (ctx) => submit(deps, ctx, { channel: channelOf(ctx.query), fn: 'Governance:UpdateConfig', args: [ctx.body] }),
  };
}
