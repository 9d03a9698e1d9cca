import crypto from 'node:crypto';
import type { StoredApiKey } from '../config';
import { HttpError } from './errors';

/** Who is calling: the key's public id and the ledger identity it acts as. */
export interface Caller {
  keyId: string;
  identity: string;
}

export function hashApiKey(key: string): string {
  return `sha256:${crypto.createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** A new random API key (256 bits, so a plain SHA-256 is a sufficient stored form) and its stored record. */
export function newApiKey(identity: string): { key: string; stored: StoredApiKey } {
  const id = crypto.randomBytes(6).toString('hex');
  const key = `obe_${id}_${crypto.randomBytes(32).toString('base64url')}`;
  return { key, stored: { id, identity, hash: hashApiKey(key) } };
}

/** Looks callers up by the hash of their bearer token; keys themselves are never held. */
export class ApiKeyStore {
  readonly #byHash = new Map<string, StoredApiKey>();

  constructor(keys: readonly StoredApiKey[] = []) {
    for (const key of keys) this.#byHash.set(key.hash, key);
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** Resolves an Authorization header value; throws 401 for a missing, malformed or unknown key. */
  authenticate(authorization: string | undefined): Caller {
    if (!authorization) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'missing Authorization: Bearer <api key>');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'the Authorization header must be "Bearer <api key>"');
    }
    const stored = this.#byHash.get(hashApiKey(match[1]));
    if (!stored) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'unknown API key');
    }
    return { keyId: stored.id, identity: stored.identity };
  }
}
