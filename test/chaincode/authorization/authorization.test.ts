import { GovernanceContract } from '../../../chaincode/src/governance';
import { MeteringContract } from '../../../chaincode/src/metering';
import { ParticipantsContract } from '../../../chaincode/src/participants';
import { RegistryContract } from '../../../chaincode/src/registry';
import type { Identity } from '@obe/fabric-embedded';
import { callerIdentities, CALLERS, runMatrixRow, type Caller, type MatrixRow, type Outcome } from '../support/authorization-matrix';
import {
  atTime,
  DAY_MS,
  GRID,
  newDevice,
  ObeNet,
  pastInterval,
  profilesTransient,
  readingsTransient,
  registerAsset,
  REGULATOR,
  signProfile,
  signReading,
  UTILITY,
  type Actor,
  type Cast,
  type Meter,
} from '../support';

import { TX } from '@obe/chaincode';
/**
 * Who may call what: every transaction against every role of every org, the three org admins and an identity that
 * never registered. Submits are only endorsed (nothing is committed), so every cell sees the same prepared state and
 * the allowed outcome is the transaction's real result.
 */
const PARTICIPANTS: Caller[] = ['MARKET_OPERATOR', 'DSO', 'GENERATOR', 'RETAILER', 'AGGREGATOR', 'PROSUMER', 'CONSUMER', 'REGULATOR'];
const HOLDERS: Caller[] = ['DSO', 'GENERATOR', 'RETAILER', 'AGGREGATOR', 'PROSUMER', 'CONSUMER'];
const NOW = Date.now();

const all = (value: Outcome, callers: readonly Caller[] = CALLERS): Partial<Record<Caller, Outcome>> => Object.fromEntries(callers.map((c) => [c, value]));

describe('authorization matrix', () => {
  let net: ObeNet;
  let cast: Cast;
  let ids: Record<Caller, Identity>;
  let target: Actor;
  let suspendedTarget: Actor;
  let householdMeter: Meter;
  let plantMeter: Meter;
  const T0 = pastInterval(10, NOW);
  const T1 = pastInterval(11, NOW);

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('authz');
    ids = callerIdentities(cast);
    target = await net.participant(UTILITY, 'authz-target', ['PROSUMER']);
    suspendedTarget = await net.participant(UTILITY, 'authz-suspended', ['CONSUMER']);
    await net.submit(cast.admins[UTILITY], TX.Participants.Suspend, [{ pseudonym: suspendedTarget.pseudonym }]);

    await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'a-registered' }, 'REGISTERED');
    await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'a-commissioned' }, 'COMMISSIONED');
    await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'a-active' });
    await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'a-suspended' });
    await net.submit(cast.prosumer.identity, TX.Registry.SuspendAsset, [{ assetId: 'a-suspended' }]);
    await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'a-offered' });
    await net.submit(cast.prosumer.identity, TX.Registry.OfferTransfer, [{ assetId: 'a-offered', to: cast.consumer.pseudonym }]);

    // Metering starts at commissioning: the meters are commissioned a day before the intervals they report.
    await atTime(NOW - DAY_MS, async () => {
      householdMeter = await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-household', zone: 'z1' });
      plantMeter = await registerAsset(net, cast.generator, cast.dso, { assetId: 'm-plant', zone: 'z2', segment: 'wholesale', capacityKw: 1000 });
    });
    for (const meter of [householdMeter, plantMeter]) {
      const signed = signReading(meter.device, { assetId: meter.assetId, intervalStart: T0, importedWh: 5, exportedWh: 1, sequence: 1 });
      await net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient([signed]), endorsingOrgs: [GRID, REGULATOR] });
    }
  });
  afterAll(() => net.close());

  const newMeter = () => ({ assetId: 'm-new', type: 'meter', segment: 'retail', zone: 'z1', capacityKw: 5, devicePublicKey: newDevice().publicKeyPem });
  const readingFor = (meter: () => Meter) => () =>
    readingsTransient([signReading(meter().device, { assetId: meter().assetId, intervalStart: T1, importedWh: 7, exportedWh: 0, sequence: 2 })]);

  const profileFor = (meter: () => Meter) => () =>
    profilesTransient([signProfile(meter().device, { assetId: meter().assetId, readings: [{ intervalStart: T1, importedWh: 7, exportedWh: 0, sequence: 2 }] })]);

  const rows: MatrixRow[] = [
    { fn: TX.Governance.InitConfig.name, kind: 'submit', args: () => [{ orgs: { [GRID]: ['MARKET_OPERATOR', 'DSO'] }, tokenIssuerMspId: GRID }], transient: () => ({ pseudonymKey: 'k'.repeat(40) }), expect: { ADMIN_GRID: 'CONFLICT' } },
    { fn: TX.Governance.UpdateConfig.name, kind: 'submit', args: () => [{ gateClosureMinutes: 6 }], expect: { ADMIN_GRID: 'OK' } },
    { fn: TX.Governance.GetConfig.name, kind: 'evaluate', expect: all('OK') },
    { fn: TX.Governance.GetConfigHistory.name, kind: 'evaluate', expect: all('OK') },
    { fn: TX.Participants.Register.name, kind: 'submit', expect: { ...all('CONFLICT', PARTICIPANTS), ADMIN_GRID: 'OK', ADMIN_UTILITY: 'OK', ADMIN_REGULATOR: 'OK', UNREGISTERED: 'OK' } },
    { fn: TX.Participants.GrantRole.name, kind: 'submit', args: () => [{ pseudonym: target.pseudonym, role: 'CONSUMER' }], expect: { ADMIN_UTILITY: 'OK' } },
    { fn: TX.Participants.RevokeRole.name, kind: 'submit', args: () => [{ pseudonym: target.pseudonym, role: 'PROSUMER' }], expect: { ADMIN_UTILITY: 'OK' } },
    { fn: TX.Participants.Suspend.name, kind: 'submit', args: () => [{ pseudonym: target.pseudonym }], expect: { ADMIN_UTILITY: 'OK' } },
    { fn: TX.Participants.Reactivate.name, kind: 'submit', args: () => [{ pseudonym: suspendedTarget.pseudonym }], expect: { ADMIN_UTILITY: 'OK' } },
    { fn: TX.Participants.GetParticipant.name, kind: 'evaluate', args: () => [target.pseudonym], expect: all('OK') },
    { fn: TX.Participants.ListParticipants.name, kind: 'evaluate', expect: all('OK') },
    { fn: TX.Participants.WhoAmI.name, kind: 'evaluate', expect: all('OK') },
    // Erasure (docs/privacy-and-erasure.md): the participant itself or an admin of its org; the consumer owns nothing.
    { fn: TX.Participants.Erase.name, kind: 'submit', args: () => [{ pseudonym: cast.consumer.pseudonym }], expect: { CONSUMER: 'OK', ADMIN_UTILITY: 'OK' } },
    { fn: TX.Registry.RegisterAsset.name, kind: 'submit', args: () => [newMeter()], expect: all('OK', HOLDERS) },
    {
      fn: TX.Registry.RegisterAsset.name,
      kind: 'submit',
      args: () => [{ assetId: 'feeder-new', type: 'feeder', segment: 'retail', zone: 'z1', capacityKw: 400 }],
      expect: { DSO: 'OK' },
    },
    { fn: TX.Registry.CommissionAsset.name, kind: 'submit', args: () => [{ assetId: 'a-registered' }], expect: { DSO: 'OK' } },
    { fn: TX.Registry.ActivateAsset.name, kind: 'submit', args: () => [{ assetId: 'a-commissioned' }], expect: { DSO: 'OK', PROSUMER: 'OK' } },
    { fn: TX.Registry.SuspendAsset.name, kind: 'submit', args: () => [{ assetId: 'a-active' }], expect: { DSO: 'OK', PROSUMER: 'OK' } },
    { fn: TX.Registry.ResumeAsset.name, kind: 'submit', args: () => [{ assetId: 'a-suspended' }], expect: { DSO: 'OK', PROSUMER: 'OK' } },
    { fn: TX.Registry.DecommissionAsset.name, kind: 'submit', args: () => [{ assetId: 'a-active' }], expect: { DSO: 'OK', PROSUMER: 'OK' } },
    { fn: TX.Registry.OfferTransfer.name, kind: 'submit', args: () => [{ assetId: 'a-active', to: cast.consumer.pseudonym }], expect: { PROSUMER: 'OK' } },
    { fn: TX.Registry.AcceptTransfer.name, kind: 'submit', args: () => [{ assetId: 'a-offered' }], expect: { CONSUMER: 'OK' } },
    { fn: TX.Registry.CancelTransfer.name, kind: 'submit', args: () => [{ assetId: 'a-offered' }], expect: { PROSUMER: 'OK' } },
    // Once commissioned, a device key changes only through a DSO (re-commissioning); the owner alone may not.
    { fn: TX.Registry.RotateDeviceKey.name, kind: 'submit', args: () => [{ assetId: 'a-active', devicePublicKey: newDevice().publicKeyPem }], expect: { DSO: 'OK' } },
    { fn: TX.Registry.GetAsset.name, kind: 'evaluate', args: () => ['a-active'], expect: all('OK') },
    { fn: TX.Registry.GetAssetHistory.name, kind: 'evaluate', args: () => ['a-active'], expect: all('OK') },
    { fn: TX.Registry.ListAssets.name, kind: 'evaluate', args: () => ['{}'], expect: all('OK') },
    {
      fn: TX.Metering.SubmitReadings.name,
      kind: 'submit',
      transient: readingFor(() => householdMeter),
      endorsingOrgs: [GRID, REGULATOR],
      expect: { DSO: 'OK', RETAILER: 'OK', AGGREGATOR: 'OK' },
    },
    {
      fn: TX.Metering.SubmitReadings.name,
      kind: 'submit',
      transient: readingFor(() => plantMeter),
      endorsingOrgs: [GRID, REGULATOR],
      expect: { DSO: 'OK' },
    },
    {
      fn: TX.Metering.SubmitProfiles.name,
      kind: 'submit',
      transient: profileFor(() => householdMeter),
      endorsingOrgs: [GRID, REGULATOR],
      expect: { DSO: 'OK', RETAILER: 'OK', AGGREGATOR: 'OK' },
    },
    {
      fn: TX.Metering.SubmitProfiles.name,
      kind: 'submit',
      transient: profileFor(() => plantMeter),
      endorsingOrgs: [GRID, REGULATOR],
      expect: { DSO: 'OK' },
    },
    {
      fn: TX.Metering.GetReading.name,
      kind: 'evaluate',
      args: () => ['m-household', String(T0)],
      expect: { PROSUMER: 'OK', RETAILER: 'OK', AGGREGATOR: 'OK', MARKET_OPERATOR: 'OK', DSO: 'OK', REGULATOR: 'OK' },
    },
    { fn: TX.Metering.GetReading.name, kind: 'evaluate', args: () => ['m-plant', String(T0)], expect: { GENERATOR: 'OK', MARKET_OPERATOR: 'OK', DSO: 'OK', REGULATOR: 'OK' } },
    { fn: TX.Metering.GetReadingHash.name, kind: 'evaluate', args: () => ['m-plant', String(T0)], expect: all('OK') },
    { fn: TX.Metering.GetZoneTotal.name, kind: 'evaluate', args: () => ['z2', String(T0)], expect: all('OK') },
    { fn: TX.Metering.PublishZoneTotal.name, kind: 'submit', args: () => [{ zone: 'z2', intervalStart: T0 }], endorsingOrgs: [GRID, REGULATOR], expect: { DSO: 'OK', MARKET_OPERATOR: 'OK' } },
  ];

  it.each(rows.map((row, i) => [`${row.fn} #${i}`, row] as const))('%s', async (_name, row) => {
    const { expected, actual } = await runMatrixRow(net, ids, row);
    expect(actual).toEqual(expected);
  });

  it('covers every transaction of the governance, participants, registry and metering contracts', () => {
    const served = [GovernanceContract, ParticipantsContract, RegistryContract, MeteringContract].flatMap((Cls) =>
      Object.getOwnPropertyNames(Cls.prototype)
        .filter((name) => name !== 'constructor')
        .map((name) => `${new Cls().getName()}:${name}`),
    );
    expect([...new Set(rows.map((r) => r.fn))].sort()).toEqual(served.sort());
  });
});
