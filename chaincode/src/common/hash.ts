import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A keyed hash: without the key, guessing the input cannot confirm a guess. */
export function hmacSha256Hex(key: Uint8Array, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/**
 * The public fingerprint of a private value. The salt travels with the private value only, so members can check the
 * fingerprint while everyone else cannot confirm a guess of a small, guessable value such as a meter reading.
 */
export function saltedHash(salt: string, value: unknown): string {
  return sha256Hex(`${salt}\n${canonicalJson(value)}`);
}

/** A per-record salt from one secret (a caller's transient salt): one secret salts many records differently. */
export function deriveSalt(secret: string, label: string): string {
  return sha256Hex(`${secret}\u0000${label}`);
}

/** The public commitment to a private record that carries its own salt: SHA-256 of its canonical JSON. */
export function commitmentOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
