import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@obe/chaincode';

/**
 * Signed meter readings in the form Metering:SubmitReadings verifies: the device signs the canonical JSON (RFC 8785)
 * of {assetId, intervalStart, importedWh, exportedWh, sequence} with its ECDSA P-256 key (SHA-256, DER, base64).
 * A batch carries a salt for the readings' public hashes; it travels in the transient map, never on chain in clear.
 */
export interface ReadingInput {
  readonly assetId: string;
  /** Interval start, ms since the epoch. */
  readonly intervalStart: number;
  readonly importedWh: number;
  readonly exportedWh: number;
  /** The device's counter; increases with every reading it signs. */
  readonly sequence: number;
}

export interface SignedReading extends ReadingInput {
  readonly signature: string;
}

export interface ReadingBatch {
  readonly salt: string;
  readonly readings: readonly SignedReading[];
}

/** The exact bytes a device signs. */
export function signingPayload(reading: ReadingInput): string {
  const { assetId, intervalStart, importedWh, exportedWh, sequence } = reading;
  return canonicalJson({ assetId, intervalStart, importedWh, exportedWh, sequence });
}

export function signReading(reading: ReadingInput, key: KeyObject): SignedReading {
  const signature = sign('sha256', Buffer.from(signingPayload(reading), 'utf8'), { key, dsaEncoding: 'der' }).toString('base64');
  return { ...reading, signature };
}

export function signReadings(readings: readonly ReadingInput[], keyOf: (assetId: string) => KeyObject): ReadingBatch {
  return { salt: randomBytes(24).toString('base64url'), readings: readings.map((r) => signReading(r, keyOf(r.assetId))) };
}
