import type { Context } from 'fabric-contract-api';
import { readJsonByPrefix } from '../common/state';
import { completeScan } from '../common/scan';
import { SETTLEMENT_RECORD, type PublicSettledRecord } from './settle';

/**
 * The settlement's part of a participant's erasure (docs/privacy-and-erasure.md): the private settled record of each
 * of its orders leaves every member peer (value and history). The public record stays — owner pseudonym, collection,
 * leaf hash and index — so every interval's Merkle root is still rebuilt from the public leaves and the attested
 * totals still verify; the leaf is a salted hash whose salt went with the record. Reads the whole record range (there
 * is no index by owner; erasure is rare).
 */
export async function purgeSettledRecordsOf(ctx: Context, owner: string): Promise<number> {
  let purged = 0;
  for (const { key, value } of completeScan(await readJsonByPrefix<PublicSettledRecord>(ctx, SETTLEMENT_RECORD, []), 'the settled records')) {
    if (value.owner !== owner) continue;
    await ctx.stub.purgePrivateData(value.collection, key);
    purged++;
  }
  return purged;
}
