import { orgCollectionMembers, type GovernanceConfig } from '../../../chaincode/src/governance';
import { orgCollectionOwner } from '../../../chaincode/src/common/keys';
import { GRID, REGULATOR, UTILITY } from '../support';

const config = (orgs: GovernanceConfig['orgs']): GovernanceConfig => ({
  intervalMinutes: 15,
  gateClosureMinutes: 5,
  priceFloor: 0,
  priceCap: 10_000,
  orgs,
  tokenIssuerMspId: GRID,
  imbalanceFactorPermille: 1000,
  settlementDeadlineMinutes: 1440,
  minPublicGroupSize: 3,
});

describe('per-org collection membership, derived from governance and the collection name', () => {
  const obe = config({ [GRID]: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], [UTILITY]: ['UTILITY'], [REGULATOR]: ['REGULATOR'] });

  it('is the owner org plus the market operator, DSO and regulator MSPs, as collections/energy.json declares', () => {
    expect(orgCollectionMembers(obe, 'readings_UtilityMSP')).toEqual([GRID, REGULATOR, UTILITY].sort());
    expect(orgCollectionMembers(obe, 'readings_GridOperatorMSP')).toEqual([GRID, REGULATOR].sort());
    expect(orgCollectionMembers(obe, 'orders_UtilityMSP')).toEqual([GRID, REGULATOR, UTILITY].sort());
  });

  it('names no members for a collection that is not per-org', () => {
    expect(orgCollectionOwner('obeSecrets')).toBeUndefined();
    expect(orgCollectionOwner('other_UtilityMSP')).toBeUndefined();
    expect(orgCollectionOwner('readings_')).toBeUndefined();
    expect(orgCollectionMembers(obe, 'obeSecrets')).toEqual([]);
  });
});
