/**
 * fabric-gateway signs EC keys with @noble/curves (an ES module jest compiles to CommonJS, see jest.config.js). Here
 * the curve module is replaced by a stand-in that yields a DER-shaped, deterministic signature. The mocked transport
 * never verifies signatures; what these tests check is the adapter's flow. (signing.test.ts checks the real signer
 * outside jest.) Import this before fabric-gateway.
 */
jest.mock('@noble/curves/nist.js', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const curve = {
    sign: (digest: Uint8Array, privateKey: Uint8Array) => {
      const r = createHash('sha256').update(privateKey).update(digest).digest();
      const s = createHash('sha256').update(r).update(digest).digest();
      const int = (b: Buffer) => Buffer.concat([Buffer.from([0x02, b.length + 1, 0x00]), b]);
      const body = Buffer.concat([int(r), int(s)]);
      return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
    },
  };
  return { p256: curve, p384: curve };
});

export {};
