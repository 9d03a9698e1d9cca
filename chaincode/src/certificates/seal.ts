import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, NotFoundError, RuleViolationError } from '../common/errors';
import { commitmentOf, deriveSalt } from '../common/hash';
import { merkleLeafHash, merkleProofOfLeaves, merkleRootOfLeaves, type MerkleProofStep } from '../common/merkle';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { txTimeIso, txTimeMs } from '../common/tx-time';
import type { GovernanceConfig } from '../governance/config';
import type { DeliveryInterval } from '../common/interval';
import { ownerAt } from '../registry/asset';
import { findAsset } from '../registry/store';
import { CertificateBook, certificatesCollection } from './book';
import { CERT, CERTIFICATES_SEALED_EVENT, claimWindowMs, type CertificateSeal, type CertificatesSealedEvent, type EventBody, type PrivateLot, type PublicCertificate, type PublicEvent, type PublicLot, type SealTotals } from './model';

/** The small-group rule (docs/adr/0006), as market/book.ts applies it: a total over 0 < n < k participants is withheld. */
function tooSmall(participants: number, k: number): boolean {
  return participants > 0 && participants < k;
}

export function sealKey(ctx: Context, zone: string, interval: string): string {
  return ctx.stub.createCompositeKey(CERT.seal, [zone, interval]);
}

export async function readSeal(ctx: Context, zone: string, interval: string): Promise<CertificateSeal | undefined> {
  return readJson<CertificateSeal>(ctx, sealKey(ctx, zone, interval));
}

/** Every event of a zone's interval in key order (the Merkle leaf order), with its key. */
export async function listEvents(ctx: Context, zone: string, interval: string, certId?: string): Promise<{ key: string; value: PublicEvent }[]> {
  return readJsonByPrefix<PublicEvent>(ctx, CERT.event, certId === undefined ? [zone, interval] : [zone, interval, certId]);
}

export async function listCertificates(ctx: Context, zone: string, interval: string): Promise<PublicCertificate[]> {
  return (await readJsonByPrefix<PublicCertificate>(ctx, CERT.certificate, [zone, interval])).map((e) => e.value);
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Closes a zone's interval once its certificates expired (claim window over): every lot still ACTIVE expires (an
 * EXPIRE event each), and the Merkle root over every event of the interval — issuance, transfers, settlement moves,
 * claims, expiries, in key order — is stored and emitted as `CertificatesSealed`, which the audit relay anchors on
 * the audit channel. Totals are public under the small-group rule (issued over its producers, claimed over its
 * claimants); the full totals stay in the sealing org's certificates collection. Once per zone and interval.
 */
export async function sealInterval(ctx: Context, config: GovernanceConfig, sealerMspId: string, zone: string, interval: DeliveryInterval, secret: string): Promise<CertificateSeal> {
  const key = sealKey(ctx, zone, interval.id);
  if ((await ctx.stub.getState(key)).length > 0) throw new ConflictError(`certificates of ${zone} ${interval.id} are already sealed`, { reason: 'ALREADY_SEALED' });
  const closes = interval.endMs + claimWindowMs(config);
  if (txTimeMs(ctx) < closes) {
    throw new RuleViolationError(`certificates of ${interval.id} may be claimed until ${new Date(closes).toISOString()}; seal after`, { reason: 'WINDOW_OPEN' });
  }
  const book = new CertificateBook(ctx, secret);
  const leaves: { key: string; leafHash: string; body?: EventBody }[] = [];
  const existing = await listEvents(ctx, zone, interval.id);
  const totals = { issuedWh: 0n, claimedWh: 0n, expiredWh: 0n };
  for (const entry of existing) {
    const body = await readPrivateJson<EventBody>(ctx, entry.value.collection, entry.key);
    if (!body || merkleLeafHash(body) !== entry.value.leafHash) {
      throw new RuleViolationError(`this peer holds no matching private body for certificate event ${entry.key}`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    }
    leaves.push({ key: entry.key, leafHash: entry.value.leafHash });
    totals.issuedWh += BigInt(body.issuedWh);
    totals.claimedWh += BigInt(body.claimedWh);
    totals.expiredWh += BigInt(body.expiredWh);
  }
  const claimants = new Set<string>();
  for (const entry of existing.filter((e) => e.value.kind === 'CLAIM')) {
    const body = (await readPrivateJson<EventBody>(ctx, entry.value.collection, entry.key))!;
    const meter = await findAsset(ctx, String(body.ref.meterId));
    const owner = meter ? ownerAt(meter, Number(body.ref.intervalStart))?.owner : undefined;
    if (owner) claimants.add(owner);
  }
  for (const entry of await readJsonByPrefix<PublicLot>(ctx, CERT.lot, [zone, interval.id])) {
    if (entry.value.status !== 'ACTIVE') continue;
    const body = await readPrivateJson<PrivateLot>(ctx, entry.value.collection, entry.key);
    if (!body) throw new RuleViolationError(`this peer holds no private lot ${entry.value.lotId}`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    if (commitmentOf(body) !== entry.value.commitment) throw new RuleViolationError(`certificate lot '${entry.value.lotId}' does not match its commitment`);
    const event = await book.move({
      kind: 'EXPIRE',
      certId: entry.value.certId,
      zone,
      interval: interval.id,
      input: { key: entry.key, record: entry.value, body },
      outputs: [],
      expiredWh: body.quantityWh,
      ref: { rule: 'certificateClaimWindowMinutes', closedAt: new Date(closes).toISOString() },
    });
    leaves.push({ key: event.key, leafHash: event.record.leafHash });
    totals.expiredWh += BigInt(body.quantityWh);
  }
  leaves.sort(byKey);
  // Claim bodies of erased participants (certificates/erase.ts): counted above, purged now; the leaf hashes stay.
  for (const marker of await readJsonByPrefix<{ eventKey: string; collection: string }>(ctx, CERT.purgeAtSeal, [zone, interval.id])) {
    await ctx.stub.purgePrivateData(marker.value.collection, marker.value.eventKey);
    await ctx.stub.deleteState(marker.key);
  }
  const certificates = await listCertificates(ctx, zone, interval.id);
  const producers = new Set<string>();
  for (const certificate of certificates) {
    const asset = await findAsset(ctx, certificate.assetId);
    const owner = asset ? ownerAt(asset, Date.parse(interval.id))?.owner : undefined;
    if (owner) producers.add(owner);
  }
  const full: SealTotals = { issuedWh: Number(totals.issuedWh), claimedWh: Number(totals.claimedWh), expiredWh: Number(totals.expiredWh) };
  const k = config.minPublicGroupSize;
  const hideIssued = tooSmall(producers.size, k);
  const hideClaimed = hideIssued || tooSmall(claimants.size, k);
  const suppressed = [...(hideIssued ? ['issuedWh'] : []), ...(hideClaimed ? ['claimedWh', 'expiredWh'] : [])];
  const collection = certificatesCollection(sealerMspId);
  const seal: CertificateSeal = {
    zone,
    interval: interval.id,
    merkleRoot: merkleRootOfLeaves(leaves.map((l) => l.leafHash)),
    leafCount: leaves.length,
    certificates: certificates.length,
    producers: producers.size,
    claimants: claimants.size,
    issuedWh: hideIssued ? null : full.issuedWh,
    claimedWh: hideClaimed ? null : full.claimedWh,
    expiredWh: hideClaimed ? null : full.expiredWh,
    minPublicGroupSize: k,
    suppressed,
    sealedAt: txTimeIso(ctx),
    txId: ctx.stub.getTxID(),
    collection,
  };
  await ctx.stub.putState(key, canonicalBytes(seal));
  await ctx.stub.putPrivateData(collection, key, canonicalBytes({ ...seal, ...full, suppressed: [], salt: deriveSalt(secret, `cert-seal:${key}`) }));
  const event: CertificatesSealedEvent = {
    channel: ctx.stub.getChannelID(),
    market: 'CERTIFICATES',
    zone,
    interval: interval.id,
    merkleRoot: seal.merkleRoot,
    recordCount: seal.leafCount,
    txId: seal.txId,
  };
  ctx.stub.setEvent(CERTIFICATES_SEALED_EVENT, canonicalBytes(event));
  return seal;
}

export interface EventProof {
  readonly leafHash: string;
  readonly index: number;
  readonly proof: MerkleProofStep[];
  readonly merkleRoot: string;
}

/** Proofs of events against the interval's sealed root, built from the public leaf hashes alone; undefined if not sealed. */
export async function proofsFor(ctx: Context, zone: string, interval: string): Promise<((eventKey: string) => EventProof) | undefined> {
  const seal = await readSeal(ctx, zone, interval);
  if (!seal) return undefined;
  const events = await listEvents(ctx, zone, interval);
  const leaves = events.map((e) => e.value.leafHash);
  return (eventKey: string) => {
    const index = events.findIndex((e) => e.key === eventKey);
    if (index < 0) throw new NotFoundError(`no certificate event ${eventKey}`);
    return { leafHash: leaves[index], index, proof: merkleProofOfLeaves(leaves, index), merkleRoot: seal.merkleRoot };
  };
}
