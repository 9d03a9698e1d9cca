/**
 * Sub-chain transparency (docs/chaincode.md, "Privacy and collections"), phrased for the "view as" banner: what each
 * org's identities can and cannot read. The page does not enforce any of this — the ledger does; the banner explains
 * what the user sees.
 */
const ORG_NAMES = {
  GridOperatorMSP: 'Grid operator',
  UtilityMSP: 'Utility',
  RegulatorMSP: 'Regulator',
};

const RULES = [
  { data: 'participants, assets, clearing results, zone aggregates', who: () => true },
  { data: 'order prices and quantities', who: (org) => org !== 'UtilityMSP', own: 'its own orders' },
  { data: 'individual meter readings', who: (org) => org !== 'UtilityMSP', own: 'its own meters' },
  { data: 'awards and settlement amounts', who: (org) => org !== 'UtilityMSP', own: 'its own awards' },
  { data: 'audit-channel attestations', who: (org) => org === 'GridOperatorMSP' || org === 'RegulatorMSP' },
];

export function orgName(mspId) {
  return ORG_NAMES[mspId] || mspId;
}

/** [{ data, can: 'all' | 'own' | 'none', note }] for one org. */
export function visibilityOf(mspId) {
  return RULES.map((rule) => {
    if (rule.who(mspId)) return { data: rule.data, can: 'all' };
    if (rule.own) return { data: rule.data, can: 'own', note: rule.own };
    return { data: rule.data, can: 'none' };
  });
}

export function lockedLabel(mspId) {
  return `not visible to ${mspId}`;
}
