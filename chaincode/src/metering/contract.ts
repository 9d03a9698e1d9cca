import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { parseWith } from '../common/validate';
import { assetIdSchema, zoneSchema } from '../registry/asset';
import { readingHash, readReading } from './access';
import { intervalStartArgSchema } from './reading';
import { publishZoneTotal, zoneTotal } from './zone';
import { submitProfiles, submitReadings } from './submit';

@Info({ title: 'Metering', description: 'Signed meter readings: private values, public salted hashes and zone totals under the small-group rule' })
export class MeteringContract extends Contract {
  constructor() {
    super('Metering');
  }

  /** Readings travel in the transient map (`readings`); the transaction has no public arguments. */
  @Transaction()
  @Returns('string')
  async SubmitReadings(ctx: Context): Promise<string> {
    return canonicalJson(await submitReadings(ctx));
  }

  /** Signed load profiles travel in the transient map (`profiles`); the transaction has no public arguments. */
  @Transaction()
  @Returns('string')
  async SubmitProfiles(ctx: Context): Promise<string> {
    return canonicalJson(await submitProfiles(ctx));
  }

  // Without decorator metadata (tsx) each @Param appends, and decorators apply bottom-up: so the last parameter is listed first.
  @Param('intervalStart', 'string')
  @Param('assetId', 'string')
  @Transaction(false)
  @Returns('string')
  async GetReading(ctx: Context, assetId: string, intervalStart: string): Promise<string> {
    return canonicalJson(await readReading(ctx, parseWith(assetIdSchema, assetId, 'assetId'), parseWith(intervalStartArgSchema, intervalStart, 'intervalStart')));
  }

  @Param('intervalStart', 'string')
  @Param('assetId', 'string')
  @Transaction(false)
  @Returns('string')
  async GetReadingHash(ctx: Context, assetId: string, intervalStart: string): Promise<string> {
    return canonicalJson(await readingHash(ctx, parseWith(assetIdSchema, assetId, 'assetId'), parseWith(intervalStartArgSchema, intervalStart, 'intervalStart')));
  }

  /** Writes a zone's interval total to public state under the small-group rule (DSO or market operator). */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async PublishZoneTotal(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await publishZoneTotal(ctx, argsJson));
  }

  @Param('intervalStart', 'string')
  @Param('zone', 'string')
  @Transaction(false)
  @Returns('string')
  async GetZoneTotal(ctx: Context, zone: string, intervalStart: string): Promise<string> {
    return canonicalJson(await zoneTotal(ctx, parseWith(zoneSchema, zone, 'zone'), parseWith(intervalStartArgSchema, intervalStart, 'intervalStart')));
  }
}
