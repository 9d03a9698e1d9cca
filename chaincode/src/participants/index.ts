export * from './participant';
export * from './store';
export { derivePseudonym, callerPseudonym } from './pseudonym';
export { requireParticipant, requireRole, hasRole, effectiveRoles, requireAdminOfOrg, ROLE_ATTRIBUTE } from './authorize';
export { register, grantRole, revokeRole, suspend, reactivate, whoAmI, PARTICIPANT_EVENT, type WhoAmI } from './manage';
export { ParticipantsContract } from './contract';
