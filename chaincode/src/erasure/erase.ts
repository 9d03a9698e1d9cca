import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError } from '../common/errors';
import { isOrgAdmin } from '../common/identity';
import { txTimeIso } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { ordersOf, purgeOrdersOf } from '../market/erase';
import { assetsEverOwnedBy, purgeReadingsOf } from '../metering/erase';
import { PARTICIPANT_EVENT } from '../participants/manage';
import { pseudonymArgSchema, type Participant } from '../participants/participant';
import { callerPseudonym } from '../participants/pseudonym';
import { purgeParticipantSecret } from '../participants/secret';
import { getParticipant, putParticipant } from '../participants/store';
import { purgeSettledRecordsOf } from '../settlement/erase';
import { TokenLedger } from '../tokens/ledger';
import { demandResponseObligations, openObligations, purgeCertificatesOf, purgeDemandResponseOf, refuseObligations } from './hooks';

/**
 * Participants:Erase — the right to erasure (GDPR art. 17) on a ledger that keeps evidence. See
 * docs/privacy-and-erasure.md for what is purged, what stays and why; docs/adr/0007-crypto-shredding.md for the salts.
 *
 * Who: the participant itself, or an admin of its org on its behalf. Refused (nothing written) while it has
 * obligations: it owns an asset that is not decommissioned, an order of it is open in an interval that has not
 * settled, it opted in to a demand-response event not yet settled, it holds an escrow, or its token balance is not 0.
 * Then, in one transaction, every private record of it is purged (purgePrivateData: gone from every member peer's
 * private store with its history; the hash in the block stays) — order bodies, offer totals, its org's awards
 * records of its intervals, settled records, token movements and closed escrows, readings of the meters it owned for
 * the intervals it owned them, zone deltas of its own batches, demand-response reports, certificates, and its
 * participant secret (crypto-shredding) — and the participant becomes an ERASED tombstone with a public erasure record.
 * Public records (order, award, settled-record and reading hashes, Merkle roots, totals) stay: they carry only the
 * pseudonym, which no longer resolves to anything, and salted hashes whose salts are gone.
 */

export const ERASURE = 'obe.erasure';

export const eraseArgSchema = pseudonymArgSchema;
export type EraseArgs = z.output<typeof eraseArgSchema>;

/** The public erasure record: the pseudonym, when, in which transaction and on whose request. No personal data. */
export interface ErasureRecord {
  readonly pseudonym: string;
  readonly mspId: string;
  readonly erasedAt: string;
  readonly txId: string;
  readonly requestedBy: 'PARTICIPANT' | 'ORG_ADMIN';
}

/** What one erasure purged, by kind (returned to the caller; counts only). */
export interface ErasureResult extends ErasureRecord {
  readonly purged: {
    readonly orders: number;
    readonly offers: number;
    readonly awards: number;
    readonly settledRecords: number;
    readonly tokenRecords: number;
    readonly readings: number;
    readonly readingChunksRewritten: number;
    readonly zoneDeltas: number;
    readonly demandResponseReports: number;
    readonly certificateRecords: number;
    readonly participantSecret: number;
  };
}

export function erasureKey(ctx: Context, pseudonym: string): string {
  return ctx.stub.createCompositeKey(ERASURE, [pseudonym]);
}

/** The participant itself, or an admin of its org. */
async function requester(ctx: Context, participant: Participant): Promise<ErasureRecord['requestedBy']> {
  if (ctx.clientIdentity.getMSPID() === participant.mspId) {
    if ((await callerPseudonym(ctx)) === participant.pseudonym) return 'PARTICIPANT';
    if (isOrgAdmin(ctx)) return 'ORG_ADMIN';
  }
  throw new ForbiddenError(`erasing participant ${participant.pseudonym} requires the participant itself or an admin of ${participant.mspId}`);
}

export async function eraseParticipant(ctx: Context, argsJson: string): Promise<ErasureResult> {
  const { pseudonym } = parseJsonArg(eraseArgSchema, argsJson, 'erasure');
  const participant = await getParticipant(ctx, pseudonym);
  const requestedBy = await requester(ctx, participant);
  if (participant.status === 'ERASED') throw new ConflictError(`participant ${pseudonym} is already erased`, { reason: 'ALREADY_ERASED' });

  // Obligations first: every check reads before anything is written, and any refusal writes nothing.
  const orders = await ordersOf(ctx, pseudonym);
  refuseObligations('it has orders in intervals that have not settled; cancel them or wait for settlement', 'OPEN_ORDERS', (await openObligations(ctx, orders)).map((o) => o.orderId));
  refuseObligations('it opted in to demand-response events that have not settled', 'OPEN_DR_EVENTS', await demandResponseObligations(ctx, pseudonym));
  const assets = await assetsEverOwnedBy(ctx, pseudonym);
  refuseObligations(
    'it owns assets that are not decommissioned; transfer or decommission them',
    'OWNS_ASSETS',
    assets.filter((asset) => asset.owner === pseudonym && asset.status !== 'DECOMMISSIONED').map((asset) => asset.assetId),
  );

  const market = await purgeOrdersOf(ctx, pseudonym, orders);
  // Refuses an open escrow or a non-zero balance (no token leaves the supply), then purges the account's records.
  const tokenRecords = await new TokenLedger(ctx).eraseAccount(pseudonym, market.bidIds);
  const settledRecords = await purgeSettledRecordsOf(ctx, pseudonym);
  const readings = await purgeReadingsOf(ctx, pseudonym, assets);
  const demandResponseReports = await purgeDemandResponseOf(ctx, pseudonym);
  const certificateRecords = await purgeCertificatesOf(ctx, pseudonym, assets.map((asset) => asset.assetId), orders);
  await purgeParticipantSecret(ctx, pseudonym, participant.mspId);

  const erasedAt = txTimeIso(ctx);
  const record: ErasureRecord = { pseudonym, mspId: participant.mspId, erasedAt, txId: ctx.stub.getTxID(), requestedBy };
  await putParticipant(ctx, { pseudonym, mspId: participant.mspId, roles: [], status: 'ERASED', registeredAt: participant.registeredAt, updatedAt: erasedAt, erasedAt });
  await ctx.stub.putState(erasureKey(ctx, pseudonym), canonicalBytes(record));
  ctx.stub.setEvent(PARTICIPANT_EVENT, canonicalBytes({ pseudonym, change: 'erased' }));
  return {
    ...record,
    purged: {
      orders: market.orders,
      offers: market.offers,
      awards: market.awards,
      settledRecords,
      tokenRecords,
      readings: readings.readings,
      readingChunksRewritten: readings.rewrittenChunks,
      zoneDeltas: readings.zoneDeltas,
      demandResponseReports,
      certificateRecords,
      participantSecret: 1,
    },
  };
}
