/**
 * Blocks as the embedded orderer cuts them: a header hash-chained to the previous block, the transactions (public
 * data only: private values appear as hashes in the read-write sets) and, as in Fabric's block metadata, each
 * transaction's validation code, which is not covered by the data hash because validation follows ordering.
 */
import canonicalize from 'canonicalize';
import type { ValidationCode } from './errors';
import type { TxRwSet } from './rwset';
import { sha256 } from './state';

export interface BlockTransaction {
  txId: string;
  /** Client timestamp from the proposal (ISO 8601). */
  timestamp: string;
  creator: { mspId: string; certificate: string };
  chaincode: string;
  fn: string;
  args: string[];
  endorsers: string[];
  response: { status: number; message: string; payload: string /* base64 */ };
  rwset: TxRwSet;
  event?: { eventName: string; payload: string /* base64 */ };
  validationCode: ValidationCode;
}

export interface Block {
  number: number;
  /** hex SHA-256 of the previous block's header; '' for block 0 */
  previousHash: string;
  /** hex SHA-256 of the transactions (without validation codes) */
  dataHash: string;
  /** hex SHA-256 of { number, previousHash, dataHash } */
  hash: string;
  /** When the embedded orderer cut the block (ISO 8601); informative, not hashed. */
  cutAt: string;
  transactions: BlockTransaction[];
}

export function computeDataHash(transactions: readonly BlockTransaction[]): string {
  const data = transactions.map((tx) => {
    const { validationCode: _code, ...ordered } = tx;
    return ordered;
  });
  return sha256(canonicalize(data) ?? '[]').toString('hex');
}

export function computeHeaderHash(number: number, previousHash: string, dataHash: string): string {
  return sha256(canonicalize({ number, previousHash, dataHash }) ?? '').toString('hex');
}

export function buildBlock(number: number, previousHash: string, transactions: BlockTransaction[]): Block {
  const dataHash = computeDataHash(transactions);
  return { number, previousHash, dataHash, hash: computeHeaderHash(number, previousHash, dataHash), cutAt: new Date().toISOString(), transactions };
}

/** Why a block does not verify against its predecessor, or undefined when it does. */
export function verifyBlock(block: Block, expectedNumber: number, previousHash: string): string | undefined {
  if (block.number !== expectedNumber) return `block number ${block.number}, expected ${expectedNumber}`;
  if (block.previousHash !== previousHash) return `block ${block.number} previousHash does not match block ${expectedNumber - 1}`;
  if (computeDataHash(block.transactions) !== block.dataHash) return `block ${block.number} data hash does not match its transactions`;
  if (computeHeaderHash(block.number, block.previousHash, block.dataHash) !== block.hash) return `block ${block.number} header hash is wrong`;
  return undefined;
}
