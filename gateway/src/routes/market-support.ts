import crypto from 'node:crypto';
import { TX } from '@obe/chaincode';
import type { OperationContext } from '../http/operations';
import { CHANNEL_ENERGY, evaluate, type RouteDeps } from './support';

/** A salt for an on-chain commitment when the caller sent none (random, 192 bits; it travels only in transient data). */
export function newSalt(): string {
  return crypto.randomBytes(24).toString('base64url');
}

export async function callerPseudonym(deps: RouteDeps, ctx: OperationContext): Promise<string> {
  const me = await evaluate(deps, ctx, TX.Participants.WhoAmI, [], { channel: CHANNEL_ENERGY });
  return me.pseudonym;
}
