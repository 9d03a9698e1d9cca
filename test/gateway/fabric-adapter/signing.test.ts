/**
 * The real signer on a cryptogen-style EC identity. fabric-gateway's EC signer is an ES module that jest cannot
 * load (the other suites replace it), so this runs the adapter's identity loading and signing in a child process
 * with tsx, as the gateway runs it, and verifies the signature here against the certificate's public key.
 */
import './support/native-esm';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { tempDir, writeMsp } from './support/fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** The S value of a DER ECDSA signature. */
function sOf(der: Buffer): bigint {
  const rLength = der[3]!;
  const sStart = 4 + rLength + 2;
  return BigInt(`0x${der.subarray(sStart, sStart + der[sStart - 1]!).toString('hex')}`);
}

it('signs a SHA-256 digest with the MSP key; the certificate verifies it and S is low as Fabric requires', async () => {
  const mspPath = await writeMsp(tempDir(), 'User1@utility.obe.local');
  const message = 'proposal bytes';
  const out = execFileSync(TSX, [path.join(__dirname, 'support', 'sign-cli.ts'), 'utility-user1', 'UtilityMSP', mspPath, message], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const { mspId, certificate, signature } = JSON.parse(out) as { mspId: string; certificate: string; signature: string };
  expect(mspId).toBe('UtilityMSP');
  const publicKey = createPublicKey(new X509Certificate(certificate).publicKey.export({ type: 'spki', format: 'pem' }));
  const der = Buffer.from(signature, 'hex');
  expect(verify('sha256', Buffer.from(message), publicKey, der)).toBe(true);
  expect(verify('sha256', Buffer.from('other bytes'), publicKey, der)).toBe(false);
  expect(sOf(der) <= P256_ORDER / 2n).toBe(true);
});

it('signs with OpenSSL (p256Signer): every signature is DER, verifies over SHA-256 of the message, and has a low S', async () => {
  const { generateKeyPairSync, randomBytes } = await import('node:crypto');
  const { p256Signer } = await import('../../../gateway/src/ledger/fabric/msp-identity');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signer = p256Signer(privateKey);
  for (let i = 0; i < 200; i++) {
    const message = randomBytes(1 + (i % 300));
    const der = Buffer.from(await signer(message));
    expect(der[0]).toBe(0x30);
    expect(der[1]).toBe(der.length - 2);
    expect(verify('sha256', message, publicKey, der)).toBe(true);
    expect(verify('sha256', Buffer.concat([message, Buffer.from([1])]), publicKey, der)).toBe(false);
    expect(sOf(der) <= P256_ORDER / 2n).toBe(true);
  }
});
