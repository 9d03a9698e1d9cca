import type { Handlers } from '../http/operations';
import { paginate } from './paging';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

/** Energy tokens: Tokens:* transactions. */
export function tokenRoutes(deps: RouteDeps): Handlers {
  return {
    getMyBalance: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:GetMyBalance' }) }),
    listBalances: async (ctx) => {
      const participants = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Participants:ListParticipants' })) as { pseudonym: string }[];
      const pageOf = paginate(participants, ctx);
      const items = [];
      for (const p of pageOf.items) {
        items.push(await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:GetBalance', args: [{ account: p.pseudonym }] }));
      }
      return { status: 200, body: { ...pageOf, items } };
    },
    getBalance: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:GetBalance', args: [{ account: ctx.params.account }] }),
    }),
    listEscrows: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:ListEscrows', args: [{ account: ctx.params.account }] }),
    }),
    transferTokens: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:Transfer', args: [ctx.body] }),
    mintTokens: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:Mint', args: [ctx.body] }),
    burnTokens: (ctx) => submit(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:Burn', args: [ctx.body] }),
  };
}
