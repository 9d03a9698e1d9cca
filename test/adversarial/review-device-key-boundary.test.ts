/**
 * Review of #12 (device key windows): a DSO declares a leaked key compromised since a time inside an interval. A
 * reading is checked against the key in force at its interval's START, so the interval in which the key leaked was
 * still signable with the leaked key: the holder of the key could report (and be settled on) that whole interval.
 * The compromise now ends the key's window at the start of the interval containing `compromisedSince`.
 */
import { atTime, expectRefused, GRID, newDevice, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, type Cast, type Device, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;

describe('review: a key compromised in the middle of an interval', () => {
  let net: ObeNet;
  let cast: Cast;
  let meter: Meter;

  const send = (device: Device, intervalStart: number) =>
    net.submit<{ accepted: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([signReading(device, { assetId: meter.assetId, intervalStart, importedWh: 1, exportedWh: 5, sequence: intervalStart / INTERVAL })]),
      endorsingOrgs: [GRID, REGULATOR],
    });

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('kb');
    meter = await atTime(NOW - 3 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-kb', zone: 'z-kb' }));
  });
  afterAll(() => net.close());

  it('refuses the leaked key for the interval in which it leaked; the interval before stays its own', async () => {
    const leakInterval = NOW - 8 * INTERVAL;
    const next = newDevice();
    await net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: next.publicKeyPem, compromisedSince: leakInterval + 7 * MINUTE }]);
    expect(await send(meter.device, leakInterval - INTERVAL)).toMatchObject({ accepted: 1 });
    await expectRefused(net, () => send(meter.device, leakInterval), 'RULE_VIOLATION', /no device key in force/);
  });
});
