import { randomBytes } from 'node:crypto';
import { expectRefused, GRID, ObeNet, REGULATOR, UTILITY } from '../support';

import { TX } from '@obe/chaincode';
const key = () => ({ pseudonymKey: randomBytes(32).toString('base64url') });
const orgs = { [GRID]: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], [UTILITY]: ['UTILITY'], [REGULATOR]: ['REGULATOR'] };

interface GovernanceRecord {
  version: number;
  updatedByMspId: string;
  config: Record<string, unknown> & { orgs: Record<string, string[]> };
}

describe('governance', () => {
  let net: ObeNet;

  beforeAll(async () => {
    net = await ObeNet.start({ governance: false });
  });
  afterAll(() => net.close());

  it('is absent until configured', async () => {
    await expect(net.evaluate(await net.admin(GRID), TX.Governance.GetConfig)).rejects.toThrow('[NOT_FOUND]');
    await expect(net.submit(await net.identity(UTILITY, 'early'), TX.Participants.Register)).rejects.toThrow('[NOT_FOUND]');
  });

  it('refuses a first configuration from anyone but an admin of the MSP it names market operator', async () => {
    const config = { orgs, tokenIssuerMspId: GRID };
    await expectRefused(net, async () => net.submit(await net.admin(UTILITY), TX.Governance.InitConfig, [config], { transient: key() }), 'FORBIDDEN', /admin of GridOperatorMSP/);
    await expectRefused(net, async () => net.submit(await net.identity(GRID, 'not-admin'), TX.Governance.InitConfig, [config], { transient: key() }), 'FORBIDDEN');
    await expectRefused(net, async () => net.submit(await net.admin(REGULATOR), TX.Governance.InitConfig, [config], { transient: key() }), 'FORBIDDEN');
  });

  it.each([
    ['an unknown field', { orgs, tokenIssuerMspId: GRID, operatorName: 'ACME Grid' }, /Unrecognized key/],
    ['an interval that does not divide a day', { orgs, tokenIssuerMspId: GRID, intervalMinutes: 7 }, /intervalMinutes/],
    ['a floor above the cap', { orgs, tokenIssuerMspId: GRID, priceFloor: 500, priceCap: 100 }, /priceFloor/],
    ['two market operators', { orgs: { ...orgs, [UTILITY]: ['MARKET_OPERATOR'] }, tokenIssuerMspId: GRID }, /exactly one MSP/],
    ['no DSO', { orgs: { [GRID]: ['MARKET_OPERATOR'] }, tokenIssuerMspId: GRID }, /DSO/],
    ['a token issuer that is not an org', { orgs, tokenIssuerMspId: 'OtherMSP' }, /tokenIssuerMspId/],
    ['an unknown org role', { orgs: { ...orgs, [UTILITY]: ['BANK'] }, tokenIssuerMspId: GRID }, /orgs/],
    ['an imbalance factor below the clearing price', { orgs, tokenIssuerMspId: GRID, imbalanceFactorPermille: 999 }, /imbalanceFactorPermille: must be at least 1000/],
  ])('refuses a configuration with %s', async (_what, config, pattern) => {
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Governance.InitConfig, [config], { transient: key() }), 'INVALID_ARGUMENT', pattern);
  });

  it('refuses a first configuration without a pseudonym key in the transient map', async () => {
    const config = { orgs, tokenIssuerMspId: GRID };
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Governance.InitConfig, [config]), 'INVALID_ARGUMENT', /pseudonymKey/);
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Governance.InitConfig, [config], { transient: { pseudonymKey: 'short' } }), 'INVALID_ARGUMENT', /pseudonymKey/);
  });

  it('is set once by the grid operator admin, with defaults for what it does not name', async () => {
    const record = await net.submit<GovernanceRecord>(await net.admin(GRID), TX.Governance.InitConfig, [{ orgs, tokenIssuerMspId: GRID }], { transient: key() });
    expect(record.version).toBe(1);
    expect(record.config).toEqual({
      intervalMinutes: 15,
      gateClosureMinutes: 5,
      priceFloor: 0,
      priceCap: 10000,
      orgs,
      tokenIssuerMspId: GRID,
      imbalanceFactorPermille: 1000,
      settlementDeadlineMinutes: 1440,
      minPublicGroupSize: 3,
    });
    const read = await net.evaluate<GovernanceRecord>(await net.identity(UTILITY, 'reader'), TX.Governance.GetConfig);
    expect(read).toEqual(record);
    await expectRefused(
      net,
      async () => net.submit(await net.admin(GRID), TX.Governance.InitConfig, [{ orgs, tokenIssuerMspId: GRID }], { transient: key() }),
      'CONFLICT',
      /already configured/,
    );
  });

  it('is changed only by an admin of the market operator MSP, and keeps its history', async () => {
    await expectRefused(net, async () => net.submit(await net.admin(UTILITY), TX.Governance.UpdateConfig, [{ gateClosureMinutes: 10 }]), 'FORBIDDEN');
    await expectRefused(net, async () => net.submit(await net.admin(REGULATOR), TX.Governance.UpdateConfig, [{ gateClosureMinutes: 10 }]), 'FORBIDDEN');
    await expectRefused(net, async () => net.submit(await net.identity(GRID, 'operator-clerk'), TX.Governance.UpdateConfig, [{ gateClosureMinutes: 10 }]), 'FORBIDDEN');
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Governance.UpdateConfig, [{ priceCap: -1 }]), 'INVALID_ARGUMENT');
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Governance.UpdateConfig, [{ priceFloor: 20_000 }]), 'INVALID_ARGUMENT', /priceFloor/);

    const updated = await net.submit<GovernanceRecord>(await net.admin(GRID), TX.Governance.UpdateConfig, [{ gateClosureMinutes: 10, priceCap: 5000 }]);
    expect(updated.version).toBe(2);
    expect(updated.config).toMatchObject({ gateClosureMinutes: 10, priceCap: 5000, intervalMinutes: 15 });
    const history = await net.evaluate<GovernanceRecord[]>(await net.admin(REGULATOR), TX.Governance.GetConfigHistory);
    expect(history.map((r) => [r.version, r.config.gateClosureMinutes])).toEqual([
      [1, 5],
      [2, 10],
    ]);
    expect(history.every((r) => r.updatedByMspId === GRID)).toBe(true);
  });

  it('follows the market operator role when governance hands it to another MSP', async () => {
    const handover = { orgs: { [GRID]: ['DSO', 'GENERATOR'], [UTILITY]: ['UTILITY', 'MARKET_OPERATOR'], [REGULATOR]: ['REGULATOR'] } };
    await net.submit(await net.admin(GRID), TX.Governance.UpdateConfig, [handover]);
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Governance.UpdateConfig, [{ priceCap: 6000 }]), 'FORBIDDEN');
    const back = await net.submit<GovernanceRecord>(await net.admin(UTILITY), TX.Governance.UpdateConfig, [{ orgs }]);
    expect(back.version).toBe(4);
    expect(back.config.orgs).toEqual(orgs);
  });

  it('refuses to change intervalMinutes once configured, since open orders, awards, escrows and readings are keyed by it', async () => {
    const operatorAdmin = await net.admin(GRID);
    await expectRefused(net, () => net.submit(operatorAdmin, TX.Governance.UpdateConfig, [{ intervalMinutes: 30 }]), 'RULE_VIOLATION', /intervalMinutes cannot change after InitConfig \(it is 15\)/);
    await expectRefused(net, () => net.submit(operatorAdmin, TX.Governance.UpdateConfig, [{ intervalMinutes: 60, gateClosureMinutes: 20 }]), 'RULE_VIOLATION', /intervalMinutes/);
    const current = await net.evaluate<GovernanceRecord>(operatorAdmin, TX.Governance.GetConfig);
    // Restating the current length changes nothing and is accepted, as is moving the gate closure.
    const updated = await net.submit<GovernanceRecord>(operatorAdmin, TX.Governance.UpdateConfig, [{ intervalMinutes: 15, gateClosureMinutes: 20 }]);
    expect(updated.version).toBe(current.version + 1);
    expect(updated.config).toMatchObject({ intervalMinutes: 15, gateClosureMinutes: 20 });
  });

  it('refuses an imbalance factor below 1000 per mille, which would price imbalance under the clearing price', async () => {
    const operatorAdmin = await net.admin(GRID);
    await expectRefused(net, () => net.submit(operatorAdmin, TX.Governance.UpdateConfig, [{ imbalanceFactorPermille: 999 }]), 'INVALID_ARGUMENT', /imbalanceFactorPermille: must be at least 1000/);
    await expectRefused(net, () => net.submit(operatorAdmin, TX.Governance.UpdateConfig, [{ imbalanceFactorPermille: 0 }]), 'INVALID_ARGUMENT', /imbalanceFactorPermille/);
    const updated = await net.submit<GovernanceRecord>(operatorAdmin, TX.Governance.UpdateConfig, [{ imbalanceFactorPermille: 1000 }]);
    expect(updated.config.imbalanceFactorPermille).toBe(1000);
  });
});
