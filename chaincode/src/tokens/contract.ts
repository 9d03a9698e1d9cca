import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { ForbiddenError, InvalidArgumentError } from '../common/errors';
import { parseJsonArg } from '../common/validate';
import { getConfig } from '../governance/store';
import { pseudonymSchema } from '../participants/participant';
import { requireParticipant, requireRole } from '../participants/authorize';
import { getParticipant } from '../participants/store';
import { TokenLedger } from './ledger';

/** Integers in the smallest token unit; a float, a negative or an unsafe integer is refused at the edge. */
export const tokenAmountSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const mintSchema = z.strictObject({ account: pseudonymSchema, amount: tokenAmountSchema });
const transferSchema = z.strictObject({ to: pseudonymSchema, amount: tokenAmountSchema });
const accountSchema = z.strictObject({ account: pseudonymSchema });

export const TOKENS_EVENT = 'TokensMoved';

/** The issuer: a MARKET_OPERATOR participant of the MSP governance names as token issuer (tokens are backed off chain). */
async function requireIssuer(ctx: Context): Promise<string> {
  const issuer = await requireRole(ctx, 'MARKET_OPERATOR');
  const config = await getConfig(ctx);
  if (issuer.mspId !== config.tokenIssuerMspId) {
    throw new ForbiddenError(`only the token issuer (${config.tokenIssuerMspId}'s market operator) may mint or burn`);
  }
  return issuer.pseudonym;
}

@Info({ title: 'Tokens', description: 'Energy tokens: issuer mint/burn, transfers, balances and bid escrow on per-movement delta keys' })
export class TokensContract extends Contract {
  constructor() {
    super('Tokens');
  }

  /** {"account": pseudonym, "amount": integer} — issuer only. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Mint(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(mintSchema, argsJson, 'mint');
    await requireIssuer(ctx);
    await getParticipant(ctx, args.account);
    await new TokenLedger(ctx).credit(args.account, args.amount, 'MINT', `mint:${ctx.stub.getTxID()}`);
    const moved = { kind: 'MINT', to: args.account, amount: args.amount, txId: ctx.stub.getTxID() };
    ctx.stub.setEvent(TOKENS_EVENT, Buffer.from(canonicalJson(moved)));
    return canonicalJson(moved);
  }

  /** {"account": pseudonym, "amount": integer} — issuer only; the account must hold the amount. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Burn(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(mintSchema, argsJson, 'burn');
    await requireIssuer(ctx);
    await getParticipant(ctx, args.account);
    await new TokenLedger(ctx).debit(args.account, args.amount, 'BURN', `burn:${ctx.stub.getTxID()}`);
    const moved = { kind: 'BURN', from: args.account, amount: args.amount, txId: ctx.stub.getTxID() };
    ctx.stub.setEvent(TOKENS_EVENT, Buffer.from(canonicalJson(moved)));
    return canonicalJson(moved);
  }

  /** {"to": pseudonym, "amount": integer} — from the caller's own account. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(transferSchema, argsJson, 'transfer');
    const caller = await requireParticipant(ctx);
    if (args.to === caller.pseudonym) throw new InvalidArgumentError('invalid transfer: to: a transfer to your own account is not allowed');
    const recipient = await getParticipant(ctx, args.to);
    if (recipient.status !== 'ACTIVE') throw new ForbiddenError(`participant ${args.to} is ${recipient.status.toLowerCase()} and cannot receive tokens`);
    await new TokenLedger(ctx).transfer(caller.pseudonym, args.to, args.amount, `transfer:${ctx.stub.getTxID()}`);
    const moved = { kind: 'TRANSFER', from: caller.pseudonym, to: args.to, amount: args.amount, txId: ctx.stub.getTxID() };
    ctx.stub.setEvent(TOKENS_EVENT, Buffer.from(canonicalJson(moved)));
    return canonicalJson(moved);
  }

  /** Folds the caller's movement keys into one (balance unchanged); returns {account, folded, balance}. */
  @Transaction()
  @Returns('string')
  async Consolidate(ctx: Context): Promise<string> {
    const caller = await requireParticipant(ctx);
    const ledger = new TokenLedger(ctx);
    const folded = await ledger.consolidate(caller.pseudonym);
    return canonicalJson({ account: caller.pseudonym, folded });
  }

  /** {"account": pseudonym} → {account, available, escrowed}. Balances of pseudonymous accounts are public. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetBalance(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(accountSchema, argsJson, 'balance query');
    await getParticipant(ctx, args.account);
    return canonicalJson(await new TokenLedger(ctx).balance(args.account));
  }

  /** The caller's own balance. */
  @Transaction(false)
  @Returns('string')
  async GetMyBalance(ctx: Context): Promise<string> {
    const caller = await requireParticipant(ctx);
    return canonicalJson(await new TokenLedger(ctx).balance(caller.pseudonym));
  }

  /** {"account": pseudonym} → the account's open escrows (one per open bid). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListEscrows(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(accountSchema, argsJson, 'escrow query');
    return canonicalJson(await new TokenLedger(ctx).escrows(args.account));
  }
}
