/**
 * The governance configuration a fresh network starts with: which MSP ID plays which OBE org role on each
 * channel. This mapping is the only place MSP IDs meet roles; the chaincode reads it from the ledger, so the
 * same chaincode runs on the native network (GridOperatorMSP…) and on the test-network (Org1MSP…).
 */
import type { ObeOrg, OrgLayout } from './connection-config';

export type OrgRole = 'MARKET_OPERATOR' | 'DSO' | 'GENERATOR' | 'UTILITY' | 'REGULATOR';

/** The grid operator runs the market and the grid, the utility its customers, the regulator audits (docs/chaincode.md,
 * Governance). */
export const ORG_ROLES_BY_ORG: Readonly<Record<ObeOrg, readonly OrgRole[]>> = {
  gridoperator: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'],
  utility: ['UTILITY'],
  regulator: ['REGULATOR'],
};

export const CHANNEL_MEMBERS: Readonly<Record<string, readonly ObeOrg[]>> = {
  energy: ['gridoperator', 'utility', 'regulator'],
  audit: ['gridoperator', 'regulator'],
};

export interface InitialGovernance {
  orgs: Record<string, OrgRole[]>;
  tokenIssuerMspId: string;
  intervalMinutes?: number;
}

/**
 * The delivery interval length is fixed at the first configuration (intervals already traded would be stranded by a
 * new one). OBE_INTERVAL_MINUTES sets it, as it does for the embedded ledger; `npm run test:fabric` uses 1 so that its
 * scenario waits minutes, not the half hour a 15-minute interval takes from gate closure to settlement. The chaincode
 * validates the value (it must divide a day), so a bad one fails the network's start with the chaincode's message.
 */
function intervalFromEnv(env: NodeJS.ProcessEnv): Pick<InitialGovernance, 'intervalMinutes'> {
  const text = env.OBE_INTERVAL_MINUTES?.trim();
  if (!text) return {};
  if (!/^\d+$/.test(text)) throw new Error(`OBE_INTERVAL_MINUTES must be a whole number of minutes, not '${text}'`);
  return { intervalMinutes: Number(text) };
}

/** The InitConfig argument for `channel`; every other setting keeps the chaincode's defaults. */
export function initialGovernance(channel: string, orgs: Readonly<Record<ObeOrg, OrgLayout>>, env: NodeJS.ProcessEnv = process.env): InitialGovernance {
  const members = CHANNEL_MEMBERS[channel];
  if (!members) throw new Error(`unknown channel '${channel}'`);
  const mapping: Record<string, OrgRole[]> = {};
  for (const org of members) mapping[orgs[org].mspId] = [...ORG_ROLES_BY_ORG[org]];
  return { orgs: mapping, tokenIssuerMspId: orgs.gridoperator.mspId, ...intervalFromEnv(env) };
}
