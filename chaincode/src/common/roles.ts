/**
 * Roles. An org role says what an organisation does on the channel (set in governance per MSP ID); a participant
 * role says what one participant may do. An org may only give its members the participant roles its org roles allow.
 */
export const ORG_ROLES = ['MARKET_OPERATOR', 'DSO', 'GENERATOR', 'UTILITY', 'REGULATOR'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const PARTICIPANT_ROLES = ['MARKET_OPERATOR', 'DSO', 'GENERATOR', 'RETAILER', 'AGGREGATOR', 'PROSUMER', 'CONSUMER', 'REGULATOR'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

export const PARTICIPANT_ROLES_OF_ORG_ROLE: Readonly<Record<OrgRole, readonly ParticipantRole[]>> = {
  MARKET_OPERATOR: ['MARKET_OPERATOR'],
  DSO: ['DSO'],
  GENERATOR: ['GENERATOR'],
  UTILITY: ['RETAILER', 'AGGREGATOR', 'PROSUMER', 'CONSUMER'],
  REGULATOR: ['REGULATOR'],
};

/** The participant roles an org with these org roles may grant, in the fixed order of PARTICIPANT_ROLES. */
export function participantRolesFor(orgRoles: readonly OrgRole[]): ParticipantRole[] {
  const allowed = new Set(orgRoles.flatMap((orgRole) => PARTICIPANT_ROLES_OF_ORG_ROLE[orgRole]));
  return PARTICIPANT_ROLES.filter((role) => allowed.has(role));
}
