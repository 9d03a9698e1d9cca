import type { Context } from 'fabric-contract-api';
import { canonicalBytes, parseJson } from './canonical-json';

/** Iterator results as both fabric-shim and the embedded runtime hand them out. */
interface QueryIterator<T> {
  next(): Promise<{ value?: T; done?: boolean }>;
  close(): Promise<void>;
}

interface Kv {
  key: string;
  value: Uint8Array;
}

interface KeyModification {
  txId: string;
  timestamp: { seconds: number | { toString(): string }; nanos: number };
  isDelete: boolean;
  value: Uint8Array;
}

export async function readJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  return bytes && bytes.length > 0 ? parseJson<T>(bytes) : undefined;
}

export async function writeJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await ctx.stub.putState(key, canonicalBytes(value));
}

export async function readPrivateJson<T>(ctx: Context, collection: string, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getPrivateData(collection, key);
  return bytes && bytes.length > 0 ? parseJson<T>(bytes) : undefined;
}

export async function writePrivateJson(ctx: Context, collection: string, key: string, value: unknown): Promise<void> {
  await ctx.stub.putPrivateData(collection, key, canonicalBytes(value));
}

/**
 * Every result of a query, closing the iterator only when it was left before its end. A peer drops an iterator itself
 * once it has sent the last batch (`hasMore` false), and ends all of a transaction's iterators with the transaction;
 * fabric-shim's close() is one more gRPC round trip to the peer for nothing, which a meter's duplicate check would
 * pay once per range read on every endorser.
 */
async function drain<T, R>(iterator: QueryIterator<T>, map: (item: T) => R): Promise<R[]> {
  const out: R[] = [];
  let exhausted = false;
  try {
    for (let res = await iterator.next(); ; res = await iterator.next()) {
      if (res.done) {
        exhausted = true;
        break;
      }
      if (res.value) out.push(map(res.value));
    }
  } finally {
    if (!exhausted) await iterator.close();
  }
  return out;
}

/** Every value under a composite-key prefix, in key order. */
export async function readJsonByPrefix<T>(ctx: Context, objectType: string, attributes: string[]): Promise<{ key: string; value: T }[]> {
  const iterator = (await ctx.stub.getStateByPartialCompositeKey(objectType, attributes)) as unknown as QueryIterator<Kv>;
  return drain(iterator, (kv) => ({ key: kv.key, value: parseJson<T>(kv.value) }));
}

export interface HistoryEntry<T> {
  txId: string;
  timestamp: string;
  isDelete: boolean;
  value: T | null;
}

/** A key's committed history as a Fabric 2.x peer returns it: newest first. */
export async function readHistory<T>(ctx: Context, key: string): Promise<HistoryEntry<T>[]> {
  const iterator = (await ctx.stub.getHistoryForKey(key)) as unknown as QueryIterator<KeyModification>;
  return drain(iterator, (mod) => {
    const seconds = typeof mod.timestamp.seconds === 'number' ? mod.timestamp.seconds : Number(mod.timestamp.seconds.toString());
    return {
      txId: mod.txId,
      timestamp: new Date(seconds * 1000 + Math.floor(mod.timestamp.nanos / 1e6)).toISOString(),
      isDelete: mod.isDelete,
      value: !mod.isDelete && mod.value && mod.value.length > 0 ? parseJson<T>(mod.value) : null,
    };
  });
}

/** Reads one transient entry; private inputs never travel as arguments, which would put them in the block. */
export function transientText(ctx: Context, name: string): string | undefined {
  const value = ctx.stub.getTransient().get(name);
  return value === undefined ? undefined : Buffer.from(value).toString('utf8');
}
