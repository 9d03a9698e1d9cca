import type { Context } from 'fabric-contract-api';
import { ForbiddenError } from '../common/errors';
import type { ParticipantRole } from '../common/roles';
import { participantRolesOfOrg, type GovernanceConfig } from '../governance/config';
import { getConfig } from '../governance/store';
import { sortRoles, type ActingParticipant, type Participant } from './participant';
import { callerPseudonym } from './pseudonym';
import { findParticipant } from './store';

export const ROLE_ATTRIBUTE = 'obe.role';

/**
 * The roles a participant holds right now: those granted on chain, plus the one named by the certificate's `obe.role`
 * attribute, each only if governance still lets the participant's org hold it. The attribute is checked through the
 * boolean result of assertAttributeValue.
 */
export function effectiveRoles(ctx: Context, config: GovernanceConfig, participant: Participant): ParticipantRole[] {
  const allowed = participantRolesOfOrg(config, participant.mspId);
  const fromAttribute = allowed.filter((role) => ctx.clientIdentity.assertAttributeValue(ROLE_ATTRIBUTE, role));
  return sortRoles([...participant.roles.filter((role) => allowed.includes(role)), ...fromAttribute]);
}

/** The calling identity as a registered, active participant of an org governance knows. */
export async function requireParticipant(ctx: Context): Promise<ActingParticipant> {
  const config = await getConfig(ctx);
  const mspId = ctx.clientIdentity.getMSPID();
  if (participantRolesOfOrg(config, mspId).length === 0) {
    throw new ForbiddenError(`MSP ${mspId} has no role on this channel`);
  }
  const pseudonym = await callerPseudonym(ctx);
  const participant = await findParticipant(ctx, pseudonym);
  if (!participant) {
    throw new ForbiddenError('the caller is not a registered participant; call Participants:Register first');
  }
  if (participant.status !== 'ACTIVE') {
    throw new ForbiddenError(`participant ${pseudonym} is ${participant.status.toLowerCase()}`);
  }
  return { ...participant, effectiveRoles: effectiveRoles(ctx, config, participant) };
}

/** The calling identity as an active participant, or undefined when it is not one (public views need no registration). */
export async function participantOrNone(ctx: Context): Promise<ActingParticipant | undefined> {
  try {
    return await requireParticipant(ctx);
  } catch {
    return undefined;
  }
}

/** The calling participant, refused unless it is active and holds at least one of the roles. */
export async function requireRole(ctx: Context, ...roles: ParticipantRole[]): Promise<ActingParticipant> {
  const participant = await requireParticipant(ctx);
  if (!roles.some((role) => participant.effectiveRoles.includes(role))) {
    const held = participant.effectiveRoles.length ? participant.effectiveRoles.join(', ') : 'no role';
    throw new ForbiddenError(`requires role ${roles.join(' or ')}; participant ${participant.pseudonym} holds ${held}`);
  }
  return participant;
}

export function hasRole(participant: ActingParticipant, ...roles: ParticipantRole[]): boolean {
  return roles.some((role) => participant.effectiveRoles.includes(role));
}

/** Admin actions on a participant belong to an admin of the participant's own org. */
export { requireAdminOfOrg } from '../common/identity';
