/** The Fabric adapter as an IdentityEnroller: identities issued with the org's signing CA (cryptogen networks), usable at once and after a restart. */
import './support/native-esm';
import 'reflect-metadata';
import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { TX } from '@obe/chaincode';
import { enrollerOf } from '../../../gateway/src/ledger/enrolment';
import { LedgerUnavailableError } from '../../../gateway/src/ledger/errors';
import { signingCasFromEnv } from '../../../gateway/src/ledger/fabric/adapter';
import { commitStatusResponse, endorseResponse, submitResponse, type MockGatewayTransport } from './support/mock-transport';
import { harness, tempDir, writeNetwork, type Network } from './support/fixtures';

x509.cryptoProvider.set(crypto.webcrypto as never);

async function fakeCa(dir: string) {
  const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
  const key = (await crypto.webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=ca.utility.obe.local, O=utility.obe.local',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys: key,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), await x509.SubjectKeyIdentifierExtension.create(key.publicKey)],
  });
  const der = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', key.privateKey));
  const certPath = path.join(dir, 'ca-cert.pem');
  const keyPath = path.join(dir, 'priv_sk');
  fs.writeFileSync(certPath, cert.toString('pem'));
  fs.writeFileSync(keyPath, crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));
  return { certPath, keyPath };
}

const happyPeer = (t: MockGatewayTransport) => {
  t.on('endorse', () => ({ response: endorseResponse('energy', Buffer.from('{}')) }))
    .on('submit', () => ({ response: submitResponse() }))
    .on('commitStatus', () => ({ response: commitStatusResponse(0, 3) }));
};

let network: Network;
beforeAll(async () => {
  network = await writeNetwork();
});

describe('onboarding on the Fabric adapter (cryptogen signing CA)', () => {
  it('issues a client identity under a random enrolment ID, signs with it at once, and loads it again after a restart', async () => {
    const dir = tempDir('obe-fabric-ca-');
    const ca = await fakeCa(dir);
    const cas = signingCasFromEnv({ OBE_FABRIC_SIGNING_CA: `UtilityMSP:${ca.certPath}:${ca.keyPath}` });
    const walletDir = path.join(dir, 'wallet');
    const h = harness(network, { script: happyPeer, enrolment: { cas, walletDir } });
    const enroller = enrollerOf(h.ledger)!;
    expect(enroller).toBeDefined();
    const enrolled = await enroller.enrolIdentity({ label: 'household-1', mspId: 'UtilityMSP' });
    expect(enrolled.enrollmentId).toMatch(/^id-[0-9a-f]{32}$/);
    expect(h.ledger.identities()).toContainEqual({ label: 'household-1', mspId: 'UtilityMSP' });
    const certificate = h.ledger.certificateOf('household-1')!;
    expect(new X509Certificate(certificate).subject).toContain(`CN=${enrolled.enrollmentId}`);
    expect(enroller.isAdminIdentity('household-1')).toBe(false);
    await h.ledger.submit({ channel: 'energy', identity: 'household-1', fn: TX.Participants.Register.name });
    await expect(enroller.enrolIdentity({ label: 'household-1', mspId: 'UtilityMSP' })).rejects.toThrow(/in use/);
    await expect(enroller.enrolIdentity({ label: 'household-2', mspId: 'GridOperatorMSP' })).rejects.toThrow(/no signing CA/);
    await h.ledger.close();

    const again = harness(network, { script: happyPeer, enrolment: { cas: [], walletDir } });
    expect(again.ledger.identities()).toContainEqual({ label: 'household-1', mspId: 'UtilityMSP' });
    expect(again.ledger.certificateOf('household-1')).toBe(certificate);
    // Without a signing CA the gateway cannot enrol: 503 LEDGER_UNAVAILABLE over HTTP, with the reason.
    await expect(again.ledger.enrolIdentity({ label: 'household-3', mspId: 'UtilityMSP' })).rejects.toBeInstanceOf(LedgerUnavailableError);
    await again.ledger.close();
  });

  it('reads OBE_FABRIC_SIGNING_CA strictly', () => {
    expect(signingCasFromEnv({})).toEqual([]);
    expect(() => signingCasFromEnv({ OBE_FABRIC_SIGNING_CA: 'UtilityMSP:/only-a-cert' })).toThrow(/expected <mspId>:<cert path>:<key path>/);
  });
});
