import { z } from 'zod';
import { PARTICIPANT_ROLES, type ParticipantRole } from '../common/roles';

export const PSEUDONYM_PATTERN = /^p-[0-9a-f]{40}$/;
export const pseudonymSchema = z.string().regex(PSEUDONYM_PATTERN, 'not a participant pseudonym');
export const participantRoleSchema = z.enum(PARTICIPANT_ROLES);

/** ERASED: a tombstone after Participants:Erase (docs/privacy-and-erasure.md); it never becomes ACTIVE again. */
export type ParticipantStatus = 'ACTIVE' | 'SUSPENDED' | 'ERASED';

/** Everything the ledger knows about a participant; all of it is public on the channel, none of it personal. */
export interface Participant {
  readonly pseudonym: string;
  readonly mspId: string;
  /** Roles granted by an admin of the participant's org, in the order of PARTICIPANT_ROLES. */
  readonly roles: ParticipantRole[];
  readonly status: ParticipantStatus;
  readonly registeredAt: string;
  readonly updatedAt: string;
  /** When it was erased (ERASED only). */
  readonly erasedAt?: string;
}

/** The caller as a participant, with the roles in force for this transaction (granted plus a valid `obe.role`). */
export interface ActingParticipant extends Participant {
  readonly effectiveRoles: ParticipantRole[];
}

export const roleChangeSchema = z.strictObject({ pseudonym: pseudonymSchema, role: participantRoleSchema });
export const pseudonymArgSchema = z.strictObject({ pseudonym: pseudonymSchema });

export function sortRoles(roles: Iterable<ParticipantRole>): ParticipantRole[] {
  const set = new Set(roles);
  return PARTICIPANT_ROLES.filter((role) => set.has(role));
}
