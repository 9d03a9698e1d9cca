import { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { profileJson, readingJson, readingSaltLabelJson } from './canonical';
import { assetIdSchema, zoneSchema } from '../registry/asset';

/** The largest batch one transaction takes; hundreds are normal, thousands would strain a block. */
export const MAX_BATCH = 1000;
const MAX_WH = 1_000_000_000_000;

export const intervalStartSchema = z.number().int().min(0).max(8_640_000_000_000_000);

/** What a device measures and signs: energy through the asset in one interval. */
export const readingSchema = z.strictObject({
  assetId: assetIdSchema,
  /** Interval start, milliseconds since the Unix epoch (UTC), aligned to the configured interval length. */
  intervalStart: intervalStartSchema,
  importedWh: z.number().int().min(0).max(MAX_WH),
  exportedWh: z.number().int().min(0).max(MAX_WH),
  /** The device's own counter, signed with the values, so a replayed old message is recognisable. */
  sequence: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type Reading = z.output<typeof readingSchema>;

export const signedReadingSchema = readingSchema.extend({
  /** ECDSA P-256 / SHA-256 signature over readingSigningPayload(reading), base64 (DER or 64-byte r‖s). */
  signature: z.string().regex(/^[A-Za-z0-9+/_-]+={0,2}$/, 'base64').min(40).max(200),
});
export type SignedReading = z.output<typeof signedReadingSchema>;

/** The transient `readings` entry of Metering:SubmitReadings. */
export const readingBatchSchema = z.strictObject({
  /**
   * The batch's secret: each reading's public hash is salted with its own salt derived from it (deriveSalt with the
   * reading's asset and interval), and only that derived salt is stored with the reading, so an owner who sees its own
   * reading's salt learns nothing about its neighbours' salts. The secret itself is never stored.
   */
  salt: z.string().min(32).max(128),
  readings: z.array(signedReadingSchema).min(1).max(MAX_BATCH),
});
export type ReadingBatch = z.output<typeof readingBatchSchema>;

export const READINGS_TRANSIENT = 'readings';

/**
 * Signed load profiles (docs/adr/0010-signed-load-profiles.md): a meter's run of consecutive intervals with one device
 * signature over the whole run, as smart-meter gateways and head-ends send them. Each of its readings is stored exactly
 * like a reading signed alone.
 */
export const PROFILES_TRANSIENT = 'profiles';
/** The longest profile: 31 days of quarter-hours. */
export const MAX_PROFILE_INTERVALS = 96 * 31;
/** Profiles per transaction: each is one signature check and one key import per endorser. */
export const MAX_PROFILES = 1000;
/**
 * Readings per profile transaction, over all its profiles. One public record (~300 bytes) per reading goes into the
 * transaction's write set: 10,000 keep a transaction near 3 MB, well under Fabric's 10 MB block and gRPC limits.
 */
export const MAX_PROFILE_BATCH_READINGS = 10_000;
/**
 * The largest transient batch text (either transaction) an endorser parses. The bounds above allow about 1.5 MB of
 * compact JSON (1,000 profiles with 64-character ids and 200-character signatures, 10,000 readings with every number at
 * its maximum); this leaves room for whitespace and refuses anything larger before JSON.parse.
 */
export const MAX_BATCH_TEXT_BYTES = 8 * 1024 * 1024;

/**
 * The signed payload's domain: a reading's own payload never has this key (readingSchema is strict), so a signature
 * over one reading can never be presented as a profile's, nor a profile's as one reading's.
 */
export const PROFILE_DOMAIN = 'obe.load-profile.v1';

/** One interval of a profile: a reading without the asset, which the profile names once. */
export const profileReadingSchema = readingSchema.omit({ assetId: true });
export type ProfileReading = z.output<typeof profileReadingSchema>;

/** What a device signs for a profile: one asset and its consecutive intervals in ascending order. */
export const loadProfileSchema = z.strictObject({
  assetId: assetIdSchema,
  readings: z.array(profileReadingSchema).min(1).max(MAX_PROFILE_INTERVALS),
});
export type LoadProfile = z.output<typeof loadProfileSchema>;

export const signedProfileSchema = loadProfileSchema.extend({
  /** ECDSA P-256 / SHA-256 signature over profileSigningPayload(profile), base64 (DER or 64-byte r‖s). */
  signature: signedReadingSchema.shape.signature,
});
export type SignedProfile = z.output<typeof signedProfileSchema>;

/** The transient `profiles` entry of Metering:SubmitProfiles. */
export const profileBatchSchema = z
  .strictObject({
    /** The batch's secret, as in readingBatchSchema: each reading's salt is derived from it; never stored. */
    salt: readingBatchSchema.shape.salt,
    profiles: z.array(signedProfileSchema).min(1).max(MAX_PROFILES),
  })
  .refine((batch) => batch.profiles.reduce((n, p) => n + p.readings.length, 0) <= MAX_PROFILE_BATCH_READINGS, {
    message: `at most ${MAX_PROFILE_BATCH_READINGS} readings per transaction over all profiles`,
    path: ['profiles'],
  });
export type ProfileBatch = z.output<typeof profileBatchSchema>;

/** The exact bytes a device signs for a profile: canonical JSON of {domain, assetId, readings} (RFC 8785). */
export function profileSigningPayload(profile: { readonly assetId: string; readonly readings: readonly ProfileReading[] }): string {
  return profileJson(PROFILE_DOMAIN, profile.assetId, profile.readings);
}

/**
 * Where a reading sits in the signed profile it came with: the device signed the profile of `intervals` consecutive
 * readings of the asset from `start`, and this reading is number `position` (0-based). With the other readings of that
 * run (the same asset's stored readings of those intervals) anyone entitled to the values re-verifies the signature.
 */
export interface ProfileRef {
  readonly start: number;
  readonly intervals: number;
  readonly position: number;
}

/** The profile a stored profile reading was signed in, rebuilt from the run's stored readings (in interval order). */
export function profileOfStored(assetId: string, run: readonly Reading[]): LoadProfile {
  return { assetId, readings: run.map(({ intervalStart, importedWh, exportedWh, sequence }) => ({ intervalStart, importedWh, exportedWh, sequence })) };
}

/** Only the signed fields, whatever else the object carries. */
export function readingOf(value: Reading): Reading {
  const { assetId, intervalStart, importedWh, exportedWh, sequence } = value;
  return { assetId, intervalStart, importedWh, exportedWh, sequence };
}

/** The exact bytes a device signs: the reading's canonical JSON (RFC 8785), without the signature. */
export function readingSigningPayload(reading: Reading): string {
  return readingJson(reading);
}

export function sameReading(a: Reading, b: Reading): boolean {
  return readingSigningPayload(a) === readingSigningPayload(b);
}

/**
 * The public view of one reading: which asset reported for which interval, and a salted hash of what it reported.
 * Stored as part of a ReadingRunRecord; findReadingHash (store.ts) and GetReadingHash answer with this view.
 */
export interface ReadingHashRecord {
  readonly assetId: string;
  readonly intervalStart: number;
  readonly hash: string;
  readonly collection: string;
  readonly txId: string;
  /**
   * The reading's place among the batch's readings in `collection` (sorted by asset, then interval): chunk
   * ⌊leaf / READINGS_PER_CHUNK⌋, position leaf mod READINGS_PER_CHUNK (store.ts).
   */
  readonly leaf: number;
}

/**
 * Public, one per run (docs/adr/0012): consecutive readings of one asset from one batch, one collection and one
 * owner, inside one block (UTC day, BLOCK_MS) and one private chunk. Reading i is the interval intervalStart + i·stepMs, its
 * salted hash hashes[i], its leaf leaf + i.
 */
export interface ReadingRunRecord {
  readonly assetId: string;
  /** The run's first interval. */
  readonly intervalStart: number;
  /** The interval length when the batch was recorded. */
  readonly stepMs: number;
  readonly hashes: readonly string[];
  readonly collection: string;
  readonly txId: string;
  /** The first reading's leaf; the others follow it in the same chunk. */
  readonly leaf: number;
}

/** Private, in the readings collection of the org that owned the asset at the reading's interval. */
export interface StoredReading {
  readonly reading: Reading;
  readonly signature: string;
  /** This reading's own salt (derived per reading), never the batch's secret. */
  readonly salt: string;
  readonly submittedAt: string;
  /** The owner (pseudonym) at the reading's interval, who alone of the participants without oversight roles may read it. */
  readonly owner?: string;
  /**
   * `validFrom` of the device key period whose key verified the signature. A DSO that later declares that key
   * compromised ends its period before this interval, and the reading stops counting (see readingTrusted).
   */
  readonly keyValidFrom?: string;
  /**
   * Set when the reading came in a signed load profile: `signature` is then the profile's, over
   * profileSigningPayload of the run this names (see ProfileRef); absent for a reading signed alone.
   */
  readonly profile?: ProfileRef;
}

/** The salt of one reading, derived from the batch's secret and the reading's identity (asset, interval). */
export function readingSaltLabel(assetId: string, intervalStart: number): string {
  return readingSaltLabelJson(assetId, intervalStart);
}

/**
 * Private, in an owner org's readings collection: one batch's contribution to a zone's interval, with the distinct
 * owners it covers so that the small-group rule can count participants across batches.
 */
export interface ZoneDelta {
  readonly importedWh: number;
  readonly exportedWh: number;
  readonly readings: number;
  readonly owners: readonly string[];
  /**
   * Derived from the batch's secret. The block carries the SHA-256 of every private value; without a salt, the hash
   * of a one-reading delta would confirm a guess of that reading in a few thousand tries.
   */
  readonly salt: string;
}

/** The salt of one batch's private zone delta in one collection. */
export function zoneDeltaSaltLabel(zone: string, intervalStart: number, collection: string): string {
  return canonicalJson(['zone-delta', zone, intervalStart, collection]);
}

/**
 * Public: that a batch contributed to a zone's interval, how many readings, and in which collections its values sit.
 * No value: a batch with one reading for a zone would otherwise publish that meter's values.
 */
export interface ZoneBatchMarker {
  readonly zone: string;
  readonly intervalStart: number;
  readonly txId: string;
  readonly readings: number;
  readonly collections: readonly string[];
}

/**
 * A zone's interval totals as shown to anyone: values only over at least `minGroupSize` distinct participants
 * (governance minPublicGroupSize, k), otherwise suppressed (null). `published` tells a stored publication (public
 * state, see PublishZoneTotal) from a live view computed for an org that may read every collection involved.
 */
export interface ZoneTotal {
  readonly zone: string;
  readonly intervalStart: number;
  readonly published: boolean;
  readonly suppressed: boolean;
  readonly minGroupSize: number;
  readonly importedWh: number | null;
  readonly exportedWh: number | null;
  /** Readings counted (which meters reported is public anyway, by their reading hashes). */
  readonly readings: number;
  /** Distinct owners at the interval; null when the values are withheld because they were not computed. */
  readonly participants: number | null;
  readonly batches: number;
}

/** A publication as stored in public state: the total and the batches it covers. */
export interface PublishedZoneTotal extends ZoneTotal {
  readonly includedBatches: readonly string[];
  readonly publishedAt: string;
  readonly txId: string;
}

export const zoneIntervalSchema = z.strictObject({ zone: zoneSchema, intervalStart: intervalStartSchema });

/** An interval start passed as a transaction argument: decimal milliseconds since the epoch. */
export const intervalStartArgSchema = z
  .string()
  .regex(/^\d{1,16}$/, 'decimal milliseconds since the epoch')
  .transform(Number)
  .pipe(intervalStartSchema);
