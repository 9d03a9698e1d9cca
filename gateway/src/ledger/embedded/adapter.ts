import {
  EmbeddedFabric,
  EndorseError,
  EndorsementMismatchError as RuntimeMismatchError,
  TxValidationError,
  type ChaincodeEventRecord,
  type Identity,
  type RuntimeOptions,
  type TxRequest,
} from '@obe/fabric-embedded';
import {
  ChaincodeError,
  EndorsementMismatchError,
  LedgerUnavailableError,
  TransactionInvalidError,
} from '../errors';
import type {
  EventStream,
  EventStreamOptions,
  Ledger,
  LedgerEvent,
  LedgerIdentity,
  PendingSubmit,
  SubmitObserver,
  SubmitResult,
  TransactionRequest,
} from '../port';
import { certificateCommonName, certificateIsAdmin, type EnrolledIdentity } from '../enrolment';
import { DEFAULT_RETRY_POLICY, submitWithPolicy, type LedgerHooks, type RetryPolicy } from '../retry-policy';

/** An identity the embedded ledger issues from its org's CA, under a stable label. */
export interface EmbeddedIdentitySpec {
  label: string;
  mspId: string;
  admin?: boolean;
  attrs?: Record<string, string>;
}

export interface EmbeddedLedgerOptions {
  network: RuntimeOptions;
  dataDir?: string;
  identities: readonly EmbeddedIdentitySpec[];
  chaincode?: string;
  /** The port's retry policy (the same table as on Fabric); unset fields keep DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  hooks?: LedgerHooks;
}

type EndorsedTx = Awaited<ReturnType<EmbeddedFabric['endorse']>>;

/** The Ledger port over the in-process Fabric runtime: a development and demo ledger, not a distributed one. */
export class EmbeddedLedger implements Ledger {
  readonly kind = 'embedded' as const;
  readonly #runtime: EmbeddedFabric;
  readonly #chaincode: string;
  readonly #identities = new Map<string, { spec: LedgerIdentity; identity: Identity }>();
  readonly #channelOrgs = new Map<string, readonly string[]>();
  /** Commits started by startSubmit in this process, by txId. */
  readonly #commits = new Map<string, Promise<SubmitResult>>();
  readonly #retry: RetryPolicy;
  readonly #hooks: LedgerHooks;
  #closed = false;

  private constructor(runtime: EmbeddedFabric, network: RuntimeOptions, chaincode: string, retry: Partial<RetryPolicy> = {}, hooks: LedgerHooks = {}) {
    this.#runtime = runtime;
    this.#chaincode = chaincode;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...retry };
    this.#hooks = hooks;
    for (const channel of network.channels) this.#channelOrgs.set(channel.name, channel.orgs);
  }

  /** Starts (or reopens, from dataDir) the runtime and issues every configured identity. */
  static async open(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
    const runtime = await EmbeddedFabric.start({ ...options.network, dataDir: options.dataDir ?? options.network.dataDir });
    const ledger = new EmbeddedLedger(runtime, options.network, options.chaincode ?? 'obe', options.retry, options.hooks);
    try {
      for (const spec of options.identities) await ledger.addIdentity(spec);
    } catch (err) {
      await runtime.close();
      throw err;
    }
    return ledger;
  }

  /** Issues (or reloads: same name, same certificate) an identity and makes it usable under its label. */
  async addIdentity(spec: EmbeddedIdentitySpec): Promise<LedgerIdentity> {
    const existing = this.#identities.get(spec.label);
    if (existing) return existing.spec;
    const identity = await this.#runtime.identity(spec.mspId, spec.label, { admin: spec.admin, attrs: spec.attrs });
    const entry = { spec: { label: spec.label, mspId: spec.mspId }, identity };
    this.#identities.set(spec.label, entry);
    return entry.spec;
  }

  /** IdentityEnroller (ledger/enrolment.ts): the identity's certificate carries NodeOU admin. */
  isAdminIdentity(label: string): boolean {
    const entry = this.#identities.get(label);
    return entry !== undefined && certificateIsAdmin(entry.identity.certificate);
  }

  /** IdentityEnroller: a new client identity from the org's CA, under a random enrolment ID; the label stays off-chain. */
  async enrolIdentity(spec: { label: string; mspId: string }): Promise<EnrolledIdentity> {
    if (this.#identities.has(spec.label)) throw new ChaincodeError(`[CONFLICT] the identity label '${spec.label}' is in use`);
    const added = await this.addIdentity({ label: spec.label, mspId: spec.mspId });
    return { ...added, enrollmentId: certificateCommonName(this.#identities.get(spec.label)!.identity.certificate) };
  }

  /** IdentityEnroller: the identity leaves this ledger and the runtime's CA directory (certificate and key). */
  async forgetIdentity(label: string): Promise<boolean> {
    const entry = this.#identities.get(label);
    if (!entry) return false;
    this.#identities.delete(label);
    this.#runtime.forgetIdentity(entry.spec.mspId, label);
    return true;
  }

  /** The X.509 identity behind a label (tests and the demo seed derive participant ids from certificates). */
  identityMaterial(label: string): Identity | undefined {
    return this.#identities.get(label)?.identity;
  }

  get runtime(): EmbeddedFabric {
    return this.#runtime;
  }

  identities(): readonly LedgerIdentity[] {
    return [...this.#identities.values()].map((e) => e.spec);
  }

  channels(): readonly string[] {
    return [...this.#channelOrgs.keys()];
  }

  /** The port's retry policy over startSubmit and commitStatus, as on Fabric (see ../retry-policy.ts). */
  submit(request: TransactionRequest, observer?: SubmitObserver): Promise<SubmitResult> {
    return submitWithPolicy(this, request, { policy: this.#retry, hooks: this.#hooks, observer, closed: () => this.#closed });
  }

  async startSubmit(request: TransactionRequest): Promise<PendingSubmit> {
    const tx = this.#txRequest(request);
    let endorsed: EndorsedTx;
    try {
      endorsed = await this.#runtime.endorse(tx);
    } catch (err) {
      throw this.#mapError(err);
    }
    const commit = this.#runtime.commit(endorsed).then(
      (r) => ({ txId: r.txId, blockNumber: r.blockNumber, payload: new Uint8Array(r.payload) }),
      (err: unknown) => {
        throw this.#mapError(err);
      },
    );
    commit.catch(() => undefined); // observed by commitStatus; never an unhandled rejection
    this.#commits.set(endorsed.txId, commit);
    const forget = () => setTimeout(() => this.#commits.delete(endorsed.txId), 60_000).unref();
    commit.then(forget, forget);
    return {
      txId: endorsed.txId,
      channel: request.channel,
      identity: request.identity,
      payload: new Uint8Array(endorsed.payload),
      commitState: Buffer.from(JSON.stringify({ txId: endorsed.txId, channel: request.channel })),
    };
  }

  async commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
    this.#assertOpen();
    const running = this.#commits.get(pending.txId);
    if (running) return running;
    // Resumed after a restart: the runtime's committed blocks know the outcome.
    const status = this.#runtime.txStatus(pending.channel, pending.txId);
    if (!status) {
      // Ordering happens in this process, so a transaction it no longer knows was never ordered and never will be.
      throw new TransactionInvalidError('NOT_ORDERED', pending.txId);
    }
    if (status.validationCode !== 'VALID') {
      throw new TransactionInvalidError(status.validationCode, pending.txId, status.blockNumber);
    }
    return { txId: pending.txId, blockNumber: status.blockNumber, payload: pending.payload };
  }

  async evaluate(request: TransactionRequest): Promise<Uint8Array> {
    const tx = this.#txRequest(request);
    try {
      return new Uint8Array(await this.#runtime.evaluate(tx));
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  events(channel: string, options: EventStreamOptions = {}): EventStream {
    this.#assertOpen();
    if (options.identity) this.#assertMember(this.#identity(options.identity).mspId, channel);
    const source = this.#runtime.events(channel, { fromBlock: options.startBlock ?? 0, chaincode: this.#chaincode });
    const after = options.after;
    async function* filtered(): AsyncGenerator<LedgerEvent> {
      for await (const e of source as AsyncIterable<ChaincodeEventRecord>) {
        // Resuming after a delivered event: skip everything at or before it (txIndex orders events within a block).
        if (after && (e.blockNumber < after.blockNumber || (e.blockNumber === after.blockNumber && e.txIndex <= after.txIndex))) continue;
        yield {
          channel: e.channel,
          chaincode: e.chaincode,
          blockNumber: e.blockNumber,
          txIndex: e.txIndex,
          txId: e.txId,
          name: e.eventName,
          payload: new Uint8Array(e.payload),
        };
      }
    }
    const iterator = filtered();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: () => {
        source.close();
        void iterator.return(undefined);
      },
    };
  }

  async blockHeight(channel: string): Promise<number> {
    this.#assertOpen();
    if (!this.#channelOrgs.has(channel)) throw new ChaincodeError(`[NOT_FOUND] no channel ${channel}`);
    return this.#runtime.height(channel);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#commits.values()]);
    await this.#runtime.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerUnavailableError('the embedded ledger is closed');
  }

  #identity(label: string): LedgerIdentity & { identity: Identity } {
    const entry = this.#identities.get(label);
    if (!entry) throw new ChaincodeError(`[UNAUTHENTICATED] no ledger identity '${label}'`);
    return { ...entry.spec, identity: entry.identity };
  }

  #assertMember(mspId: string, channel: string): void {
    const orgs = this.#channelOrgs.get(channel);
    if (!orgs) throw new ChaincodeError(`[NOT_FOUND] no channel ${channel}`);
    if (!orgs.includes(mspId)) throw new ChaincodeError(`[FORBIDDEN] ${mspId} is not a member of channel ${channel}`);
  }

  #txRequest(request: TransactionRequest): TxRequest {
    this.#assertOpen();
    const who = this.#identity(request.identity);
    this.#assertMember(who.mspId, request.channel);
    return {
      channel: request.channel,
      chaincode: this.#chaincode,
      identity: who.identity,
      fn: request.fn,
      args: [...(request.args ?? [])],
      transient: request.transient ? { ...request.transient } : undefined,
      endorsingOrgs: request.endorsingOrgs ? [...request.endorsingOrgs] : undefined,
    };
  }

  #mapError(err: unknown): Error {
    if (err instanceof EndorseError) return new ChaincodeError(err.message, err.txId);
    if (err instanceof RuntimeMismatchError) return new EndorsementMismatchError(err.message);
    if (err instanceof TxValidationError) return new TransactionInvalidError(err.validationCode, err.txId, err.blockNumber);
    if (this.#closed) return new LedgerUnavailableError('the embedded ledger is closed', err);
    return err instanceof Error ? err : new Error(String(err));
  }
}
