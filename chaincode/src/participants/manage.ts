import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, RuleViolationError } from '../common/errors';
import { txTimeIso } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { participantRolesOfOrg } from '../governance/config';
import { getConfig } from '../governance/store';
import { effectiveRoles, requireAdminOfOrg } from './authorize';
import { pseudonymArgSchema, roleChangeSchema, sortRoles, type Participant, type ParticipantStatus } from './participant';
import { callerPseudonym } from './pseudonym';
import { putParticipantSecret, transientParticipantSecret } from './secret';
import { findParticipant, getParticipant, putParticipant } from './store';

export const PARTICIPANT_EVENT = 'ParticipantChanged';

async function save(ctx: Context, participant: Participant, change: string): Promise<Participant> {
  await putParticipant(ctx, participant);
  ctx.stub.setEvent(PARTICIPANT_EVENT, canonicalBytes({ pseudonym: participant.pseudonym, change }));
  return participant;
}

/** Registers the calling identity under its pseudonym. Nothing about the person is asked for or stored. */
export async function register(ctx: Context): Promise<Participant> {
  const config = await getConfig(ctx);
  const mspId = ctx.clientIdentity.getMSPID();
  if (participantRolesOfOrg(config, mspId).length === 0) {
    throw new ForbiddenError(`MSP ${mspId} has no role on this channel`);
  }
  const pseudonym = await callerPseudonym(ctx);
  const existing = await findParticipant(ctx, pseudonym);
  if (existing?.status === 'ERASED') {
    // The certificate's pseudonym is a tombstone: the same certificate never becomes a participant again (enrol a new one).
    throw new ConflictError('this identity belonged to an erased participant and cannot register again; enrol a new identity', { reason: 'ERASED' });
  }
  if (existing) {
    throw new ConflictError(`the caller is already registered as ${pseudonym}`);
  }
  // Crypto-shredding: the participant's own secret, from its transient input (none given: created by its first order).
  const secretInput = transientParticipantSecret(ctx);
  if (secretInput !== undefined) await putParticipantSecret(ctx, pseudonym, mspId, secretInput);
  const now = txTimeIso(ctx);
  return save(ctx, { pseudonym, mspId, roles: [], status: 'ACTIVE', registeredAt: now, updatedAt: now }, 'registered');
}

export async function grantRole(ctx: Context, argsJson: string): Promise<Participant> {
  const { pseudonym, role } = parseJsonArg(roleChangeSchema, argsJson, 'role grant');
  const participant = await getParticipant(ctx, pseudonym);
  requireAdminOfOrg(ctx, participant.mspId, 'granting a role');
  if (participant.status === 'ERASED') throw new RuleViolationError(`participant ${pseudonym} is erased`, { reason: 'ERASED' });
  const config = await getConfig(ctx);
  if (!participantRolesOfOrg(config, participant.mspId).includes(role)) {
    throw new ForbiddenError(`members of ${participant.mspId} may not hold role ${role}`);
  }
  if (participant.roles.includes(role)) return participant;
  return save(ctx, { ...participant, roles: sortRoles([...participant.roles, role]), updatedAt: txTimeIso(ctx) }, `granted ${role}`);
}

export async function revokeRole(ctx: Context, argsJson: string): Promise<Participant> {
  const { pseudonym, role } = parseJsonArg(roleChangeSchema, argsJson, 'role revocation');
  const participant = await getParticipant(ctx, pseudonym);
  requireAdminOfOrg(ctx, participant.mspId, 'revoking a role');
  if (!participant.roles.includes(role)) return participant;
  const roles = participant.roles.filter((held) => held !== role);
  return save(ctx, { ...participant, roles, updatedAt: txTimeIso(ctx) }, `revoked ${role}`);
}

async function setStatus(ctx: Context, argsJson: string, from: ParticipantStatus, to: ParticipantStatus): Promise<Participant> {
  const { pseudonym } = parseJsonArg(pseudonymArgSchema, argsJson, 'participant');
  const participant = await getParticipant(ctx, pseudonym);
  requireAdminOfOrg(ctx, participant.mspId, to === 'SUSPENDED' ? 'suspending a participant' : 'reactivating a participant');
  if (participant.status !== from) {
    throw new RuleViolationError(`participant ${pseudonym} is ${participant.status}, not ${from}`);
  }
  return save(ctx, { ...participant, status: to, updatedAt: txTimeIso(ctx) }, to.toLowerCase());
}

export function suspend(ctx: Context, argsJson: string): Promise<Participant> {
  return setStatus(ctx, argsJson, 'ACTIVE', 'SUSPENDED');
}

export function reactivate(ctx: Context, argsJson: string): Promise<Participant> {
  return setStatus(ctx, argsJson, 'SUSPENDED', 'ACTIVE');
}

export interface WhoAmI {
  pseudonym: string;
  mspId: string;
  registered: boolean;
  participant: Participant | null;
  effectiveRoles: string[];
}

export async function whoAmI(ctx: Context): Promise<WhoAmI> {
  const config = await getConfig(ctx);
  const pseudonym = await callerPseudonym(ctx);
  const participant = (await findParticipant(ctx, pseudonym)) ?? null;
  return {
    pseudonym,
    mspId: ctx.clientIdentity.getMSPID(),
    registered: participant !== null,
    participant,
    effectiveRoles: participant && participant.status !== 'ERASED' ? effectiveRoles(ctx, config, participant) : [],
  };
}
