import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { readJson, readJsonByPrefix } from '../common/state';
import { ConflictError, InvalidArgumentError, RuleViolationError } from '../common/errors';

/**
 * Energy-token accounts without hot keys.
 *
 * A balance is never stored: every movement writes its own delta key `obe.token.delta/<account>/<txId>/<n>`, and the
 * balance is the sum of the account's delta range. So:
 *  - a credit is a blind write of a fresh key: any number of concurrent payments to one account commit together;
 *  - a debit first reads the payer's whole delta range to check the balance, so two concurrent debits of one account
 *    (or a debit racing a credit to it) meet a PHANTOM_READ_CONFLICT at commit and the later one is retried — the
 *    balance check cannot be raced into a double spend.
 * Escrow (open bids) is a per-purpose key `obe.token.escrow/<account>/<escrowId>`: locking debits the account and
 * writes the escrow; paying out or releasing reads and rewrites only that escrow key.
 *
 * Amounts are integers in the token's smallest unit (see market/clearing.ts for how prices map onto it).
 */

const DELTA = 'obe.token.delta';
const ESCROW = 'obe.token.escrow';

export type MovementKind =
  | 'MINT'
  | 'BURN'
  | 'TRANSFER_IN'
  | 'TRANSFER_OUT'
  | 'ESCROW_LOCK'
  | 'ESCROW_RELEASE'
  | 'SETTLEMENT_CREDIT'
  | 'CONSOLIDATED';

export interface Delta {
  readonly account: string;
  readonly amount: number;
  readonly kind: MovementKind;
  readonly ref: string;
  readonly txId: string;
}

export interface Escrow {
  readonly account: string;
  readonly escrowId: string;
  /** What is still held. */
  readonly amount: number;
  /** What was locked originally. */
  readonly locked: number;
  readonly ref: string;
}

export interface AccountBalance {
  readonly account: string;
  /** Spendable: the sum of the account's deltas. */
  readonly available: number;
  /** Held in open escrows (not part of `available`). */
  readonly escrowed: number;
}

export function assertAmount(amount: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive integer in the smallest token unit`, { amount });
  }
}

/** One instance per transaction: it numbers the deltas the transaction writes, so it must not outlive it. */
export class TokenLedger {
  readonly #ctx: Context;
  /** The caller's transient salt: private token records are salted from it (see #saltFor). */
  readonly #secret: string | undefined;
  #written = 0;
  /** A second debit of one account in one transaction would not see the first (no read-your-writes): refuse it. */
  readonly #debited = new Set<string>();

  constructor(ctx: Context, secret?: string) {
    this.#ctx = ctx;
    this.#secret = secret;
  }

  async available(account: string): Promise<number> {
    return (await readJsonByPrefix<Delta>(this.#ctx, DELTA, [account])).reduce((sum, entry) => sum + entry.value.amount, 0);
  }

  async escrows(account: string): Promise<Escrow[]> {
    return (await readJsonByPrefix<Escrow>(this.#ctx, ESCROW, [account])).map((entry) => entry.value);
  }

  async balance(account: string): Promise<AccountBalance> {
    const escrowed = (await this.escrows(account)).reduce((sum, e) => sum + e.amount, 0);
    return { account, available: await this.available(account), escrowed };
  }

  /** Blind write: never reads, never conflicts. */
  async credit(account: string, amount: number, kind: MovementKind, ref: string): Promise<void> {
    assertAmount(amount);
    await this.#writeDelta(account, amount, kind, ref);
  }

  /** Reads the payer's delta range (see the class comment for why that is what makes it safe). */
  async debit(account: string, amount: number, kind: MovementKind, ref: string): Promise<void> {
    assertAmount(amount);
    if (this.#debited.has(account)) throw new Error(`account '${account}' debited twice in one transaction`);
    this.#debited.add(account);
    const available = await this.available(account);
    if (available < amount) {
      throw new RuleViolationError(`insufficient funds: account '${account}' has ${available} available, ${amount} needed`, {
        reason: 'INSUFFICIENT_FUNDS',
        available,
        needed: amount,
      });
    }
    await this.#writeDelta(account, -amount, kind, ref);
  }

  async transfer(from: string, to: string, amount: number, ref: string): Promise<void> {
    if (from === to) throw new InvalidArgumentError('a transfer to the same account is not allowed');
    await this.debit(from, amount, 'TRANSFER_OUT', ref);
    await this.credit(to, amount, 'TRANSFER_IN', ref);
  }

  async lock(account: string, escrowId: string, amount: number, ref: string): Promise<void> {
    const key = this.#escrowKey(account, escrowId);
    if ((await this.#ctx.stub.getState(key)).length > 0) throw new ConflictError(`escrow '${escrowId}' already exists`);
    await this.debit(account, amount, 'ESCROW_LOCK', ref);
    const escrow: Escrow = { account, escrowId, amount, locked: amount, ref };
    await this.#ctx.stub.putState(key, canonicalBytes(escrow));
  }

  async getEscrow(account: string, escrowId: string): Promise<Escrow | undefined> {
    return readJson<Escrow>(this.#ctx, this.#escrowKey(account, escrowId));
  }

  /**
   * Closes one escrow: `consumed` tokens leave it (the caller credits them to whoever they are owed, in the same
   * transaction, so the total never changes) and the rest returns to the owner. The caller passes the escrow it read,
   * so each escrow key is read once per transaction.
   */
  async closeEscrow(escrow: Escrow, consumed: number): Promise<number> {
    if (!Number.isSafeInteger(consumed) || consumed < 0 || consumed > escrow.amount) {
      throw new RuleViolationError(`escrow '${escrow.escrowId}' holds ${escrow.amount}, cannot pay ${consumed}`, { reason: 'ESCROW_EXCEEDED' });
    }
    const rest = escrow.amount - consumed;
    if (rest > 0) await this.credit(escrow.account, rest, 'ESCROW_RELEASE', escrow.ref);
    await this.#ctx.stub.deleteState(this.#escrowKey(escrow.account, escrow.escrowId));
    return rest;
  }

  /**
   * Folds an account's deltas into one, so reading its balance stays cheap however many payments it received. It reads
   * the whole range, so a payment arriving meanwhile invalidates the consolidation (phantom read), never the payment.
   * Returns how many delta keys were folded.
   */
  async consolidate(account: string): Promise<number> {
    const deltas = await readJsonByPrefix<Delta>(this.#ctx, DELTA, [account]);
    const keys = deltas.map((entry) => entry.key);
    const sum = deltas.reduce((total, entry) => total + entry.value.amount, 0);
    if (keys.length <= 1) return 0;
    for (const key of keys) await this.#ctx.stub.deleteState(key);
    if (sum !== 0) await this.#writeDelta(account, sum, 'CONSOLIDATED', `consolidate:${this.#ctx.stub.getTxID()}`);
    return keys.length;
  }

  /**
   * Returns the whole escrow to its owner (a cancelled bid, or one that won nothing), if there is one: a bid at price 0
   * locks nothing, and the order record does not say what was locked.
   */
  async releaseIfHeld(account: string, escrowId: string): Promise<number> {
    const escrow = await this.getEscrow(account, escrowId);
    return escrow ? this.closeEscrow(escrow, 0) : 0;
  }

  async #writeDelta(account: string, amount: number, kind: MovementKind, ref: string): Promise<void> {
    const txId = this.#ctx.stub.getTxID();
    const key = this.#ctx.stub.createCompositeKey(DELTA, [account, txId, String(this.#written++).padStart(4, '0')]);
    const delta: Delta = { account, amount, kind, ref, txId };
    await this.#ctx.stub.putState(key, canonicalBytes(delta));
  }

  #escrowKey(account: string, escrowId: string): string {
    return this.#ctx.stub.createCompositeKey(ESCROW, [account, escrowId]);
  }
}
