/**
 * Choosing endorsers and comparing their results. When the caller names no endorsing orgs, the runtime does what
 * Fabric Gateway does with the first endorsement's chaincode interest: it adds orgs (collection members first) until
 * every policy the read-write set needs is satisfied. Endorsements must agree byte for byte.
 */
import type { Execution } from './channel';
import type { ChaincodeDefinition } from './channel';
import { isSatisfied, type Policy } from './policy';
import { touchedCollections, writtenCollections, type TxRwSet } from './rwset';

/** The policies a transaction with this read-write set must satisfy at validation. */
export function requiredPolicies(rwset: TxRwSet, definition: ChaincodeDefinition): Policy[] {
  const policies: Policy[] = [];
  const collections = writtenCollections(rwset);
  const publicWrites = rwset.writes.length > 0 || rwset.metadataWrites.length > 0;
  if (publicWrites || collections.length === 0) policies.push(definition.endorsementPolicy);
  for (const name of collections) {
    const policy = definition.collections.get(name)?.endorsementPolicy;
    policies.push(policy ?? definition.endorsementPolicy);
  }
  return policies;
}

export function chooseEndorsers(first: Execution, channelOrgs: readonly string[], definition: ChaincodeDefinition): string[] {
  const policies = requiredPolicies(first.rwset, definition);
  const satisfied = (orgs: readonly string[]) => policies.every((p) => isSatisfied(p, orgs));
  const touched = touchedCollections(first.rwset).map((c) => definition.collections.get(c)?.members ?? []);
  const membership = (org: string) => touched.filter((members) => members.includes(org)).length;
  // Orgs holding the touched collections come first: only they can read those private data.
  const candidates = channelOrgs.filter((o) => o !== first.org).sort((a, b) => membership(b) - membership(a));
  const chosen = [first.org];
  for (const org of candidates) {
    if (satisfied(chosen)) break;
    chosen.push(org);
  }
  for (let i = chosen.length - 1; i >= 1; i--) {
    const without = chosen.filter((_, j) => j !== i);
    if (satisfied(without)) chosen.splice(i, 1);
  }
  return chosen;
}

function fingerprint(e: Execution): { rwset: string; response: string; event: string } {
  return {
    rwset: JSON.stringify(e.rwset),
    response: JSON.stringify([e.result.status, e.result.message, e.result.payload.toString('base64')]),
    event: JSON.stringify(e.result.event ? [e.result.event.eventName, e.result.event.payload.toString('base64')] : null),
  };
}

/** What differs between endorsements ('' when they all agree). */
export function endorsementDifference(executions: readonly Execution[]): string {
  const [reference, ...others] = executions.map(fingerprint);
  const parts = new Set<string>();
  for (const other of others) {
    if (other.rwset !== reference.rwset) parts.add('read-write set');
    if (other.response !== reference.response) parts.add('response');
    if (other.event !== reference.event) parts.add('chaincode event');
  }
  return [...parts].join(', ');
}
