import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { parseWith } from '../common/validate';
import { grantRole, reactivate, register, revokeRole, suspend, whoAmI } from './manage';
import { pseudonymSchema } from './participant';
import { getParticipant, listParticipants } from './store';

/**
 * Participants:Erase runs across every domain (chaincode/src/erasure), and those domains import participants: the
 * contract takes the erasure as a constructor argument, given where the contracts are assembled (chaincode/src/index.ts).
 */
export type EraseParticipant = (ctx: Context, argsJson: string) => Promise<unknown>;

@Info({ title: 'Participants', description: 'Pseudonymous participants, their roles and status' })
export class ParticipantsContract extends Contract {
  readonly #erase: EraseParticipant | undefined;

  constructor(erase?: EraseParticipant) {
    super('Participants');
    this.#erase = erase;
  }

  @Transaction()
  @Returns('string')
  async Register(ctx: Context): Promise<string> {
    return canonicalJson(await register(ctx));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async GrantRole(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await grantRole(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async RevokeRole(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await revokeRole(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Suspend(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await suspend(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Reactivate(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await reactivate(ctx, argsJson));
  }

  /** Erases a participant's private data and makes it a tombstone (docs/privacy-and-erasure.md). */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Erase(ctx: Context, argsJson: string): Promise<string> {
    if (!this.#erase) throw new Error('Participants:Erase is not wired: use the contracts of chaincode/src/index.ts');
    return canonicalJson(await this.#erase(ctx, argsJson));
  }

  @Param('pseudonym', 'string')
  @Transaction(false)
  @Returns('string')
  async GetParticipant(ctx: Context, pseudonym: string): Promise<string> {
    return canonicalJson(await getParticipant(ctx, parseWith(pseudonymSchema, pseudonym, 'pseudonym')));
  }

  @Transaction(false)
  @Returns('string')
  async WhoAmI(ctx: Context): Promise<string> {
    return canonicalJson(await whoAmI(ctx));
  }

  @Transaction(false)
  @Returns('string')
  async ListParticipants(ctx: Context): Promise<string> {
    return canonicalJson(await listParticipants(ctx));
  }
}
