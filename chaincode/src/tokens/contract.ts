import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { ForbiddenError, InvalidArgumentError } from '../common/errors';
import { parseJsonArg } from '../common/validate';
import { getConfig } from '../governance/store';
import { pseudonymSchema } from '../participants/participant';
import { maySeePrivate } from '../common/private-details';
import { saltSchema, transientJson, transientSalt } from '../common/transient';
import { requireParticipant, requireRole } from '../participants/authorize';
import { getParticipant } from '../participants/store';
import { TokenLedger } from './ledger';

/** Integers in the smallest token unit; a float, a negative or an unsafe integer is refused at the edge. */
export const tokenAmountSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const mintSchema = z.strictObject({ account: pseudonymSchema });
export const transferSchema = z.strictObject({ to: pseudonymSchema });
/**
 * The private half of every mint, burn and transfer, in transient `movement`: arguments are written into the block for
 * every channel member to read, so the amount never travels as one. The salt salts the private records it produces.
 */
export const MOVEMENT_TRANSIENT = 'movement';
export const movementSchema = z.strictObject({ amount: tokenAmountSchema, salt: saltSchema });
export const accountSchema = z.strictObject({ account: pseudonymSchema });

/**
 * Emitted on every mint, burn and transfer. Like the transaction's response it names the movement, never the amount:
 * both end up in the block, which every channel member reads (docs/markets.md, "Energy tokens").
 */
export const TOKENS_EVENT = 'TokensMoved';

/** Balances and escrows are shown to the account's owner, the market operator and the regulator only. */
async function requireMaySee(ctx: Context, account: string): Promise<void> {
  const caller = await requireParticipant(ctx);
  await getParticipant(ctx, account);
  if (!maySeePrivate(caller, account)) throw new ForbiddenError(`the balance of ${account} is private to its owner, the market operator and the regulator`);
}

/** The issuer: a MARKET_OPERATOR participant of the MSP governance names as token issuer (tokens are backed off chain); returns its MSP. */
async function requireIssuer(ctx: Context): Promise<string> {
  const issuer = await requireRole(ctx, 'MARKET_OPERATOR');
  const config = await getConfig(ctx);
  if (issuer.mspId !== config.tokenIssuerMspId) {
    throw new ForbiddenError(`only the token issuer (${config.tokenIssuerMspId}'s market operator) may mint or burn`);
  }
  return issuer.mspId;
}

@Info({ title: 'Tokens', description: 'Energy tokens: issuer mint/burn, transfers, balances and bid escrow on per-movement delta keys' })
export class TokensContract extends Contract {
  constructor() {
    super('Tokens');
  }

  /** {"account": pseudonym}, transient `movement` {amount, salt} — issuer only. Returns {kind, to, txId}. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Mint(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(mintSchema, argsJson, 'mint');
    const movement = transientJson(ctx, MOVEMENT_TRANSIENT, movementSchema);
    const issuerMsp = await requireIssuer(ctx);
    await getParticipant(ctx, args.account);
    await new TokenLedger(ctx, movement.salt).mint(args.account, movement.amount, issuerMsp, `mint:${ctx.stub.getTxID()}`);
    const moved = { kind: 'MINT', to: args.account, txId: ctx.stub.getTxID() };
    ctx.stub.setEvent(TOKENS_EVENT, Buffer.from(canonicalJson(moved)));
    return canonicalJson(moved);
  }

  /** {"account": pseudonym}, transient `movement` {amount, salt} — issuer only; the account must hold the amount. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Burn(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(mintSchema, argsJson, 'burn');
    const movement = transientJson(ctx, MOVEMENT_TRANSIENT, movementSchema);
    const issuerMsp = await requireIssuer(ctx);
    await getParticipant(ctx, args.account);
    await new TokenLedger(ctx, movement.salt).burn(args.account, movement.amount, issuerMsp, `burn:${ctx.stub.getTxID()}`);
    const moved = { kind: 'BURN', from: args.account, txId: ctx.stub.getTxID() };
    ctx.stub.setEvent(TOKENS_EVENT, Buffer.from(canonicalJson(moved)));
    return canonicalJson(moved);
  }

  /** {"to": pseudonym}, transient `movement` {amount, salt} — from the caller's own account. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(transferSchema, argsJson, 'transfer');
    const movement = transientJson(ctx, MOVEMENT_TRANSIENT, movementSchema);
    const caller = await requireParticipant(ctx);
    if (args.to === caller.pseudonym) throw new InvalidArgumentError('invalid transfer: to: a transfer to your own account is not allowed');
    const recipient = await getParticipant(ctx, args.to);
    if (recipient.status !== 'ACTIVE') throw new ForbiddenError(`participant ${args.to} is ${recipient.status.toLowerCase()} and cannot receive tokens`);
    await new TokenLedger(ctx, movement.salt).transfer(caller.pseudonym, args.to, movement.amount, `transfer:${ctx.stub.getTxID()}`);
    const moved = { kind: 'TRANSFER', from: caller.pseudonym, to: args.to, txId: ctx.stub.getTxID() };
    ctx.stub.setEvent(TOKENS_EVENT, Buffer.from(canonicalJson(moved)));
    return canonicalJson(moved);
  }

  /** Transient `salt`. Folds the caller's movement keys into one (balance unchanged); returns {account, folded}. */
  @Transaction()
  @Returns('string')
  async Consolidate(ctx: Context): Promise<string> {
    const caller = await requireParticipant(ctx);
    const ledger = new TokenLedger(ctx, transientSalt(ctx));
    const folded = await ledger.consolidate(caller.pseudonym);
    return canonicalJson({ account: caller.pseudonym, folded });
  }

  /** {"account": pseudonym} → {account, available, escrowed}; for the owner, the market operator and the regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetBalance(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(accountSchema, argsJson, 'balance query');
    await requireMaySee(ctx, args.account);
    return canonicalJson(await new TokenLedger(ctx).balance(args.account));
  }

  /** The caller's own balance. */
  @Transaction(false)
  @Returns('string')
  async GetMyBalance(ctx: Context): Promise<string> {
    const caller = await requireParticipant(ctx);
    return canonicalJson(await new TokenLedger(ctx).balance(caller.pseudonym));
  }

  /** {"account": pseudonym} → the account's open escrows (one per open bid or deposit-backed retail offer); visible as balances are. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListEscrows(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(accountSchema, argsJson, 'escrow query');
    await requireMaySee(ctx, args.account);
    return canonicalJson(await new TokenLedger(ctx).escrows(args.account));
  }
}
