/**
 * One channel of the embedded network: its world state and every org's private data, the block store, the orderer
 * that cuts ordered transactions into blocks, and the committer that validates and applies them in order.
 *
 * Commit order on disk: each member org's private data record, then the block (each fsynced); state is applied only
 * after both are durable. On open, blocks are verified along the hash chain and replayed to rebuild state; private
 * data records of blocks that never made it to disk are dropped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildBlock, verifyBlock, type Block, type BlockTransaction } from './block';
import { ChaincodeContainer, type ExecutionResult } from './chaincode';
import type { Collection } from './collections';
import { LedgerCorruptedError, RuntimeUsageError, type ValidationCode } from './errors';
import type { BlockSource } from './events';
import { policyFromEnvelope, type Policy } from './policy';
import type { Proposal } from './proposal';
import { readLog, RecordLog } from './record-log';
import type { PrivateWrite, TxRwSet } from './rwset';
import { TxSimulator } from './tx-simulator';
import { SnapshotGate } from './snapshot-gate';
import { keyHashHex, WorldState, type Version } from './state';
import { BlockUpdates, checkEndorsementPolicy, recordUpdates, validateReads, VALIDATION_PARAMETER } from './validator';
import type { Contract } from 'fabric-contract-api';

export interface ChaincodeDefinition {
  name: string;
  contracts: readonly (typeof Contract)[];
  collections: ReadonlyMap<string, Collection>;
  endorsementPolicy: Policy;
}

export interface ChannelConfig {
  name: string;
  orgs: readonly string[];
  chaincodes: ReadonlyMap<string, ChaincodeDefinition>;
  dir: string;
  batchTimeoutMs: number;
  maxTxPerBlock: number;
  executeTimeoutMs: number;
  warn: (message: string) => void;
}

export interface Execution {
  org: string;
  result: ExecutionResult;
  rwset: TxRwSet;
  privateWrites: PrivateWrite[];
}

export interface TxStatus {
  validationCode: ValidationCode;
  blockNumber: number;
  txIndex: number;
}

/** A private data entry as one org's peer persists it. */
interface PrivateRecordEntry {
  txNum: number;
  ns: string;
  collection: string;
  key: string;
  value: string | null;
  purge: boolean;
}

interface PrivateRecord {
  block: number;
  entries: PrivateRecordEntry[];
}

interface Ordered {
  tx: BlockTransaction;
  privateWrites: readonly PrivateWrite[];
  resolve: (status: TxStatus) => void;
  reject: (err: unknown) => void;
}

interface Expiry {
  ns: string;
  collection: string;
  keyHash: string;
  version: Version;
  /** set for private (per-org) entries */
  org?: string;
  key?: string;
}

export class Channel implements BlockSource {
  readonly channel: string;
  readonly orgs: readonly string[];
  readonly chaincodes: ReadonlyMap<string, ChaincodeDefinition>;
  readonly #config: ChannelConfig;
  readonly #state = new WorldState();
  readonly #gate = new SnapshotGate();
  readonly #blocks: Block[] = [];
  readonly #txStatus = new Map<string, TxStatus>();
  readonly #containers = new Map<string, ChaincodeContainer>();
  readonly #expiries = new Map<number, Expiry[]>();
  readonly #blockLog: RecordLog;
  readonly #privateLogs = new Map<string, RecordLog>();
  /**
   * Per org, what its private data file must lose at the next compaction: every version of a purged key up to the
   * purge's block (Fabric's purge), and each expired version (blockToLive). Other history stays, as on a peer.
   */
  readonly #dropped = new Map<string, { purged: Map<string, number>; expired: Set<string> }>();
  #queue: Ordered[] = [];
  #timer: NodeJS.Timeout | undefined;
  #commitChain: Promise<void> = Promise.resolve();
  #heightWaiters: (() => void)[] = [];
  #failure: Error | undefined;
  #closed = false;

  private constructor(config: ChannelConfig) {
    this.#config = config;
    this.channel = config.name;
    this.orgs = config.orgs;
    this.chaincodes = config.chaincodes;
    fs.mkdirSync(config.dir, { recursive: true });
    this.#blockLog = new RecordLog(path.join(config.dir, 'blocks.log'));
    for (const org of config.orgs) this.#privateLogs.set(org, new RecordLog(this.#privateLogFile(org)));
  }

  static async open(config: ChannelConfig): Promise<Channel> {
    const channel = new Channel(config);
    await channel.#recover();
    return channel;
  }

  // ---- endorsement ---------------------------------------------------------------------------------------------

  /**
   * Runs `fn` on one committed snapshot: every execution it starts sees the same state, as peers in sync would,
   * so differing endorsements can only come from the chaincode itself.
   */
  onSnapshot<T>(fn: (execute: (proposal: Proposal, org: string, creatorOrg: string) => Promise<Execution>) => Promise<T>): Promise<T> {
    return this.#gate.read(() => fn((proposal, org, creatorOrg) => this.#execute(proposal, org, creatorOrg)));
  }

  /** Simulates the proposal on `org`'s peer; callers hold the snapshot (onSnapshot). */
  async #execute(proposal: Proposal, org: string, creatorOrg: string): Promise<Execution> {
    const definition = this.chaincodes.get(proposal.chaincode);
    if (!definition) throw new RuntimeUsageError(`chaincode ${proposal.chaincode} is not defined on channel ${this.channel}`);
    const simulator = new TxSimulator({
      channel: this.channel,
      chaincode: definition.name,
      txId: proposal.txId,
      peerOrg: org,
      creatorOrg,
      state: this.#state,
      collections: definition.collections,
    });
    let result: ExecutionResult;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A peer gives up on chaincode that does not answer (core.yaml chaincode.executetimeout); so does this runtime,
      // which would otherwise hold its snapshot, and every commit, forever.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout expired while executing transaction')), this.#config.executeTimeoutMs);
      });
      result = await Promise.race([this.#container(definition, org).execute(proposal, simulator, org), timeout]);
    } catch (err) {
      const abandoned = simulator.done();
      if (err instanceof Error && err.message === 'timeout expired while executing transaction') {
        return { org, result: { status: 500, message: err.message, payload: Buffer.alloc(0) }, rwset: abandoned.rwset, privateWrites: [] };
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    // From here on, stub calls the chaincode left running fail and their writes are lost, as on a peer.
    const outcome = simulator.done();
    return { org, result, rwset: outcome.rwset, privateWrites: outcome.privateWrites };
  }

  #container(definition: ChaincodeDefinition, org: string): ChaincodeContainer {
    const id = `${definition.name}\u0000${org}`;
    let container = this.#containers.get(id);
    if (!container) this.#containers.set(id, (container = new ChaincodeContainer(definition.name, definition.contracts)));
    return container;
  }

  // ---- ordering and commit -------------------------------------------------------------------------------------

  /** Orders a transaction; resolves with its validation outcome once its block is durable and applied. */
  order(tx: BlockTransaction, privateWrites: readonly PrivateWrite[]): Promise<TxStatus> {
    if (this.#closed) return Promise.reject(new RuntimeUsageError('the embedded runtime is closed'));
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<TxStatus>((resolve, reject) => {
      this.#queue.push({ tx, privateWrites, resolve, reject });
      if (this.#queue.length >= this.#config.maxTxPerBlock) this.#cut();
      else this.#timer ??= setTimeout(() => this.#cut(), this.#config.batchTimeoutMs);
    });
  }

  #cut(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#config.maxTxPerBlock);
      this.#commitChain = this.#commitChain.then(() => this.#commitBatch(batch));
    }
  }

  async #commitBatch(batch: Ordered[]): Promise<void> {
    if (this.#failure) {
      for (const item of batch) item.reject(this.#failure);
      return;
    }
    try {
      const number = this.#blocks.length;
      const previousHash = number > 0 ? this.#blocks[number - 1].hash : '';
      const updates = new BlockUpdates();
      const seen = new Set<string>();
      const transactions = batch.map((item, txNum): BlockTransaction => {
        const code = this.#validate(item.tx, txNum, number, updates, seen);
        return { ...item.tx, validationCode: code };
      });
      const block = buildBlock(number, previousHash, transactions);
      const privateRecords = this.#privateRecords(block, batch.map((b) => b.privateWrites));
      await Promise.all([...privateRecords].map(([org, record]) => (this.#privateLogs.get(org) as RecordLog).append(Buffer.from(JSON.stringify(record)))));
      await this.#blockLog.append(Buffer.from(JSON.stringify(block)));
      let dirtyOrgs = new Set<string>();
      await this.#gate.write(() => {
        dirtyOrgs = this.#apply(block, privateRecords);
      });
      await this.#compact(dirtyOrgs);
      this.#notifyHeight();
      block.transactions.forEach((tx, txIndex) => batch[txIndex].resolve({ validationCode: tx.validationCode, blockNumber: number, txIndex }));
    } catch (err) {
      // State and disk may now disagree: stop committing rather than risk a wrong ledger.
      this.#failure = err instanceof Error ? err : new Error(String(err));
      for (const item of batch) item.reject(this.#failure);
    }
  }

  #validate(tx: BlockTransaction, txNum: number, blockNum: number, updates: BlockUpdates, seen: Set<string>): ValidationCode {
    if (this.#txStatus.has(tx.txId) || seen.has(tx.txId)) return 'DUPLICATE_TXID';
    seen.add(tx.txId);
    const definition = this.chaincodes.get(tx.chaincode);
    if (!definition) return 'INVALID_OTHER_REASON';
    const keyPolicy = (key: string): Policy | undefined => {
      const id = `${tx.rwset.namespace}\u0000${key}`;
      const bytes = updates.validationParameters.has(id)
        ? updates.validationParameters.get(id)
        : this.#state.publicSpace(tx.rwset.namespace).get(key)?.metadata?.[VALIDATION_PARAMETER];
      if (!bytes || bytes.length === 0) return undefined;
      try {
        return policyFromEnvelope(bytes);
      } catch {
        return { kind: 'outOf', n: 1, rules: [] }; // an unreadable policy is never satisfied
      }
    };
    if (!checkEndorsementPolicy(tx.rwset, tx.endorsers, definition, keyPolicy)) return 'ENDORSEMENT_POLICY_FAILURE';
    const code = validateReads(tx.rwset, this.#state, updates);
    if (code === 'VALID') recordUpdates(tx.rwset, { blockNum, txNum }, updates);
    return code;
  }

  /** Each member org's share of the block's valid private writes. */
  #privateRecords(block: Block, privateWrites: readonly (readonly PrivateWrite[])[]): Map<string, PrivateRecord> {
    const records = new Map<string, PrivateRecord>();
    block.transactions.forEach((tx, txNum) => {
      if (tx.validationCode !== 'VALID') return;
      const definition = this.chaincodes.get(tx.chaincode) as ChaincodeDefinition;
      for (const w of privateWrites[txNum]) {
        const members = definition.collections.get(w.collection)?.members ?? [];
        for (const org of members) {
          let record = records.get(org);
          if (!record) records.set(org, (record = { block: block.number, entries: [] }));
          record.entries.push({ txNum, ns: tx.chaincode, collection: w.collection, key: w.key, value: w.value ? w.value.toString('base64') : null, purge: w.purge });
        }
      }
    });
    return records;
  }

  /** Applies a verified block to state; returns the orgs whose private data lost entries (purge or expiry). */
  #apply(block: Block, privateRecords: ReadonlyMap<string, PrivateRecord>): Set<string> {
    const dirty = new Set<string>();
    const state = this.#state;
    block.transactions.forEach((tx, txNum) => {
      // A duplicate keeps the status of the transaction it duplicates, as a peer's transaction index does.
      if (tx.validationCode !== 'DUPLICATE_TXID') this.#txStatus.set(tx.txId, { validationCode: tx.validationCode, blockNumber: block.number, txIndex: txNum });
      if (tx.validationCode !== 'VALID') return;
      const version = { blockNum: block.number, txNum };
      const ns = tx.rwset.namespace;
      const space = state.publicSpace(ns);
      const timestamp = new Date(tx.timestamp);
      for (const w of tx.rwset.writes) {
        if (w.isDelete) {
          space.delete(w.key);
          state.appendHistory(ns, w.key, { txId: tx.txId, value: Buffer.alloc(0), isDelete: true, timestamp, version });
        } else {
          const value = Buffer.from(w.value ?? '', 'base64');
          space.set(w.key, { value, version, metadata: space.get(w.key)?.metadata });
          state.appendHistory(ns, w.key, { txId: tx.txId, value, isDelete: false, timestamp, version });
        }
      }
      for (const m of tx.rwset.metadataWrites) {
        const entry = space.get(m.key);
        if (!entry) continue;
        const metadata = { ...(entry.metadata ?? {}) };
        for (const [k, v] of Object.entries(m.entries)) metadata[k] = Buffer.from(v, 'base64');
        space.set(m.key, { value: entry.value, version, metadata });
      }
      const definition = this.chaincodes.get(tx.chaincode);
      for (const c of tx.rwset.collections) {
        const hashed = state.hashedSpace(ns, c.collection);
        const btl = definition?.collections.get(c.collection)?.blockToLive ?? 0;
        for (const w of c.hashedWrites) {
          if (w.isDelete) {
            hashed.delete(w.keyHash);
          } else {
            hashed.set(w.keyHash, { valueHash: Buffer.from(w.valueHash ?? '', 'hex'), version });
            if (btl > 0) this.#scheduleExpiry(block.number + btl + 1, { ns, collection: c.collection, keyHash: w.keyHash, version });
          }
        }
      }
    });
    for (const [org, record] of privateRecords) {
      for (const e of record.entries) {
        const space = state.privateSpace(org, e.ns, e.collection);
        const version = { blockNum: record.block, txNum: e.txNum };
        if (e.value === null) {
          space.delete(e.key);
          if (e.purge) {
            this.#droppedOf(org).purged.set(entryId(e.ns, e.collection, e.key), record.block);
            dirty.add(org);
          }
        } else {
          space.set(e.key, { value: Buffer.from(e.value, 'base64'), version });
          const btl = this.chaincodes.get(e.ns)?.collections.get(e.collection)?.blockToLive ?? 0;
          if (btl > 0) this.#scheduleExpiry(record.block + btl + 1, { ns: e.ns, collection: e.collection, keyHash: keyHashHex(e.key), version, org, key: e.key });
        }
      }
    }
    for (const expiry of this.#expiries.get(block.number) ?? []) {
      const same = (v: Version | undefined) => v !== undefined && v.blockNum === expiry.version.blockNum && v.txNum === expiry.version.txNum;
      if (expiry.org !== undefined && expiry.key !== undefined) {
        const space = state.privateSpace(expiry.org, expiry.ns, expiry.collection);
        if (same(space.get(expiry.key)?.version)) {
          space.delete(expiry.key);
          this.#droppedOf(expiry.org).expired.add(versionId(entryId(expiry.ns, expiry.collection, expiry.key), expiry.version.blockNum, expiry.version.txNum));
          dirty.add(expiry.org);
        }
      } else {
        const hashed = state.hashedSpace(expiry.ns, expiry.collection);
        if (same(hashed.get(expiry.keyHash)?.version)) hashed.delete(expiry.keyHash);
      }
    }
    this.#expiries.delete(block.number);
    this.#blocks.push(block);
    return dirty;
  }

  #scheduleExpiry(atBlock: number, expiry: Expiry): void {
    let list = this.#expiries.get(atBlock);
    if (!list) this.#expiries.set(atBlock, (list = []));
    list.push(expiry);
  }

  #droppedOf(org: string): { purged: Map<string, number>; expired: Set<string> } {
    let dropped = this.#dropped.get(org);
    if (!dropped) this.#dropped.set(org, (dropped = { purged: new Map(), expired: new Set() }));
    return dropped;
  }

  /**
   * Rewrites an org's private data file without what its peer no longer holds, so purged and expired values leave
   * the disk. As Fabric's private data store: a purge removes every version of the key committed at or before the
   * purge (the purge entry itself included); an expiry removes that version; every other version, deletes included,
   * stays in the history.
   */
  async #compact(orgs: ReadonlySet<string>): Promise<void> {
    for (const org of orgs) {
      const dropped = this.#dropped.get(org);
      this.#dropped.delete(org);
      if (!dropped) continue;
      const records: Buffer[] = [];
      for (const raw of readLog(this.#privateLogFile(org)).records) {
        const record = JSON.parse(raw.toString('utf8')) as PrivateRecord;
        const entries = record.entries.filter((e) => {
          const id = entryId(e.ns, e.collection, e.key);
          const purgedAt = dropped.purged.get(id);
          if (purgedAt !== undefined && record.block <= purgedAt) return false;
          return !dropped.expired.has(versionId(id, record.block, e.txNum));
        });
        if (entries.length > 0) records.push(Buffer.from(JSON.stringify({ block: record.block, entries } satisfies PrivateRecord)));
      }
      await (this.#privateLogs.get(org) as RecordLog).rewrite(records);
    }
  }

  // ---- recovery ------------------------------------------------------------------------------------------------

  async #recover(): Promise<void> {
    const blockFile = this.#blockLog.file;
    const opened = readLog(blockFile);
    if (opened.truncatedBytes > 0) {
      this.#config.warn(
        `channel ${this.channel}: dropped a torn last block record (${opened.truncatedBytes} bytes, ${opened.tornReason}) from ${blockFile}; ` +
          'it was never acknowledged',
      );
    }
    const blocks: Block[] = [];
    for (const [i, raw] of opened.records.entries()) {
      let block: Block;
      try {
        block = JSON.parse(raw.toString('utf8')) as Block;
      } catch {
        throw new LedgerCorruptedError(`block record ${i} is not valid JSON`, blockFile);
      }
      const why = verifyBlock(block, i, i > 0 ? blocks[i - 1].hash : '');
      if (why) throw new LedgerCorruptedError(`hash chain broken: ${why}`, blockFile);
      blocks.push(block);
    }
    const privateByOrg = new Map<string, Map<number, PrivateRecord>>();
    for (const org of this.orgs) {
      const file = this.#privateLogFile(org);
      const log = readLog(file);
      if (log.truncatedBytes > 0) this.#config.warn(`channel ${this.channel}: dropped a torn last private data record of ${org} from ${file}`);
      const records = log.records.map((r) => JSON.parse(r.toString('utf8')) as PrivateRecord);
      const kept = records.filter((r) => r.block < blocks.length);
      if (kept.length !== records.length) {
        // Private data written for a block that never reached the block file: that block was never acknowledged.
        await (this.#privateLogs.get(org) as RecordLog).rewrite(kept.map((r) => Buffer.from(JSON.stringify(r))));
      }
      const byBlock = new Map<number, PrivateRecord>();
      for (const r of kept) {
        const existing = byBlock.get(r.block);
        if (existing) existing.entries.push(...r.entries);
        else byBlock.set(r.block, { block: r.block, entries: [...r.entries] });
      }
      privateByOrg.set(org, byBlock);
    }
    const dirty = new Set<string>();
    for (const block of blocks) {
      const records = new Map<string, PrivateRecord>();
      for (const [org, byBlock] of privateByOrg) {
        const record = byBlock.get(block.number);
        if (record) records.set(org, record);
      }
      for (const org of this.#apply(block, records)) dirty.add(org);
    }
    await this.#compact(dirty);
  }

  #privateLogFile(org: string): string {
    return path.join(this.#config.dir, `private-${encodeURIComponent(org)}.log`);
  }

  // ---- reads ---------------------------------------------------------------------------------------------------

  height(): number {
    return this.#blocks.length;
  }

  blockAt(n: number): Block {
    const block = this.#blocks[n];
    if (!block) throw new RuntimeUsageError(`channel ${this.channel} has no block ${n} (height ${this.#blocks.length})`);
    return block;
  }

  txStatus(txId: string): TxStatus | undefined {
    return this.#txStatus.get(txId);
  }

  privateData(org: string, chaincode: string, collection: string, key: string): Buffer | undefined {
    const entry = this.#state.privateSpace(org, chaincode, collection).get(key);
    return entry ? Buffer.from(entry.value) : undefined;
  }

  waitForHeight(height: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.#blocks.length > height) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (this.#closed) resolve(false);
        else if (this.#blocks.length > height) resolve(true);
        else this.#heightWaiters.push(check);
      };
      this.#heightWaiters.push(check);
    });
  }

  #notifyHeight(): void {
    const waiters = this.#heightWaiters;
    this.#heightWaiters = [];
    for (const w of waiters) w();
  }

  /** Commits what is already ordered, then stops. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#cut();
    this.#closed = true;
    await this.#commitChain;
    this.#notifyHeight();
    await this.#blockLog.close();
    for (const log of this.#privateLogs.values()) await log.close();
  }
}

/** A private key's identity within an org's store: namespace, collection, key. */
function entryId(ns: string, collection: string, key: string): string {
  return `${ns}\u0000${collection}\u0000${key}`;
}

function versionId(id: string, blockNum: number, txNum: number): string {
  return `${id}\u0000${blockNum}\u0000${txNum}`;
}
