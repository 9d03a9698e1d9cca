import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readingSigningPayload, type Reading } from './reading';

const P1363_P256_LENGTH = 64;

/** Verifies a device's ECDSA P-256 signature (DER or IEEE P1363 r‖s, base64) over the reading's canonical JSON. */
export function verifyReadingSignature(key: KeyObject, reading: Reading, signatureBase64: string): boolean {
  const signature = Buffer.from(signatureBase64, 'base64');
  const dsaEncoding = signature.length === P1363_P256_LENGTH ? 'ieee-p1363' : 'der';
  try {
    return verify('sha256', Buffer.from(readingSigningPayload(reading), 'utf8'), { key, dsaEncoding }, signature);
  } catch {
    return false;
  }
}

export function devicePublicKey(pem: string): KeyObject {
  return createPublicKey({ key: pem, format: 'pem' });
}
