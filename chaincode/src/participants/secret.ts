import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes, parseJson } from '../common/canonical-json';
import { InvalidArgumentError } from '../common/errors';
import { deriveSalt, hmacSha256Hex } from '../common/hash';
import { orgCollection } from '../common/keys';
import { tryPrivate } from '../common/private-details';
import { transientText } from '../common/state';

/**
 * Crypto-shredding (docs/privacy-and-erasure.md, docs/adr/0007-crypto-shredding.md): each participant has a secret
 * of its own, kept in its org's token collection (members: that org, the grid operator, the regulator — the same
 * orgs that hold its other private records). Salts of that participant's private items are derived from it together
 * with the transaction's transient secret, so whoever keeps a transient secret (a head-end's batch secret, a
 * caller-chosen salt) cannot re-derive the salts without it. Erasure purges the secret with the items: the salted
 * hashes and commitments left on the public side can then no longer be linked to any guessed value.
 *
 * The secret is never random in chaincode: it is the HMAC of a transient input (Register's `participantSecret`, or
 * the participant's own first salted write) under the participant's pseudonym, so every endorser derives the same.
 */
export const PARTICIPANT_SECRET = 'obe.participant.secret';
export const PARTICIPANT_SECRET_TRANSIENT = 'participantSecret';
export const participantSecretSchema = z.string().min(32).max(256);

interface StoredSecret {
  readonly pseudonym: string;
  readonly secret: string;
}

/** The collection holding a participant's secret: its org's token collection. */
export function participantSecretCollection(mspId: string): string {
  return orgCollection('tokens', mspId);
}

export function participantSecretKey(ctx: Context, pseudonym: string): string {
  return ctx.stub.createCompositeKey(PARTICIPANT_SECRET, [pseudonym]);
}

/** The secret derived from a transient input: deterministic, so every endorsing peer writes the same bytes. */
export function deriveParticipantSecret(input: string, pseudonym: string): string {
  return hmacSha256Hex(Buffer.from(input, 'utf8'), `obe.participant.secret\u0000${pseudonym}`);
}

/** Register's optional transient `participantSecret`, validated; undefined when the caller sent none. */
export function transientParticipantSecret(ctx: Context): string | undefined {
  const text = transientText(ctx, PARTICIPANT_SECRET_TRANSIENT);
  if (text === undefined) return undefined;
  const parsed = participantSecretSchema.safeParse(text);
  if (!parsed.success) throw new InvalidArgumentError(`transient '${PARTICIPANT_SECRET_TRANSIENT}' must be 32 to 256 characters`);
  return parsed.data;
}

/**
 * The participant's secret as this peer holds it; undefined when it has none yet, or when this peer (or the caller's
 * org) is not a member of the collection. Callers that derive salts from it run on member peers only (they write
 * to the same org's collections).
 */
export async function findParticipantSecret(ctx: Context, pseudonym: string, mspId: string): Promise<string | undefined> {
  const bytes = await tryPrivate(() => ctx.stub.getPrivateData(participantSecretCollection(mspId), participantSecretKey(ctx, pseudonym)));
  if (!bytes || bytes.length === 0) return undefined;
  return parseJson<StoredSecret>(bytes).secret;
}

export async function putParticipantSecret(ctx: Context, pseudonym: string, mspId: string, input: string): Promise<string> {
  const secret = deriveParticipantSecret(input, pseudonym);
  const stored: StoredSecret = { pseudonym, secret };
  await ctx.stub.putPrivateData(participantSecretCollection(mspId), participantSecretKey(ctx, pseudonym), canonicalBytes(stored));
  return secret;
}

/** Erasure: the secret leaves every member peer's private store, with its history (Fabric's purge). */
export async function purgeParticipantSecret(ctx: Context, pseudonym: string, mspId: string): Promise<void> {
  await ctx.stub.purgePrivateData(participantSecretCollection(mspId), participantSecretKey(ctx, pseudonym));
}

/**
 * A per-item salt of a participant's private record: from the participant's secret and the transaction's transient
 * secret when the participant has a secret, else (a participant registered before secrets existed) from the transient
 * secret alone, as before. Both inputs are needed to re-derive it; erasure purges the first.
 */
export function shreddableSalt(participantSecret: string | undefined, transientSecret: string, label: string): string {
  return deriveSalt(shreddableSaltBase(participantSecret, transientSecret), label);
}

/** The secret shreddableSalt derives every label's salt from: the same for all labels of one participant and input. */
export function shreddableSaltBase(participantSecret: string | undefined, transientSecret: string): string {
  return participantSecret === undefined ? transientSecret : hmacSha256Hex(Buffer.from(participantSecret, 'utf8'), transientSecret);
}

/**
 * The participant's secret, created from `ownInput` when it has none yet. Only for a transaction the participant itself
 * signs with its own transient secret (e.g. placing an order): a secret derived from a third party's input (a
 * head-end's batch secret) would be known to that party, which crypto-shredding must exclude.
 */
export async function participantSecretOrCreate(ctx: Context, pseudonym: string, mspId: string, ownInput: string): Promise<string> {
  return (await findParticipantSecret(ctx, pseudonym, mspId)) ?? putParticipantSecret(ctx, pseudonym, mspId, ownInput);
}
