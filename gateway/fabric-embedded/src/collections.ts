/**
 * Private data collections in Fabric's collections_config.json format, plus the implicit per-org collections every
 * chaincode has (`_implicit_org_<MSPID>`).
 *
 * This is the one parser of the format in the repository: the embedded runtime loads collections/<channel>.json
 * with it, and the deploy tooling (network/lib/collections.ts) checks and re-targets the same files with its schema.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { RuntimeUsageError } from './errors';
import { channelConfigPolicy, parsePolicy, policyOrgs, type Policy } from './policy';

const signaturePolicy = z.string().min(1);

/** One entry of a collections_config.json file, as Fabric's `peer lifecycle` takes it. */
export const collectionConfigSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'collection names are letters, digits, _ and -'),
  policy: signaturePolicy,
  requiredPeerCount: z.number().int().min(0),
  maxPeerCount: z.number().int().min(0),
  blockToLive: z.number().int().min(0),
  memberOnlyRead: z.boolean().optional(),
  memberOnlyWrite: z.boolean().optional(),
  endorsementPolicy: z
    .union([
      z.strictObject({ signaturePolicy }),
      z.strictObject({ channelConfigPolicy: z.string().min(1) }),
    ])
    .optional(),
});

/** A whole collections_config.json file: at least one collection. */
export const collectionsConfigSchema = z.array(collectionConfigSchema).min(1);

/** One entry of a collections_config.json file as written (collections/*.json). */
export type CollectionDefinition = z.output<typeof collectionConfigSchema>;

/** One collection as the runtime is configured with it (the flags spelled out). */
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

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
}

function withFlags(entry: CollectionDefinition): CollectionConfig {
  return { ...entry, memberOnlyRead: entry.memberOnlyRead ?? false, memberOnlyWrite: entry.memberOnlyWrite ?? false };
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
  const parsed = collectionsConfigSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new RuntimeUsageError(`${file}: ${describe(parsed.error)}`);
  return parsed.data.map(withFlags);
}

function checkConfig(entry: unknown, where: string): CollectionConfig {
  const parsed = collectionConfigSchema.safeParse(entry);
  if (!parsed.success) throw new RuntimeUsageError(`${where}: ${describe(parsed.error)}`);
  return withFlags(parsed.data);
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
