import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, InvalidArgumentError, RuleViolationError } from '../common/errors';
import { commitmentOf, deriveSalt } from '../common/hash';
import { orgCollection } from '../common/keys';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { getParticipant } from '../participants/store';

/**
 * Energy-token accounts without hot keys, and without public amounts.
 *
 * A balance is never stored: every movement writes its own delta key `obe.token.delta/<account>/<txId>/<n>`, and the
 * balance is the sum of the account's delta range. So:
 *  - a credit is a blind write of a fresh key: any number of concurrent payments to one account commit together;
 *  - a debit first reads the payer's whole delta range to check the balance, so two concurrent debits of one account
 *    (or a debit racing a credit to it) meet a PHANTOM_READ_CONFLICT at commit and the later one is retried — the
 *    balance check cannot be raced into a double spend.
 * Escrow (open bids) is a per-purpose key `obe.token.escrow/<account>/<escrowId>`: locking debits the account and
 * writes the escrow; paying out or releasing rewrites only that escrow key.
 *
 * Amounts are private (an escrow would reveal a bid's maximum cost, a settlement credit an award; docs/markets.md).
 * The public delta or escrow record carries who, what kind and a commitment — the SHA-256 of the private record, which
 * holds the amount and a salt derived from the caller's transient salt — and the private record sits under the same
 * key in the account's org collection `tokens_<MSP>` (that org, the grid operator, the regulator). The public key
 * range still carries the read-set and phantom protection; the commitment binds each private amount to it.
 *
 * Amounts are integers in the token's smallest unit (see market/clearing.ts for how prices map onto it).
 *
 * Exact amounts. The total supply is capped: mint and burn (rare issuer transactions) read and rewrite one supply
 * record `obe.token.supply` (its amount private in the issuer org's token collection, like every amount), and a mint
 * that would take the supply past MAX_TOKEN_SUPPLY = 2^51 − 1 is refused. Every other movement only moves tokens
 * between accounts and escrows, so at any time Σ balances + Σ escrows = supply ≤ 2^51 − 1. Hence every balance, every
 * escrow, and any sum of up to four such quantities (settlement adds escrows paid and seller charges) is a safe
 * integer. The balance itself is a sum of deltas whose partial sums are not bounded (an account may receive and spend
 * the supply many times over), so every sum over deltas or escrows is taken in BigInt and converted with a check.
 */

/** 2^51 − 1: four times this is still below 2^53. */
export const MAX_TOKEN_SUPPLY = 2 ** 51 - 1;

const DELTA = 'obe.token.delta';
const ESCROW = 'obe.token.escrow';
const SUPPLY = 'obe.token.supply';

export type MovementKind =
  | 'MINT'
  | 'BURN'
  | 'TRANSFER_IN'
  | 'TRANSFER_OUT'
  | 'ESCROW_LOCK'
  | 'ESCROW_RELEASE'
  | 'SETTLEMENT_CREDIT'
  | 'CONSOLIDATED';

/** What the channel sees of a movement. */
export interface PublicDelta {
  readonly account: string;
  readonly kind: MovementKind;
  readonly txId: string;
  readonly collection: string;
  readonly commitment: string;
}

/** The movement itself, in the account's org collection. */
export interface Delta {
  readonly account: string;
  readonly amount: number;
  readonly kind: MovementKind;
  readonly ref: string;
  readonly txId: string;
  readonly salt: string;
}

export interface PublicEscrow {
  readonly account: string;
  readonly escrowId: string;
  readonly collection: string;
  readonly commitment: string;
}

export interface Escrow {
  readonly account: string;
  readonly escrowId: string;
  /** What is still held. */
  readonly amount: number;
  /** What was locked originally. */
  readonly locked: number;
  readonly ref: string;
  readonly salt: string;
}

export interface AccountBalance {
  readonly account: string;
  /** Spendable: the sum of the account's deltas. */
  readonly available: number;
  /** Held in open escrows (not part of `available`). */
  readonly escrowed: number;
}

/** The private supply record (in the issuer org's token collection). */
export interface Supply {
  readonly supply: number;
  readonly salt: string;
}

export interface PublicSupply {
  readonly collection: string;
  readonly commitment: string;
}

function checked(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RuleViolationError(`${what} ${value} is beyond the exact integer range`, { reason: 'AMOUNT_OUT_OF_RANGE' });
  }
  return Number(value);
}

export function assertAmount(amount: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive integer in the smallest token unit`, { amount });
  }
}

/** One instance per transaction: it numbers the deltas the transaction writes, so it must not outlive it. */
export class TokenLedger {
  readonly #ctx: Context;
  /** The caller's transient salt: every private token record written is salted from it (see #salt). */
  readonly #secret: string | undefined;
  #written = 0;
  /** A second debit of one account in one transaction would not see the first (no read-your-writes): refuse it. */
  readonly #debited = new Set<string>();
  /** Account → its org collection, looked up once per transaction (participant records are public). */
  readonly #collections = new Map<string, string>();

  /** `secret` is required to move tokens (a transient salt the caller supplied); queries need none. */
  constructor(ctx: Context, secret?: string) {
    this.#ctx = ctx;
    this.#secret = secret;
  }

  async available(account: string): Promise<number> {
    return checked((await this.#deltas(account)).reduce((sum, entry) => sum + BigInt(entry.delta.amount), 0n), `balance of '${account}'`);
  }

  async escrows(account: string): Promise<Escrow[]> {
    const out: Escrow[] = [];
    for (const entry of await readJsonByPrefix<PublicEscrow>(this.#ctx, ESCROW, [account])) {
      out.push(await this.#privateOf<Escrow>(entry.key, entry.value, `escrow '${entry.value.escrowId}'`));
    }
    return out;
  }

  async balance(account: string): Promise<AccountBalance> {
    const escrowed = checked((await this.escrows(account)).reduce((sum, e) => sum + BigInt(e.amount), 0n), `escrow of '${account}'`);
    return { account, available: await this.available(account), escrowed };
  }

  /** Blind write: never reads the account's movements, never conflicts. */
  async credit(account: string, amount: number, kind: MovementKind, ref: string): Promise<void> {
    assertAmount(amount);
    await this.#writeDelta(account, amount, kind, ref, this.#requireSecret());
  }

  /** Reads the payer's delta range (see the class comment for why that is what makes it safe). */
  async debit(account: string, amount: number, kind: MovementKind, ref: string): Promise<void> {
    assertAmount(amount);
    const secret = this.#requireSecret();
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
    await this.#writeDelta(account, -amount, kind, ref, secret);
  }

  /**
   * Issues new tokens to `account`, keeping the total supply at or below MAX_TOKEN_SUPPLY. `issuerMsp`: the token
   * issuer org, whose token collection keeps the supply's private amount.
   */
  async mint(account: string, amount: number, issuerMsp: string, ref: string): Promise<void> {
    assertAmount(amount);
    const supply = await this.#readSupply();
    const next = BigInt(supply?.body.supply ?? 0) + BigInt(amount);
    if (next > BigInt(MAX_TOKEN_SUPPLY)) {
      throw new RuleViolationError(`minting ${amount} would take the token supply past its cap of ${MAX_TOKEN_SUPPLY}`, { reason: 'SUPPLY_CAP' });
    }
    await this.#writeSupply(Number(next), supply?.collection ?? orgCollection('tokens', issuerMsp));
    await this.credit(account, amount, 'MINT', ref);
  }

  /** Takes tokens out of `account` and out of the supply. */
  async burn(account: string, amount: number, issuerMsp: string, ref: string): Promise<void> {
    await this.debit(account, amount, 'BURN', ref);
    const supply = await this.#readSupply();
    // A ledger from before the supply record existed has none: never let the supply go below 0.
    const next = Math.max(0, (supply?.body.supply ?? 0) - amount);
    await this.#writeSupply(next, supply?.collection ?? orgCollection('tokens', issuerMsp));
  }

  /** The total supply (issuer collection members only: it is private like every amount). */
  async supply(): Promise<number> {
    return (await this.#readSupply())?.body.supply ?? 0;
  }

  async #readSupply(): Promise<{ collection: string; body: Supply } | undefined> {
    const key = this.#ctx.stub.createCompositeKey(SUPPLY, []);
    const record = await readJson<PublicSupply>(this.#ctx, key);
    return record ? { collection: record.collection, body: await this.#privateOf<Supply>(key, record, 'the token supply') } : undefined;
  }

  async #writeSupply(supply: number, collection: string): Promise<void> {
    const key = this.#ctx.stub.createCompositeKey(SUPPLY, []);
    await this.#writePair(key, { supply, salt: this.#salt(this.#requireSecret(), key) }, { collection });
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
    const escrow: Escrow = { account, escrowId, amount, locked: amount, ref, salt: this.#salt(this.#requireSecret(), key) };
    await this.#writePair(key, escrow, { account, escrowId, collection: await this.#collectionOf(account) });
  }

  async getEscrow(account: string, escrowId: string): Promise<Escrow | undefined> {
    const key = this.#escrowKey(account, escrowId);
    const record = await readJson<PublicEscrow>(this.#ctx, key);
    return record ? this.#privateOf<Escrow>(key, record, `escrow '${escrowId}'`) : undefined;
  }

  /**
   * Closes one escrow: `consumed` tokens leave it (the caller credits them to whoever they are owed, in the same
   * transaction, so the total never changes) and the rest returns to the owner. The caller passes the escrow it read,
   * so each escrow key is read once per transaction. Without a transaction secret (a cancel carries no transient
   * data) the release is salted from the escrow's own private salt, which only the collection's members know.
   */
  async closeEscrow(escrow: Escrow, consumed: number): Promise<number> {
    if (!Number.isSafeInteger(consumed) || consumed < 0 || consumed > escrow.amount) {
      throw new RuleViolationError(`escrow '${escrow.escrowId}' holds ${escrow.amount}, cannot pay ${consumed}`, { reason: 'ESCROW_EXCEEDED' });
    }
    const rest = escrow.amount - consumed;
    if (rest > 0) await this.#writeDelta(escrow.account, rest, 'ESCROW_RELEASE', escrow.ref, this.#secret ?? escrow.salt);
    const key = this.#escrowKey(escrow.account, escrow.escrowId);
    await this.#ctx.stub.deleteState(key);
    await this.#ctx.stub.deletePrivateData(await this.#collectionOf(escrow.account), key);
    return rest;
  }

  /**
   * Folds an account's deltas into one, so reading its balance stays cheap however many payments it received. It reads
   * the whole range, so a payment arriving meanwhile invalidates the consolidation (phantom read), never the payment.
   * Returns how many delta keys were folded.
   */
  async consolidate(account: string): Promise<number> {
    const secret = this.#requireSecret();
    const deltas = await this.#deltas(account);
    if (deltas.length <= 1) return 0;
    const collection = await this.#collectionOf(account);
    for (const { key } of deltas) {
      await this.#ctx.stub.deleteState(key);
      // Purged, not deleted: the folded amounts are replaced by the consolidated one, and a deleted private value
      // would stay in the peers' private history, where erasure (which cannot list deleted keys) never reaches it.
      await this.#ctx.stub.purgePrivateData(collection, key);
    }
    const sum = checked(deltas.reduce((total, entry) => total + BigInt(entry.delta.amount), 0n), `balance of '${account}'`);
    if (sum !== 0) await this.#writeDelta(account, sum, 'CONSOLIDATED', `consolidate:${this.#ctx.stub.getTxID()}`, secret);
    return deltas.length;
  }

  /**
   * Returns the whole escrow to its owner (a cancelled bid, or one that won nothing), if there is one: a bid at price 0
   * locks nothing, and the order record does not say what was locked.
   */
  async releaseIfHeld(account: string, escrowId: string): Promise<number> {
    const escrow = await this.getEscrow(account, escrowId);
    return escrow ? this.closeEscrow(escrow, 0) : 0;
  }

  /**
   * Erasure of an account (docs/privacy-and-erasure.md): refused while it holds an escrow or a non-zero balance, so
   * no token leaves the supply and Σ balances + Σ escrows stays what it was. Purges every delta's private record
   * (value and history) and deletes its public record (an all-zero sum, so the account's balance reads 0 after), and
   * purges the private history of the account's closed escrows `closedEscrowIds` (deleted keys no range query lists).
   * Returns how many private records were purged.
   */
  async eraseAccount(account: string, closedEscrowIds: readonly string[]): Promise<number> {
    const open = await readJsonByPrefix<PublicEscrow>(this.#ctx, ESCROW, [account]);
    if (open.length > 0) {
      throw new RuleViolationError(`account '${account}' still holds ${open.length} escrow(s); settle or cancel its bids first`, { reason: 'ESCROW_LOCKED', escrows: open.length });
    }
    const deltas = await this.#deltas(account);
    const balance = deltas.reduce((sum, entry) => sum + BigInt(entry.delta.amount), 0n);
    if (balance !== 0n) {
      throw new RuleViolationError(`account '${account}' holds a balance of ${balance}; transfer or redeem it before erasure`, { reason: 'BALANCE_NOT_ZERO' });
    }
    const collection = await this.#collectionOf(account, true);
    for (const { key } of deltas) {
      await this.#ctx.stub.deleteState(key);
      await this.#ctx.stub.purgePrivateData(collection, key);
    }
    for (const escrowId of [...new Set(closedEscrowIds)].sort()) await this.#ctx.stub.purgePrivateData(collection, this.#escrowKey(account, escrowId));
    return deltas.length + new Set(closedEscrowIds).size;
  }

  async #deltas(account: string): Promise<{ key: string; delta: Delta }[]> {
    const out: { key: string; delta: Delta }[] = [];
    for (const entry of await readJsonByPrefix<PublicDelta>(this.#ctx, DELTA, [account])) {
      out.push({ key: entry.key, delta: await this.#privateOf<Delta>(entry.key, entry.value, `token movement ${entry.key}`) });
    }
    return out;
  }

  /** The private half of a public record, checked against its commitment. */
  async #privateOf<T>(key: string, record: { collection: string; commitment: string }, what: string): Promise<T> {
    const body = await readPrivateJson<T>(this.#ctx, record.collection, key);
    if (body === undefined) {
      throw new RuleViolationError(`this peer holds no private amount for ${what} (collection ${record.collection})`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    }
    if (commitmentOf(body) !== record.commitment) throw new RuleViolationError(`${what} does not match its commitment`);
    return body;
  }

  async #writeDelta(account: string, amount: number, kind: MovementKind, ref: string, secret: string): Promise<void> {
    const txId = this.#ctx.stub.getTxID();
    const key = this.#ctx.stub.createCompositeKey(DELTA, [account, txId, String(this.#written++).padStart(4, '0')]);
    const delta: Delta = { account, amount, kind, ref, txId, salt: this.#salt(secret, key) };
    await this.#writePair(key, delta, { account, kind, txId, collection: await this.#collectionOf(account) });
  }

  async #writePair(key: string, body: object, record: { collection: string } & Record<string, unknown>): Promise<void> {
    await this.#ctx.stub.putState(key, canonicalBytes({ ...record, commitment: commitmentOf(body) }));
    await this.#ctx.stub.putPrivateData(record.collection, key, canonicalBytes(body));
  }

  /** The account's org collection; an erased account takes no movement (`erasing`: the erasure itself). */
  async #collectionOf(account: string, erasing = false): Promise<string> {
    let collection = this.#collections.get(account);
    if (collection === undefined) {
      const participant = await getParticipant(this.#ctx, account);
      if (participant.status === 'ERASED' && !erasing) throw new RuleViolationError(`account '${account}' belongs to an erased participant`, { reason: 'ERASED' });
      collection = orgCollection('tokens', participant.mspId);
      this.#collections.set(account, collection);
    }
    return collection;
  }

  #requireSecret(): string {
    if (this.#secret === undefined) throw new InvalidArgumentError("transient 'salt' is required to move tokens (it salts the private amounts)");
    return this.#secret;
  }

  #salt(secret: string, key: string): string {
    return deriveSalt(secret, `token:${key}`);
  }

  #escrowKey(account: string, escrowId: string): string {
    return this.#ctx.stub.createCompositeKey(ESCROW, [account, escrowId]);
  }
}
