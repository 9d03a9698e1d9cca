import crypto from 'node:crypto';
import { TransactionInvalidError } from '../../../gateway/src/ledger/errors';
import type { EventStream, Ledger, LedgerIdentity, PendingSubmit, SubmitObserver, SubmitResult, TransactionRequest } from '../../../gateway/src/ledger/port';
import { DEFAULT_RETRY_POLICY, submitWithPolicy, type LedgerHooks, type RetryPolicy } from '../../../gateway/src/ledger/retry-policy';

/**
 * A ledger double for the gateway's own submit machinery (idempotency, async status), where outcomes such as MVCC
 * conflicts must be injected deterministically. Its submit() applies the port's retry policy, as both adapters do.
 * Chaincode behaviour is never tested on it: route and end-to-end suites run on the embedded runtime.
 */
export class ScriptedLedger implements Ledger {
  readonly kind = 'embedded' as const;
  readonly endorsed: TransactionRequest[] = [];
  /** Validation codes the next commits get, in order (then VALID). */
  readonly commitCodes: string[] = [];
  height = 1;
  /** Calls of submit() (each may start several transactions under the retry policy). */
  submitCalls = 0;
  readonly #retry: RetryPolicy;
  readonly #hooks: LedgerHooks;
  #commits = new Map<string, Promise<SubmitResult>>();
  #gate: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;

  constructor(options: { retry?: Partial<RetryPolicy>; hooks?: LedgerHooks } = {}) {
    this.#retry = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, ...options.retry };
    this.#hooks = options.hooks ?? {};
  }

  identities(): readonly LedgerIdentity[] {
    return [{ label: 'utility-admin', mspId: 'UtilityMSP' }];
  }
  channels(): readonly string[] {
    return ['energy'];
  }
  /** Holds commits until release() (to observe pending submits). */
  hold(): void {
    this.#gate = new Promise((r) => (this.#release = r));
  }
  release(): void {
    this.#release?.();
  }
  submit(request: TransactionRequest, observer?: SubmitObserver): Promise<SubmitResult> {
    this.submitCalls++;
    return submitWithPolicy(this, request, { policy: this.#retry, hooks: this.#hooks, observer });
  }
  async startSubmit(request: TransactionRequest): Promise<PendingSubmit> {
    this.endorsed.push(request);
    const txId = crypto.randomBytes(32).toString('hex');
    const payload = Buffer.from(JSON.stringify({ fn: request.fn, n: this.endorsed.length }));
    const code = this.commitCodes.shift() ?? 'VALID';
    const gate = this.#gate;
    this.#commits.set(
      txId,
      gate.then(() => {
        const blockNumber = this.height++;
        if (code !== 'VALID') throw new TransactionInvalidError(code, txId, blockNumber);
        return { txId, blockNumber, payload };
      }),
    );
    this.#commits.get(txId)!.catch(() => undefined);
    return { txId, channel: request.channel, identity: request.identity, payload, commitState: Buffer.from(txId) };
  }
  async commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
    const commit = this.#commits.get(pending.txId);
    if (!commit) throw new TransactionInvalidError('NOT_ORDERED', pending.txId);
    return commit;
  }
  async evaluate(): Promise<Uint8Array> {
    return Buffer.from('{}');
  }
  events(): EventStream {
    throw new Error('no events on the scripted ledger');
  }
  async blockHeight(): Promise<number> {
    return this.height;
  }
  async close(): Promise<void> {}
}
