import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * An independent verifier of the settlement Merkle commitment (construction documented in
 * chaincode/src/settlement/merkle.ts): the regulator's check should not trust the code that built the root.
 * leaf = SHA-256(0x00 ‖ canonical JSON), node = SHA-256(0x01 ‖ left ‖ right).
 */
export interface ProofStep {
  position: 'LEFT' | 'RIGHT';
  hash: string;
}

export function leafHash(record: unknown): string {
  const text = canonicalize(record);
  if (text === undefined) throw new TypeError('record is not JSON');
  return createHash('sha256').update(Buffer.from([0x00])).update(Buffer.from(text, 'utf8')).digest('hex');
}

export function rootFromProof(leaf: string, proof: readonly ProofStep[]): string {
  let node = Buffer.from(leaf, 'hex');
  for (const step of proof) {
    const sibling = Buffer.from(step.hash, 'hex');
    const [left, right] = step.position === 'LEFT' ? [sibling, node] : [node, sibling];
    node = createHash('sha256').update(Buffer.from([0x01])).update(left).update(right).digest();
  }
  return node.toString('hex');
}
