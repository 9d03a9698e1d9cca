import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Logger } from 'pino';
import { readGatewayFile, type StoredApiKey } from '../config';
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

  has(keyId: string): boolean {
    for (const k of this.#byHash.values()) if (k.id === keyId) return true;
    return false;
  }

  /** The stored keys (hashes only). */
  entries(): StoredApiKey[] {
    return [...this.#byHash.values()];
  }

  /** The ids of the keys this store accepts. */
  ids(): Set<string> {
    return new Set([...this.#byHash.values()].map((k) => k.id));
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

/**
 * The API keys of a config file, re-read when the file changes, so keys added or revoked with `api-key add|revoke`
 * (or any edit) take effect on the running gateway without a restart. The file is stat()ed at most every `checkMs`
 * (default 1 s) as requests arrive: a revocation is effective within that time. A file that disappears leaves no key
 * valid (fail closed); a file that cannot be parsed keeps the last valid keys and logs an error.
 */
export class ApiKeyFile {
  readonly #file: string;
  readonly #checkMs: number;
  readonly #logger: Logger | undefined;
  readonly #onRevoked: (keyIds: string[]) => void;
  #store: ApiKeyStore;
  #signature: string;
  #checkedAt = 0;

  constructor(options: { file: string; store: ApiKeyStore; checkMs: number; logger?: Logger; onRevoked?: (keyIds: string[]) => void }) {
    this.#file = options.file;
    this.#store = options.store;
    this.#checkMs = options.checkMs;
    this.#logger = options.logger;
    this.#onRevoked = options.onRevoked ?? (() => undefined);
    this.#signature = this.#stat();
  }

  #stat(): string {
    try {
      const s = fs.statSync(this.#file);
      return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
    } catch {
      return 'missing';
    }
  }

  /** The current keys, re-read first if the file changed since the last check. */
  current(now = Date.now()): ApiKeyStore {
    if (now - this.#checkedAt < this.#checkMs) return this.#store;
    this.#checkedAt = now;
    const signature = this.#stat();
    if (signature === this.#signature) return this.#store;
    this.#signature = signature;
    this.reload();
    return this.#store;
  }

  /** The keys loaded last (no check of the file). */
  get store(): ApiKeyStore {
    return this.#store;
  }

  /** Re-reads the file now. */
  reload(): void {
    let next: ApiKeyStore;
    try {
      const file = readGatewayFile(this.#file);
      next = new ApiKeyStore(file?.apiKeys ?? []);
      if (!file) this.#logger?.error({ file: this.#file }, 'the gateway config file is gone: no API key is valid until it is back');
    } catch (err) {
      this.#logger?.error({ err, file: this.#file }, 'the gateway config file could not be read; keeping the API keys loaded before');
      return;
    }
    const before = this.#store.ids();
    const after = next.ids();
    const revoked = [...before].filter((id) => !after.has(id));
    this.#store = next;
    this.#logger?.info({ keys: after.size, revoked }, 'API keys reloaded from the gateway config file');
    if (revoked.length) this.#onRevoked(revoked);
  }
}
