import { governanceConfigSchema } from '../../chaincode/src/governance/config';
import { NATIVE_ORGS, TEST_NETWORK_ORGS } from '../../network/lib/connection-config';
import { initialGovernance } from '../../network/lib/governance';

describe('initial governance written by the network scripts', () => {
  it('maps the native MSP IDs onto the OBE org roles, per channel membership', () => {
    expect(initialGovernance('energy', NATIVE_ORGS, {})).toEqual({
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

  it('takes the interval length from OBE_INTERVAL_MINUTES (fixed at first configuration), else the chaincode default', () => {
    expect(initialGovernance('energy', NATIVE_ORGS, { OBE_INTERVAL_MINUTES: '1' }).intervalMinutes).toBe(1);
    expect(initialGovernance('energy', NATIVE_ORGS, { OBE_INTERVAL_MINUTES: ' ' })).not.toHaveProperty('intervalMinutes');
    expect(governanceConfigSchema.safeParse(initialGovernance('energy', NATIVE_ORGS, { OBE_INTERVAL_MINUTES: '1' })).success).toBe(true);
    // 7 does not divide a day: the chaincode's schema refuses it, so the network's start fails with its message.
    expect(governanceConfigSchema.safeParse(initialGovernance('energy', NATIVE_ORGS, { OBE_INTERVAL_MINUTES: '7' })).success).toBe(false);
    expect(() => initialGovernance('energy', NATIVE_ORGS, { OBE_INTERVAL_MINUTES: '1.5' })).toThrow(/whole number/);
  });

  it('refuses an unknown channel', () => {
    expect(() => initialGovernance('mychannel', NATIVE_ORGS)).toThrow("unknown channel 'mychannel'");
  });
});
