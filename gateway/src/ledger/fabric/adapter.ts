/**
 * The Ledger port on a real Fabric network through the Fabric Gateway service (@hyperledger/fabric-gateway).
 * One gRPC client per peer endpoint shared by every identity of that org, one Gateway per identity connected lazily
 * to its own org's peer, per-call deadlines, the port's retry policy (../retry-policy.ts) and reconnecting event streams.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway, type GrpcClient, type Proposal, type Transaction } from '@hyperledger/fabric-gateway';
import { ChaincodeError, CommitUnknownError, LedgerUnavailableError, SubmitUnconfirmedError, TransactionInvalidError } from '../errors';
import type {
  EventStream,
  EventStreamOptions,
  Ledger,
  LedgerIdentity,
  PendingSubmit,
  SubmitObserver,
  SubmitResult,
  TransactionLookup,
  TransactionRequest,
} from '../port';
import { FileCheckpointStore } from './checkpoint-store';
import { CaKeyEnroller, type OrgSigningCa } from '../ca-key-issuer';
import { certificateIsAdmin, type EnrolledIdentity } from '../enrolment';
import { connectionConfigPath, loadConnectionConfig, type ConnectionConfig, type IdentityEntry, type PeerEntry } from './connection-config';
import { invalidTransaction, isTransientGrpcError, mapCommitStatusError, mapGatewayError } from './error-mapping';
import { reconnectingEvents, type ReconnectInfo } from './event-stream';
import { loadMspIdentity, type MspIdentity } from './msp-identity';
import { decodeChainHeight, decodeBlockNumber, decodeProcessedTransactionCode } from './protos';
import {
  DEFAULT_RETRY_POLICY,
  notify,
  retryDecision,
  submitWithPolicy,
  type ConflictInfo,
  type LedgerHooks,
  type RetryAction,
  type RetryInfo,
  type RetryPolicy,
  type Step,
} from '../retry-policy';
import { DEFAULT_DEADLINES, fabricSettingsFromEnv, type FabricDeadlines } from './settings';

export interface EventReconnectOptions {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Consecutive failed reconnections before a stream gives up; unbounded by default (a relay should outlive outages). */
  readonly maxReconnects?: number;
}

export const DEFAULT_EVENT_RECONNECT: EventReconnectOptions = { baseDelayMs: 250, maxDelayMs: 10_000 };

export type { ConflictInfo, RetryInfo };

/** Observers for metrics and logs (the gateway wires prom-client counters here; the adapter imports none). */
export interface FabricLedgerHooks extends LedgerHooks {
  readonly onReconnect?: (info: ReconnectInfo) => void;
}

export type GrpcClientFactory = (peer: PeerEntry, mspId: string) => GrpcClient;

export interface FabricLedgerOptions {
  readonly config: ConnectionConfig;
  readonly deadlines?: Partial<FabricDeadlines>;
  readonly retry?: Partial<RetryPolicy>;
  readonly events?: Partial<EventReconnectOptions>;
  readonly hooks?: FabricLedgerHooks;
  /** How long close() lets in-flight calls finish before it closes the connections under them. */
  readonly closeGraceMs?: number;
  /** Builds the gRPC client of a peer endpoint; the default dials it over TLS. Tests mock the transport here. */
  readonly grpcClientFactory?: GrpcClientFactory;
  /**
   * Onboarding (ledger/ca-key-issuer.ts): the org signing CAs this gateway may issue identities with, and the wallet
   * directory the issued identities live in (loaded again at start). Without CAs, enrolIdentity refuses (503).
   */
  readonly enrolment?: { readonly cas: readonly OrgSigningCa[]; readonly walletDir: string };
}

export interface FabricEventStreamOptions extends EventStreamOptions {
  /**
   * Persist the delivered position under this name in the config's checkpointDir; a stream reopened with the same
   * name (also after a restart) resumes after the stored position when it is further along than `after`.
   */
  readonly checkpointName?: string;
}

/**
 * Dials a peer with TLS, trusting its org's TLS CA and checking the certificate against hostOverride. Keepalive pings
 * notice a silently dropped event stream; every 2 minutes stays above the peer's default minimum ping interval (60 s),
 * below which the peer would close the connection.
 */
const PEER_MESSAGE_LIMIT = 100 * 1024 * 1024;

export const tlsGrpcClientFactory: GrpcClientFactory = (peer) => {
  const credentials = grpc.credentials.createSsl(fs.readFileSync(peer.tlsRootCertPath));
  const channelOptions: grpc.ChannelOptions = {
    'grpc.keepalive_time_ms': 120_000,
    'grpc.keepalive_timeout_ms': 20_000,
    // The peer's own limit (100 MiB) rather than gRPC's 4 MiB default: a clearing hands over every open order's body,
    // about 350 bytes each, so a 10,000-order interval needs ~3.5 MB each way.
    'grpc.max_receive_message_length': PEER_MESSAGE_LIMIT,
    'grpc.max_send_message_length': PEER_MESSAGE_LIMIT,
    ...(peer.hostOverride ? { 'grpc.ssl_target_name_override': peer.hostOverride } : {}),
  };
  return new grpc.Client(peer.endpoint, credentials, channelOptions);
};

/** Stored commit state that cannot be resumed (corrupted, or another transaction's). */
export class CommitStateError extends Error {
  readonly code = 'FABRIC_COMMIT_STATE';
  constructor(message: string) {
    super(message);
    this.name = 'CommitStateError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Connected {
  readonly gateway: Gateway;
  readonly identity: MspIdentity;
}

export class FabricLedger implements Ledger {
  readonly kind = 'fabric' as const;
  readonly #config: ConnectionConfig;
  readonly #deadlines: FabricDeadlines;
  readonly #retry: RetryPolicy;
  readonly #events: EventReconnectOptions;
  readonly #hooks: FabricLedgerHooks;
  readonly #closeGraceMs: number;
  readonly #clientFactory: GrpcClientFactory;
  readonly #identities = new Map<string, MspIdentity>();
  readonly #mspIds = new Map<string, string>();
  readonly #clients = new Map<string, GrpcClient>();
  readonly #gateways = new Map<string, Gateway>();
  /** Running calls and how to abandon each one if it outlives close()'s grace period. */
  readonly #inFlight = new Map<Promise<unknown>, (err: Error) => void>();
  readonly #streams = new Set<EventStream>();
  /** Per channel, the identity whose org answered qscc last time (not every org belongs to every channel). */
  readonly #heightIdentity = new Map<string, string>();
  /** Identities onboarded at run time (the wallet), after the connection config's. */
  readonly #added: IdentityEntry[] = [];
  readonly #enroller: CaKeyEnroller | undefined;
  readonly #walletDir: string | undefined;
  #closed = false;

  /** Loads every identity's certificate and key now, so a misconfigured identity fails at startup, not mid-request. */
  constructor(options: FabricLedgerOptions) {
    this.#config = options.config;
    this.#deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#events = { ...DEFAULT_EVENT_RECONNECT, ...options.events };
    this.#hooks = options.hooks ?? {};
    this.#closeGraceMs = options.closeGraceMs ?? 10_000;
    this.#clientFactory = options.grpcClientFactory ?? tlsGrpcClientFactory;
    for (const entry of this.#config.identities) {
      this.#identities.set(entry.label, loadMspIdentity(entry));
      this.#mspIds.set(entry.label, entry.mspId);
    }
    const enrolment = options.enrolment;
    this.#walletDir = enrolment?.walletDir;
    if (enrolment) {
      for (const entry of walletIdentities(enrolment.walletDir)) if (!this.#identities.has(entry.label)) this.#addEntry(entry);
      if (enrolment.cas.length) {
        this.#enroller = new CaKeyEnroller({
          cas: enrolment.cas,
          walletDir: enrolment.walletDir,
          target: { identities: () => this.identities(), certificateOf: (l) => this.certificateOf(l), addIdentity: (issued) => this.#addEntry(issued) },
        });
      }
    }
  }

  #addEntry(entry: IdentityEntry): LedgerIdentity {
    this.#identities.set(entry.label, loadMspIdentity(entry));
    this.#mspIds.set(entry.label, entry.mspId);
    this.#added.push({ label: entry.label, mspId: entry.mspId, mspPath: entry.mspPath });
    return { label: entry.label, mspId: entry.mspId };
  }

  /** The certificate (PEM) an identity signs with. */
  certificateOf(label: string): string | undefined {
    const identity = this.#identities.get(label);
    return identity ? Buffer.from(identity.identity.credentials).toString('utf8') : undefined;
  }

  /** IdentityEnroller (ledger/enrolment.ts): NodeOU admin in the identity's certificate. */
  isAdminIdentity(label: string): boolean {
    const certificate = this.certificateOf(label);
    return certificate !== undefined && certificateIsAdmin(certificate);
  }

  /** IdentityEnroller: issues with the org's signing CA (cryptogen networks) when this gateway holds it. */
  async enrolIdentity(spec: { label: string; mspId: string }): Promise<EnrolledIdentity> {
    if (!this.#enroller) {
      throw new LedgerUnavailableError('this gateway holds no signing CA to enrol identities with (OBE_FABRIC_SIGNING_CA; docs/api.md, Onboarding)');
    }
    return this.#enroller.enrolIdentity(spec);
  }

  /**
   * IdentityEnroller: an identity onboarded into the wallet leaves it (certificate and key) and this gateway; one from
   * the connection config stays (it is the operator's file), answering false.
   */
  async forgetIdentity(label: string): Promise<boolean> {
    const index = this.#added.findIndex((entry) => entry.label === label);
    if (index < 0 || this.#walletDir === undefined) return false;
    this.#added.splice(index, 1);
    this.#identities.delete(label);
    this.#mspIds.delete(label);
    fs.rmSync(path.join(this.#walletDir, label), { recursive: true, force: true });
    return true;
  }

  get config(): ConnectionConfig {
    return this.#config;
  }

  identities(): readonly LedgerIdentity[] {
    return [...this.#config.identities, ...this.#added].map(({ label, mspId }) => ({ label, mspId }));
  }

  channels(): readonly string[] {
    return [...this.#config.channels];
  }

  /** The port's retry policy over startSubmit and commitStatus (see ../retry-policy.ts). */
  submit(request: TransactionRequest, observer?: SubmitObserver): Promise<SubmitResult> {
    return submitWithPolicy(this, request, { policy: this.#retry, hooks: this.#hooks, observer, closed: () => this.#closed });
  }

  startSubmit(request: TransactionRequest): Promise<PendingSubmit> {
    return this.#track(async () => {
      const proposal = this.#proposal(request);
      const txId = proposal.getTransactionId();
      let transaction: Transaction | undefined;
      for (let attempt = 1; !transaction; attempt++) {
        try {
          transaction = await proposal.endorse();
        } catch (raw) {
          const err = mapGatewayError(raw, 'endorse');
          const decision = retryDecision(err, 'endorse', attempt, this.#retry);
          if (!decision.retry || this.#closed) throw err;
          this.#notifyRetry(request, 'endorse', decision.action, attempt, txId, decision.reason);
          await sleep(decision.delayMs);
        }
      }
      try {
        const submitted = await transaction.submit();
        return {
          txId,
          channel: request.channel,
          identity: request.identity,
          payload: submitted.getResult(),
          commitState: submitted.getBytes(),
          // Signed by submit(): the bytes a follower re-sends, never endorsed again.
          envelope: transaction.getBytes(),
        };
      } catch (raw) {
        const err = mapGatewayError(raw, 'submit');
        // Unreachable or not in time: the orderer may have it. Hand the signed transaction over to be followed.
        if (err instanceof LedgerUnavailableError && retryDecision(err, 'submit', 1, this.#retry).action === 'follow') {
          throw new SubmitUnconfirmedError(
            { txId, channel: request.channel, identity: request.identity, payload: transaction.getResult(), commitState: new Uint8Array(), envelope: transaction.getBytes() },
            raw,
          );
        }
        throw err;
      }
    });
  }

  /**
   * Hands the stored signed transaction to the orderer again (same txId, same signature): never endorses. A txId
   * commits at most once, so this is safe however often it runs; answers fresh commit state for it.
   */
  resend(pending: PendingSubmit): Promise<PendingSubmit> {
    return this.#track(() => this.#resend(pending));
  }

  async #resend(pending: PendingSubmit): Promise<PendingSubmit> {
    if (!pending.envelope || pending.envelope.length === 0) {
      throw new CommitStateError(`no signed transaction is stored for ${pending.txId}; it cannot be re-sent`);
    }
    const { gateway } = this.#connected(pending.identity);
    let transaction: Transaction;
    try {
      transaction = gateway.newTransaction(pending.envelope);
    } catch (err) {
      throw new CommitStateError(`stored envelope of ${pending.txId} is not a Fabric transaction: ${(err as Error).message}`);
    }
    if (transaction.getTransactionId() !== pending.txId) {
      throw new CommitStateError(`stored envelope belongs to transaction ${transaction.getTransactionId()}, not ${pending.txId}`);
    }
    try {
      const submitted = await transaction.submit();
      return { ...pending, commitState: submitted.getBytes() };
    } catch (raw) {
      const err = mapGatewayError(raw, 'resend');
      if (/DUPLICATE_TXID|duplicate transaction/i.test(err.message)) throw new TransactionInvalidError('DUPLICATE_TXID', pending.txId);
      throw err;
    }
  }

  /**
   * What the ledger holds for the txId now, from qscc on the identity's own peer: GetTransactionByID for the
   * validation code (the first copy's: a later duplicate is never indexed), GetBlockByTxID for its block.
   */
  lookupTransaction(pending: PendingSubmit): Promise<TransactionLookup> {
    return this.#track(async () => {
      const qscc = this.#connected(pending.identity).gateway.getNetwork(pending.channel).getContract('qscc');
      let code: string;
      try {
        code = decodeProcessedTransactionCode(await qscc.newProposal('GetTransactionByID', { arguments: [pending.channel, pending.txId] }).evaluate());
      } catch (raw) {
        const err = mapGatewayError(raw, 'evaluate');
        if (err instanceof ChaincodeError && /no such transaction|not found|does not exist/i.test(err.message)) return { status: 'not-found' };
        throw err;
      }
      let blockNumber: number | undefined;
      try {
        blockNumber = decodeBlockNumber(await qscc.newProposal('GetBlockByTxID', { arguments: [pending.channel, pending.txId] }).evaluate());
      } catch {
        blockNumber = undefined; // the validation code is the answer; the block number only adds to it
      }
      if (code === 'VALID') return { status: 'committed', blockNumber: blockNumber ?? 0 };
      return { status: 'invalid', validationCode: code, ...(blockNumber === undefined ? {} : { blockNumber }) };
    });
  }

  /**
   * Rebuilds the commit status request from the stored bytes and asks for the outcome: never endorses. A pending
   * submit the orderer never confirmed (no commit state) is re-sent first; a DUPLICATE_TXID status means an earlier
   * copy got in, whose own outcome is then looked up.
   */
  commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
    return this.#track(async () => {
      if (pending.commitState.length === 0) {
        try {
          pending = await this.#resend(pending);
        } catch (err) {
          if (err instanceof TransactionInvalidError && err.validationCode === 'DUPLICATE_TXID') return this.#outcomeOfFirstCopy(pending);
          if (err instanceof LedgerUnavailableError) throw new CommitUnknownError(pending.txId, err);
          throw err;
        }
      }
      const { gateway } = this.#connected(pending.identity);
      let commit: ReturnType<Gateway['newCommit']>;
      try {
        commit = gateway.newCommit(pending.commitState);
      } catch (err) {
        throw new CommitStateError(`commit state of ${pending.txId} is not a Fabric commit status request: ${(err as Error).message}`);
      }
      if (commit.getTransactionId() !== pending.txId) {
        throw new CommitStateError(`commit state belongs to transaction ${commit.getTransactionId()}, not ${pending.txId}`);
      }
      let status: Awaited<ReturnType<typeof commit.getStatus>>;
      try {
        status = await commit.getStatus();
      } catch (err) {
        throw mapCommitStatusError(err, pending.txId);
      }
      if (!status.successful) {
        const invalid = invalidTransaction(status);
        if (retryDecision(invalid, 'commitStatus', 1, this.#retry).action === 'lookup') return this.#outcomeOfFirstCopy(pending);
        throw invalid;
      }
      return { txId: pending.txId, blockNumber: Number(status.blockNumber), payload: pending.payload };
    });
  }

  /** The outcome of the copy of this txId the ledger indexed (an earlier one than the copy just re-sent). */
  async #outcomeOfFirstCopy(pending: PendingSubmit): Promise<SubmitResult> {
    const found = await this.lookupTransaction(pending);
    if (found.status === 'committed') return { txId: pending.txId, blockNumber: found.blockNumber, payload: pending.payload };
    if (found.status === 'invalid') throw new TransactionInvalidError(found.validationCode, pending.txId, found.blockNumber);
    throw new CommitUnknownError(pending.txId);
  }

  evaluate(request: TransactionRequest): Promise<Uint8Array> {
    return this.#track(async () => {
      const proposal = this.#proposal(request);
      try {
        return await proposal.evaluate();
      } catch (err) {
        throw mapGatewayError(err, 'evaluate');
      }
    });
  }

  events(channel: string, options: FabricEventStreamOptions = {}): EventStream {
    this.#assertOpen();
    this.#assertChannel(channel);
    const label = options.identity ?? this.#config.identities[0]!.label;
    this.#connected(label);
    const checkpoint = options.checkpointName
      ? FileCheckpointStore.forStream(this.#config.checkpointDir, channel, options.checkpointName)
      : undefined;
    const stream = reconnectingEvents({
      channel,
      chaincode: this.#config.chaincode,
      startBlock: options.startBlock,
      after: options.after,
      checkpoint,
      open: async (startBlock) => {
        this.#assertOpen();
        const network = this.#connected(label).gateway.getNetwork(channel);
        return network.getChaincodeEvents(this.#config.chaincode, { startBlock: BigInt(startBlock) });
      },
      currentHeight: () => this.blockHeight(channel),
      isTransient: (err) => isTransientGrpcError(err) || err instanceof LedgerUnavailableError,
      mapError: (err) => mapGatewayError(err, 'events'),
      baseDelayMs: this.#events.baseDelayMs,
      maxDelayMs: this.#events.maxDelayMs,
      maxReconnects: this.#events.maxReconnects,
      onReconnect: (info) => this.#notify('onReconnect', info),
      onEnd: () => this.#streams.delete(stream),
    });
    this.#streams.add(stream);
    return stream;
  }

  /** The channel's height from qscc GetChainInfo, asked as an identity of an org that belongs to the channel. */
  blockHeight(channel: string): Promise<number> {
    return this.#track(async () => {
      this.#assertChannel(channel);
      const remembered = this.#heightIdentity.get(channel);
      const candidates = remembered ? [remembered, ...this.#onePerOrg().filter((l) => l !== remembered)] : this.#onePerOrg();
      let firstError: Error | undefined;
      for (const label of candidates) {
        const proposal = this.#connected(label)
          .gateway.getNetwork(channel)
          .getContract('qscc')
          .newProposal('GetChainInfo', { arguments: [channel] });
        try {
          const height = decodeChainHeight(await proposal.evaluate());
          this.#heightIdentity.set(channel, label);
          return height;
        } catch (raw) {
          // This org may not be on the channel (its peer refuses, or has not joined it): another org's may answer.
          firstError ??= mapGatewayError(raw, 'evaluate');
        }
      }
      throw firstError ?? new LedgerUnavailableError(`no identity can read channel ${channel}`);
    });
  }

  /**
   * Stops new calls, closes event streams, lets in-flight calls finish (up to closeGraceMs), fails those still
   * running with LedgerUnavailableError, then closes the gateways and gRPC clients.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stream of this.#streams) stream.close();
    this.#streams.clear();
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight.keys()]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#closeGraceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    // Whatever still runs is abandoned: its caller hears now, not at the call's deadline.
    for (const abort of this.#inFlight.values()) abort(new LedgerUnavailableError('the Fabric ledger closed before the call finished'));
    for (const gateway of this.#gateways.values()) gateway.close();
    this.#gateways.clear();
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #notifyRetry(
    request: Pick<TransactionRequest, 'fn' | 'channel'>,
    step: Step,
    action: RetryAction,
    attempt: number,
    txId: string,
    reason: string,
  ): void {
    this.#notify('onRetry', { fn: request.fn, channel: request.channel, step, action, attempt, txId, reason });
  }

  #notify<K extends keyof FabricLedgerHooks>(hook: K, info: Parameters<NonNullable<FabricLedgerHooks[K]>>[0]): void {
    notify(this.#hooks, hook, info);
  }

  #track<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new LedgerUnavailableError('the Fabric ledger is closed'));
    let abort: (err: Error) => void = () => undefined;
    const aborted = new Promise<never>((_, reject) => {
      abort = reject;
    });
    const running = Promise.race([work(), aborted]).catch((err: unknown) => {
      // A call cut off by close() surfaces as unavailability, whatever the transport said.
      if (this.#closed && !(err instanceof ChaincodeError) && !(err instanceof TransactionInvalidError)) {
        throw err instanceof LedgerUnavailableError ? err : new LedgerUnavailableError('the Fabric ledger closed during the call', err);
      }
      throw err;
    });
    this.#inFlight.set(running, abort);
    const forget = () => this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerUnavailableError('the Fabric ledger is closed');
  }

  #assertChannel(channel: string): void {
    if (!this.#config.channels.includes(channel)) throw new ChaincodeError(`[NOT_FOUND] no channel ${channel}`);
  }

  #onePerOrg(): string[] {
    const seen = new Set<string>();
    const labels: string[] = [];
    for (const { label, mspId } of this.#config.identities) {
      if (seen.has(mspId)) continue;
      seen.add(mspId);
      labels.push(label);
    }
    return labels;
  }

  /** A new signed proposal (new txId); transient data travels in the proposal's transient map only. */
  #proposal(request: TransactionRequest): Proposal {
    this.#assertChannel(request.channel);
    const contract = this.#connected(request.identity).gateway.getNetwork(request.channel).getContract(this.#config.chaincode);
    return contract.newProposal(request.fn, {
      arguments: [...(request.args ?? [])],
      transientData: request.transient ? { ...request.transient } : undefined,
      // For evaluate these are the orgs asked; for endorse, the orgs whose peers must endorse.
      endorsingOrganizations: request.endorsingOrgs ? [...request.endorsingOrgs] : undefined,
    });
  }

  #connected(label: string): Connected {
    this.#assertOpen();
    const identity = this.#identities.get(label);
    if (!identity) throw new ChaincodeError(`[UNAUTHENTICATED] no ledger identity '${label}'`);
    let gateway = this.#gateways.get(label);
    if (!gateway) {
      const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
      gateway = connect({
        client: this.#client(this.#mspIds.get(label)!),
        identity: identity.identity,
        signer: identity.signer,
        hash: identity.hash,
        evaluateOptions: deadline(this.#deadlines.evaluateMs),
        endorseOptions: deadline(this.#deadlines.endorseMs),
        submitOptions: deadline(this.#deadlines.submitMs),
        commitStatusOptions: deadline(this.#deadlines.commitStatusMs),
      });
      this.#gateways.set(label, gateway);
    }
    return { gateway, identity };
  }

  /** The shared client of the peer serving `mspId`, one per endpoint. */
  #client(mspId: string): GrpcClient {
    const peer = this.#config.peers[mspId]!;
    let client = this.#clients.get(peer.endpoint);
    if (!client) {
      client = this.#clientFactory(peer, mspId);
      this.#clients.set(peer.endpoint, client);
    }
    return client;
  }
}

export interface CreateFabricLedgerOptions extends Omit<FabricLedgerOptions, 'config'> {
  /** The gateway's data directory; the default checkpointDir is `<dataDir>/checkpoints`. */
  readonly dataDir: string;
  /** Connection config file; default OBE_FABRIC_CONFIG or network/native/generated/connection.json. */
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * What `OBE_LEDGER=fabric` wires in: reads and checks the connection config and every identity, connects lazily.
 * Deadlines and retry budgets come from OBE_FABRIC_* variables (see settings.ts) unless given here.
 */
export function createFabricLedger(options: CreateFabricLedgerOptions): FabricLedger {
  const { dataDir, configFile, env = process.env, ...rest } = options;
  const fromEnv = fabricSettingsFromEnv(env);
  return new FabricLedger({
    enrolment: { cas: signingCasFromEnv(env), walletDir: path.join(dataDir, 'wallet') },
    ...rest,
    deadlines: { ...fromEnv.deadlines, ...rest.deadlines },
    retry: { ...fromEnv.retry, ...rest.retry },
    config: loadConnectionConfig(configFile ?? connectionConfigPath(env), dataDir),
  });
}

/**
 * OBE_FABRIC_SIGNING_CA=<mspId>:<ca cert path>:<ca key path> (several separated by `;`): the org signing CAs a gateway
 * on a cryptogen network issues onboarded identities with — its own org's only (docs/api.md, Onboarding).
 */
export function signingCasFromEnv(env: NodeJS.ProcessEnv): OrgSigningCa[] {
  const raw = env.OBE_FABRIC_SIGNING_CA?.trim();
  if (!raw) return [];
  return raw.split(';').filter(Boolean).map((entry) => {
    const [mspId, certPath, keyPath, ...extra] = entry.split(':');
    if (!mspId || !certPath || !keyPath || extra.length) throw new Error(`OBE_FABRIC_SIGNING_CA: expected <mspId>:<cert path>:<key path>, got '${entry}'`);
    return { mspId, certificatePem: fs.readFileSync(certPath, 'utf8'), privateKeyPem: fs.readFileSync(keyPath, 'utf8') };
  });
}

/** The identities onboarded earlier: `<walletDir>/<label>/identity.json` next to its `msp/` folder. */
function walletIdentities(walletDir: string): IdentityEntry[] {
  if (!fs.existsSync(walletDir)) return [];
  return fs
    .readdirSync(walletDir)
    .sort()
    .map((label) => path.join(walletDir, label, 'identity.json'))
    .filter((file) => fs.existsSync(file))
    .map((file) => {
      const { label, mspId } = JSON.parse(fs.readFileSync(file, 'utf8')) as { label: string; mspId: string };
      return { label, mspId, mspPath: path.join(path.dirname(file), 'msp') };
    });
}
