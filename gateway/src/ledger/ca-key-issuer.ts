/**
 * Enrolment on a Fabric network built with cryptogen (no Fabric CA server): the gateway holds its org's signing CA
 * certificate and key (`<org>/ca/ca.<domain>-cert.pem` and its `priv_sk`, as cryptogen writes them; configured per
 * org, never shared between orgs) and issues a client certificate itself, exactly as cryptogen would for a user: an
 * EC P-256 key made here, NodeOU `client`, and a random, meaningless enrolment ID (`id-<128 random bits>`) as CN and
 * `hf.EnrollmentID`, never the label. The identity is written as an MSP folder (signcerts/, keystore/, cacerts/) under
 * the gateway's wallet directory, the layout the Fabric adapter loads identities from (fabric/msp-identity.ts).
 *
 * Limits (docs/api.md, Onboarding): whoever holds the CA key can mint any identity of the org, so it must live only
 * on that org's gateway host; cryptogen has no revocation list, so revocation is the on-chain suspension (the
 * chaincode refuses a suspended participant whatever certificate it shows) plus the API key; a network with a Fabric
 * CA server should enrol through it instead (register + enroll, which this module does not do).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import * as x509 from '@peculiar/x509';
import { certificateCommonName, certificateIsAdmin, type EnrolledIdentity, type IdentityEnroller } from './enrolment';
import type { LedgerIdentity } from './port';

x509.cryptoProvider.set(webcrypto as never);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Fabric CA's extension carrying enrolment attributes (the chaincode reads hf.* from it). */
const FABRIC_ATTRS_OID = '1.2.3.4.5.6.7.8.1';
const ONE_YEAR_MS = 365 * 24 * 3600_000;

/** An org's signing CA as cryptogen writes it. */
export interface OrgSigningCa {
  readonly mspId: string;
  readonly certificatePem: string;
  /** PKCS#8 PEM (cryptogen's `priv_sk`). */
  readonly privateKeyPem: string;
}

/** A new identity written as an MSP folder: what a Fabric connection config's identity entry names. */
export interface IssuedIdentity {
  readonly label: string;
  readonly mspId: string;
  readonly mspPath: string;
  readonly enrollmentId: string;
  readonly certificatePem: string;
}

const pem = (der: ArrayBuffer, type: string) =>
  `-----BEGIN ${type}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${type}-----\n`;

/** Issues a client identity of `ca`'s org under a random enrolment ID and writes its MSP folder to `<walletDir>/<label>/msp`. */
export async function issueFromOrgCa(ca: OrgSigningCa, walletDir: string, label: string): Promise<IssuedIdentity> {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(label)) throw new Error(`identity label '${label}' must be lower-case words joined by -`);
  const caCert = new x509.X509Certificate(ca.certificatePem);
  const caKeyDer = createPrivateKey(ca.privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', caKeyDer, EC, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const enrollmentId = `id-${randomBytes(16).toString('hex')}`;
  const org = caCert.subjectName.getField('O')[0];
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(16).toString('hex').replace(/^[89a-f]/, '7'),
    subject: [{ CN: [enrollmentId] }, { OU: ['client'] }, ...(org ? [{ O: [org] }] : [])],
    issuer: caCert.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + ONE_YEAR_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: signingKey as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
      new x509.Extension(FABRIC_ATTRS_OID, false, Buffer.from(JSON.stringify({ attrs: { 'hf.Affiliation': '', 'hf.EnrollmentID': enrollmentId, 'hf.Type': 'client' } }), 'utf8')),
    ],
  });
  const mspPath = path.join(walletDir, label, 'msp');
  if (fs.existsSync(mspPath)) throw new Error(`the wallet already holds an identity '${label}'`);
  const certificatePem = cert.toString('pem');
  for (const dir of ['signcerts', 'keystore', 'cacerts']) fs.mkdirSync(path.join(mspPath, dir), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(mspPath, 'signcerts', 'cert.pem'), `${certificatePem}\n`);
  fs.writeFileSync(path.join(mspPath, 'keystore', 'priv_sk'), pem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'), { mode: 0o600 });
  fs.writeFileSync(path.join(mspPath, 'cacerts', 'ca.pem'), ca.certificatePem);
  // Written last: a wallet entry the adapter loads again on the next start (identity.json next to msp/).
  fs.writeFileSync(path.join(walletDir, label, 'identity.json'), `${JSON.stringify({ label, mspId: ca.mspId })}\n`);
  return { label, mspId: ca.mspId, mspPath, enrollmentId, certificatePem };
}

/** What the enroller needs of the ledger it enrols for (the Fabric adapter, or a fake in tests). */
export interface EnrolmentTarget {
  identities(): readonly LedgerIdentity[];
  /** The certificate an identity signs with (PEM). */
  certificateOf(label: string): string | undefined;
  /** Makes an issued identity usable under its label at once. */
  addIdentity(issued: IssuedIdentity): LedgerIdentity;
}

/**
 * IdentityEnroller for a cryptogen network: the org's signing CA issues, the target ledger takes the identity (and
 * forgets it: FabricLedger.forgetIdentity).
 */
export class CaKeyEnroller implements Omit<IdentityEnroller, 'forgetIdentity'> {
  constructor(private readonly options: { cas: readonly OrgSigningCa[]; walletDir: string; target: EnrolmentTarget }) {}

  isAdminIdentity(label: string): boolean {
    const certificate = this.options.target.certificateOf(label);
    return certificate !== undefined && certificateIsAdmin(certificate);
  }

  async enrolIdentity(spec: { label: string; mspId: string }): Promise<EnrolledIdentity> {
    if (this.options.target.identities().some((i) => i.label === spec.label)) throw new Error(`the identity label '${spec.label}' is in use`);
    const ca = this.options.cas.find((c) => c.mspId === spec.mspId);
    if (!ca) throw new Error(`this gateway holds no signing CA of ${spec.mspId}`);
    const issued = await issueFromOrgCa(ca, this.options.walletDir, spec.label);
    const identity = this.options.target.addIdentity(issued);
    return { ...identity, enrollmentId: certificateCommonName(issued.certificatePem) };
  }
}
