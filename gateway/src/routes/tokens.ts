import { TX, type TxArgs } from '@obe/chaincode';
import type { Handlers, OperationContext } from '../http/operations';
import { newSalt } from './market-support';
import { paginate } from './paging';
import { CHANNEL_ENERGY, body, evaluate, submit, type RouteDeps } from './support';

/**
 * A mint, burn or transfer: the amount leaves the arguments (which the block shows to every channel member) for the
 * transient map, with a fresh salt for the private records it produces.
 */
function movement<P>(ctx: OperationContext): { publicPart: P; transient: { movement: { amount: number; salt: string } } } {
  const { amount, ...publicPart } = body<P & { amount: number }>(ctx);
  return { publicPart: publicPart as P, transient: { movement: { amount, salt: newSalt() } } };
}

/** Energy tokens: Tokens:* transactions. */
export function tokenRoutes(deps: RouteDeps): Handlers {
  return {
    getMyBalance: async (ctx) => ({ status: 200, body: await evaluate(deps, ctx, TX.Tokens.GetMyBalance, []) }),
    listBalances: async (ctx) => {
      const participants = await evaluate(deps, ctx, TX.Participants.ListParticipants, [], { channel: CHANNEL_ENERGY });
      const pageOf = paginate(participants, ctx);
      const items = [];
      for (const p of pageOf.items) {
        items.push(await evaluate(deps, ctx, TX.Tokens.GetBalance, [{ account: p.pseudonym }]));
      }
      return { status: 200, body: { ...pageOf, items } };
    },
    getBalance: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Tokens.GetBalance, [{ account: String(ctx.params.account) }]),
    }),
    listEscrows: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Tokens.ListEscrows, [{ account: String(ctx.params.account) }]),
    }),
    transferTokens: (ctx) => {
      const { publicPart, transient } = movement<TxArgs<typeof TX.Tokens.Transfer>[0]>(ctx);
      return submit(deps, ctx, TX.Tokens.Transfer, [publicPart], { transient });
    },
    mintTokens: (ctx) => {
      const { publicPart, transient } = movement<TxArgs<typeof TX.Tokens.Mint>[0]>(ctx);
      return submit(deps, ctx, TX.Tokens.Mint, [publicPart], { transient });
    },
    burnTokens: (ctx) => {
      const { publicPart, transient } = movement<TxArgs<typeof TX.Tokens.Burn>[0]>(ctx);
      return submit(deps, ctx, TX.Tokens.Burn, [publicPart], { transient });
    },
  };
}
