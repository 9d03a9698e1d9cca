import type { Context } from 'fabric-contract-api';
import { ForbiddenError, NotFoundError } from '../common/errors';
import { commitmentOf } from '../common/hash';
import { merkleLeafHash } from '../common/merkle';
import { isOverseer, tryPrivate, type Viewer } from '../common/private-details';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { CertificateBook } from './book';
import { CERT, type CertificateSeal, type EventBody, type PrivateLot, type PublicCertificate, type PublicEvent, type PublicLot } from './model';
import { listEvents, proofsFor, readSeal, type EventProof } from './seal';

/**
 * Life order: an event comes after the one that created the lot it consumed (transactions in one block, or stamped
 * with the same time, have no other order); otherwise by transaction time, then key.
 */
function lifeOrder(events: readonly TrailEvent[]): TrailEvent[] {
  const creatorOf = new Map<string, string>();
  for (const e of events) for (const out of e.details?.outputs ?? []) creatorOf.set(out.lotId, e.key);
  const rest = [...events].sort((a, b) => (a.event.at < b.event.at ? -1 : a.event.at > b.event.at ? 1 : a.key < b.key ? -1 : 1));
  const placed = new Set<string>();
  const out: TrailEvent[] = [];
  while (rest.length > 0) {
    const ready = rest.findIndex((e) => {
      const creator = e.details?.input ? creatorOf.get(e.details.input.lotId) : undefined;
      return creator === undefined || placed.has(creator);
    });
    const [next] = rest.splice(ready < 0 ? 0 : ready, 1);
    placed.add(next.key);
    out.push(next);
  }
  return out;
}

export interface TrailEvent {
  readonly key: string;
  readonly event: PublicEvent;
  /** The private body (the Merkle leaf), where this peer holds it. */
  readonly details?: EventBody;
  /** Its proof against the sealed root, once the interval is sealed. */
  readonly proof?: EventProof;
}

export interface TrailLot {
  readonly lot: PublicLot;
  readonly details?: PrivateLot;
}

export interface CertificateTrail {
  readonly certificate: PublicCertificate;
  readonly events: readonly TrailEvent[];
  readonly lots: readonly TrailLot[];
  readonly seal: CertificateSeal | null;
}

async function certificateOr404(ctx: Context, zone: string, interval: string, certId: string): Promise<PublicCertificate> {
  const certificate = await readJson<PublicCertificate>(ctx, ctx.stub.createCompositeKey(CERT.certificate, [zone, interval, certId]));
  if (!certificate) throw new NotFoundError(`no certificate '${certId}' in ${zone} ${interval}`);
  return certificate;
}

async function bodyOf(ctx: Context, key: string, event: PublicEvent): Promise<EventBody | undefined> {
  const body = await tryPrivate(() => readPrivateJson<EventBody>(ctx, event.collection, key));
  return body && merkleLeafHash(body) === event.leafHash ? body : undefined;
}

/**
 * A certificate's whole life for the regulator and the market operator: the issuance (which reading), every move
 * (which awards), every claim (which import), the expiry, each event's private body and, once sealed, its Merkle
 * proof against the root the audit channel attests; and every lot with its holder and quantity.
 */
export async function certificateTrail(ctx: Context, viewer: Viewer, zone: string, interval: string, certId: string): Promise<CertificateTrail> {
  if (!isOverseer(viewer)) throw new ForbiddenError("a certificate's trail is shown to the market operator and the regulator only");
  const certificate = await certificateOr404(ctx, zone, interval, certId);
  const proof = await proofsFor(ctx, zone, interval);
  const events: TrailEvent[] = [];
  for (const entry of await listEvents(ctx, zone, interval, certId)) {
    const details = await bodyOf(ctx, entry.key, entry.value);
    events.push({ key: entry.key, event: entry.value, ...(details ? { details } : {}), ...(proof ? { proof: proof(entry.key) } : {}) });
  }
  const lots: TrailLot[] = [];
  for (const entry of await readJsonByPrefix<PublicLot>(ctx, CERT.lot, [zone, interval])) {
    if (entry.value.certId !== certId) continue;
    const details = await tryPrivate(() => readPrivateJson<PrivateLot>(ctx, entry.value.collection, entry.key));
    lots.push({ lot: entry.value, ...(details && commitmentOf(details) === entry.value.commitment ? { details } : {}) });
  }
  return { certificate, events: lifeOrder(events), lots, seal: (await readSeal(ctx, zone, interval)) ?? null };
}

export interface LotLineage {
  readonly certificate: PublicCertificate;
  readonly lot: PublicLot;
  readonly details: PrivateLot;
  /** From the issuance to the event that consumed the lot (if any), each with body and (sealed) proof. */
  readonly lineage: readonly TrailEvent[];
  readonly seal: CertificateSeal | null;
}

/**
 * One lot's lineage, for its holder (or an overseer) to export: the events that created it back to the issuance,
 * and the one that consumed it (a claim, say). A holder sees the bodies of those events only, not the rest of the
 * certificate's life.
 */
export async function lotLineage(ctx: Context, viewer: Viewer, zone: string, interval: string, lotId: string): Promise<LotLineage> {
  const book = new CertificateBook(ctx);
  const held = await book.readLot(zone, interval, lotId);
  if (!held) throw new NotFoundError(`no certificate lot '${lotId}' in ${zone} ${interval}`);
  if (held.body.owner !== viewer.pseudonym && !isOverseer(viewer)) throw new ForbiddenError(`certificate lot '${lotId}' is not yours`);
  const certificate = await certificateOr404(ctx, zone, interval, held.record.certId);
  const proof = await proofsFor(ctx, zone, interval);
  const chain: TrailEvent[] = [];
  const visit = async (key: string): Promise<EventBody | undefined> => {
    const event = await readJson<PublicEvent>(ctx, key);
    if (!event) throw new NotFoundError(`no certificate event ${key}`);
    const details = await bodyOf(ctx, key, event);
    chain.push({ key, event, ...(details ? { details } : {}), ...(proof ? { proof: proof(key) } : {}) });
    return details;
  };
  let createdBy: string | null = held.record.createdBy;
  while (createdBy) {
    const body = await visit(createdBy);
    const parent = body?.input ? await readJson<PublicLot>(ctx, book.lotKey(zone, interval, body.input.lotId)) : undefined;
    createdBy = parent ? parent.createdBy : null;
  }
  chain.reverse();
  if (held.record.spentBy) await visit(held.record.spentBy);
  return { certificate, lot: held.record, details: held.body, lineage: chain, seal: (await readSeal(ctx, zone, interval)) ?? null };
}
