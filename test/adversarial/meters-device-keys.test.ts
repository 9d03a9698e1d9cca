/**
 * Issue #12, defect 5 (and its class): once a DSO has commissioned a meter, its owner alone may not change the device
 * key; a rotation goes through a DSO (re-commissioning). Every key keeps a validity window, and a reading verifies
 * against the key in force at its interval's start: a new key can never sign an interval from before it was set, and
 * a replaced key can never sign an interval after.
 */
import { atTime, expectRefused, GRID, newDevice, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, UTILITY, type Cast, type Device, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const INTERVAL = 15 * 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;


describe('defect 5: device keys rotate through a DSO and sign only their own validity window', () => {
  let net: ObeNet;
  let cast: Cast;
  let meter: Meter;

  const submit = (device: Device, intervalStart: number, importedWh = 100) =>
    net.submit<{ accepted: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([signReading(device, { assetId: meter.assetId, intervalStart, importedWh, exportedWh: 0, sequence: intervalStart / INTERVAL })]),
      endorsingOrgs: [GRID, REGULATOR],
    });

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('keys');
    meter = await atTime(NOW - 3 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-keys', zone: 'z-keys' }));
  });
  afterAll(() => net.close());

  it('refuses the owner alone a new key for an ACTIVE meter (nothing written)', async () => {
    const stolen = newDevice();
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: stolen.publicKeyPem }]), 'FORBIDDEN');
    // The key the owner tried to set signs nothing, past or present.
    await expectRefused(net, () => submit(stolen, NOW - 2 * DAY), 'FORBIDDEN', /signature does not verify/);
  });

  it('lets a DSO rotate, and the new key signs only intervals from the rotation on', async () => {
    const next = newDevice();
    const rotatedAt = NOW - DAY;
    await atTime(rotatedAt, () => net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: next.publicKeyPem }]));

    // The new key cannot rewrite history: an interval that started before the rotation is the old key's.
    await expectRefused(net, () => submit(next, rotatedAt - INTERVAL), 'FORBIDDEN', /signature does not verify .* in force at/);
    await expectRefused(net, () => submit(next, NOW - 2 * DAY), 'FORBIDDEN');
    expect(await submit(meter.device, rotatedAt - INTERVAL)).toMatchObject({ accepted: 1 });

    // From the rotation on only the new key signs; the replaced key is refused.
    await expectRefused(net, () => submit(meter.device, rotatedAt), 'FORBIDDEN', /signature does not verify/);
    expect(await submit(next, rotatedAt)).toMatchObject({ accepted: 1 });
  });

  it('keeps every key with its validity window in the asset’s public history', async () => {
    const asset = await net.evaluate<{ deviceKeys: { validFrom: string; validUntil: string | null; setBy: string }[] }>(cast.regulator.identity, TX.Registry.GetAsset, [meter.assetId]);
    expect(asset.deviceKeys).toHaveLength(2);
    expect(asset.deviceKeys[0].validUntil).toBe(asset.deviceKeys[1].validFrom);
    expect(asset.deviceKeys[1]).toMatchObject({ validUntil: null, setBy: 'DSO' });
  });

  it('refuses a key the meter had before (a retired key may be the compromised one)', async () => {
    await expectRefused(net, () => net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: meter.device.publicKeyPem }]), 'RULE_VIOLATION');
  });

  it('lets a DSO declare a leaked key void since the leak: no interval from then on can be reported with it', async () => {
    const leaky = await atTime(NOW - 3 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-leaky', zone: 'z-keys' }));
    const next = newDevice();
    const LEAKED = NOW - 12 * INTERVAL;
    const send = (device: Device, intervalStart: number) =>
      net.submit<{ accepted: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
        transient: readingsTransient([signReading(device, { assetId: leaky.assetId, intervalStart, importedWh: 1, exportedWh: 0, sequence: 1 })]),
        endorsingOrgs: [GRID, REGULATOR],
      });
    await expectRefused(
      net,
      () => net.submit(cast.prosumer.identity, TX.Registry.RotateDeviceKey, [{ assetId: leaky.assetId, devicePublicKey: next.publicKeyPem, compromisedSince: LEAKED }]),
      'FORBIDDEN',
    );
    await net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: leaky.assetId, devicePublicKey: next.publicKeyPem, compromisedSince: LEAKED }]);
    expect(await send(leaky.device, LEAKED - INTERVAL)).toMatchObject({ accepted: 1 });
    await expectRefused(net, () => send(leaky.device, LEAKED + INTERVAL), 'RULE_VIOLATION', /no device key in force/);
    await expectRefused(net, () => send(next, LEAKED + INTERVAL), 'RULE_VIOLATION', /no device key in force/);
  });

  it('lets the owner change the key before commissioning, when nothing can be signed yet', async () => {
    const fresh = await registerAsset(net, cast.consumer, cast.dso, { assetId: 'm-keys-new', zone: 'z-keys' }, 'REGISTERED');
    const replacement = newDevice();
    const asset = await net.submit<{ devicePublicKey: string }>(cast.consumer.identity, TX.Registry.RotateDeviceKey, [{ assetId: fresh.assetId, devicePublicKey: replacement.publicKeyPem }]);
    expect(asset.devicePublicKey).toBe(replacement.publicKeyPem);
    // Another utility household cannot.
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.RotateDeviceKey, [{ assetId: fresh.assetId, devicePublicKey: newDevice().publicKeyPem }]), 'FORBIDDEN');
    expect(UTILITY).toBe(cast.consumer.mspId);
  });
});
