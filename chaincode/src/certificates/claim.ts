import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ForbiddenError, InvalidArgumentError, NotFoundError, RuleViolationError } from '../common/errors';
import { commitmentOf, deriveSalt } from '../common/hash';
import { isOverseer, tryPrivate } from '../common/private-details';
import { readJson, readPrivateJson } from '../common/state';
import { txTimeMs } from '../common/tx-time';
import type { GovernanceConfig } from '../governance/config';
import { intervalMs } from '../governance/config';
import { parseInterval, type DeliveryInterval } from '../common/interval';
import { findReadingHash, findStoredReading } from '../metering/store';
import { readingTrusted } from '../metering/trust';
import type { ActingParticipant } from '../participants/participant';
import { ownerAt } from '../registry/asset';
import { findAsset } from '../registry/store';
import { requireBacked } from './backing';
import { CertificateBook, certificatesCollection, type HeldLot } from './book';
import { CERT, claimWindowMs, type PrivateClaimed, type PublicClaimed } from './model';

export function requireOpenWindow(ctx: Context, config: GovernanceConfig, interval: DeliveryInterval, what: string): void {
  const now = txTimeMs(ctx);
  if (now >= interval.endMs + claimWindowMs(config)) {
    throw new RuleViolationError(`the certificates of ${interval.id} have expired; they can no longer be ${what}`, { reason: 'CERTIFICATE_EXPIRED' });
  }
}

/** The caller's ACTIVE lot, or a refusal. */
export async function ownLot(book: CertificateBook, caller: ActingParticipant, zone: string, interval: string, lotId: string): Promise<HeldLot> {
  const lot = await book.readLot(zone, interval, lotId);
  if (!lot) throw new NotFoundError(`no certificate lot '${lotId}' in ${zone} ${interval}`);
  if (lot.body.owner !== caller.pseudonym) throw new ForbiddenError(`certificate lot '${lotId}' is not yours`);
  if (lot.record.status !== 'ACTIVE') throw new RuleViolationError(`certificate lot '${lotId}' is ${lot.record.status.toLowerCase()}`, { reason: 'LOT_NOT_ACTIVE' });
  await requireBacked(book.ctx, zone, interval, lot.record.certId);
  return lot;
}

export interface ClaimInput {
  readonly zone: string;
  readonly interval: DeliveryInterval;
  readonly lotIds: readonly string[];
  readonly meterId: string;
  readonly quantityWh: number;
  readonly salt: string;
}

function claimedKey(ctx: Context, meterId: string, interval: string): string {
  return ctx.stub.createCompositeKey(CERT.claimed, [meterId, interval]);
}

/**
 * Retires `quantityWh` of the caller's lots against the import its meter measured in the same interval: never more
 * than that import minus what was claimed against it before (one record per meter and interval, read and rewritten,
 * so two claims racing for the same import conflict), and a lot claimed is gone (CLAIMED; a partial claim leaves the
 * rest as a new lot). The import comes from the device-signed reading, read through metering's findStoredReading.
 */
export async function claimCertificates(ctx: Context, config: GovernanceConfig, caller: ActingParticipant, input: ClaimInput): Promise<{ meterId: string; zone: string; interval: string; lots: number; txId: string }> {
  const { interval } = input;
  const now = txTimeMs(ctx);
  if (now < interval.endMs) throw new RuleViolationError(`${interval.id} has not ended yet`, { reason: 'INTERVAL_NOT_ENDED' });
  requireOpenWindow(ctx, config, interval, 'claimed');
  if (new Set(input.lotIds).size !== input.lotIds.length) throw new InvalidArgumentError('invalid claim: lotIds: a lot is named twice');
  const meter = await findAsset(ctx, input.meterId);
  if (!meter) throw new NotFoundError(`asset '${input.meterId}' does not exist`);
  if (meter.type !== 'meter') throw new RuleViolationError(`'${input.meterId}' is a ${meter.type}, not a meter`, { reason: 'NOT_A_METER' });
  if (ownerAt(meter, interval.startMs)?.owner !== caller.pseudonym) throw new ForbiddenError(`meter '${input.meterId}' was not yours at ${interval.id}`);
  const stored = await findStoredReading(ctx, meter.assetId, interval.startMs);
  const hash = await findReadingHash(ctx, meter.assetId, interval.startMs);
  if (!stored || !hash || !readingTrusted(meter, stored)) {
    throw new RuleViolationError(`meter '${input.meterId}' has no trusted reading for ${interval.id}: nothing to claim against`, { reason: 'NO_READING' });
  }
  const book = new CertificateBook(ctx, input.salt);
  const lots: HeldLot[] = [];
  for (const lotId of input.lotIds) lots.push(await ownLot(book, caller, input.zone, interval.id, lotId));
  const held = lots.reduce((sum, lot) => sum + lot.body.quantityWh, 0);
  if (held < input.quantityWh) throw new RuleViolationError(`the lots named hold ${held} Wh, fewer than the ${input.quantityWh} Wh claimed`, { reason: 'INSUFFICIENT_CERTIFICATES' });

  const key = claimedKey(ctx, meter.assetId, interval.id);
  const existing = await readJson<PublicClaimed>(ctx, key);
  const before = existing ? await readPrivateJson<PrivateClaimed>(ctx, existing.collection, key) : undefined;
  if (existing && (!before || commitmentOf(before) !== existing.commitment)) {
    throw new RuleViolationError(`this peer cannot check the earlier claims against '${input.meterId}'`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
  }
  const already = before?.claimedWh ?? 0;
  const importedWh = stored.reading.importedWh;
  if (already + input.quantityWh > importedWh) {
    throw new RuleViolationError(`claiming ${input.quantityWh} Wh against '${input.meterId}' exceeds its metered import of ${interval.id} (${importedWh} Wh, ${already} Wh already claimed)`, {
      reason: 'CLAIM_EXCEEDS_IMPORT',
    });
  }
  let wanted = input.quantityWh;
  const events: string[] = [...(before?.events ?? [])];
  const ref = { meterId: meter.assetId, intervalStart: interval.startMs, readingHash: hash.hash, readingTxId: hash.txId };
  for (const lot of lots) {
    if (wanted === 0) break;
    const take = Math.min(wanted, lot.body.quantityWh);
    wanted -= take;
    const rest = lot.body.quantityWh - take;
    const event = await book.move({
      kind: 'CLAIM',
      certId: lot.record.certId,
      zone: input.zone,
      interval: interval.id,
      input: lot,
      outputs: rest > 0 ? [{ owner: caller.pseudonym, quantityWh: rest }] : [],
      claimedWh: take,
      ref,
    });
    events.push(event.key);
  }
  const collection = existing?.collection ?? certificatesCollection(caller.mspId);
  const body: PrivateClaimed = {
    meterId: meter.assetId,
    interval: interval.id,
    claimedWh: already + input.quantityWh,
    importedWh,
    readingHash: hash.hash,
    events,
    salt: deriveSalt(input.salt, `cert-claimed:${key}`),
  };
  const record: PublicClaimed = { meterId: meter.assetId, interval: interval.id, claims: (existing?.claims ?? 0) + 1, collection, commitment: commitmentOf(body) };
  await ctx.stub.putState(key, canonicalBytes(record));
  await ctx.stub.putPrivateData(collection, key, canonicalBytes(body));
  return { meterId: meter.assetId, zone: input.zone, interval: interval.id, lots: lots.length, txId: ctx.stub.getTxID() };
}

export interface ScoreBucket {
  readonly start: string;
  readonly end: string;
  readonly intervals: number;
  readonly importedWh: number;
  readonly claimedWh: number;
  /** claimed / imported in permille (rounded down); null without import. */
  readonly scorePermille: number | null;
  readonly missingReadings: number;
}

export interface MatchingScore {
  readonly meterId: string;
  readonly resolution: 'INTERVAL' | 'HOUR';
  readonly buckets: readonly ScoreBucket[];
  readonly total: ScoreBucket;
  /** Per interval with a claim: the reading's public hash and the claim record's commitment and events (verifiable). */
  readonly evidence: readonly { interval: string; readingHash: string | null; claimCommitment: string; events: readonly string[] }[];
}

/** At most a 31-day window of 15-minute intervals per query. */
export const MAX_SCORE_INTERVALS = 2976;

function permille(claimed: number, imported: number): number | null {
  return imported > 0 ? Math.floor((claimed * 1000) / imported) : null;
}

/**
 * The consumer's matching score: per interval (or hour) the share of its metered import covered by claimed green
 * certificates. For the meter's owner at each interval, the market operator and the regulator (others: FORBIDDEN).
 */
export async function matchingScore(
  ctx: Context,
  config: GovernanceConfig,
  caller: ActingParticipant,
  args: { meterId: string; from: string; to: string; resolution: 'INTERVAL' | 'HOUR' },
): Promise<MatchingScore> {
  const length = intervalMs(config);
  const from = parseInterval(args.from, length);
  const to = parseInterval(args.to, length);
  const count = (to.startMs - from.startMs) / length;
  if (count < 1 || count > MAX_SCORE_INTERVALS) throw new InvalidArgumentError(`invalid score window: from must precede to, at most ${MAX_SCORE_INTERVALS} intervals`);
  const meter = await findAsset(ctx, args.meterId);
  if (!meter) throw new NotFoundError(`asset '${args.meterId}' does not exist`);
  const overseer = isOverseer(caller);
  if (!overseer && ownerAt(meter, from.startMs)?.owner !== caller.pseudonym) throw new ForbiddenError(`the matching score of '${args.meterId}' is private to its owner, the market operator and the regulator`);
  const bucketMs = args.resolution === 'HOUR' ? Math.max(3_600_000, length) : length;
  const buckets = new Map<number, { intervals: number; imported: number; claimed: number; missing: number }>();
  const evidence: MatchingScore['evidence'][number][] = [];
  for (let start = from.startMs; start < to.startMs; start += length) {
    if (!overseer && ownerAt(meter, start)?.owner !== caller.pseudonym) continue;
    const bucketStart = Math.floor(start / bucketMs) * bucketMs;
    const bucket = buckets.get(bucketStart) ?? { intervals: 0, imported: 0, claimed: 0, missing: 0 };
    buckets.set(bucketStart, bucket);
    bucket.intervals++;
    const stored = await tryPrivate(() => findStoredReading(ctx, meter.assetId, start));
    if (!stored || !readingTrusted(meter, stored)) bucket.missing++;
    else bucket.imported += stored.reading.importedWh;
    const id = new Date(start).toISOString();
    const key = claimedKey(ctx, meter.assetId, id);
    const record = await readJson<PublicClaimed>(ctx, key);
    if (!record) continue;
    const body = await tryPrivate(() => readPrivateJson<PrivateClaimed>(ctx, record.collection, key));
    if (!body || commitmentOf(body) !== record.commitment) continue;
    bucket.claimed += body.claimedWh;
    evidence.push({ interval: id, readingHash: (await findReadingHash(ctx, meter.assetId, start))?.hash ?? null, claimCommitment: record.commitment, events: body.events });
  }
  const shaped = [...buckets].map(([start, b]): ScoreBucket => ({
    start: new Date(start).toISOString(),
    end: new Date(start + bucketMs).toISOString(),
    intervals: b.intervals,
    importedWh: b.imported,
    claimedWh: b.claimed,
    scorePermille: permille(b.claimed, b.imported),
    missingReadings: b.missing,
  }));
  const sum = (f: (b: ScoreBucket) => number) => shaped.reduce((s, b) => s + f(b), 0);
  const total: ScoreBucket = {
    start: from.id,
    end: to.id,
    intervals: sum((b) => b.intervals),
    importedWh: sum((b) => b.importedWh),
    claimedWh: sum((b) => b.claimedWh),
    scorePermille: permille(sum((b) => b.claimedWh), sum((b) => b.importedWh)),
    missingReadings: sum((b) => b.missingReadings),
  };
  return { meterId: meter.assetId, resolution: args.resolution, buckets: shaped, total, evidence };
}
