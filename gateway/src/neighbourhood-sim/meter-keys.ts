import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Each simulated meter's ECDSA P-256 device key. The public half is registered on the meter asset; the private half
 * signs the meter's readings, as a real meter's secure element would. Kept in the simulator's data dir (mode 0600)
 * so a restarted live simulation signs with the keys already registered on chain.
 */
export interface MeterKey {
  readonly privateKey: KeyObject;
  /** SPKI PEM, the form the registry stores. */
  readonly publicKeyPem: string;
}

export class MeterKeyStore {
  readonly #file: string | undefined;
  readonly #keys = new Map<string, MeterKey>();

  /** Without a file, keys live in memory only (benchmarks, tests). */
  constructor(file?: string) {
    this.#file = file;
    if (file && fs.existsSync(file)) {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
      for (const [meterId, pem] of Object.entries(stored)) this.#keys.set(meterId, fromPem(pem));
    }
  }

  get(meterId: string): MeterKey {
    let key = this.#keys.get(meterId);
    if (!key) {
      const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      key = { privateKey: pair.privateKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
      this.#keys.set(meterId, key);
    }
    return key;
  }

  /** Writes every key to the file (if any), atomically. */
  save(): void {
    if (!this.#file) return;
    const out: Record<string, string> = {};
    for (const [meterId, key] of this.#keys) out[meterId] = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    fs.mkdirSync(path.dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(out), { mode: 0o600 });
    fs.renameSync(tmp, this.#file);
  }
}

function fromPem(pem: string): MeterKey {
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}
