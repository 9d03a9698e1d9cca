import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../common/errors';
import { txTimeIso, txTimeMs } from '../common/tx-time';
import { intervalMs, type GovernanceConfig } from '../governance/config';
import { findReadingHash, findStoredReading } from '../metering/store';
import { readingTrusted } from '../metering/trust';
import type { ActingParticipant } from '../participants/participant';
import { meteringStartMs, ownerAt, suspensionDuring, type Asset } from '../registry/asset';
import { findAsset } from '../registry/store';
import type { DeliveryInterval } from '../common/interval';
import { CertificateBook, certificateIdOf, certificatesCollection } from './book';
import { CERT, GREEN_TECHNOLOGY, claimWindowMs, type PublicCertificate } from './model';

export interface IssueItem {
  readonly assetId: string;
  readonly meterId: string;
}

export interface IssueResult {
  readonly interval: string;
  readonly issued: readonly { certId: string; assetId: string; zone: string }[];
  /** Items whose meter exported nothing in the interval: nothing to certify. */
  readonly skipped: readonly { assetId: string; reason: string }[];
  readonly txId: string;
}

/** The issuer: a DSO participant, of governance certificateIssuerMspId when that is set (a certificate body). */
export function requireIssuerOrg(config: GovernanceConfig, issuer: ActingParticipant): void {
  if (config.certificateIssuerMspId !== undefined && issuer.mspId !== config.certificateIssuerMspId) {
    throw new ForbiddenError(`only DSO participants of the certificate body ${config.certificateIssuerMspId} issue certificates`);
  }
}

function refuse(i: number, message: string, reason: string): never {
  throw new RuleViolationError(`item[${i}]: ${message}`, { reason, item: i });
}

async function assetOr404(ctx: Context, assetId: string, i: number): Promise<Asset> {
  const asset = await findAsset(ctx, assetId);
  if (!asset) throw new NotFoundError(`item[${i}]: asset '${assetId}' does not exist`);
  return asset;
}

/**
 * Issues one certificate per green asset and interval from its meter's device-signed export reading: the quantity
 * is the export, capped by what the asset can produce in the interval, so never more than metered; the asset and the
 * meter each get an issued mark for the interval, so the same energy is never certified twice. All or nothing.
 */
export async function issueCertificates(
  ctx: Context,
  config: GovernanceConfig,
  issuer: ActingParticipant,
  interval: DeliveryInterval,
  items: readonly IssueItem[],
  secret: string,
): Promise<IssueResult> {
  const now = txTimeMs(ctx);
  if (now < interval.endMs) throw new RuleViolationError(`${interval.id} has not ended yet`, { reason: 'INTERVAL_NOT_ENDED' });
  if (now >= interval.endMs + claimWindowMs(config)) {
    throw new RuleViolationError(`the certificate window of ${interval.id} has closed; its certificates can no longer be issued`, { reason: 'WINDOW_CLOSED' });
  }
  const book = new CertificateBook(ctx, secret);
  const marked = new Set<string>();
  const issued: { certId: string; assetId: string; zone: string }[] = [];
  const skipped: { assetId: string; reason: string }[] = [];
  for (const [i, item] of items.entries()) {
    const asset = await assetOr404(ctx, item.assetId, i);
    const meter = item.meterId === item.assetId ? asset : await assetOr404(ctx, item.meterId, i);
    const green = GREEN_TECHNOLOGY[asset.type];
    if (!green) refuse(i, `asset '${asset.assetId}' is a ${asset.type}, not a green generating asset (${Object.keys(GREEN_TECHNOLOGY).join(', ')})`, 'NOT_GREEN');
    if (meter !== asset && meter.type !== 'meter') refuse(i, `'${meter.assetId}' is a ${meter.type}, not a meter`, 'NOT_A_METER');
    if (meter.zone !== asset.zone) refuse(i, `meter '${meter.assetId}' is in zone '${meter.zone}', the asset in '${asset.zone}'`, 'WRONG_ZONE');
    const owner = ownerAt(asset, interval.startMs);
    const meterOwner = ownerAt(meter, interval.startMs);
    if (!owner || owner.owner !== meterOwner?.owner) refuse(i, `asset and meter had different owners at ${interval.id}`, 'OWNER_MISMATCH');
    const started = meteringStartMs(asset);
    if (started === undefined || started > interval.startMs) refuse(i, `asset '${asset.assetId}' was not commissioned at ${interval.id}`, 'NOT_COMMISSIONED');
    if (suspensionDuring(asset, interval.startMs, interval.endMs)) refuse(i, `asset '${asset.assetId}' was suspended during ${interval.id}`, 'SUSPENDED');

    for (const mark of [['asset', asset.assetId], ['meter', meter.assetId]]) {
      const key = ctx.stub.createCompositeKey(CERT.issued, [...mark, interval.id]);
      if (marked.has(key) || (await ctx.stub.getState(key)).length > 0) {
        throw new ConflictError(`item[${i}]: the ${mark[0]} '${mark[1]}' already has a certificate for ${interval.id}`, { reason: 'ALREADY_ISSUED', item: i });
      }
      marked.add(key);
    }
    const stored = await findStoredReading(ctx, meter.assetId, interval.startMs);
    const hash = await findReadingHash(ctx, meter.assetId, interval.startMs);
    if (!stored || !hash) refuse(i, `meter '${meter.assetId}' has no reading for ${interval.id} on this peer`, 'NO_READING');
    if (!readingTrusted(meter, stored)) refuse(i, `the reading of '${meter.assetId}' for ${interval.id} was signed by a key declared compromised`, 'UNTRUSTED_READING');
    const capWh = Math.floor((Math.round(asset.capacityKw * 1000) * intervalMs(config)) / 3_600_000);
    const quantityWh = Math.min(stored.reading.exportedWh, capWh);
    if (quantityWh <= 0) {
      skipped.push({ assetId: asset.assetId, reason: 'NOTHING_EXPORTED' });
      continue;
    }
    for (const key of [...marked].slice(-2)) await ctx.stub.putState(key, canonicalBytes({ certId: certificateIdOf(asset.assetId, interval.id), txId: ctx.stub.getTxID() }));

    const certId = certificateIdOf(asset.assetId, interval.id);
    const event = await book.move({
      kind: 'ISSUE',
      certId,
      zone: asset.zone,
      interval: interval.id,
      input: null,
      outputs: [{ owner: owner.owner, quantityWh }],
      issuedWh: quantityWh,
      ref: {
        reading: { assetId: meter.assetId, intervalStart: interval.startMs, hash: hash.hash, txId: hash.txId },
        exportedWh: stored.reading.exportedWh,
        capWh,
        // The device as certified, inside the leaf: an exported document's device fields are checked against it.
        device: { assetId: asset.assetId, energySource: green.energySource, technology: green.technology, capacityKw: asset.capacityKw, commissionedAt: asset.commissionedAt ?? null },
      },
      collection: certificatesCollection(owner.ownerMspId),
    });
    const certificate: PublicCertificate = {
      certId,
      zone: asset.zone,
      interval: interval.id,
      intervalEnd: new Date(interval.endMs).toISOString(),
      assetId: asset.assetId,
      meterId: meter.assetId,
      energySource: green.energySource,
      technology: green.technology,
      capacityKw: asset.capacityKw,
      commissionedAt: asset.commissionedAt ?? null,
      readingHash: hash.hash,
      readingTxId: hash.txId,
      readingKeyValidFrom: stored.keyValidFrom ?? null,
      issuerMspId: issuer.mspId,
      issuedAt: txTimeIso(ctx),
      txId: ctx.stub.getTxID(),
      issueEvent: event.key,
    };
    await ctx.stub.putState(ctx.stub.createCompositeKey(CERT.certificate, [asset.zone, interval.id, certId]), canonicalBytes(certificate));
    issued.push({ certId, assetId: asset.assetId, zone: asset.zone });
  }
  return { interval: interval.id, issued, skipped, txId: ctx.stub.getTxID() };
}
