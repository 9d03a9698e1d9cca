import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

const jwkSchema = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  kid: z.string().max(128).optional(),
  alg: z.literal('ES256').optional(),
  use: z.literal('sig').optional(),
});

function toKey(input: string | z.output<typeof jwkSchema>): KeyObject | undefined {
  // createPublicKey would happily derive a public key from a private one, which would then sit in the block.
  if (typeof input === 'string' && input.includes('PRIVATE KEY')) return undefined;
  try {
    const key =
      typeof input === 'string'
        ? createPublicKey({ key: input, format: 'pem' })
        : createPublicKey({ key: { kty: input.kty, crv: input.crv, x: input.x, y: input.y }, format: 'jwk' });
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A device's public key, given as SPKI PEM or as a JWK, accepted only if it is an ECDSA P-256 key, and stored as SPKI
 * PEM so that every peer keeps the same bytes whatever form it arrived in.
 */
export const devicePublicKeySchema = z
  .union([z.string().min(1).max(1024), jwkSchema])
  .transform((input, issues) => {
    const key = toKey(input);
    if (!key) {
      issues.addIssue({ code: 'custom', message: 'must be an ECDSA P-256 public key (SPKI PEM or JWK)' });
      return z.NEVER;
    }
    return key.export({ type: 'spki', format: 'pem' }).toString();
  });
