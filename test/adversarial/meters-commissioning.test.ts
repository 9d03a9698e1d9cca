/**
 * Issue #12, defect 6: metering starts when a DSO commissions the meter (or at the earlier install time, at most 31
 * days back, that the commissioning DSO attests). A reading for an interval that starts before
 * the commissioning (a year ago, the epoch, the interval just before) is refused, as is any interval that has not
 * ended yet; a meter never commissioned or decommissioned reports nothing, nor one suspended during the interval.
 */
import { atTime, expectRefused, GRID, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, type Cast, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const INTERVAL = 15 * 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;


describe('defect 6: no reading before the meter was commissioned', () => {
  let net: ObeNet;
  let cast: Cast;
  let meter: Meter;
  const COMMISSIONED = NOW - DAY + 7 * 60_000; // mid-interval, on purpose

  const submit = (m: Meter, intervalStart: number) =>
    net.submit<{ accepted: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([signReading(m.device, { assetId: m.assetId, intervalStart, importedWh: 10, exportedWh: 0, sequence: 1 })]),
      endorsingOrgs: [GRID, REGULATOR],
    });

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('comm');
    meter = await atTime(NOW - 2 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-comm', zone: 'z-comm' }, 'REGISTERED'));
    await atTime(COMMISSIONED, async () => {
      await net.submit(cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: meter.assetId }]);
      await net.submit(cast.prosumer.identity, TX.Registry.ActivateAsset, [{ assetId: meter.assetId }]);
    });
  });
  afterAll(() => net.close());

  it.each([
    ['a year ago', NOW - 365 * DAY],
    ['the epoch', 0],
    ['between registration and commissioning', NOW - 2 * DAY + INTERVAL],
    ['the interval in which it was commissioned (it started before)', COMMISSIONED - 7 * 60_000],
  ])('refuses an interval from %s (nothing written)', async (_what, intervalStart) => {
    await expectRefused(net, () => submit(meter, intervalStart), 'RULE_VIOLATION', /before metering of asset 'm-comm' began/);
  });

  it('accepts the first whole interval after commissioning, refuses the current and future ones', async () => {
    expect(await submit(meter, COMMISSIONED + 8 * 60_000)).toMatchObject({ accepted: 1 });
    const current = Math.floor(Date.now() / INTERVAL) * INTERVAL;
    await expectRefused(net, () => submit(meter, current), 'RULE_VIOLATION', /has not ended/);
    await expectRefused(net, () => submit(meter, current + 4 * INTERVAL), 'RULE_VIOLATION', /has not ended/);
  });

  it('lets only the commissioning DSO date metering back, by at most 31 days, never into the future', async () => {
    const late = await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-late', zone: 'z-comm' }, 'REGISTERED');
    const commission = (meteringFrom: number) => net.submit(cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: late.assetId, meteringFrom }]);
    await expectRefused(net, () => commission(Date.now() - 40 * DAY), 'RULE_VIOLATION', /at most 31 days/);
    await expectRefused(net, () => commission(Date.now() + DAY), 'RULE_VIOLATION', /after the commissioning/);
    await expectRefused(net, () => net.submit(cast.prosumer.identity, TX.Registry.CommissionAsset, [{ assetId: late.assetId, meteringFrom: NOW - DAY }]), 'FORBIDDEN');
    await commission(NOW - DAY);
    await net.submit(cast.prosumer.identity, TX.Registry.ActivateAsset, [{ assetId: late.assetId }]);
    expect(await submit(late, NOW - DAY)).toMatchObject({ accepted: 1 });
    await expectRefused(net, () => submit(late, NOW - DAY - INTERVAL), 'RULE_VIOLATION', /before metering of asset 'm-late' began/);
    await expectRefused(net, () => submit(late, NOW - 365 * DAY), 'RULE_VIOLATION', /before metering/);
  });

  it('refuses intervals during which the meter was suspended, also after it resumed', async () => {
    const susp = await atTime(NOW - 2 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-susp', zone: 'z-comm' }));
    const SUSPENDED = NOW - DAY;
    await atTime(SUSPENDED, () => net.submit(cast.dso.identity, TX.Registry.SuspendAsset, [{ assetId: susp.assetId }]));
    await atTime(SUSPENDED + 8 * INTERVAL, () => net.submit(cast.dso.identity, TX.Registry.ResumeAsset, [{ assetId: susp.assetId }]));
    await expectRefused(net, () => submit(susp, SUSPENDED + 4 * INTERVAL), 'RULE_VIOLATION', /was suspended \(by its DSO\)/);
    expect(await submit(susp, SUSPENDED - INTERVAL)).toMatchObject({ accepted: 1 });
    expect(await submit(susp, SUSPENDED + 8 * INTERVAL)).toMatchObject({ accepted: 1 });
  });

  it('refuses every reading of a meter never commissioned, and of a decommissioned one', async () => {
    const never = await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-never', zone: 'z-comm' }, 'REGISTERED');
    await expectRefused(net, () => submit(never, NOW - INTERVAL), 'RULE_VIOLATION');
    const gone = await atTime(NOW - 2 * DAY, () => registerAsset(net, cast.prosumer, cast.dso, { assetId: 'm-gone', zone: 'z-comm' }));
    await net.submit(cast.dso.identity, TX.Registry.DecommissionAsset, [{ assetId: gone.assetId }]);
    await expectRefused(net, () => submit(gone, NOW - DAY), 'RULE_VIOLATION', /DECOMMISSIONED/);
  });
});
