import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * Merkle commitment over settled records (and certificate events, certificates/seal.ts), shared by the chaincode (which publishes the root in `SettlementCompleted`
 * and on the audit channel) and by anyone holding one record (the regulator, via the gateway) who wants to prove it
 * belongs to that root.
 *
 * Construction (fixed; changing it breaks every published root):
 *  - leaf  = SHA-256(0x00 ‖ UTF-8 of the record's RFC 8785 canonical JSON)
 *  - node  = SHA-256(0x01 ‖ left ‖ right)            (32-byte hashes, not hex)
 *  - empty = SHA-256(0x02)                           (root of zero records)
 *  - Leaves are taken in the given order (settlement sorts its records by `recordId`). Each level pairs neighbours
 *    left to right; an odd last node is promoted to the next level unchanged — never duplicated, so no two different
 *    record lists share a root. The distinct 0x00/0x01 prefixes stop a node from being passed off as a leaf.
 *  - A proof lists, from the leaf upward, each sibling hash (hex) and whether it sits to the LEFT or RIGHT; levels
 *    where the node was promoted contribute no step.
 * Roots and hashes are lower-case hex.
 */

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);
const EMPTY = Buffer.from([0x02]);

export interface MerkleProofStep {
  readonly position: 'LEFT' | 'RIGHT';
  readonly hash: string;
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

export function merkleLeafHash(record: unknown): string {
  return sha256(LEAF, Buffer.from(canonicalJson(record), 'utf8')).toString('hex');
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(NODE, left, right);
}

function levelsOf(records: readonly unknown[]): Buffer[][] {
  return levelsOfLeaves(records.map((r) => merkleLeafHash(r)));
}

function levelsOfLeaves(leafHashes: readonly string[]): Buffer[][] {
  const levels: Buffer[][] = [leafHashes.map((h) => Buffer.from(h, 'hex'))];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const above: Buffer[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? nodeHash(below[i], below[i + 1]) : below[i]);
    levels.push(above);
  }
  return levels;
}

export function merkleRoot(records: readonly unknown[]): string {
  if (records.length === 0) return sha256(EMPTY).toString('hex');
  const levels = levelsOf(records);
  return levels[levels.length - 1][0].toString('hex');
}

/** The proof that records[index] is in merkleRoot(records). */
export function merkleProof(records: readonly unknown[], index: number): MerkleProofStep[] {
  if (!Number.isInteger(index) || index < 0 || index >= records.length) throw new RangeError(`no record at index ${index}`);
  return proofFromLevels(levelsOf(records), index);
}

function proofFromLevels(levels: Buffer[][], index: number): MerkleProofStep[] {
  const steps: MerkleProofStep[] = [];
  let position = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = position % 2 === 0 ? position + 1 : position - 1;
    if (sibling < level.length) steps.push({ position: sibling < position ? 'LEFT' : 'RIGHT', hash: level[sibling].toString('hex') });
    position = Math.floor(position / 2);
  }
  return steps;
}

const HEX32 = /^[0-9a-f]{64}$/;

/** True when `record` with `proof` hashes up to `root`. Never throws on malformed input; it just returns false. */
export function verifyMerkleProof(record: unknown, proof: readonly MerkleProofStep[], root: string): boolean {
  try {
    if (typeof root !== 'string' || !HEX32.test(root) || !Array.isArray(proof)) return false;
    let hash: Buffer = Buffer.from(merkleLeafHash(record), 'hex');
    for (const step of proof) {
      if (!step || typeof step.hash !== 'string' || !HEX32.test(step.hash)) return false;
      const sibling = Buffer.from(step.hash, 'hex');
      if (step.position === 'LEFT') hash = nodeHash(sibling, hash);
      else if (step.position === 'RIGHT') hash = nodeHash(hash, sibling);
      else return false;
    }
    return hash.toString('hex') === root;
  } catch {
    return false;
  }
}

/**
 * The same tree built from leaf hashes (hex) instead of records. Settlement publishes every leaf hash, so anyone can
 * rebuild the tree and hand a record's holder its proof without seeing any other record.
 */
export function merkleRootOfLeaves(leafHashes: readonly string[]): string {
  if (leafHashes.length === 0) return merkleRoot([]);
  const levels = levelsOfLeaves(leafHashes);
  return levels[levels.length - 1][0].toString('hex');
}

export function merkleProofOfLeaves(leafHashes: readonly string[], index: number): MerkleProofStep[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) throw new RangeError(`no leaf at index ${index}`);
  return proofFromLevels(levelsOfLeaves(leafHashes), index);
}
