import type { Context } from 'fabric-contract-api';
import { peerMspId } from '../common/identity';
import { orgCollectionOwner } from '../common/keys';
import type { OrgRole } from '../common/roles';
import { mspsWithOrgRole, type GovernanceConfig } from './config';

/**
 * Org roles whose MSPs belong to every per-org collection besides the owner org, as collections/<channel>.json
 * declares them: the grid operator (market operator, DSO) and the regulator.
 */
export const ORG_COLLECTION_OVERSIGHT_ROLES: readonly OrgRole[] = ['MARKET_OPERATOR', 'DSO', 'REGULATOR'];

/** The members of a per-org collection (`<kind>_<MSP>`), sorted; empty for a name that is not a per-org collection. */
export function orgCollectionMembers(config: GovernanceConfig, collection: string): string[] {
  const owner = orgCollectionOwner(collection);
  if (owner === undefined) return [];
  const members = new Set([owner, ...ORG_COLLECTION_OVERSIGHT_ROLES.flatMap((role) => mspsWithOrgRole(config, role))]);
  return [...members].sort();
}

/** Who, in a transaction, is outside a collection: the calling org, or the org of the peer running it. */
export interface CollectionOutsider {
  readonly mspId: string;
  readonly as: 'caller' | 'peer';
}

/** "UtilityMSP" for a caller, "the endorsing peer of UtilityMSP" for a peer: for refusal messages. */
export function describeOutsider(outsider: CollectionOutsider): string {
  return outsider.as === 'caller' ? outsider.mspId : `the endorsing peer of ${outsider.mspId}`;
}

/**
 * Whether this transaction may read a per-org collection: the caller's org must be a member (Fabric's memberOnlyRead)
 * and so must the peer, which otherwise holds no copy. Checked before getPrivateData, whose refusal carries no code.
 * Returns who is not a member, or undefined when both are.
 */
export function orgOutsideCollection(ctx: Context, config: GovernanceConfig, collection: string): CollectionOutsider | undefined {
  const members = orgCollectionMembers(config, collection);
  const caller = ctx.clientIdentity.getMSPID();
  if (!members.includes(caller)) return { mspId: caller, as: 'caller' };
  const peer = peerMspId(ctx);
  if (peer !== undefined && !members.includes(peer)) return { mspId: peer, as: 'peer' };
  return undefined;
}
