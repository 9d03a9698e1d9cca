/**
 * The peer side of the chaincode protocol for one execution of one transaction on one org's peer: answers the
 * handler calls fabric-shim's ChaincodeStub makes, the way Fabric's handler.go and transaction simulator do.
 * Reads see committed state only (never this transaction's writes), reads and range queries are recorded with
 * versions for MVCC/phantom validation, and Fabric's rules on private data and paginated queries apply.
 */
import { randomUUID } from 'node:crypto';
import { ledger, peer } from '@hyperledger/fabric-protos';
import type { Collection } from './collections';
import { peerError } from './errors';
import { MAX_RAW_RANGE_READS, summarizeReads, type CollectionHashedRwSet, type KVRead, type PrivateWrite, type RangeQueryInfo, type TxRwSet } from './rwset';
import { HistoryQueryIterator, ProtoTimestampClass, StateQueryIterator, type ShimPeerHandler } from './shim-internals';
import { formatVersion, keyHashHex, sha256, type KeySpace, type Version, type WorldState } from './state';

/** Fabric's handler sends at most this many results per QueryResponse. */
const MAX_RESULT_LIMIT = 100;

export interface SimulationContext {
  channel: string;
  chaincode: string;
  txId: string;
  /** The org whose peer executes: its private data view. */
  peerOrg: string;
  /** The org of the proposal's creator: memberOnlyRead/Write checks. */
  creatorOrg: string;
  state: WorldState;
  collections: ReadonlyMap<string, Collection>;
}

/** A peer-side result iterator: pulls one result at a time from the (snapshot) state. */
interface OpenIterator {
  pull(): peer.QueryResultBytes | undefined;
  /** A result pulled ahead to learn whether more exist; it opens the next batch. */
  pending?: peer.QueryResultBytes;
}

interface PrivateCollectionRw {
  hashedReads: Map<string, Version | null>;
  writes: Map<string, PrivateWrite>;
}

export class TxSimulator implements ShimPeerHandler {
  readonly #ctx: SimulationContext;
  readonly #reads = new Map<string, Version | null>();
  readonly #rangeQueries: RangeQueryInfo[] = [];
  readonly #writes = new Map<string, Buffer | null>();
  readonly #metadataWrites = new Map<string, Record<string, string>>();
  readonly #private = new Map<string, PrivateCollectionRw>();
  readonly #iterators = new Map<string, OpenIterator>();
  #writePerformed = false;
  #pvtQueriesPerformed = false;
  #paginatedQueriesPerformed = false;
  #done = false;

  constructor(ctx: SimulationContext) {
    this.#ctx = ctx;
  }

  /** Ends the simulation: later stub calls fail as calls after a transaction completed fail on a peer. */
  done(): { rwset: TxRwSet; privateWrites: PrivateWrite[] } {
    this.#done = true;
    this.#iterators.clear();
    const byKey = <T>(entries: Iterable<[string, T]>) => [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const collections: CollectionHashedRwSet[] = [];
    const privateWrites: PrivateWrite[] = [];
    for (const [collection, rw] of byKey(this.#private.entries())) {
      collections.push({
        collection,
        hashedReads: byKey(rw.hashedReads.entries()).map(([keyHash, version]) => ({ keyHash, version })),
        hashedWrites: byKey([...rw.writes.values()].map((w) => [keyHashHex(w.key), w] as [string, PrivateWrite])).map(([keyHash, w]) => ({
          keyHash,
          isDelete: w.value === null,
          isPurge: w.purge,
          ...(w.value !== null ? { valueHash: sha256(w.value).toString('hex') } : {}),
        })),
      });
      privateWrites.push(...byKey(rw.writes.entries()).map(([, w]) => w));
    }
    const rwset: TxRwSet = {
      namespace: this.#ctx.chaincode,
      reads: byKey(this.#reads.entries()).map(([key, version]) => ({ key, version })),
      rangeQueries: this.#rangeQueries.map((rq) =>
        rq.reads.length > MAX_RAW_RANGE_READS ? { ...rq, reads: [], readsSummary: summarizeReads(rq.reads) } : rq,
      ),
      writes: byKey(this.#writes.entries()).map(([key, value]) =>
        value === null ? { key, isDelete: true } : { key, isDelete: false, value: value.toString('base64') },
      ),
      metadataWrites: byKey(this.#metadataWrites.entries()).map(([key, entries]) => ({ key, entries })),
      collections,
    };
    return { rwset, privateWrites };
  }

  // ---- state -------------------------------------------------------------------------------------------------

  async handleGetState(collection: string, key: string, _channelId: string, txId: string): Promise<Buffer> {
    this.#live('GET_STATE', txId);
    if (!collection) {
      const entry = this.#ctx.state.publicSpace(this.#ctx.chaincode).get(key);
      if (!this.#reads.has(key)) this.#reads.set(key, entry ? entry.version : null);
      return entry ? Buffer.from(entry.value) : Buffer.alloc(0);
    }
    const coll = this.#collection('GET_STATE', txId, collection);
    this.#assertReadAccess('GET_STATE', txId, coll);
    return this.#readPrivate('GET_STATE', txId, coll, key);
  }

  async handleGetPrivateDataHash(collection: string, key: string, _channelId: string, txId: string): Promise<Buffer> {
    this.#live('GET_PRIVATE_DATA_HASH', txId);
    const coll = this.#collection('GET_PRIVATE_DATA_HASH', txId, collection);
    const keyHash = keyHashHex(key);
    const hashed = this.#ctx.state.hashedSpace(this.#ctx.chaincode, coll.name).get(keyHash);
    const rw = this.#privateRw(coll.name);
    if (!rw.hashedReads.has(keyHash)) rw.hashedReads.set(keyHash, hashed ? hashed.version : null);
    return hashed ? Buffer.from(hashed.valueHash) : Buffer.alloc(0);
  }

  async handlePutState(collection: string, key: string, value: Uint8Array, _channelId: string, txId: string): Promise<Buffer> {
    const type = 'PUT_STATE';
    this.#live(type, txId);
    const bytes = value && value.length > 0 ? Buffer.from(value) : null; // an empty value is a delete, as in Fabric's rwset
    if (!collection) {
      this.#checkWritePrecondition(type, txId);
      this.#writes.set(key, bytes);
      return Buffer.alloc(0);
    }
    const coll = this.#collection(type, txId, collection);
    this.#assertWriteAccess(type, txId, coll);
    this.#checkWritePrecondition(type, txId);
    this.#privateRw(coll.name).writes.set(key, { collection: coll.name, key, value: bytes, purge: false });
    return Buffer.alloc(0);
  }

  async handleDeleteState(collection: string, key: string, _channelId: string, txId: string): Promise<Buffer> {
    const type = 'DEL_STATE';
    this.#live(type, txId);
    if (!collection) {
      this.#checkWritePrecondition(type, txId);
      this.#writes.set(key, null);
      return Buffer.alloc(0);
    }
    const coll = this.#collection(type, txId, collection);
    this.#assertWriteAccess(type, txId, coll);
    this.#checkWritePrecondition(type, txId);
    this.#privateRw(coll.name).writes.set(key, { collection: coll.name, key, value: null, purge: false });
    return Buffer.alloc(0);
  }

  async handlePurgeState(collection: string, key: string, _channelId: string, txId: string): Promise<Buffer> {
    const type = 'PURGE_PRIVATE_DATA';
    this.#live(type, txId);
    const coll = this.#collection(type, txId, collection);
    this.#assertWriteAccess(type, txId, coll);
    this.#checkWritePrecondition(type, txId);
    this.#privateRw(coll.name).writes.set(key, { collection: coll.name, key, value: null, purge: true });
    return Buffer.alloc(0);
  }

  async handlePutStateMetadata(collection: string, key: string, metakey: string, ep: Uint8Array, _channelId: string, txId: string): Promise<Buffer> {
    const type = 'PUT_STATE_METADATA';
    this.#live(type, txId);
    if (collection) throw peerError(type, txId, 'private data key-level metadata is not supported by the embedded runtime');
    this.#checkWritePrecondition(type, txId);
    const entries = { ...(this.#metadataWrites.get(key) ?? {}) };
    entries[metakey] = Buffer.from(ep ?? []).toString('base64');
    this.#metadataWrites.set(key, entries);
    return Buffer.alloc(0);
  }

  async handleGetStateMetadata(collection: string, key: string, _channelId: string, txId: string): Promise<Record<string, Uint8Array>> {
    const type = 'GET_STATE_METADATA';
    this.#live(type, txId);
    if (collection) throw peerError(type, txId, 'private data key-level metadata is not supported by the embedded runtime');
    const entry = this.#ctx.state.publicSpace(this.#ctx.chaincode).get(key);
    if (!this.#reads.has(key)) this.#reads.set(key, entry ? entry.version : null);
    const out: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(entry?.metadata ?? {})) out[k] = Buffer.from(v);
    return out;
  }

  // ---- queries -----------------------------------------------------------------------------------------------

  async handleGetStateByRange(collection: string, startKey: string, endKey: string, channelId: string, txId: string, metadata?: Uint8Array): Promise<unknown> {
    const type = 'GET_STATE_BY_RANGE';
    this.#live(type, txId);
    const paging = metadata && metadata.length > 0 ? peer.QueryMetadata.deserializeBinary(metadata) : undefined;
    if (collection) {
      const coll = this.#collection(type, txId, collection);
      this.#assertReadAccess(type, txId, coll);
      if (this.#writePerformed) {
        throw peerError(type, txId, `txid [${txId}]: unsuppored transaction. Queries on pvt data is supported only in a read-only transaction`);
      }
      this.#pvtQueriesPerformed = true;
      const space = this.#ctx.state.privateSpace(this.#ctx.peerOrg, this.#ctx.chaincode, coll.name);
      const keys = space.keysInRange(startKey, endKey ?? '');
      return this.#respond(channelId, txId, this.#kvIterator(space, keys));
    }
    const space = this.#ctx.state.publicSpace(this.#ctx.chaincode);
    if (paging) {
      if (this.#writePerformed) {
        throw peerError(type, txId, `txid [${txId}]: unsuppored transaction. Paginated queries are supported only in a read-only transaction`);
      }
      this.#paginatedQueriesPerformed = true;
      const pageSize = paging.getPagesize();
      const from = paging.getBookmark() || startKey;
      const all = space.keysInRange(from, endKey ?? '');
      const page = pageSize > 0 ? all.slice(0, pageSize) : all;
      const info: RangeQueryInfo = { startKey: from, endKey: endKey ?? '', itrExhausted: page.length === all.length, reads: [] };
      this.#rangeQueries.push(info);
      const responseMetadata = new peer.QueryResponseMetadata();
      responseMetadata.setFetchedRecordsCount(page.length);
      responseMetadata.setBookmark(all.length > page.length ? all[page.length] : '');
      return this.#respond(channelId, txId, this.#kvIterator(space, page, info.reads, () => undefined), responseMetadata.serializeBinary());
    }
    const keys = space.keysInRange(startKey, endKey ?? '');
    const info: RangeQueryInfo = { startKey, endKey: endKey ?? '', itrExhausted: false, reads: [] };
    this.#rangeQueries.push(info);
    return this.#respond(channelId, txId, this.#kvIterator(space, keys, info.reads, () => (info.itrExhausted = true)));
  }

  async handleQueryStateNext(id: string, _channelId: string, txId: string): Promise<peer.QueryResponse> {
    this.#live('QUERY_STATE_NEXT', txId);
    const iterator = this.#iterators.get(id);
    if (!iterator) throw peerError('QUERY_STATE_NEXT', txId, 'query iterator not found');
    return this.#page(id, iterator);
  }

  async handleQueryStateClose(id: string, _channelId: string, txId: string): Promise<peer.QueryResponse> {
    this.#live('QUERY_STATE_CLOSE', txId);
    this.#iterators.delete(id);
    const response = new peer.QueryResponse();
    response.setHasMore(false);
    response.setId(id);
    return response;
  }

  async handleGetQueryResult(_collection: string, _query: string, _metadata: Uint8Array | null, _channelId: string, txId: string): Promise<unknown> {
    this.#live('GET_QUERY_RESULT', txId);
    // The embedded runtime models a LevelDB state database, which has no rich queries.
    throw peerError('GET_QUERY_RESULT', txId, 'ExecuteQuery not supported for leveldb');
  }

  async handleGetHistoryForKey(key: string, channelId: string, txId: string): Promise<unknown> {
    this.#live('GET_HISTORY_FOR_KEY', txId);
    const history = [...this.#ctx.state.historyOf(this.#ctx.chaincode, key)].reverse(); // newest first, as Fabric 2.x returns it
    let pos = 0;
    const iterator: OpenIterator = {
      pull: () => {
        if (pos >= history.length) return undefined;
        const h = history[pos++];
        const km = new ledger.queryresult.KeyModification();
        km.setTxId(h.txId);
        km.setValue(h.value);
        km.setIsDelete(h.isDelete);
        km.setTimestamp(ProtoTimestampClass.fromDate(h.timestamp) as unknown as Parameters<ledger.queryresult.KeyModification['setTimestamp']>[0]);
        const bytes = new peer.QueryResultBytes();
        bytes.setResultbytes(km.serializeBinary());
        return bytes;
      },
    };
    const id = randomUUID();
    this.#iterators.set(id, iterator);
    return new HistoryQueryIterator(this, channelId, txId, this.#page(id, iterator));
  }

  async handleInvokeChaincode(_name: string, _args: string[], _channelId: string, txId: string): Promise<unknown> {
    this.#live('INVOKE_CHAINCODE', txId);
    throw peerError('INVOKE_CHAINCODE', txId, 'chaincode-to-chaincode invocation is not supported by the embedded runtime');
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  #live(type: string, txId: string): void {
    if (this.#done) throw peerError(type, txId, 'transaction context not found (timed out ?)');
  }

  #collection(type: string, txId: string, name: string): Collection {
    const coll = this.#ctx.collections.get(name);
    if (!coll) throw peerError(type, txId, `collection [${name}] not defined in the collection config for chaincode [${this.#ctx.chaincode}]`);
    return coll;
  }

  #assertReadAccess(type: string, txId: string, coll: Collection): void {
    if (coll.memberOnlyRead && !coll.members.includes(this.#ctx.creatorOrg)) {
      throw peerError(type, txId, `tx creator does not have read access permission on privatedata in chaincodeName:${this.#ctx.chaincode} collectionName: ${coll.name}`);
    }
  }

  #assertWriteAccess(type: string, txId: string, coll: Collection): void {
    if (coll.memberOnlyWrite && !coll.members.includes(this.#ctx.creatorOrg)) {
      throw peerError(type, txId, `tx creator does not have write access permission on privatedata in chaincodeName:${this.#ctx.chaincode} collectionName: ${coll.name}`);
    }
  }

  #checkWritePrecondition(type: string, txId: string): void {
    if (this.#pvtQueriesPerformed) {
      throw peerError(type, txId, `txid [${txId}]: unsuppored transaction. Transaction has already performed queries on pvt data. Writes are not allowed`);
    }
    if (this.#paginatedQueriesPerformed) {
      throw peerError(type, txId, `txid [${txId}]: unsuppored transaction. Transaction has already performed a paginated query. Writes are not allowed`);
    }
    this.#writePerformed = true;
  }

  #privateRw(collection: string): PrivateCollectionRw {
    let rw = this.#private.get(collection);
    if (!rw) this.#private.set(collection, (rw = { hashedReads: new Map(), writes: new Map() }));
    return rw;
  }

  #readPrivate(type: string, txId: string, coll: Collection, key: string): Buffer {
    const { state, chaincode, peerOrg } = this.#ctx;
    const keyHash = keyHashHex(key);
    const hashed = state.hashedSpace(chaincode, coll.name).get(keyHash);
    const rw = this.#privateRw(coll.name);
    if (!rw.hashedReads.has(keyHash)) rw.hashedReads.set(keyHash, hashed ? hashed.version : null);
    if (!hashed) return Buffer.alloc(0);
    const pvt = state.privateSpace(peerOrg, chaincode, coll.name).get(key);
    if (!pvt || pvt.version.blockNum !== hashed.version.blockNum || pvt.version.txNum !== hashed.version.txNum) {
      throw peerError(
        type,
        txId,
        `private data matching public hash version is not available. Public hash version = ${formatVersion(hashed.version)}, Private data version = ${formatVersion(pvt?.version)}`,
      );
    }
    return Buffer.from(pvt.value);
  }

  #kvIterator(space: KeySpace<{ value: Buffer; version: Version }>, keys: string[], record?: KVRead[], onExhausted?: () => void): OpenIterator {
    let pos = 0;
    const ns = this.#ctx.chaincode;
    return {
      pull: () => {
        while (pos < keys.length) {
          const key = keys[pos++];
          const entry = space.get(key);
          if (!entry) continue;
          // Recorded when pulled from the state, as Fabric's range query results helper does.
          record?.push({ key, version: entry.version });
          const kv = new ledger.queryresult.KV();
          kv.setNamespace(ns);
          kv.setKey(key);
          kv.setValue(Buffer.from(entry.value));
          const bytes = new peer.QueryResultBytes();
          bytes.setResultbytes(kv.serializeBinary());
          return bytes;
        }
        onExhausted?.();
        return undefined;
      },
    };
  }

  /**
   * One batch of at most MAX_RESULT_LIMIT results, built as Fabric's QueryResponseBuilder does: it pulls one result
   * ahead, so `hasMore` is only true when another result really exists (the shim's iterator relies on that).
   */
  #page(id: string, iterator: OpenIterator): peer.QueryResponse {
    const results: peer.QueryResultBytes[] = [];
    if (iterator.pending) results.push(iterator.pending);
    iterator.pending = undefined;
    let hasMore = false;
    for (;;) {
      const next = iterator.pull();
      if (!next) break;
      if (results.length === MAX_RESULT_LIMIT) {
        iterator.pending = next;
        hasMore = true;
        break;
      }
      results.push(next);
    }
    if (!hasMore) this.#iterators.delete(id);
    const response = new peer.QueryResponse();
    response.setResultsList(results);
    response.setHasMore(hasMore);
    response.setId(id);
    return response;
  }

  /** Shapes the answer as fabric-shim's handler does after decoding a GetStateByRange/GetQueryResult response. */
  #respond(channelId: string, txId: string, iterator: OpenIterator, metadata?: Uint8Array): unknown {
    const id = randomUUID();
    this.#iterators.set(id, iterator);
    const response = this.#page(id, iterator);
    if (metadata) response.setMetadata(metadata);
    const result: { iterator: unknown; metadata?: { bookmark: string; fetchedRecordsCount: number } } = {
      iterator: new StateQueryIterator(this, channelId, txId, response),
    };
    if (metadata) {
      const decoded = peer.QueryResponseMetadata.deserializeBinary(metadata);
      result.metadata = { bookmark: decoded.getBookmark(), fetchedRecordsCount: decoded.getFetchedRecordsCount() };
    }
    return result;
  }
}
