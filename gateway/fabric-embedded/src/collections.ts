/**
 * Private data collections in Fabric's collections_config.json format, plus the implicit per-org collections every
 * chaincode has (`_implicit_org_<MSPID>`).
 */
import fs from 'node:fs';
import { RuntimeUsageError } from './errors';
import { channelConfigPolicy, parsePolicy, policyOrgs, type Policy } from './policy';

/** One entry of a collections_config.json file, as written in collections/*.json. */
export interface CollectionConfig {
  name: string;
  policy: string;
  requiredPeerCount: number;
  maxPeerCount: number;
  blockToLive: number;
  memberOnlyRead: boolean;
  memberOnlyWrite: boolean;
  endorsementPolicy?: { signaturePolicy?: string; channelConfigPolicy?: string };
}

/** A collection as the runtime enforces it. */
export interface Collection {
  name: string;
  members: readonly string[];
  blockToLive: number;
  memberOnlyRead: boolean;
  memberOnlyWrite: boolean;
  /** Collection-level endorsement policy; absent: the chaincode's policy applies to its writes. */
  endorsementPolicy?: Policy;
  implicit: boolean;
}

export const IMPLICIT_COLLECTION_PREFIX = '_implicit_org_';

export function implicitCollectionName(mspId: string): string {
  return `${IMPLICIT_COLLECTION_PREFIX}${mspId}`;
}

/** Reads a collections_config.json file. */
export function loadCollections(file: string): CollectionConfig[] {
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new RuntimeUsageError(`${file}: a collections config is a JSON array`);
  return parsed.map((entry, i) => checkConfig(entry, `${file}[${i}]`));
}

function checkConfig(entry: unknown, where: string): CollectionConfig {
  const e = entry as Partial<CollectionConfig> | null;
  if (!e || typeof e !== 'object') throw new RuntimeUsageError(`${where}: not an object`);
  if (typeof e.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.name)) throw new RuntimeUsageError(`${where}: invalid collection name`);
  if (typeof e.policy !== 'string') throw new RuntimeUsageError(`${where}: policy is required`);
  return {
    name: e.name,
    policy: e.policy,
    requiredPeerCount: Number(e.requiredPeerCount ?? 0),
    maxPeerCount: Number(e.maxPeerCount ?? 0),
    blockToLive: Number(e.blockToLive ?? 0),
    memberOnlyRead: Boolean(e.memberOnlyRead),
    memberOnlyWrite: Boolean(e.memberOnlyWrite),
    endorsementPolicy: e.endorsementPolicy,
  };
}

/** The collections of one chaincode on one channel, explicit ones first, then one implicit collection per channel org. */
export function resolveCollections(configs: readonly CollectionConfig[], channelOrgs: readonly string[]): Map<string, Collection> {
  const out = new Map<string, Collection>();
  for (const raw of configs) {
    const config = checkConfig(raw, `collection ${raw.name}`);
    if (out.has(config.name)) throw new RuntimeUsageError(`collection ${config.name} is defined twice`);
    if (config.name.startsWith(IMPLICIT_COLLECTION_PREFIX)) throw new RuntimeUsageError(`collection name ${config.name} is reserved`);
    const members = policyOrgs(parsePolicy(config.policy));
    const unknown = members.filter((m) => !channelOrgs.includes(m));
    if (unknown.length) throw new RuntimeUsageError(`collection ${config.name} names orgs not on the channel: ${unknown.join(', ')}`);
    let endorsementPolicy: Policy | undefined;
    if (config.endorsementPolicy?.signaturePolicy) endorsementPolicy = parsePolicy(config.endorsementPolicy.signaturePolicy);
    else if (config.endorsementPolicy?.channelConfigPolicy) endorsementPolicy = channelConfigPolicy(config.endorsementPolicy.channelConfigPolicy, channelOrgs);
    out.set(config.name, {
      name: config.name,
      members,
      blockToLive: config.blockToLive,
      memberOnlyRead: config.memberOnlyRead,
      memberOnlyWrite: config.memberOnlyWrite,
      endorsementPolicy,
      implicit: false,
    });
  }
  for (const mspId of channelOrgs) {
    const name = implicitCollectionName(mspId);
    out.set(name, {
      name,
      members: [mspId],
      blockToLive: 0,
      memberOnlyRead: false,
      memberOnlyWrite: false,
      endorsementPolicy: { kind: 'signedBy', mspId, role: 'member' },
      implicit: true,
    });
  }
  return out;
}
