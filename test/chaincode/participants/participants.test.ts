import { expectRefused, GRID, ObeNet, REGULATOR, UTILITY } from '../support';

import { TX } from '@obe/chaincode';
interface Participant {
  pseudonym: string;
  mspId: string;
  roles: string[];
  status: string;
}
interface WhoAmI {
  pseudonym: string;
  registered: boolean;
  effectiveRoles: string[];
}

describe('participants', () => {
  let net: ObeNet;

  beforeAll(async () => {
    net = await ObeNet.start();
  });
  afterAll(() => net.close());

  it('registers the caller under a pseudonym that does not reveal its name', async () => {
    const alice = await net.identity(UTILITY, 'alice-wonder');
    const before = await net.evaluate<WhoAmI>(alice, TX.Participants.WhoAmI);
    expect(before.registered).toBe(false);

    const registered = await net.submit<Participant>(alice, TX.Participants.Register);
    expect(registered).toMatchObject({ pseudonym: before.pseudonym, mspId: UTILITY, roles: [], status: 'ACTIVE' });
    expect(registered.pseudonym).toMatch(/^p-[0-9a-f]{40}$/);
    const stored = await net.evaluate<Participant>(await net.admin(REGULATOR), TX.Participants.GetParticipant, [registered.pseudonym]);
    expect(JSON.stringify(stored)).not.toMatch(/alice|wonder/i);
    expect(stored).toEqual(registered);

    await expectRefused(net, () => net.submit(alice, TX.Participants.Register), 'CONFLICT', /already registered/);
  });

  it('gives the same identity the same pseudonym and different identities different ones', async () => {
    const bob = await net.identity(UTILITY, 'bob');
    const first = await net.evaluate<WhoAmI>(bob, TX.Participants.WhoAmI);
    const again = await net.evaluate<WhoAmI>(bob, TX.Participants.WhoAmI, [], { org: GRID });
    const carol = await net.evaluate<WhoAmI>(await net.identity(UTILITY, 'carol'), TX.Participants.WhoAmI);
    const bobAtGrid = await net.evaluate<WhoAmI>(await net.identity(GRID, 'bob'), TX.Participants.WhoAmI);
    expect(again.pseudonym).toBe(first.pseudonym);
    expect(carol.pseudonym).not.toBe(first.pseudonym);
    expect(bobAtGrid.pseudonym).not.toBe(first.pseudonym);
  });

  it('keys pseudonyms per channel configuration: another channel with another key gives another pseudonym', async () => {
    const dave = await net.identity(GRID, 'dave');
    const onEnergy = await net.evaluate<WhoAmI>(dave, TX.Participants.WhoAmI);
    const onAudit = await net.evaluate<WhoAmI>(dave, TX.Participants.WhoAmI, [], { channel: 'audit' });
    expect(onAudit.pseudonym).not.toBe(onEnergy.pseudonym);
  });

  it('lets only an admin of the participant’s own org grant roles its org may hold', async () => {
    const erin = await net.identity(UTILITY, 'erin');
    const { pseudonym } = await net.submit<Participant>(erin, TX.Participants.Register);
    const grant = (role: string) => [{ pseudonym, role }];

    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Participants.GrantRole, grant('PROSUMER')), 'FORBIDDEN', /admin of UtilityMSP/);
    await expectRefused(net, async () => net.submit(await net.admin(REGULATOR), TX.Participants.GrantRole, grant('PROSUMER')), 'FORBIDDEN');
    await expectRefused(net, () => net.submit(erin, TX.Participants.GrantRole, grant('PROSUMER')), 'FORBIDDEN');
    await expectRefused(net, async () => net.submit(await net.admin(UTILITY), TX.Participants.GrantRole, grant('DSO')), 'FORBIDDEN', /may not hold role DSO/);
    await expectRefused(net, async () => net.submit(await net.admin(UTILITY), TX.Participants.GrantRole, grant('KING')), 'INVALID_ARGUMENT');
    await expectRefused(
      net,
      async () => net.submit(await net.admin(UTILITY), TX.Participants.GrantRole, [{ pseudonym, role: 'PROSUMER', name: 'Erin Example' }]),
      'INVALID_ARGUMENT',
      /Unrecognized key/,
    );
    await expectRefused(net, async () => net.submit(await net.admin(UTILITY), TX.Participants.GrantRole, [{ pseudonym: `p-${'0'.repeat(40)}`, role: 'PROSUMER' }]), 'NOT_FOUND');

    const granted = await net.submit<Participant>(await net.admin(UTILITY), TX.Participants.GrantRole, grant('PROSUMER'));
    expect(granted.roles).toEqual(['PROSUMER']);
    const both = await net.submit<Participant>(await net.admin(UTILITY), TX.Participants.GrantRole, grant('CONSUMER'));
    expect(both.roles).toEqual(['PROSUMER', 'CONSUMER']);
    const revoked = await net.submit<Participant>(await net.admin(UTILITY), TX.Participants.RevokeRole, grant('PROSUMER'));
    expect(revoked.roles).toEqual(['CONSUMER']);
    expect((await net.evaluate<WhoAmI>(erin, TX.Participants.WhoAmI)).effectiveRoles).toEqual(['CONSUMER']);
  });

  it('honours a Fabric CA obe.role attribute only for roles the org may hold', async () => {
    const frank = await net.identity(UTILITY, 'frank', { attrs: { 'obe.role': 'AGGREGATOR' } });
    await net.submit(frank, TX.Participants.Register);
    expect((await net.evaluate<WhoAmI>(frank, TX.Participants.WhoAmI)).effectiveRoles).toEqual(['AGGREGATOR']);

    const grace = await net.identity(UTILITY, 'grace', { attrs: { 'obe.role': 'MARKET_OPERATOR' } });
    await net.submit(grace, TX.Participants.Register);
    expect((await net.evaluate<WhoAmI>(grace, TX.Participants.WhoAmI)).effectiveRoles).toEqual([]);
  });

  it('suspends and reactivates, by an admin of the participant’s org, legal transitions only', async () => {
    const heidi = await net.participant(GRID, 'heidi', ['GENERATOR']);
    const target = [{ pseudonym: heidi.pseudonym }];
    await expectRefused(net, async () => net.submit(await net.admin(UTILITY), TX.Participants.Suspend, target), 'FORBIDDEN');
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Participants.Reactivate, target), 'RULE_VIOLATION', /ACTIVE, not SUSPENDED/);

    const suspended = await net.submit<Participant>(await net.admin(GRID), TX.Participants.Suspend, target);
    expect(suspended.status).toBe('SUSPENDED');
    await expectRefused(net, async () => net.submit(await net.admin(GRID), TX.Participants.Suspend, target), 'RULE_VIOLATION');
    const back = await net.submit<Participant>(await net.admin(GRID), TX.Participants.Reactivate, target);
    expect(back.status).toBe('ACTIVE');
  });

  it('refuses registration from an MSP governance gives no role', async () => {
    await net.submit(await net.admin(GRID), TX.Governance.UpdateConfig, [{ orgs: { [GRID]: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], [UTILITY]: ['UTILITY'] } }]);
    await expectRefused(net, async () => net.submit(await net.identity(REGULATOR, 'ivan'), TX.Participants.Register), 'FORBIDDEN', /no role on this channel/);
  });

  it('lists participants publicly, without personal data', async () => {
    const all = await net.evaluate<Participant[]>(await net.admin(REGULATOR), TX.Participants.ListParticipants);
    expect(all.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(all)).not.toMatch(/alice|erin|frank|heidi/i);
  });
});
