import { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { assetIdSchema } from '../registry/asset';

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
  /** Salts the public hashes of this batch's readings; kept with them in the private collection. */
  salt: z.string().min(32).max(128),
  readings: z.array(signedReadingSchema).min(1).max(MAX_BATCH),
});
export type ReadingBatch = z.output<typeof readingBatchSchema>;

export const READINGS_TRANSIENT = 'readings';

/** Only the signed fields, whatever else the object carries. */
export function readingOf(value: Reading): Reading {
  const { assetId, intervalStart, importedWh, exportedWh, sequence } = value;
  return { assetId, intervalStart, importedWh, exportedWh, sequence };
}

/** The exact bytes a device signs: the reading's canonical JSON (RFC 8785), without the signature. */
export function readingSigningPayload(reading: Reading): string {
  return canonicalJson(readingOf(reading));
}

export function sameReading(a: Reading, b: Reading): boolean {
  return readingSigningPayload(a) === readingSigningPayload(b);
}

/** Public on the channel: which asset reported for which interval, and a salted hash of what it reported. */
export interface ReadingHashRecord {
  readonly assetId: string;
  readonly intervalStart: number;
  readonly hash: string;
  readonly collection: string;
  readonly txId: string;
}

/** Private, in the owner org's readings collection. */
export interface StoredReading {
  readonly reading: Reading;
  readonly signature: string;
  readonly salt: string;
  readonly submittedAt: string;
}

/** Public per-batch contribution to a zone's interval totals; the total is the sum over a zone-interval's deltas. */
export interface ZoneDelta {
  readonly importedWh: number;
  readonly exportedWh: number;
  readonly readings: number;
}

export interface ZoneTotal extends ZoneDelta {
  readonly zone: string;
  readonly intervalStart: number;
  readonly batches: number;
}

/** An interval start passed as a transaction argument: decimal milliseconds since the epoch. */
export const intervalStartArgSchema = z
  .string()
  .regex(/^\d{1,16}$/, 'decimal milliseconds since the epoch')
  .transform(Number)
  .pipe(intervalStartSchema);
