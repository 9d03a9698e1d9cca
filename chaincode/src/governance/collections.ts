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

/**
 * Whether this transaction may read a per-org collection: the caller's org must be a member (Fabric's memberOnlyRead)
 * and so must the peer, which otherwise holds no copy. Checked before getPrivateData, whose refusal carries no code.
 * Returns the first org that is not a member, or undefined when both are.
 */
export function orgOutsideCollection(ctx: Context, config: GovernanceConfig, collection: string): string | undefined {
  const members = orgCollectionMembers(config, collection);
  const caller = ctx.clientIdentity.getMSPID();
  if (!members.includes(caller)) return caller;
  const peer = peerMspId(ctx);
  if (peer !== undefined && !members.includes(peer)) return peer;
  return undefined;
}
