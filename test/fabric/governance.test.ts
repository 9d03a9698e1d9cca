import { governanceConfigSchema } from '../../chaincode/src/governance/config';
import { NATIVE_ORGS, TEST_NETWORK_ORGS } from '../../network/lib/connection-config';
import { initialGovernance } from '../../network/lib/governance';

describe('initial governance written by the network scripts', () => {
  it('maps the native MSP IDs onto the OBE org roles, per channel membership', () => {
    expect(initialGovernance('energy', NATIVE_ORGS)).toEqual({
      orgs: {
        GridOperatorMSP: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'],
        UtilityMSP: ['UTILITY'],
        RegulatorMSP: ['REGULATOR'],
      },
      tokenIssuerMspId: 'GridOperatorMSP',
    });
    expect(Object.keys(initialGovernance('audit', NATIVE_ORGS).orgs)).toEqual(['GridOperatorMSP', 'RegulatorMSP']);
  });

  it('maps the same roles onto Org1/Org2/Org3 for the test-network', () => {
    expect(initialGovernance('energy', TEST_NETWORK_ORGS).orgs).toEqual({
      Org1MSP: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'],
      Org2MSP: ['UTILITY'],
      Org3MSP: ['REGULATOR'],
    });
  });

  it.each(['energy', 'audit'])("is accepted by the chaincode's governance schema on %s", (channel) => {
    for (const orgs of [NATIVE_ORGS, TEST_NETWORK_ORGS]) {
      expect(governanceConfigSchema.safeParse(initialGovernance(channel, orgs)).success).toBe(true);
    }
  });

  it('refuses an unknown channel', () => {
    expect(() => initialGovernance('mychannel', NATIVE_ORGS)).toThrow("unknown channel 'mychannel'");
  });
});
