import type { Handlers } from '../http/operations';
import { paginate } from './paging';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

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
