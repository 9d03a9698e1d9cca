import crypto from 'node:crypto';
import type { OperationContext } from '../http/operations';
import { CHANNEL_ENERGY, evaluate, type RouteDeps } from './support';

/** A salt for an on-chain commitment when the caller sent none (random, 192 bits; it travels only in transient data). */
export function newSalt(): string {
  return crypto.randomBytes(24).toString('base64url');
}

export async function callerPseudonym(deps: RouteDeps, ctx: OperationContext): Promise<string> {
  const me = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Participants:WhoAmI' })) as { pseudonym: string };
  return me.pseudonym;
}

interface AwardLike {
  orderId: string;
  owner: string;
}

/** The caller's awards of one slot, each with the details the chaincode shows its owner. */
export async function myAwards(deps: RouteDeps, ctx: OperationContext, listFn: string, getFn: string, slot: Record<string, unknown>): Promise<unknown[]> {
  const me = await callerPseudonym(deps, ctx);
  const all = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: listFn, args: [slot] })) as AwardLike[];
  const mine = all.filter((a) => a.owner === me);
  const out: unknown[] = [];
  for (const award of mine) out.push(await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: getFn, args: [{ ...slot, orderId: award.orderId }] }));
  return out;
}
