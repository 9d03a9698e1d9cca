/**
 * Metering devices for tests: an ECDSA P-256 key pair per device, readings signed the way a meter signs them, and
 * interval times aligned to the configured interval.
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { profileSigningPayload, readingSigningPayload, type LoadProfile, type Reading } from '../../../chaincode/src/metering/reading';

export const INTERVAL_MS = 15 * 60_000;

export interface Device {
  readonly publicKeyPem: string;
  readonly publicJwk: { kty: string; crv: string; x: string; y: string };
  readonly privateKey: KeyObject;
}

export interface SignedReadingInput extends Reading {
  signature: string;
}

export function newDevice(): Device {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const jwk = publicKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; y: string };
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicJwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
    privateKey,
  };
}

/** Signs a reading as a device does: ECDSA P-256 / SHA-256 over its canonical JSON, DER, base64. */
export function signReading(device: Device, reading: Reading): SignedReadingInput {
  const signature = sign('sha256', Buffer.from(readingSigningPayload(reading), 'utf8'), device.privateKey).toString('base64');
  return { ...reading, signature };
}

/** The start of the interval `back` intervals before the last completed one (back = 0: the last completed). */
export function pastInterval(back = 0, now = Date.now()): number {
  return Math.floor(now / INTERVAL_MS) * INTERVAL_MS - (back + 1) * INTERVAL_MS;
}

/** The transient map of Metering:SubmitReadings. */
export function readingsTransient(readings: readonly SignedReadingInput[], salt = randomBytes(24).toString('base64url')): Record<string, string> {
  return { readings: JSON.stringify({ salt, readings }) };
}

export interface SignedProfileInput extends LoadProfile {
  signature: string;
}

/** Signs a load profile as a meter gateway does: ECDSA P-256 / SHA-256 over profileSigningPayload, DER, base64. */
export function signProfile(device: Device, profile: LoadProfile): SignedProfileInput {
  const signature = sign('sha256', Buffer.from(profileSigningPayload(profile), 'utf8'), device.privateKey).toString('base64');
  return { ...profile, signature };
}

/** The transient map of Metering:SubmitProfiles. */
export function profilesTransient(profiles: readonly SignedProfileInput[], salt = randomBytes(24).toString('base64url')): Record<string, string> {
  return { profiles: JSON.stringify({ salt, profiles }) };
}
