/**
 * Review R2 of #16: on a channel where two orgs hold the DSO org role, the DSO of one org could republish another
 * DSO's zone tariff (the fee is paid to the publisher: it collected the zone's network fees), cap its feeders, add
 * feeders to its zone and move its meters. Now each of those needs the org that registered the zone node.
 */
import { TX } from '@obe/chaincode';
import { initialGovernanceConfig } from '../../gateway/src/ledger/embedded/obe-network';
import { expectRefused, UTILITY } from '../chaincode/support';
import { MarketFixture, ZONE, restoreClock, setClock } from '../chaincode/market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

describe('review R2: only the zone’s own DSO org acts on its network', () => {
  let fx: MarketFixture;

  beforeAll(async () => {
    const { orgs } = initialGovernanceConfig('energy');
    fx = await MarketFixture.start({ orgs: { ...orgs, [UTILITY]: ['UTILITY', 'DSO'] } });
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses another org’s DSO: tariff, envelope, feeder, attachment; the zone’s own DSO is accepted', async () => {
    const dso = fx.cast.dso.identity;
    const other = await fx.net.participant(UTILITY, 'r2z-other-dso', ['DSO']);
    const prosumer = await fx.prosumer('r2z-p');
    const start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    const interval = new Date(start).toISOString();
    setClock(start - 60 * MINUTE);
    await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    await fx.net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: 'r2z-fa', kind: 'FEEDER', zone: ZONE }]);
    await fx.net.submit(dso, TX.Grid.PublishTariffs, [{ tariffs: [{ zone: ZONE, interval, feePerKwh: 3, localFeePerKwh: 1 }] }]);

    await expectRefused(fx.net, () => fx.net.submit(other.identity, TX.Grid.PublishTariffs, [{ tariffs: [{ zone: ZONE, interval, feePerKwh: 9, localFeePerKwh: 9 }] }]), 'FORBIDDEN', /operated by/);
    await expectRefused(fx.net, () => fx.net.submit(other.identity, TX.Grid.PublishEnvelopes, [{ envelopes: [{ nodeId: 'r2z-fa', interval, importLimitWh: 0, exportLimitWh: 0 }] }]), 'FORBIDDEN', /operated by/);
    await expectRefused(fx.net, () => fx.net.submit(other.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'r2z-fx', kind: 'FEEDER', zone: ZONE }]), 'FORBIDDEN', /operated by/);
    await expectRefused(fx.net, () => fx.net.submit(other.identity, TX.Grid.AttachAsset, [{ assetId: prosumer.meterId, feeder: 'r2z-fa' }]), 'FORBIDDEN', /operated by/);

    const tariff = await fx.net.evaluate<{ feePerKwh: number; publishedBy: string }>(prosumer.identity, TX.Grid.GetTariff, [{ zone: ZONE, interval }]);
    expect(tariff).toMatchObject({ feePerKwh: 3, publishedBy: fx.cast.dso.pseudonym });
    await fx.net.submit(dso, TX.Grid.AttachAsset, [{ assetId: prosumer.meterId, feeder: 'r2z-fa' }]);
    // Its own zone is its own to run.
    await fx.net.submit(other.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'r2z-zone-2', kind: 'ZONE' }]);
    await fx.net.submit(other.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'r2z-f2', kind: 'FEEDER', zone: 'r2z-zone-2' }]);
  });
});
