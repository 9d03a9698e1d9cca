import { GridContract } from '../../../chaincode/src/grid/contract';
import type { Identity } from '@obe/fabric-embedded';
import { ObeNet, registerAsset, type Cast } from '../support';
import { callerIdentities, CALLERS, runMatrixRow, type Caller, type MatrixRow, type Outcome } from '../support/authorization-matrix';
import { TX } from '@obe/chaincode';

/**
 * Who may call what in the Grid contract: every transaction against every participant role, the three org admins and
 * an identity that never registered. Submits are only endorsed (nothing is committed), so every cell sees the same
 * state. Only a DSO writes; every read is public.
 */
const everyone = (value: Outcome) => Object.fromEntries(CALLERS.map((c) => [c, value])) as Record<Caller, Outcome>;

const INTERVAL = 15 * 60_000;
const interval = new Date(Math.ceil((Date.now() + 3 * 3_600_000) / INTERVAL) * INTERVAL).toISOString();

describe('grid authorization matrix', () => {
  let net: ObeNet;
  let cast: Cast;
  let ids: Record<Caller, Identity>;

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('gridz');
    ids = callerIdentities(cast);
    await net.submit(cast.dso.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'gz', kind: 'ZONE' }]);
    await net.submit(cast.dso.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'gz-f1', kind: 'FEEDER', zone: 'gz' }]);
    await net.submit(cast.dso.identity, TX.Grid.RegisterGridNode, [{ nodeId: 'gz-f2', kind: 'FEEDER', zone: 'gz' }]);
    await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'gz-m1', zone: 'gz' });
    await net.submit(cast.dso.identity, TX.Grid.AttachAsset, [{ assetId: 'gz-m1', feeder: 'gz-f1' }]);
    await net.submit(cast.dso.identity, TX.Grid.PublishTariffs, [{ tariffs: [{ zone: 'gz', interval, feePerKwh: 2, localFeePerKwh: 1 }] }]);
  });
  afterAll(() => net?.close());

  const slot = { zone: 'gz', interval };
  const rows: MatrixRow[] = [
    { fn: TX.Grid.RegisterGridNode.name, kind: 'submit', args: [{ nodeId: 'gz-f3', kind: 'FEEDER', zone: 'gz' }], expect: { DSO: 'OK' } },
    { fn: TX.Grid.AttachAsset.name, kind: 'submit', args: [{ assetId: 'gz-m1', feeder: 'gz-f2' }], expect: { DSO: 'OK' } },
    { fn: TX.Grid.PublishEnvelopes.name, kind: 'submit', args: [{ envelopes: [{ nodeId: 'gz-f1', interval, importLimitWh: 100, exportLimitWh: 50 }] }], expect: { DSO: 'OK' } },
    { fn: TX.Grid.PublishTariffs.name, kind: 'submit', args: [{ tariffs: [{ zone: 'gz', interval, feePerKwh: 3, localFeePerKwh: 0 }] }], expect: { DSO: 'OK' } },
    { fn: TX.Grid.GetGridNode.name, kind: 'evaluate', args: ['gz-f1'], expect: everyone('OK') },
    { fn: TX.Grid.ListGridNodes.name, kind: 'evaluate', args: [{ zone: 'gz' }], expect: everyone('OK') },
    { fn: TX.Grid.GetAttachment.name, kind: 'evaluate', args: ['gz-m1'], expect: everyone('OK') },
    { fn: TX.Grid.ListAttachments.name, kind: 'evaluate', args: [{ zone: 'gz' }], expect: everyone('OK') },
    { fn: TX.Grid.ListEnvelopes.name, kind: 'evaluate', args: [slot], expect: everyone('OK') },
    { fn: TX.Grid.GetTariff.name, kind: 'evaluate', args: [slot], expect: everyone('OK') },
    { fn: TX.Grid.GetFeederLoading.name, kind: 'evaluate', args: [slot], expect: everyone('OK') },
  ];

  it.each(rows.map((row) => [row.fn, row] as const))('%s', async (_name, row) => {
    const { expected, actual } = await runMatrixRow(net, ids, row);
    expect(actual).toEqual(expected);
  });

  it('covers every transaction of the Grid contract', () => {
    const served = Object.getOwnPropertyNames(GridContract.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => `${new GridContract().getName()}:${name}`);
    expect(rows.map((r) => r.fn).sort()).toEqual(served.sort());
  });
});
