/** Loads a signing identity from a Fabric MSP folder as cryptogen and Fabric CA lay it out. */
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { hash, signers, type Hash, type Identity, type Signer } from '@hyperledger/fabric-gateway';
import type { IdentityEntry } from './connection-config';

export class MspIdentityError extends Error {
  readonly code = 'FABRIC_MSP_IDENTITY';
  constructor(readonly label: string, problem: string) {
    super(`identity '${label}': ${problem}`);
    this.name = 'MspIdentityError';
  }
}

export interface MspIdentity {
  readonly label: string;
  readonly identity: Identity;
  readonly signer: Signer;
  /** What the signer is given: a SHA-256 digest for ECDSA keys, the whole message for Ed25519. */
  readonly hash: Hash;
}

function filesIn(label: string, dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((name) => fs.statSync(path.join(dir, name)).isFile())
      .sort();
  } catch {
    throw new MspIdentityError(label, `MSP folder ${dir} not found`);
  }
}

/** The one certificate in signcerts/ (a `.pem`, or the only file). */
function certificateFile(label: string, mspPath: string): string {
  const dir = path.join(mspPath, 'signcerts');
  const files = filesIn(label, dir);
  const pems = files.filter((f) => f.endsWith('.pem'));
  const chosen = pems.length === 1 ? pems : files;
  if (chosen.length !== 1) throw new MspIdentityError(label, `expected one certificate in ${dir}, found ${files.length} files`);
  return path.join(dir, chosen[0]!);
}

/** The private key in keystore/: the `*_sk` file cryptogen and Fabric CA write, or the only file there. */
function keyFile(label: string, mspPath: string): string {
  const dir = path.join(mspPath, 'keystore');
  const files = filesIn(label, dir);
  const keys = files.filter((f) => f.endsWith('_sk'));
  const chosen = keys.length === 1 ? keys : files;
  if (chosen.length !== 1) throw new MspIdentityError(label, `expected one private key in ${dir}, found ${files.length} files`);
  return path.join(dir, chosen[0]!);
}

export function loadMspIdentity(entry: IdentityEntry): MspIdentity {
  const certPath = certificateFile(entry.label, entry.mspPath);
  const credentials = fs.readFileSync(certPath);
  if (!credentials.toString('utf8').includes('-----BEGIN CERTIFICATE-----')) {
    throw new MspIdentityError(entry.label, `${certPath} is not a PEM certificate`);
  }
  const keyPath = keyFile(entry.label, entry.mspPath);
  let key: KeyObject;
  try {
    key = createPrivateKey(fs.readFileSync(keyPath));
  } catch (err) {
    throw new MspIdentityError(entry.label, `${keyPath} is not a readable private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'ed25519') {
    throw new MspIdentityError(entry.label, `${keyPath} holds a ${key.asymmetricKeyType} key; Fabric identities use EC or Ed25519`);
  }
  const p256 = key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  return {
    label: entry.label,
    identity: { mspId: entry.mspId, credentials: new Uint8Array(credentials) },
    signer: p256 ? p256Signer(key) : signers.newPrivateKeySigner(key),
    hash: p256 || key.asymmetricKeyType === 'ed25519' ? hash.none : hash.sha256,
  };
}

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_ORDER = P256_ORDER >> 1n;

/** An ASN.1 DER INTEGER of a non-negative big-endian value: no leading zero bytes, one 0x00 before a high bit. */
function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes[start]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes.subarray(start)]) : bytes.subarray(start);
  return Buffer.concat([Buffer.from([0x02, value.length]), value]);
}

/**
 * ECDSA P-256 over SHA-256 of the whole message (so the identity's hash is hash.none) with Node's OpenSSL, DER-encoded
 * with a low S as Fabric requires — what fabric-gateway's newPrivateKeySigner produces, but about 30× cheaper: that
 * signer runs the curve in JavaScript (@noble/curves, ≈1.3 ms a signature on the bench machine against ≈45 µs), and a
 * submit signs three times (proposal, transaction, commit status request). See docs/performance.md.
 */
export function p256Signer(key: KeyObject): Signer {
  return (message: Uint8Array) => {
    const signature = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
    let s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
    if (s > P256_HALF_ORDER) s = P256_ORDER - s;
    const body = Buffer.concat([derInteger(signature.subarray(0, 32)), derInteger(Buffer.from(s.toString(16).padStart(64, '0'), 'hex'))]);
    return Promise.resolve(new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body])));
  };
}
