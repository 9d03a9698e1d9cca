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

/**
 * Retention on the peers: the `blockToLive` each collection must declare (collections/<channel>.json; checked by
 * network/lib/collections.ts before a deployment). docs/privacy-and-erasure.md, "Retention", gives the reasons:
 *  - obeSecrets 0: the pseudonym key must outlive every participant (participant secrets live in `tokens_*`);
 *  - tokens 0: a balance is the sum of its deltas, an expired delta would change it; erasure purges an account;
 *  - settlement 0: settled records are the evidence of settled money (bookkeeping retention runs for years) and the
 *    audits' leaves; erasure purges a participant's;
 *  - orders 0: an order may be placed for an interval far ahead and is read until its interval settles;
 *  - certificates 0: lots are held until claimed or expired by governance, and claims are audit evidence;
 *  - readings: a reading is read until its interval settles (governance settlementDeadlineMinutes ≤ 366 days), by
 *    demand-response baselines and certificate issuance within that time; after it, it is only billing evidence
 *    kept by the orgs off chain. Fabric counts blocks, not time: READINGS_BLOCK_TO_LIVE is 366 days at the fastest
 *    block rate of OBE's orderer (a block at most every 250 ms BatchTimeout below 1000 transactions per block), so no
 *    reading expires before a rule needs it; at a slower rate it lives longer. A participant's readings go earlier
 *    by erasure.
 */
export const FASTEST_BLOCK_INTERVAL_MS = 250;
export const READINGS_RETENTION_DAYS = 366;
export const READINGS_BLOCK_TO_LIVE = (READINGS_RETENTION_DAYS * 24 * 3600 * 1000) / FASTEST_BLOCK_INTERVAL_MS;

export const COLLECTION_BLOCK_TO_LIVE: Readonly<Record<string, number>> = {
  obeSecrets: 0,
  readings: READINGS_BLOCK_TO_LIVE,
  orders: 0,
  settlement: 0,
  tokens: 0,
  certificates: 0,
};

/** The blockToLive a collection must declare: by its name, or its kind for `<kind>_<MSP>`; undefined if unknown. */
export function requiredBlockToLive(collection: string): number | undefined {
  if (Object.hasOwn(COLLECTION_BLOCK_TO_LIVE, collection)) return COLLECTION_BLOCK_TO_LIVE[collection];
  const kind = collection.slice(0, Math.max(0, collection.indexOf('_')));
  return Object.hasOwn(COLLECTION_BLOCK_TO_LIVE, kind) ? COLLECTION_BLOCK_TO_LIVE[kind] : undefined;
}
