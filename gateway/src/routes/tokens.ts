import type { Handlers } from '../http/operations';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

/** Energy tokens: Tokens:* transactions. */
export function tokenRoutes(deps: RouteDeps): Handlers {
  return {
    getMyBalance: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Tokens:GetMyBalance' }) }),
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
