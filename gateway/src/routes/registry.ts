import crypto from 'node:crypto';
import { TX, type TxArgs } from '@obe/chaincode';
import { HttpError } from '../http/errors';
import type { Handlers } from '../http/operations';
import { paginate } from './paging';
import { CHANNEL_ENERGY, body, evaluate, params, submit, type RouteDeps } from './support';

type RoleBody = TxArgs<typeof TX.Participants.GrantRole>[0];

const LIFECYCLE = {
  activate: TX.Registry.ActivateAsset,
  suspend: TX.Registry.SuspendAsset,
  resume: TX.Registry.ResumeAsset,
  decommission: TX.Registry.DecommissionAsset,
} as const;

const channelOf = (query: Record<string, unknown>) => ({ channel: String(query.channel ?? CHANNEL_ENERGY) });

/** Participants, roles and governance: Participants:* and Governance:* transactions. */
export function registryRoutes(deps: RouteDeps): Handlers {
  return {
    // On the energy channel the participant gets its own secret (crypto-shredding, docs/privacy-and-erasure.md): random,
    // in transient data only; the chaincode derives the stored secret from it and the gateway keeps no copy.
    registerSelf: (ctx) => {
      const { channel } = channelOf(ctx.query);
      const transient = channel === CHANNEL_ENERGY ? { participantSecret: crypto.randomBytes(32).toString('hex') } : undefined;
      return submit(deps, ctx, TX.Participants.Register, [], { channel, transient });
    },
    eraseParticipant: (ctx) => submit(deps, ctx, TX.Participants.Erase, [{ pseudonym: String(ctx.params.pseudonym) }]),
    listParticipants: async (ctx) => {
      const all = await evaluate(deps, ctx, TX.Participants.ListParticipants, [], channelOf(ctx.query));
      return { status: 200, body: paginate(all, ctx) };
    },
    whoAmI: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Participants.WhoAmI, [], channelOf(ctx.query)) }),
    getParticipant: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Participants.GetParticipant, [String(ctx.params.pseudonym)], channelOf(ctx.query)),
    }),
    grantRole: (ctx) =>
      submit(deps, ctx, TX.Participants.GrantRole, [{ pseudonym: String(ctx.params.pseudonym), role: body<RoleBody>(ctx).role }], channelOf(ctx.query)),
    revokeRole: (ctx) =>
      submit(deps, ctx, TX.Participants.RevokeRole, [{ pseudonym: String(ctx.params.pseudonym), role: params<Pick<RoleBody, 'role'>>(ctx).role }], channelOf(ctx.query)),
    suspendParticipant: (ctx) => submit(deps, ctx, TX.Participants.Suspend, [{ pseudonym: String(ctx.params.pseudonym) }], channelOf(ctx.query)),
    reactivateParticipant: (ctx) => submit(deps, ctx, TX.Participants.Reactivate, [{ pseudonym: String(ctx.params.pseudonym) }], channelOf(ctx.query)),
    registerAsset: (ctx) => submit(deps, ctx, TX.Registry.RegisterAsset, [body<TxArgs<typeof TX.Registry.RegisterAsset>[0]>(ctx)]),
    listAssets: async (ctx) => {
      const filter: Record<string, unknown> = {};
      for (const name of ['zone', 'owner', 'type', 'status', 'segment']) if (ctx.query[name] !== undefined) filter[name] = ctx.query[name];
      const all = await evaluate(deps, ctx, TX.Registry.ListAssets, [filter]);
      return { status: 200, body: paginate(all, ctx) };
    },
    getAsset: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Registry.GetAsset, [String(ctx.params.assetId)]) }),
    getAssetHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Registry.GetAssetHistory, [String(ctx.params.assetId)]),
    }),
    changeAssetStatus: (ctx) => {
      const action = String(ctx.params.action);
      const assetId = String(ctx.params.assetId);
      const meteringFrom = body<{ meteringFrom?: number } | undefined>(ctx)?.meteringFrom;
      if (action === 'commission') return submit(deps, ctx, TX.Registry.CommissionAsset, [{ assetId, ...(meteringFrom === undefined ? {} : { meteringFrom }) }]);
      if (meteringFrom !== undefined) throw new HttpError(400, 'INVALID_ARGUMENT', 'invalid request: body meteringFrom is only for commission');
      return submit(deps, ctx, LIFECYCLE[action as keyof typeof LIFECYCLE], [{ assetId }]);
    },
    offerAssetTransfer: (ctx) =>
      submit(deps, ctx, TX.Registry.OfferTransfer, [{ assetId: String(ctx.params.assetId), to: body<{ to: string }>(ctx).to }]),
    acceptAssetTransfer: (ctx) => submit(deps, ctx, TX.Registry.AcceptTransfer, [{ assetId: String(ctx.params.assetId) }]),
    cancelAssetTransfer: (ctx) => submit(deps, ctx, TX.Registry.CancelTransfer, [{ assetId: String(ctx.params.assetId) }]),
    rotateDeviceKey: (ctx) =>
      submit(deps, ctx, TX.Registry.RotateDeviceKey, [{ assetId: String(ctx.params.assetId), ...body<Omit<TxArgs<typeof TX.Registry.RotateDeviceKey>[0], 'assetId'>>(ctx) }]),
    getGovernance: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Governance.GetConfig, [], channelOf(ctx.query)) }),
    getGovernanceHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Governance.GetConfigHistory, [], channelOf(ctx.query)),
    }),
    initGovernance: (ctx) => {
      const { config, pseudonymKey } = body<{ config: TxArgs<typeof TX.Governance.InitConfig>[0]; pseudonymKey: string }>(ctx);
      return submit(deps, ctx, TX.Governance.InitConfig, [config], { ...channelOf(ctx.query), transient: { pseudonymKey } });
    },
    updateGovernance: (ctx) => submit(deps, ctx, TX.Governance.UpdateConfig, [body<TxArgs<typeof TX.Governance.UpdateConfig>[0]>(ctx)], channelOf(ctx.query)),
  };
}
