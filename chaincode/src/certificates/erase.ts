import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { deriveSalt, sha256Hex } from '../common/hash';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { ownerAt } from '../registry/asset';
import { findAsset } from '../registry/store';
import { CertificateBook } from './book';
import { CERT, type PrivateClaimed, type PublicClaimed, type PublicEvent, type PublicLot } from './model';
import { readSeal } from './seal';

export interface CertificateErasure {
  /** Private lot records purged (every lot the participant ever held, spent or not). */
  readonly lots: number;
  /** Claim records of the given meters purged. */
  readonly claims: number;
  /** Bodies of its CLAIM events purged now (sealed interval) or marked for the seal to purge. */
  readonly claimEvents: number;
  /** Whether a holder secret existed (and was purged). */
  readonly holder: boolean;
  /** Lots still ACTIVE that expired with the erasure (an EXPIRE event each, so every issued Wh stays accounted for). */
  readonly retired: number;
}

/**
 * Purges (purgePrivateData: gone from every peer's private store and its history, the public hash stays) every
 * certificate private record of a participant, for participant erasure (the erase transaction calls this):
 *  - each lot it ever held: found through the holder index, whose tag is derived from the participant's holder
 *    secret, so no scan of other participants' data is needed;
 *  - the holder secret itself (crypto-shredding: the public index tags can no longer be linked to anyone);
 *  - lots still ACTIVE first expire (an EXPIRE event with the quantity, salted from the holder secret that is purged
 *    next), so the interval's seal still accounts for every issued Wh: issued = claimed + expired;
 *  - the claim records of `meterIds` (the meters it ever owned; the caller knows them from the registry) for the
 *    intervals it owned them — another owner's claims on the same meter stay — and the bodies of their CLAIM events
 *    (meter and Wh claimed), at once in a sealed interval, else by the interval's seal after it has counted them.
 * The public index entries are deleted. Public lot and event records stay: they hold commitments, statuses and Merkle
 * leaf hashes, so the sealed roots and the public totals remain verifiable. Event bodies hold lot ids and quantities,
 * never a pseudonym, and stay for the audit trail.
 *
 * The transaction must be endorsed by peers of orgs that are members of the participant's certificates collection,
 * and its creator's org must be one (Fabric checks write access to purge).
 */
export async function eraseCertificateHolder(ctx: Context, pseudonym: string, meterIds: readonly string[] = []): Promise<CertificateErasure> {
  const book = new CertificateBook(ctx);
  const collection = await book.collectionOf(pseudonym);
  const tag = await book.holderTag(pseudonym, false);
  let lots = 0;
  let retired = 0;
  if (tag !== undefined) {
    // Everything read first (a transaction never reads what it wrote): the index, each lot's public record, the secret.
    const entries = await readJsonByPrefix<{ zone: string; interval: string; lotId: string }>(ctx, CERT.held, [tag]);
    const held: { indexKey: string; lotKey: string; lot: PublicLot | undefined }[] = [];
    for (const entry of entries) {
      const lotKey = book.lotKey(entry.value.zone, entry.value.interval, entry.value.lotId);
      held.push({ indexKey: entry.key, lotKey, lot: await readJson<PublicLot>(ctx, lotKey) });
    }
    const active = await book.activeLotsOf(pseudonym);
    const secret = (await book.holderSecret(pseudonym))!;
    const retire = new CertificateBook(ctx, deriveSalt(secret, `cert-erase:${ctx.stub.getTxID()}`));
    for (const lot of active) {
      await retire.move({
        kind: 'EXPIRE',
        certId: lot.record.certId,
        zone: lot.record.zone,
        interval: lot.record.interval,
        input: lot,
        outputs: [],
        expiredWh: lot.body.quantityWh,
        ref: { rule: 'erasure' },
      });
      retired++;
    }
    for (const { indexKey, lotKey, lot } of held) {
      if (lot) {
        await ctx.stub.purgePrivateData(lot.collection, lotKey);
        lots++;
      }
      await ctx.stub.deleteState(indexKey);
    }
    await ctx.stub.purgePrivateData(collection, book.holderSecretKey(pseudonym));
  }
  let claims = 0;
  let claimEvents = 0;
  for (const meterId of [...new Set(meterIds)].sort()) {
    const meter = await findAsset(ctx, meterId);
    for (const entry of await readJsonByPrefix<PublicClaimed>(ctx, CERT.claimed, [meterId])) {
      // Only the intervals it owned the meter: a meter changes hands, and the other owners' claims are theirs.
      if (!meter || ownerAt(meter, Date.parse(entry.value.interval))?.owner !== pseudonym) continue;
      // Its CLAIM events' bodies name the meter and the Wh claimed (a bound on its consumption): purged too, once the
      // interval's seal has counted them — now if sealed, else by the seal (a public marker names the event).
      const body = await readPrivateJson<PrivateClaimed>(ctx, entry.value.collection, entry.key);
      for (const eventKey of body?.events ?? []) {
        const event = await readJson<PublicEvent>(ctx, eventKey);
        if (!event) continue;
        if (await readSeal(ctx, event.zone, event.interval)) await ctx.stub.purgePrivateData(event.collection, eventKey);
        else {
          // The event key is itself composite (U+0000 inside): the marker key names it by its hash.
          const marker = ctx.stub.createCompositeKey(CERT.purgeAtSeal, [event.zone, event.interval, sha256Hex(eventKey)]);
          await ctx.stub.putState(marker, canonicalBytes({ eventKey, collection: event.collection }));
        }
        claimEvents++;
      }
      await ctx.stub.purgePrivateData(entry.value.collection, entry.key);
      claims++;
    }
  }
  return { lots, claims, claimEvents, holder: tag !== undefined, retired };
}

/** Whether any certificate private record of the participant is still readable here (for tests and checks). */
export async function holderSecretPresent(ctx: Context, pseudonym: string): Promise<boolean> {
  const book = new CertificateBook(ctx);
  return (await readPrivateJson<unknown>(ctx, await book.collectionOf(pseudonym), book.holderSecretKey(pseudonym))) !== undefined;
}
