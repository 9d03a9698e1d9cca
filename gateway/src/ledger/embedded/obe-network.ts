/**
 * OBE's network as the embedded runtime runs it: three orgs, the `energy` and `audit` channels, the `obe` chaincode
 * with every contract class, and the private data collections of collections/<channel>.json. The one definition
 * shared by the chaincode tests, the gateway's embedded adapter and the benchmarks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { contracts } from '@obe/chaincode';
import { loadCollections, type RuntimeOptions } from '@obe/fabric-embedded';

export const OBE_CHAINCODE = 'obe';

export const OBE_ORGS = {
  gridOperator: 'GridOperatorMSP',
  utility: 'UtilityMSP',
  regulator: 'RegulatorMSP',
} as const;

export const OBE_CHANNELS: Readonly<Record<'energy' | 'audit', readonly string[]>> = {
  energy: [OBE_ORGS.gridOperator, OBE_ORGS.utility, OBE_ORGS.regulator],
  audit: [OBE_ORGS.gridOperator, OBE_ORGS.regulator],
};

/** The org roles each MSP plays, as the first governance configuration names them (docs/chaincode.md, Governance). */
export const OBE_ORG_ROLES: Readonly<Record<string, readonly string[]>> = {
  [OBE_ORGS.gridOperator]: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'],
  [OBE_ORGS.utility]: ['UTILITY'],
  [OBE_ORGS.regulator]: ['REGULATOR'],
};

/** The first governance configuration of a channel (InitConfig's argument); other settings keep their defaults. */
export function initialGovernanceConfig(channel: keyof typeof OBE_CHANNELS): { orgs: Record<string, string[]>; tokenIssuerMspId: string } {
  const orgs: Record<string, string[]> = {};
  for (const mspId of OBE_CHANNELS[channel]) orgs[mspId] = [...OBE_ORG_ROLES[mspId]];
  return { orgs, tokenIssuerMspId: OBE_ORGS.gridOperator };
}

/** Repository root from both gateway/src/ledger/embedded (ts) and gateway/dist/ledger/embedded (built). */
function defaultCollectionsDir(): string {
  return path.resolve(__dirname, '../../../../collections');
}

export interface ObeNetworkOptions {
  dataDir?: string;
  collectionsDir?: string;
  batchTimeoutMs?: number;
  maxTxPerBlock?: number;
}

/**
 * The runtime options of OBE's network. Chaincode-level endorsement is the default MAJORITY of each channel's orgs;
 * writes to a collection must also satisfy that collection's own endorsement policy.
 */
export function obeNetwork(options: ObeNetworkOptions = {}): RuntimeOptions {
  const collectionsDir = options.collectionsDir ?? defaultCollectionsDir();
  const channels = (Object.keys(OBE_CHANNELS) as (keyof typeof OBE_CHANNELS)[]).map((name) => {
    const file = path.join(collectionsDir, `${name}.json`);
    return {
      name,
      orgs: [...OBE_CHANNELS[name]],
      chaincodes: [{ name: OBE_CHAINCODE, contracts, collections: fs.existsSync(file) ? loadCollections(file) : [] }],
    };
  });
  return {
    dataDir: options.dataDir,
    orgs: Object.values(OBE_ORGS).map((mspId) => ({ mspId })),
    channels,
    batchTimeoutMs: options.batchTimeoutMs,
    maxTxPerBlock: options.maxTxPerBlock,
  };
}
