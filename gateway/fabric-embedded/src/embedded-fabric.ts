/**
 * EmbeddedFabric: a single-process Fabric network for development and tests (orgs with CAs, channels, chaincodes
 * with collections), with a peer's chaincode semantics. It is not distributed and makes no claim to be.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Contract } from 'fabric-contract-api';
import type { Block, BlockTransaction } from './block';
import { Channel, type ChaincodeDefinition, type Execution } from './channel';
import { resolveCollections, type CollectionConfig } from './collections';
import { chooseEndorsers, endorsementDifference } from './endorsement';
import { EndorseError, EndorsementMismatchError, RuntimeUsageError, TxValidationError, type ValidationCode } from './errors';
import { eventStream, type EventStream } from './events';
import { issuedBy, OrgCa, type Identity, type IdentityOptions } from './identity';
import { majorityOf, parsePolicy } from './policy';
import { createProposal } from './proposal';
import type { PrivateWrite, TxRwSet } from './rwset';

export interface ChaincodeSpec {
  name: string;
  contracts: (typeof Contract)[];
  collections?: CollectionConfig[];
  /** Signature policy text; default: MAJORITY of the channel's orgs. */
  endorsementPolicy?: string;
}

export interface ChannelSpec {
  name: string;
  orgs: string[];
  chaincodes: ChaincodeSpec[];
}

export interface RuntimeOptions {
  /** Omitted: a fresh temporary directory, removed by close(). */
  dataDir?: string;
  orgs: { mspId: string }[];
  channels: ChannelSpec[];
  /** Ordered transactions wait at most this long for their block to be cut (default 2 ms). */
  batchTimeoutMs?: number;
  /** Default 100. */
  maxTxPerBlock?: number;
  /** A chaincode execution taking longer fails with Fabric's "timeout expired while executing transaction" (default 30 s). */
  executeTimeoutMs?: number;
  /** Recovery notices (a torn last record dropped); default: process.emitWarning. */
  onWarning?: (message: string) => void;
}

export interface TxRequest {
  channel: string;
  chaincode: string;
  identity: Identity;
  /** 'Contract:function' */
  fn: string;
  args?: string[];
  transient?: Record<string, Uint8Array | string>;
  /** Default: the submitter's org plus enough orgs for the policies the read-write set needs. */
  endorsingOrgs?: string[];
}

export interface TxResult {
  txId: string;
  blockNumber: number;
  txIndex: number;
  payload: Buffer;
}

/** An endorsed transaction: what the endorsers agreed on, ready to be ordered. Never carries private values. */
export interface EndorsedTx {
  readonly txId: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly fn: string;
  readonly args: readonly string[];
  readonly creatorMspId: string;
  readonly endorsers: readonly string[];
  readonly timestamp: Date;
  readonly status: number;
  readonly payload: Buffer;
  readonly rwset: TxRwSet;
  readonly event?: { eventName: string; payload: Buffer };
}

interface Endorsement {
  tx: BlockTransaction;
  privateWrites: readonly PrivateWrite[];
}

const DEFAULT_BATCH_TIMEOUT_MS = 2;
const DEFAULT_MAX_TX_PER_BLOCK = 100;
const DEFAULT_EXECUTE_TIMEOUT_MS = 30_000;

function acquireLock(dir: string): string {
  const file = path.join(dir, 'LOCK');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      let alive = false;
      try {
        if (pid > 0 && pid !== process.pid) {
          process.kill(pid, 0);
          alive = true;
        }
      } catch {
        alive = false;
      }
      if (alive || pid === process.pid) throw new RuntimeUsageError(`data directory ${dir} is in use by process ${pid}`);
      fs.rmSync(file, { force: true }); // left behind by a process that died
    }
  }
  throw new RuntimeUsageError(`could not lock data directory ${dir}`);
}

export class EmbeddedFabric {
  readonly #dataDir: string;
  readonly #temporary: boolean;
  readonly #lockFile: string;
  readonly #cas = new Map<string, OrgCa>();
  readonly #channels = new Map<string, Channel>();
  readonly #endorsements = new WeakMap<EndorsedTx, Endorsement>();
  readonly #verifiedCreators = new Map<string, Promise<boolean>>();
  readonly #warnings: string[] = [];
  #closed = false;

  private constructor(dataDir: string, temporary: boolean, lockFile: string) {
    this.#dataDir = dataDir;
    this.#temporary = temporary;
    this.#lockFile = lockFile;
  }

  static async start(options: RuntimeOptions): Promise<EmbeddedFabric> {
    const orgIds = options.orgs.map((o) => o.mspId);
    if (orgIds.length === 0) throw new RuntimeUsageError('at least one org is required');
    if (new Set(orgIds).size !== orgIds.length) throw new RuntimeUsageError('org MSP IDs must be unique');
    for (const id of orgIds) if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new RuntimeUsageError(`invalid MSP ID ${id}`);
    const channelNames = options.channels.map((c) => c.name);
    if (new Set(channelNames).size !== channelNames.length) throw new RuntimeUsageError('channel names must be unique');
    const batchTimeoutMs = options.batchTimeoutMs ?? DEFAULT_BATCH_TIMEOUT_MS;
    const maxTxPerBlock = options.maxTxPerBlock ?? DEFAULT_MAX_TX_PER_BLOCK;
    if (!(batchTimeoutMs >= 0) || !(maxTxPerBlock >= 1)) throw new RuntimeUsageError('batchTimeoutMs must be >= 0 and maxTxPerBlock >= 1');

    // Everything that can be wrong with the options fails before anything is created on disk.
    const definitions = options.channels.map((spec) => {
      if (!/^[a-z][a-z0-9.-]*$/.test(spec.name)) throw new RuntimeUsageError(`invalid channel name ${spec.name} (Fabric: lowercase letters, digits, '.', '-')`);
      const unknown = spec.orgs.filter((o) => !orgIds.includes(o));
      if (unknown.length || spec.orgs.length === 0) throw new RuntimeUsageError(`channel ${spec.name} needs orgs among the network's orgs (unknown: ${unknown.join(', ')})`);
      const chaincodes = new Map<string, ChaincodeDefinition>();
      for (const cc of spec.chaincodes) {
        if (chaincodes.has(cc.name)) throw new RuntimeUsageError(`chaincode ${cc.name} defined twice on channel ${spec.name}`);
        if (!Array.isArray(cc.contracts) || cc.contracts.length === 0) throw new RuntimeUsageError(`chaincode ${cc.name} needs at least one contract class`);
        chaincodes.set(cc.name, {
          name: cc.name,
          contracts: [...cc.contracts],
          collections: resolveCollections(cc.collections ?? [], spec.orgs),
          endorsementPolicy: cc.endorsementPolicy ? parsePolicy(cc.endorsementPolicy) : majorityOf(spec.orgs),
        });
      }
      return { spec, chaincodes };
    });

    const temporary = !options.dataDir;
    const dataDir = options.dataDir ? path.resolve(options.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'obe-fabric-'));
    fs.mkdirSync(dataDir, { recursive: true });
    const lockFile = acquireLock(dataDir);
    const fabric = new EmbeddedFabric(dataDir, temporary, lockFile);
    const warn = (message: string) => {
      fabric.#warnings.push(message);
      if (options.onWarning) options.onWarning(message);
      else process.emitWarning(message, 'EmbeddedFabricWarning');
    };
    try {
      for (const mspId of orgIds) fabric.#cas.set(mspId, new OrgCa(mspId, path.join(dataDir, 'msp', mspId)));
      for (const { spec, chaincodes } of definitions) {
        const channel = await Channel.open({
          name: spec.name,
          orgs: [...spec.orgs],
          chaincodes,
          dir: path.join(dataDir, 'channels', spec.name),
          batchTimeoutMs,
          maxTxPerBlock,
          executeTimeoutMs: options.executeTimeoutMs ?? DEFAULT_EXECUTE_TIMEOUT_MS,
          warn,
        });
        fabric.#channels.set(spec.name, channel);
      }
    } catch (err) {
      await fabric.close();
      throw err;
    }
    return fabric;
  }

  /** Where the ledger lives. */
  get dataDir(): string {
    return this.#dataDir;
  }

  /** Recovery notices raised since start (e.g. a torn last block record dropped). */
  warnings(): readonly string[] {
    return [...this.#warnings];
  }

  /** Issues (or reloads) an identity from the org's CA: OU=client, or OU=admin with `admin`, attributes as Fabric CA writes them. */
  identity(mspId: string, name: string, options?: IdentityOptions): Promise<Identity> {
    this.#assertOpen();
    const ca = this.#cas.get(mspId);
    if (!ca) return Promise.reject(new RuntimeUsageError(`unknown org ${mspId}`));
    return ca.identity(name, options);
  }

  /** Forgets an identity the org's CA issued (its stored certificate and key); answers whether it had one. */
  forgetIdentity(mspId: string, name: string): boolean {
    this.#assertOpen();
    const ca = this.#cas.get(mspId);
    if (!ca) throw new RuntimeUsageError(`unknown org ${mspId}`);
    return ca.forget(name);
  }

  /** The org CA's certificate (PEM). */
  caCertificate(mspId: string): Promise<string> {
    const ca = this.#cas.get(mspId);
    if (!ca) return Promise.reject(new RuntimeUsageError(`unknown org ${mspId}`));
    return ca.caCertificate();
  }

  async submit(req: TxRequest): Promise<TxResult> {
    return this.commit(await this.endorse(req));
  }

  /** Executes the proposal on every endorsing org's peer (each with its own private data view) and compares the results. */
  async endorse(req: TxRequest): Promise<EndorsedTx> {
    this.#assertOpen();
    this.#assertRequest(req);
    const channel = this.#channel(req.channel);
    const definition = this.#chaincode(channel, req.chaincode);
    await this.#assertCreator(req.identity, channel);
    const explicit = req.endorsingOrgs ? [...new Set(req.endorsingOrgs)] : undefined;
    for (const org of explicit ?? []) {
      if (!channel.orgs.includes(org)) throw new RuntimeUsageError(`endorsing org ${org} is not a member of channel ${channel.channel}`);
    }
    if (explicit && explicit.length === 0) throw new RuntimeUsageError('endorsingOrgs is empty');
    const proposal = this.#proposal(channel.channel, definition.name, req);
    const creatorOrg = req.identity.mspId;
    const firstOrg = explicit ? (explicit.includes(creatorOrg) ? creatorOrg : explicit[0]) : creatorOrg;
    const { first, endorsers, executions } = await channel.onSnapshot(async (execute) => {
      const first = await execute(proposal, firstOrg, creatorOrg);
      this.#assertSuccess(first, proposal.txId);
      const endorsers = explicit ?? chooseEndorsers(first, channel.orgs, definition);
      const others = await Promise.all(endorsers.filter((o) => o !== firstOrg).map((org) => execute(proposal, org, creatorOrg)));
      for (const e of others) this.#assertSuccess(e, proposal.txId);
      return { first, endorsers, executions: [first, ...others] };
    });
    const difference = endorsementDifference(executions);
    if (difference) {
      throw new EndorsementMismatchError(
        `ProposalResponsePayloads do not match: endorsements from ${executions.map((e) => e.org).join(', ')} differ in ${difference}`,
        proposal.txId,
        executions.map((e) => e.org),
      );
    }
    const orderedEndorsers = [...endorsers].sort();
    const result = first.result;
    const tx: BlockTransaction = {
      txId: proposal.txId,
      timestamp: proposal.timestamp.toISOString(),
      creator: { mspId: creatorOrg, certificate: req.identity.certificate },
      chaincode: definition.name,
      fn: req.fn,
      args: this.#args(req.args),
      endorsers: orderedEndorsers,
      response: { status: result.status, message: result.message, payload: result.payload.toString('base64') },
      rwset: first.rwset,
      ...(result.event ? { event: { eventName: result.event.eventName, payload: result.event.payload.toString('base64') } } : {}),
      validationCode: 'VALID' as ValidationCode,
    };
    const endorsed: EndorsedTx = Object.freeze({
      txId: proposal.txId,
      channel: channel.channel,
      chaincode: definition.name,
      fn: req.fn,
      args: Object.freeze(this.#args(req.args)),
      creatorMspId: creatorOrg,
      endorsers: Object.freeze(orderedEndorsers),
      timestamp: proposal.timestamp,
      status: result.status,
      payload: Buffer.from(result.payload),
      rwset: structuredClone(first.rwset),
      ...(result.event ? { event: { eventName: result.event.eventName, payload: Buffer.from(result.event.payload) } } : {}),
    });
    this.#endorsements.set(endorsed, { tx, privateWrites: first.privateWrites });
    return endorsed;
  }

  /** Orders, validates and commits an endorsed transaction; resolves once its block is on disk (fsync) and applied. */
  async commit(endorsed: EndorsedTx): Promise<TxResult> {
    this.#assertOpen();
    const endorsement = this.#endorsements.get(endorsed);
    if (!endorsement) throw new RuntimeUsageError('commit() takes an EndorsedTx returned by endorse() of this runtime');
    const channel = this.#channel(endorsed.channel);
    const status = await channel.order(endorsement.tx, endorsement.privateWrites);
    if (status.validationCode !== 'VALID') throw new TxValidationError(status.validationCode, endorsed.txId, status.blockNumber);
    return { txId: endorsed.txId, blockNumber: status.blockNumber, txIndex: status.txIndex, payload: Buffer.from(endorsed.payload) };
  }

  txStatus(channel: string, txId: string): { validationCode: string; blockNumber: number; txIndex: number } | undefined {
    const status = this.#channel(channel).txStatus(txId);
    return status ? { ...status } : undefined;
  }

  /** Runs the transaction on one peer (default: the submitter's org) with that org's private data view; nothing is ordered. */
  async evaluate(req: TxRequest & { org?: string }): Promise<Buffer> {
    this.#assertOpen();
    this.#assertRequest(req);
    const channel = this.#channel(req.channel);
    const definition = this.#chaincode(channel, req.chaincode);
    await this.#assertCreator(req.identity, channel);
    const org = req.org ?? req.identity.mspId;
    if (!channel.orgs.includes(org)) throw new RuntimeUsageError(`org ${org} has no peer on channel ${channel.channel}`);
    const proposal = this.#proposal(channel.channel, definition.name, req);
    const execution = await channel.onSnapshot((execute) => execute(proposal, org, req.identity.mspId));
    this.#assertSuccess(execution, proposal.txId);
    return Buffer.from(execution.result.payload);
  }

  /** Chaincode events of valid transactions from `fromBlock` (default 0) on, then live. */
  events(channel: string, options: { fromBlock?: number; chaincode?: string } = {}): EventStream {
    this.#assertOpen();
    return eventStream(this.#channel(channel), options.fromBlock ?? 0, options.chaincode);
  }

  height(channel: string): number {
    return this.#channel(channel).height();
  }

  /** Block n of the channel: hash-chained, with each transaction's validation code. A copy: mutating it changes nothing. */
  block(channel: string, n: number): Block {
    return structuredClone(this.#channel(channel).blockAt(n));
  }

  /** What `org`'s peer stores for a private key (undefined: nothing, e.g. a non-member org, purged or expired data). */
  privateData(org: string, channel: string, chaincode: string, collection: string, key: string): Buffer | undefined {
    return this.#channel(channel).privateData(org, chaincode, collection, key);
  }

  channels(): string[] {
    return [...this.#channels.keys()];
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const channel of this.#channels.values()) await channel.close();
    fs.rmSync(this.#lockFile, { force: true });
    if (this.#temporary) fs.rmSync(this.#dataDir, { recursive: true, force: true });
  }

  #assertOpen(): void {
    if (this.#closed) throw new RuntimeUsageError('the embedded runtime is closed');
  }

  #channel(name: string): Channel {
    const channel = this.#channels.get(name);
    if (!channel) throw new RuntimeUsageError(`channel ${name} does not exist`);
    return channel;
  }

  #chaincode(channel: Channel, name: string): ChaincodeDefinition {
    const definition = channel.chaincodes.get(name);
    if (!definition) throw new RuntimeUsageError(`chaincode ${name} is not defined on channel ${channel.channel}`);
    return definition;
  }

  /** Bad requests fail here, before a proposal exists, with a message naming the field. */
  #assertRequest(req: TxRequest): void {
    if (!req || typeof req !== 'object') throw new RuntimeUsageError('a transaction request object is required');
    if (typeof req.fn !== 'string' || req.fn.length === 0) throw new RuntimeUsageError("fn must be 'Contract:function'");
    if (req.args !== undefined && !Array.isArray(req.args)) throw new RuntimeUsageError('args must be an array of strings');
    for (const [k, v] of Object.entries(req.transient ?? {})) {
      if (typeof v !== 'string' && !(v instanceof Uint8Array)) throw new RuntimeUsageError(`transient entry ${k} must be a string or bytes`);
    }
  }

  /** The signed proposal endorse and evaluate both send: same shape, so a query sees exactly what a submit would. */
  #proposal(channel: string, chaincode: string, req: TxRequest) {
    return createProposal({ channel, chaincode, identity: req.identity, fn: req.fn, args: this.#args(req.args), transient: req.transient });
  }

  #args(args: readonly string[] | undefined): string[] {
    const out = [...(args ?? [])];
    for (const a of out) if (typeof a !== 'string') throw new RuntimeUsageError('transaction arguments must be strings');
    return out;
  }

  /** A peer only accepts proposals from identities its channel's MSPs issued. */
  async #assertCreator(identity: Identity, channel: Channel): Promise<void> {
    if (!identity || typeof identity.certificate !== 'string' || typeof identity.mspId !== 'string') {
      throw new RuntimeUsageError('identity with mspId and certificate is required');
    }
    if (!channel.orgs.includes(identity.mspId)) {
      throw new EndorseError(`access denied: channel [${channel.channel}] creator org [${identity.mspId}]`, 403, '');
    }
    const ca = this.#cas.get(identity.mspId) as OrgCa;
    const key = `${identity.mspId}\n${identity.certificate}`;
    let verified = this.#verifiedCreators.get(key);
    if (!verified) {
      verified = ca.caCertificate().then((caPem) => issuedBy(identity.certificate, caPem)).catch(() => false);
      this.#verifiedCreators.set(key, verified);
    }
    if (!(await verified)) {
      throw new EndorseError('access denied: the supplied identity is not valid: x509: certificate signed by unknown authority', 403, '');
    }
  }

  #assertSuccess(execution: Execution, txId: string): void {
    const { status, message } = execution.result;
    if (status >= 400) throw new EndorseError(message, status, txId, execution.org);
  }
}
