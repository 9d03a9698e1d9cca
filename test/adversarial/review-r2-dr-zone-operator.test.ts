/**
 * Review R2 of #16, demand response: program creation checked only that the zone was registered, not that the DSO
 * belongs to the org that registered it (the same-org rule of grid/topology.ts, NOT_ZONE_OPERATOR). Another org's DSO
 * could then run programs, and issue and pay events, on a zone it does not operate.
 */
import { TX } from '@obe/chaincode';
import { initialGovernanceConfig } from '../../gateway/src/ledger/embedded/obe-network';
import { expectRefused, UTILITY } from '../chaincode/support';
import { MarketFixture, ZONE } from '../chaincode/market/fixture';

describe('review R2: only the zone’s own DSO org creates demand-response programs on it', () => {
  let fx: MarketFixture;

  beforeAll(async () => {
    const { orgs } = initialGovernanceConfig('energy');
    fx = await MarketFixture.start({ orgs: { ...orgs, [UTILITY]: ['UTILITY', 'DSO'] } });
  });
  afterAll(() => fx?.close());

  it('refuses another org’s DSO with NOT_ZONE_OPERATOR; the zone’s own DSO, and the other on its own zone, are accepted', async () => {
    const dso = fx.cast.dso.identity;
    const other = await fx.net.participant(UTILITY, 'r2dr-other-dso', ['DSO']);
    await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    await fx.net.submit(other.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'r2dr-zone-2', kind: 'ZONE' }]);
    const program = (programId: string, zone: string) => [{ programId, zone, baseline: { days: 1, lookbackDays: 3 } }];

    await expectRefused(fx.net, () => fx.net.submit(other.identity, TX.DemandResponse.CreateProgram, program('r2dr-foreign', ZONE)), 'FORBIDDEN', /operated by/);
    await expectRefused(fx.net, () => fx.net.submit(dso, TX.DemandResponse.CreateProgram, program('r2dr-foreign-2', 'r2dr-zone-2')), 'FORBIDDEN', /operated by/);

    expect(await fx.net.submit(dso, TX.DemandResponse.CreateProgram, program('r2dr-own', ZONE))).toMatchObject({ zone: ZONE, ownerMsp: fx.cast.dso.mspId });
    expect(await fx.net.submit(other.identity, TX.DemandResponse.CreateProgram, program('r2dr-own-2', 'r2dr-zone-2'))).toMatchObject({ zone: 'r2dr-zone-2', ownerMsp: UTILITY });
  });
});
