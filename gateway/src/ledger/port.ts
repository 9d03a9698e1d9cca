/**
 * The Ledger port: the only way the gateway reaches a ledger. Routes depend on this interface; two adapters
 * implement it — `embedded` (the in-process Fabric runtime) and `fabric` (@hyperledger/fabric-gateway). Both fail
 * with the typed errors of errors.ts and apply the one retry policy of retry-policy.ts in `submit`.
 */

/** One Fabric identity the ledger can act as (an API key maps to exactly one). */
export interface LedgerIdentity {
  /** Stable name used by configuration and API keys, e.g. `utility-admin`. */
  readonly label: string;
  readonly mspId: string;
}

export interface TransactionRequest {
  readonly channel: string;
  /** Label of the identity that signs the proposal. */
  readonly identity: string;
  /** Fully qualified transaction name, `Contract:function`. */
  readonly fn: string;
  readonly args?: readonly string[];
  /** Private inputs; never written to the ledger as such, never echoed back by a submit. */
  readonly transient?: Readonly<Record<string, Uint8Array>>;
  /** Orgs whose peers must endorse; default chosen by the adapter from the chaincode and collection policies. */
  readonly endorsingOrgs?: readonly string[];
}

export interface SubmitResult {
  readonly txId: string;
  readonly blockNumber: number;
  /** The transaction function's return value as the chaincode serialised it. */
  readonly payload: Uint8Array;
}

/**
 * An endorsed transaction handed to the orderer whose commit has not yet been confirmed. `commitState` is opaque
 * bytes an adapter can persist and later resume from (on Fabric: the signed commit status request), so a resumed
 * status check never re-endorses. It is empty when the orderer never confirmed receiving the transaction: the
 * adapter then re-sends `envelope` before it asks for the status.
 */
export interface PendingSubmit {
  readonly txId: string;
  readonly channel: string;
  readonly identity: string;
  readonly payload: Uint8Array;
  readonly commitState: Uint8Array;
  /**
   * The signed transaction exactly as handed to the orderer (on Fabric: the prepared, signed envelope). Re-sending
   * it can never apply it twice: a txId commits at most once (a second copy is invalidated as DUPLICATE_TXID).
   * Absent where ordering happens in-process (the embedded ledger), where there is nothing to re-send.
   */
  readonly envelope?: Uint8Array;
}

/** What the ledger holds for a txId right now (Fabric: qscc GetTransactionByID); never waits for a commit. */
export type TransactionLookup =
  | { readonly status: 'committed'; readonly blockNumber: number }
  | { readonly status: 'invalid'; readonly validationCode: string; readonly blockNumber?: number }
  | { readonly status: 'not-found' };

export interface LedgerEvent {
  readonly channel: string;
  readonly chaincode: string;
  readonly blockNumber: number;
  /** Position of the transaction within its block; with blockNumber it orders and identifies events. */
  readonly txIndex: number;
  readonly txId: string;
  readonly name: string;
  readonly payload: Uint8Array;
}

export interface EventStreamOptions {
  /** First block to deliver events from (inclusive). */
  readonly startBlock?: number;
  /** Skip events at or before this position within startBlock's history (resume after a delivered event). */
  readonly after?: { readonly blockNumber: number; readonly txIndex: number };
  readonly identity?: string;
}

export interface EventStream extends AsyncIterable<LedgerEvent> {
  close(): void;
}

/**
 * Follows one submit through its retries (see retry-policy.ts): each transaction it starts, and each one that lost a
 * conflict and is followed by a new proposal. Both are awaited, so a caller can make them durable first.
 */
export interface SubmitObserver {
  /** A transaction was endorsed and handed to the orderer; its commit is awaited once this resolves. */
  readonly started?: (pending: PendingSubmit) => Promise<void> | void;
  /** The started transaction was invalidated (MVCC/phantom conflict) and a new proposal follows. */
  readonly retrying?: (pending: PendingSubmit, err: Error) => Promise<void> | void;
}

export interface Ledger {
  readonly kind: 'embedded' | 'fabric';
  identities(): readonly LedgerIdentity[];
  channels(): readonly string[];
  /**
   * Endorse, order and wait for commit; resolves only for a valid transaction. Retries by the port's retry policy:
   * a conflict from a new proposal with backoff, a commit status that timed out by resuming it; never a refusal.
   */
  submit(request: TransactionRequest, observer?: SubmitObserver): Promise<SubmitResult>;
  /** Endorse and order, returning before the commit is known. Never retried after ordering. */
  startSubmit(request: TransactionRequest): Promise<PendingSubmit>;
  /** Waits for the commit of a started submit (asks once); safe to call again after a restart with persisted state. */
  commitStatus(pending: PendingSubmit): Promise<SubmitResult>;
  /**
   * Hands the same signed transaction (same txId, `pending.envelope`) to the orderer again and answers the pending
   * submit with fresh commit state; never endorses. Optional: a ledger that orders in-process has nothing to re-send.
   */
  resend?(pending: PendingSubmit): Promise<PendingSubmit>;
  /** Whether the ledger holds the transaction now, and with which validation code; never waits. */
  lookupTransaction?(pending: PendingSubmit): Promise<TransactionLookup>;
  /** Query a peer without ordering anything. */
  evaluate(request: TransactionRequest): Promise<Uint8Array>;
  events(channel: string, options?: EventStreamOptions): EventStream;
  blockHeight(channel: string): Promise<number>;
  close(): Promise<void>;
}
