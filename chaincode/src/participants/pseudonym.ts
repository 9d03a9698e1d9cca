import type { Context } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { structuredIdOf } from '../common/identity';
import { NotFoundError } from '../common/errors';
import { hmacSha256Hex } from '../common/hash';
import { SECRETS_COLLECTION } from '../common/keys';
import { PSEUDONYM_KEY_SECRET } from '../governance/configure';

/**
 * A participant's pseudonym: an HMAC of its MSP ID and X.509 identity (the DER of its subject and issuer names, see
 * structuredIdOf) under the channel's pseudonym key. The key sits in a collection of the channel's orgs, so anyone
 * holding only public state cannot confirm a guessed name; the same identity always maps to the same pseudonym. The
 * names are taken from the certificate's structure, never from fabric-shim's printed `x509::/CN=…` ID, which two
 * different subjects can print alike.
 */
export function derivePseudonym(key: Uint8Array, mspId: string, id: string): string {
  return `p-${hmacSha256Hex(key, canonicalJson([mspId, id])).slice(0, 40)}`;
}

export async function callerPseudonym(ctx: Context): Promise<string> {
  const key = await ctx.stub.getPrivateData(SECRETS_COLLECTION, PSEUDONYM_KEY_SECRET);
  if (!key || key.length === 0) {
    throw new NotFoundError(`governance has not been configured on channel '${ctx.stub.getChannelID()}' (no pseudonym key)`);
  }
  return derivePseudonym(key, ctx.clientIdentity.getMSPID(), structuredIdOf(ctx));
}
