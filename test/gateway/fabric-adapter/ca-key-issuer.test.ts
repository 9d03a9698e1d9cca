import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CaKeyEnroller, issueFromOrgCa, type IssuedIdentity, type OrgSigningCa } from '../../../gateway/src/ledger/ca-key-issuer';
import type { LedgerIdentity } from '../../../gateway/src/ledger/port';

x509.cryptoProvider.set(crypto.webcrypto as never);
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A CA as cryptogen makes one: self-signed P-256, key as PKCS#8 PEM. */
async function fakeCa(mspId: string, org: string): Promise<OrgSigningCa & { key: CryptoKeyPair }> {
  const key = (await crypto.webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=ca.${org}, O=${org}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys: key,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), await x509.SubjectKeyIdentifierExtension.create(key.publicKey)],
  });
  const der = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', key.privateKey));
  return { mspId, certificatePem: cert.toString('pem'), privateKeyPem: crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString(), key };
}

/** An admin certificate of the org, as cryptogen's Admin@ user has (NodeOU admin). */
async function adminCert(ca: OrgSigningCa & { key: CryptoKeyPair }): Promise<string> {
  const keys = (await crypto.webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=Admin@utility, OU=admin',
    issuer: new x509.X509Certificate(ca.certificatePem).subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    publicKey: keys.publicKey,
    signingKey: ca.key.privateKey,
  });
  return cert.toString('pem');
}

describe('Fabric enrolment with a cryptogen org CA key (unit, on a fake CA)', () => {
  const wallet = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-wallet-'));

  it("issues a client certificate signed by the org's CA under a random enrolment ID, as an MSP folder the adapter loads", async () => {
    const ca = await fakeCa('UtilityMSP', 'utility.obe.local');
    const issued = await issueFromOrgCa(ca, wallet, 'customer-4711-jane-doe');
    const cert = new X509Certificate(issued.certificatePem);
    expect(issued.enrollmentId).toMatch(/^id-[0-9a-f]{32}$/);
    expect(cert.subject.split('\n')).toEqual([`CN=${issued.enrollmentId}`, 'OU=client', 'O=utility.obe.local']);
    expect(cert.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(cert.raw.toString('latin1')).not.toMatch(/4711|jane|customer/i);
    // The Fabric adapter's own loader (fabric/msp-identity.ts, run under tsx as in signing.test.ts) signs with it.
    const root = path.resolve(__dirname, '../../..');
    const out = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'support', 'sign-cli.ts'), issued.label, issued.mspId, issued.mspPath, 'proposal'], { cwd: root, encoding: 'utf8' });
    const signed = JSON.parse(out) as { mspId: string; signature: string };
    expect(signed.mspId).toBe('UtilityMSP');
    expect(crypto.verify('sha256', Buffer.from('proposal'), cert.publicKey, Buffer.from(signed.signature, 'hex'))).toBe(true);
    expect((fs.statSync(path.join(issued.mspPath, 'keystore', 'priv_sk')).mode & 0o077)).toBe(0);
    await expect(issueFromOrgCa(ca, wallet, 'customer-4711-jane-doe')).rejects.toThrow(/already holds/);
    await expect(issueFromOrgCa(ca, wallet, '../escape')).rejects.toThrow(/label/);
  });

  it('enrols through a target ledger: admin by NodeOU, only orgs whose CA it holds, no label twice', async () => {
    const ca = await fakeCa('UtilityMSP', 'utility.obe.local');
    const certificates = new Map<string, string>([['utility-admin', await adminCert(ca)]]);
    const identities: LedgerIdentity[] = [{ label: 'utility-admin', mspId: 'UtilityMSP' }];
    const added: IssuedIdentity[] = [];
    const enroller = new CaKeyEnroller({
      cas: [ca],
      walletDir: wallet,
      target: {
        identities: () => identities,
        certificateOf: (label) => certificates.get(label),
        addIdentity: (issued) => {
          added.push(issued);
          certificates.set(issued.label, issued.certificatePem);
          identities.push({ label: issued.label, mspId: issued.mspId });
          return { label: issued.label, mspId: issued.mspId };
        },
      },
    });
    expect(enroller.isAdminIdentity('utility-admin')).toBe(true);
    const enrolled = await enroller.enrolIdentity({ label: 'household-1', mspId: 'UtilityMSP' });
    expect(enrolled).toEqual({ label: 'household-1', mspId: 'UtilityMSP', enrollmentId: added[0]!.enrollmentId });
    expect(enroller.isAdminIdentity('household-1')).toBe(false);
    expect(enroller.isAdminIdentity('nobody')).toBe(false);
    await expect(enroller.enrolIdentity({ label: 'household-1', mspId: 'UtilityMSP' })).rejects.toThrow(/in use/);
    await expect(enroller.enrolIdentity({ label: 'household-2', mspId: 'GridOperatorMSP' })).rejects.toThrow(/no signing CA of GridOperatorMSP/);
  });
});
