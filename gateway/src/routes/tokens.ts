import type { Handlers } from '../http/operations';
import { newSalt } from './market-support';
import { paginate } from './paging';
import { CHANNEL_ENERGY, evaluate, submit, type RouteDeps, type TxSpec } from './support';

/**
 * A mint, burn or transfer: the amount leaves the arguments (which the block shows to every channel member) for the
 * transient map, with a fresh salt for the private records it produces.
 */
function movement(body: unknown, fn: string): TxSpec {
  const { amount, ...publicPart } = body as { amount: number } & Record<string, unknown>;
  return { channel: CHANNEL_ENERGY, fn, args: [publicPart], transient: { movement: { amount, salt: newSalt() } } };
}

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
    transferTokens: (ctx) => submit(deps, ctx, movement(ctx.body, 'Tokens:Transfer')),
    mintTokens: (ctx) => submit(deps, ctx, movement(ctx.body, 'Tokens:Mint')),
    burnTokens: (ctx) => submit(deps, ctx, movement(ctx.body, 'Tokens:Burn')),
  };
}
