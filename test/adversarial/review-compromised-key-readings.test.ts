/**
 * Review of #12 (device key windows): declaring a key compromised since a time ends its window for readings still to
 * come, but readings it already signed for intervals after `compromisedSince` stay on the ledger and still settle:
 * settlement reads the stored reading and never re-checks it against the key history. Whoever had the leaked key (a
 * tampered meter) keeps what it reported between the leak and its declaration.
 */
import { atTime, GRID, newDevice, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, type Cast, type Meter } from '../chaincode/support';

const INTERVAL = 15 * 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;

describe('review: readings a compromised key signed before the compromise was declared', () => {
  let net: ObeNet;
  let cast: Cast;
  let meter: Meter;

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('ck');
    meter = await atTime(NOW - 3 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-ck', zone: 'z-ck' }));
  });
  afterAll(() => net.close());

  // FINDING: a compromise declaration does not void readings already recorded for intervals after compromisedSince.
  // Suggested fix: RotateDeviceKey with compromisedSince marks those readings void (their hash records carry the
  // signing key's window, or the settlement reading lookup re-checks deviceKeyAt at the interval against the current
  // history and treats a reading outside every window as missing); settled intervals need an off-chain correction.
  it.skip('does not count a reading the leaked key signed after the leak', async () => {
    const forged = NOW - 4 * INTERVAL;
    await net.submit(cast.dso.identity, 'Metering:SubmitReadings', [], {
      transient: readingsTransient([signReading(meter.device, { assetId: meter.assetId, intervalStart: forged, importedWh: 0, exportedWh: 2500, sequence: 1 })]),
      endorsingOrgs: [GRID, REGULATOR],
    });
    await net.submit(cast.dso.identity, 'Registry:RotateDeviceKey', [{ assetId: meter.assetId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: NOW - DAY }]);
    await expect(net.evaluate(cast.regulator.identity, 'Metering:GetReading', [meter.assetId, String(forged)])).rejects.toThrow();
  });
});
