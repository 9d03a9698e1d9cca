/**
 * Read-write sets in Fabric's shape (kvrwset + hashed private rwsets) for the one chaincode namespace a transaction
 * touches. Values are base64 so read-write sets and blocks are plain JSON.
 */
import { createHash } from 'node:crypto';
import type { Version } from './state';

export interface KVRead {
  key: string;
  version: Version | null;
}

export interface KVWrite {
  key: string;
  isDelete: boolean;
  /** base64; absent for deletes */
  value?: string;
}

export interface RangeQueryInfo {
  startKey: string;
  endKey: string;
  itrExhausted: boolean;
  /** The keys and versions the range returned; empty when they are summarised. */
  reads: KVRead[];
  /**
   * Beyond MAX_RAW_RANGE_READS results the reads are kept as a digest, as Fabric keeps Merkle hashes instead of raw
   * reads past its maxDegree, so range-heavy transactions do not bloat blocks. Validation compares digests.
   */
  readsSummary?: RangeReadsSummary;
}

export interface RangeReadsSummary {
  count: number;
  lastKey: string;
  /** hex SHA-256 over the [key, blockNum, txNum] list */
  hash: string;
}

/** Fabric's default maxDegree for range query read summaries. */
export const MAX_RAW_RANGE_READS = 50;

export function summarizeReads(reads: readonly { key: string; version: Version | null }[]): RangeReadsSummary {
  const list = reads.map((r) => [r.key, r.version?.blockNum ?? -1, r.version?.txNum ?? -1]);
  return {
    count: reads.length,
    lastKey: reads.length ? reads[reads.length - 1].key : '',
    hash: createHash('sha256').update(JSON.stringify(list)).digest('hex'),
  };
}

export interface KVMetadataWrite {
  key: string;
  /** metakey -> base64 value */
  entries: Record<string, string>;
}

export interface HashedRead {
  keyHash: string;
  version: Version | null;
}

export interface HashedWrite {
  keyHash: string;
  isDelete: boolean;
  isPurge: boolean;
  /** hex SHA-256 of the value; absent for deletes and purges */
  valueHash?: string;
}

export interface CollectionHashedRwSet {
  collection: string;
  hashedReads: HashedRead[];
  hashedWrites: HashedWrite[];
}

/** What a transaction read and wrote, as every peer of the channel sees it (private values only as hashes). */
export interface TxRwSet {
  namespace: string;
  reads: KVRead[];
  rangeQueries: RangeQueryInfo[];
  writes: KVWrite[];
  metadataWrites: KVMetadataWrite[];
  collections: CollectionHashedRwSet[];
}

/** A private write with its value: disseminated to member orgs' peers, never put in a block. */
export interface PrivateWrite {
  collection: string;
  key: string;
  /** null: delete or purge */
  value: Buffer | null;
  purge: boolean;
}

export function hasWrites(rwset: TxRwSet): boolean {
  return rwset.writes.length > 0 || rwset.metadataWrites.length > 0 || rwset.collections.some((c) => c.hashedWrites.length > 0);
}

export function writtenCollections(rwset: TxRwSet): string[] {
  return rwset.collections.filter((c) => c.hashedWrites.length > 0).map((c) => c.collection);
}

export function touchedCollections(rwset: TxRwSet): string[] {
  return rwset.collections.map((c) => c.collection);
}
