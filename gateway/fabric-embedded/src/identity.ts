/**
 * Per-org certificate authorities and the identities they issue: ECDSA P-256 X.509 certificates shaped as Fabric CA
 * enrolls them (NodeOU `client` or `admin`, attributes as JSON in extension 1.2.3.4.5.6.7.8.1), so fabric-shim's
 * ClientIdentity reads them exactly as on a peer. CAs and identities are persisted: same name, same identity.
 *
 * The name an identity is asked for is a label kept off-chain (in the data directory's wallet file only). The
 * certificate's enrolment ID (its CN and `hf.EnrollmentID`) is random and meaningless, because the creator's
 * certificate travels in every block the identity signs: a label such as `customer-4711-jane-doe` must never reach it.
 */
import { createHash, createPrivateKey, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import * as x509 from '@peculiar/x509';
import { RuntimeUsageError } from './errors';

// Node's WebCrypto; the gateway is built without the DOM lib, hence node:crypto's own types below.
type WebKey = webcrypto.CryptoKey;
type WebKeyPair = webcrypto.CryptoKeyPair;
x509.cryptoProvider.set(webcrypto as never); // the same object x509 expects as its DOM-typed Crypto

/** An identity issued by an org's CA (persisted in the data directory). */
export interface Identity {
  mspId: string;
  /** The off-chain label the identity was asked for; never written into the certificate. */
  name: string;
  certificate: string;
  privateKey: string;
}

/** An X.509 name as @peculiar/x509 takes it, e.g. `[{ CN: ['x'] }, { OU: ['client'] }]`; an RDN may hold several attributes. */
export type CertificateName = x509.JsonName;

export interface IdentityOptions {
  admin?: boolean;
  attrs?: Record<string, string>;
  /**
   * Tests only: the exact subject to put into the certificate instead of the usual `CN=<random enrolment ID>,
   * OU=<client|admin>, O=<MSP>`, e.g. a CN that contains `+OU=admin` or a multi-valued RDN. Still signed by the org's CA.
   */
  subject?: CertificateName;
  /** Tests only: the issuer name to write into the certificate (the org's CA still signs it). */
  issuer?: CertificateName;
}

/** Fabric CA's extension carrying enrollment attributes. */
export const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

interface StoredIdentity extends Identity {
  admin: boolean;
  attrs: Record<string, string>;
  /** The random enrolment ID in the certificate (absent in wallets written before enrolment IDs were random). */
  enrollmentId?: string;
  subject?: CertificateName;
  issuer?: CertificateName;
}

interface CaMaterial {
  certificate: x509.X509Certificate;
  signingKey: WebKey;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive INTEGER
  return bytes.toString('hex');
}

async function exportPkcs8Pem(key: WebKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importPkcs8Pem(pem: string): Promise<WebKey> {
  const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
}

function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

function sameOptions(stored: StoredIdentity, admin: boolean, attrs: Record<string, string>, options: IdentityOptions): boolean {
  const a = Object.entries(stored.attrs).sort();
  const b = Object.entries(attrs).sort();
  return (
    stored.admin === admin &&
    JSON.stringify(a) === JSON.stringify(b) &&
    JSON.stringify(stored.subject ?? null) === JSON.stringify(options.subject ?? null) &&
    JSON.stringify(stored.issuer ?? null) === JSON.stringify(options.issuer ?? null)
  );
}

/**
 * A fresh enrolment ID: 128 random bits, nothing derived from the label, the org or the time, so the ID in the
 * certificate (and so in every block) tells nothing about who holds it.
 */
export function randomEnrollmentId(): string {
  return `id-${randomBytes(16).toString('hex')}`;
}

/** One org's CA, its key kept in `<dir>/ca.json`, identities in `<dir>/users/`. */
export class OrgCa {
  readonly #dir: string;
  readonly #mspId: string;
  #material: Promise<CaMaterial> | undefined;
  readonly #issuing = new Map<string, Promise<Identity>>();

  constructor(mspId: string, dir: string) {
    this.#mspId = mspId;
    this.#dir = dir;
  }

  get mspId(): string {
    return this.#mspId;
  }

  /** The CA certificate (PEM), which an MSP would list under cacerts. */
  async caCertificate(): Promise<string> {
    return (await this.#ca()).certificate.toString('pem');
  }

  /** Issues (or reloads) the identity `name`; different admin/attrs than stored re-issue a certificate with the same subject. */
  identity(name: string, options: IdentityOptions = {}): Promise<Identity> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 128) throw new RuntimeUsageError('identity name must be 1..128 characters');
    const key = `${name}\n${JSON.stringify(options)}`;
    const running = this.#issuing.get(key);
    if (running) return running;
    const issuing = this.#issue(name, options).finally(() => this.#issuing.delete(key));
    this.#issuing.set(key, issuing);
    return issuing;
  }

  /**
   * Forgets the identity `name`: its stored certificate and private key leave the CA's directory, so nothing here
   * maps the name to a certificate any more (erasure, docs/privacy-and-erasure.md). Answers whether there was one.
   * Certificates it issued stay valid: Fabric has no revocation here either, the chaincode refuses the erased one.
   */
  forget(name: string): boolean {
    const file = path.join(this.#dir, 'users', `${encodeURIComponent(name)}.json`);
    if (!fs.existsSync(file)) return false;
    fs.rmSync(file);
    return true;
  }

  async #issue(name: string, options: IdentityOptions): Promise<Identity> {
    const admin = options.admin === true;
    const attrs = { ...(options.attrs ?? {}) };
    for (const [k, v] of Object.entries(attrs)) {
      if (typeof v !== 'string') throw new RuntimeUsageError(`attribute ${k} must be a string`);
      // Fabric CA sets the hf.* attributes itself; a caller must not put a label into hf.EnrollmentID or pose as hf.Type.
      if (k.startsWith('hf.')) throw new RuntimeUsageError(`attribute ${k} is the CA's own and cannot be requested`);
    }
    const file = path.join(this.#dir, 'users', `${encodeURIComponent(name)}.json`);
    let stored: StoredIdentity | undefined;
    if (fs.existsSync(file)) {
      stored = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredIdentity;
      if (sameOptions(stored, admin, attrs, options)) return { mspId: stored.mspId, name: stored.name, certificate: stored.certificate, privateKey: stored.privateKey };
    }
    const ca = await this.#ca();
    const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as unknown as WebKeyPair;
    const type = admin ? 'admin' : 'client';
    // A re-issue (other options) keeps the enrolment ID; a new identity gets a random one, never the label.
    const enrollmentId = stored?.enrollmentId ?? randomEnrollmentId();
    // Fabric CA always adds hf.EnrollmentID, hf.Type and hf.Affiliation next to the registered attributes.
    const certAttrs = { 'hf.Affiliation': '', 'hf.EnrollmentID': enrollmentId, 'hf.Type': type, ...attrs };
    const notBefore = new Date(Date.now() - 60_000);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: options.subject ?? [{ CN: [enrollmentId] }, { OU: [type] }, { O: [this.#mspId] }],
      issuer: options.issuer ?? ca.certificate.subject,
      notBefore,
      notAfter: new Date(notBefore.getTime() + TEN_YEARS_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: ca.signingKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
        new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs: certAttrs }), 'utf8')),
      ],
    });
    const identity: StoredIdentity = {
      mspId: this.#mspId,
      name,
      certificate: cert.toString('pem'),
      privateKey: await exportPkcs8Pem(keys.privateKey),
      admin,
      attrs,
      enrollmentId,
      ...(options.subject ? { subject: options.subject } : {}),
      ...(options.issuer ? { issuer: options.issuer } : {}),
    };
    writeFileAtomic(file, JSON.stringify(identity, null, 2));
    return { mspId: identity.mspId, name: identity.name, certificate: identity.certificate, privateKey: identity.privateKey };
  }

  #ca(): Promise<CaMaterial> {
    this.#material ??= this.#loadOrCreateCa();
    return this.#material;
  }

  async #loadOrCreateCa(): Promise<CaMaterial> {
    const file = path.join(this.#dir, 'ca.json');
    if (fs.existsSync(file)) {
      const stored = JSON.parse(fs.readFileSync(file, 'utf8')) as { certificate: string; privateKey: string };
      return { certificate: new x509.X509Certificate(stored.certificate), signingKey: await importPkcs8Pem(stored.privateKey) };
    }
    const keys = (await webcrypto.subtle.generateKey(EC_ALGORITHM, true, ['sign', 'verify'])) as unknown as WebKeyPair;
    const notBefore = new Date(Date.now() - 60_000);
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: [{ CN: [`ca.${this.#mspId.toLowerCase()}`] }, { O: [this.#mspId] }],
      notBefore,
      notAfter: new Date(notBefore.getTime() + TEN_YEARS_MS),
      signingAlgorithm: SIGNING_ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 1, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    writeFileAtomic(file, JSON.stringify({ certificate: certificate.toString('pem'), privateKey: await exportPkcs8Pem(keys.privateKey) }, null, 2));
    return { certificate, signingKey: keys.privateKey };
  }
}

/** Whether `certificatePem` was issued by the CA whose certificate is `caPem` (signature check). */
export async function issuedBy(certificatePem: string, caPem: string): Promise<boolean> {
  const cert = new x509.X509Certificate(certificatePem);
  const ca = new x509.X509Certificate(caPem);
  return cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
}

/** SHA-256 of a certificate's PEM text, used to reference creators compactly. */
export function certificateHash(certificatePem: string): string {
  return createHash('sha256').update(certificatePem).digest('hex');
}

const parsedKeys = new Map<string, KeyObject>();

/** The identity's signing key, parsed once (PEM parsing costs more than the signature itself). */
export function privateKeyObject(identity: Identity): KeyObject {
  let key = parsedKeys.get(identity.privateKey);
  if (!key) {
    if (parsedKeys.size >= 1000) parsedKeys.clear();
    key = createPrivateKey(identity.privateKey);
    parsedKeys.set(identity.privateKey, key);
  }
  return key;
}
