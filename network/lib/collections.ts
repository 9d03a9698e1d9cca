/**
 * Private data collection definitions (collections/<channel>.json, Fabric's collection config JSON) as the
 * deploy scripts use them: checked against the channel's members before a deployment, and re-targeted at other
 * MSP IDs for the fabric-samples test-network.
 */
import { requiredBlockToLive } from '@obe/chaincode';
import { collectionConfigSchema, collectionsConfigSchema, type CollectionDefinition } from '@obe/fabric-embedded';

/**
 * The format's one parser is @obe/fabric-embedded's (the library that knows Fabric; the embedded runtime loads the
 * same files with it). The deploy tooling depends on that library's public entry, never the other way round.
 */
export const collectionSchema = collectionConfigSchema;
export const collectionsFileSchema = collectionsConfigSchema;
export type { CollectionDefinition };

/** MSP IDs named by a signature policy such as "OR('GridOperatorMSP.member', 'RegulatorMSP.peer')". */
export function mspIdsInPolicy(policy: string): string[] {
  const ids = new Set<string>();
  for (const match of policy.matchAll(/'([^'.]+)\.(member|peer|admin|client|orderer)'/g)) ids.add(match[1]!);
  return [...ids].sort();
}

export interface CollectionReport {
  problems: string[];
  warnings: string[];
}

/**
 * Checks definitions against the channel's member MSPs. An endorsing peer must reach requiredPeerCount other
 * member peers or the endorsement fails, so a requirement the network cannot meet is a problem found at deploy
 * time, not a runtime surprise.
 */
export interface CollectionRules {
  /** Peers each org runs (one on the native network). */
  peersPerOrg?: number;
  /**
   * Member orgs a collection needs so that its members alone can satisfy the chaincode-level endorsement policy:
   * the peer gateway sends a proposal with transient data to collection members only.
   */
  minMemberOrgs?: number;
}

export function checkCollections(input: unknown, channelMspIds: readonly string[], rules: CollectionRules = {}): CollectionReport {
  const { peersPerOrg = 1, minMemberOrgs = 1 } = rules;
  const parsed = collectionsFileSchema.safeParse(input);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`), warnings: [] };
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const names = new Set<string>();
  for (const c of parsed.data) {
    if (names.has(c.name)) problems.push(`${c.name}: defined twice`);
    names.add(c.name);
    const members = mspIdsInPolicy(c.policy);
    if (members.length === 0) problems.push(`${c.name}: policy names no MSP ID`);
    else if (members.length < minMemberOrgs) {
      problems.push(`${c.name}: ${members.length} member org(s), but the chaincode endorsement policy needs ${minMemberOrgs}`);
    }
    const endorsers = c.endorsementPolicy && 'signaturePolicy' in c.endorsementPolicy
      ? mspIdsInPolicy(c.endorsementPolicy.signaturePolicy)
      : [];
    for (const id of [...members, ...endorsers]) {
      if (!channelMspIds.includes(id)) problems.push(`${c.name}: ${id} is not a member of the channel`);
    }
    for (const id of endorsers) {
      if (!members.includes(id)) problems.push(`${c.name}: endorser ${id} is not a member of the collection`);
    }
    const reachable = (members.length - 1) * peersPerOrg + (peersPerOrg - 1);
    if (c.requiredPeerCount > reachable) {
      problems.push(`${c.name}: requiredPeerCount ${c.requiredPeerCount} exceeds the ${reachable} other member peer(s)`);
    }
    if (c.maxPeerCount < c.requiredPeerCount) {
      problems.push(`${c.name}: maxPeerCount ${c.maxPeerCount} is below requiredPeerCount ${c.requiredPeerCount}`);
    }
    // Retention (docs/privacy-and-erasure.md): every OBE collection declares the blockToLive its data needs.
    const retention = requiredBlockToLive(c.name);
    if (retention !== undefined && c.blockToLive !== retention) {
      problems.push(`${c.name}: blockToLive ${c.blockToLive}, but OBE's retention for it is ${retention} (see docs/privacy-and-erasure.md)`);
    }
    if (!c.endorsementPolicy) {
      warnings.push(
        `${c.name}: no endorsementPolicy; writes fall back to the chaincode-level policy, whose orgs may not be members`,
      );
    }
  }
  return { problems, warnings };
}

/**
 * Rewrites MSP IDs (e.g. GridOperatorMSP -> Org1MSP for the test-network) in every policy and in collection names:
 * the chaincode names per-org collections `<kind>_<MSP ID>`, so the names must follow the MSP IDs.
 */
export function remapMspIds(definitions: readonly CollectionDefinition[], map: Readonly<Record<string, string>>): CollectionDefinition[] {
  const rename = (policy: string): string =>
    policy.replace(/'([^'.]+)\.(member|peer|admin|client|orderer)'/g, (whole, id: string, role: string) =>
      map[id] ? `'${map[id]}.${role}'` : whole,
    );
  const renameCollection = (name: string): string =>
    name
      .split('_')
      .map((part) => map[part] ?? part)
      .join('_');
  return definitions.map((c) => {
    const out: CollectionDefinition = { ...c, name: renameCollection(c.name), policy: rename(c.policy) };
    if (c.endorsementPolicy && 'signaturePolicy' in c.endorsementPolicy) {
      out.endorsementPolicy = { signaturePolicy: rename(c.endorsementPolicy.signaturePolicy) };
    }
    return out;
  });
}
