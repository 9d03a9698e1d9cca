import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors';
import type { OrgRole } from '../common/roles';
import { readJson, readJsonByPrefix, writeJson } from '../common/state';
import { txTimeIso } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { marketOperatorMsp, orgRolesOf } from '../governance/config';
import { getConfig } from '../governance/store';
import { requireAdminOfOrg } from '../participants/authorize';
import { callerPseudonym } from '../participants/pseudonym';
import { findParticipant } from '../participants/store';

/**
 * Attestations on the `audit` channel: the grid operator anchors, for each settled interval of a source channel, the
 * Merkle root `SettlementCompleted` published there. A regulator holding one settled record (from its private data on
 * the source channel) can then prove it against a root that the market's own channel can no longer rewrite.
 *
 * Who is who comes from this channel's governance (MSP ID → org roles). Only an admin (NodeOU `OU=admin` or Fabric CA
 * `hf.Type=admin`) of the MARKET_OPERATOR org attests: the first root anchored for an interval cannot be replaced, so an
 * ordinary identity of that org (a generator, say) must not be able to anchor one before the operator's relay does.
 * MARKET_OPERATOR, DSO and REGULATOR orgs read; anyone else is refused. One attestation per (sourceChannel, market,
 * zone, interval); resubmitting the same one is a no-op that returns it, a different root for the same interval is a
 * CONFLICT.
 */

export const ATTESTATION = 'obe.audit.attestation';
export const ATTESTATION_EVENT = 'AttestationAnchored';

const READERS: readonly OrgRole[] = ['MARKET_OPERATOR', 'DSO', 'REGULATOR'];

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'letters, digits and . _ : - only');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

export const attestationInputSchema = z.strictObject({
  sourceChannel: name,
  /** CERTIFICATES: a sealed certificate interval (certificates/seal.ts), attested like a settlement. */
  market: z.enum(['RETAIL', 'WHOLESALE', 'CERTIFICATES']),
  zone: name,
  interval: z.iso.datetime(),
  merkleRoot: hex64,
  recordCount: z.number().int().min(0),
  sourceTxId: z.string().regex(/^[0-9a-f]{64}$/, 'a Fabric transaction id'),
});
export type AttestationInput = z.output<typeof attestationInputSchema>;

export const attestationKeySchema = attestationInputSchema.pick({ sourceChannel: true, market: true, zone: true, interval: true });
export const attestationListSchema = z.strictObject({ sourceChannel: name.optional(), market: z.enum(['RETAIL', 'WHOLESALE', 'CERTIFICATES']).optional(), zone: name.optional() });

export interface Attestation extends AttestationInput {
  /** The attesting org: what an attestation vouches for. */
  readonly attestedByMspId: string;
  /**
   * The attesting admin's participant pseudonym on this channel (keyed, so it confirms no guessed name), present only
   * when that identity is a registered participant here.
   */
  readonly attestedBy?: string;
  readonly attestedAt: string;
  readonly txId: string;
}

async function requireOrgRole(ctx: Context, allowed: readonly OrgRole[], action: string): Promise<void> {
  const mspId = ctx.clientIdentity.getMSPID();
  const roles = orgRolesOf(await getConfig(ctx), mspId);
  if (!roles.some((role) => allowed.includes(role))) {
    throw new ForbiddenError(`${action} requires an org holding ${allowed.join(' or ')} on this channel; ${mspId} does not`);
  }
}

/** The caller's pseudonym if it is a registered participant on this channel. */
async function registeredPseudonym(ctx: Context): Promise<string | undefined> {
  const pseudonym = await callerPseudonym(ctx);
  return (await findParticipant(ctx, pseudonym)) ? pseudonym : undefined;
}

function canonicalInterval(interval: string): string {
  return new Date(interval).toISOString();
}

function keyOf(ctx: Context, a: { sourceChannel: string; market: string; zone: string; interval: string }): string {
  return ctx.stub.createCompositeKey(ATTESTATION, [a.sourceChannel, a.market, a.zone, canonicalInterval(a.interval)]);
}

@Info({ title: 'Audit', description: 'Attestations of settled intervals (Merkle roots) on the audit channel' })
export class AuditContract extends Contract {
  constructor() {
    super('Audit');
  }

  /** {sourceChannel, market, zone, interval, merkleRoot, recordCount, sourceTxId} → {created, attestation}. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Attest(ctx: Context, argsJson: string): Promise<string> {
    const input = parseJsonArg(attestationInputSchema, argsJson, 'attestation');
    requireAdminOfOrg(ctx, marketOperatorMsp(await getConfig(ctx)), 'attesting');
    const normalized: AttestationInput = { ...input, interval: canonicalInterval(input.interval) };
    const key = keyOf(ctx, normalized);
    const existing = await readJson<Attestation>(ctx, key);
    if (existing) {
      const same = existing.merkleRoot === normalized.merkleRoot && existing.recordCount === normalized.recordCount && existing.sourceTxId === normalized.sourceTxId;
      if (!same) {
        throw new ConflictError(`${normalized.sourceChannel} ${normalized.market} ${normalized.zone} ${normalized.interval} is already attested with another root`, {
          reason: 'ATTESTATION_MISMATCH',
        });
      }
      return canonicalJson({ created: false, attestation: existing });
    }
    const attestedBy = await registeredPseudonym(ctx);
    const attestation: Attestation = {
      ...normalized,
      attestedByMspId: ctx.clientIdentity.getMSPID(),
      ...(attestedBy ? { attestedBy } : {}),
      attestedAt: txTimeIso(ctx),
      txId: ctx.stub.getTxID(),
    };
    await writeJson(ctx, key, attestation);
    ctx.stub.setEvent(ATTESTATION_EVENT, Buffer.from(canonicalJson(attestation)));
    return canonicalJson({ created: true, attestation });
  }

  /** {sourceChannel, market, zone, interval} → the attestation (regulator and grid operator only). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAttestation(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(attestationKeySchema, argsJson, 'attestation key');
    await requireOrgRole(ctx, READERS, 'reading attestations');
    const attestation = await readJson<Attestation>(ctx, keyOf(ctx, args));
    if (!attestation) throw new NotFoundError(`no attestation for ${args.sourceChannel} ${args.market} ${args.zone} ${canonicalInterval(args.interval)}`);
    return canonicalJson(attestation);
  }

  /** {sourceChannel?, market?, zone?} (a key prefix: each needs the ones before it) → attestations in key order. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAttestations(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(attestationListSchema, argsJson || '{}', 'attestation filter');
    await requireOrgRole(ctx, READERS, 'reading attestations');
    const prefix: string[] = [];
    for (const part of [args.sourceChannel, args.market, args.zone]) {
      if (part === undefined) break;
      prefix.push(part);
    }
    return canonicalJson((await readJsonByPrefix<Attestation>(ctx, ATTESTATION, prefix)).map((entry) => entry.value));
  }
}
