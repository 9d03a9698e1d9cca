/**
 * Issue #12, defect 9 (metering half): a zone total over one or two households is each household's own reading. Zone
 * totals show values only over at least k distinct participants (governance minPublicGroupSize, default 3), and no
 * batch writes its zone delta to public state any more (a batch holding one reading for a zone published that
 * meter's values). Publications are differencing-safe: a republication must add at least k participants.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../chaincode/src/common/canonical-json';
import { atTime, GRID, ObeNet, readingsTransient, registerAsset, REGULATOR, signReading, UTILITY, type Actor, type Cast, type Meter } from '../chaincode/support';

import { TX } from '@obe/chaincode';
const INTERVAL = 15 * 60_000;
const DAY = 24 * 3600_000;
const NOW = Math.floor(Date.now() / INTERVAL) * INTERVAL;
const T = NOW - 4 * INTERVAL;
const ENDORSERS = [GRID, REGULATOR];


interface ZoneTotal {
  importedWh: number | null;
  exportedWh: number | null;
  readings: number;
  suppressed?: boolean;
  minGroupSize?: number;
  published?: boolean;
  participants?: number | null;
}

describe('defect 9 (metering): zone totals under the small-group rule', () => {
  let net: ObeNet;
  let cast: Cast;
  let households: Actor[];
  const meters: Record<string, Meter[]> = {};

  const reading = (meter: Meter, importedWh: number, intervalStart = T) =>
    signReading(meter.device, { assetId: meter.assetId, intervalStart, importedWh, exportedWh: 0, sequence: intervalStart / INTERVAL });
  const submit = (readings: ReturnType<typeof reading>[]) =>
    net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient(readings), endorsingOrgs: ENDORSERS });
  /** As the regulator: an oversight role, which sees live totals (still under the rule). */
  const total = (zone: string, intervalStart = T) => net.evaluate<ZoneTotal>(cast.regulator.identity, TX.Metering.GetZoneTotal, [zone, String(intervalStart)]);
  /** As a household of the utility: no oversight role, so publications only. */
  const publicTotal = (zone: string, intervalStart = T) => net.evaluate<ZoneTotal>(cast.consumer.identity, TX.Metering.GetZoneTotal, [zone, String(intervalStart)]);

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('zone');
    households = [];
    for (let i = 0; i < 6; i++) households.push(await net.participant(UTILITY, `zone-hh-${i}`, ['CONSUMER']));
    await atTime(NOW - DAY, async () => {
      // zone-1: one household; zone-2: two; zone-3: three; zone-solo: one household with three meters; zone-pub: six.
      const layout: Record<string, number[]> = { 'zone-1': [0], 'zone-2': [0, 1], 'zone-3': [0, 1, 2], 'zone-solo': [3, 3, 3], 'zone-pub': [0, 1, 2, 3, 4, 5] };
      for (const [zone, owners] of Object.entries(layout)) {
        meters[zone] = [];
        for (const [i, owner] of owners.entries()) meters[zone].push(await registerAsset(net, households[owner], cast.dso, { assetId: `${zone}-m${i}`, zone }));
      }
    });
  });
  afterAll(() => net.close());

  it('never writes a batch’s zone values to public state: a one-reading batch publishes nothing of its meter', async () => {
    const tx = await net.endorse(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient([reading(meters['zone-1'][0], 4242)]), endorsingOrgs: ENDORSERS });
    const publicText = tx.rwset.writes.map((w) => Buffer.from(w.value ?? '', 'base64').toString('utf8')).join('\n');
    expect(publicText).not.toMatch(/\b4242\b/);
    // The block also carries the SHA-256 of every private value: none may confirm a guess of the lone reading.
    const owner = households[0].pseudonym;
    const guesses = new Set<string>();
    for (let wh = 4000; wh <= 4500; wh++) {
      for (const value of [
        { exportedWh: 0, importedWh: wh, readings: 1 },
        { exportedWh: 0, importedWh: wh, owners: [owner], readings: 1 },
      ]) {
        guesses.add(createHash('sha256').update(canonicalJson(value)).digest('hex'));
      }
    }
    const valueHashes = tx.rwset.collections.flatMap((c) => c.hashedWrites.map((w) => w.valueHash));
    expect(valueHashes.length).toBeGreaterThan(0);
    expect(valueHashes.filter((h) => h !== undefined && guesses.has(h))).toEqual([]);
    await net.fabric.commit(tx);
  });

  it('suppresses the totals of one and of two participants, and shows k', async () => {
    await submit([reading(meters['zone-2'][0], 1000), reading(meters['zone-2'][1], 2000)]);
    for (const zone of ['zone-1', 'zone-2']) {
      expect(await total(zone)).toMatchObject({ importedWh: null, exportedWh: null, suppressed: true, minGroupSize: 3 });
      expect(await publicTotal(zone)).toMatchObject({ importedWh: null, exportedWh: null, suppressed: true, minGroupSize: 3 });
    }
    expect((await total('zone-1')).readings).toBe(1);
    expect((await total('zone-2')).readings).toBe(2);
  });

  it('shows the total of three participants', async () => {
    await submit(meters['zone-3'].map((m, i) => reading(m, 100 * (i + 1))));
    expect(await total('zone-3')).toMatchObject({ importedWh: 600, exportedWh: 0, readings: 3, suppressed: false, participants: 3, minGroupSize: 3 });
    // A household sees no live total, only what was published (nothing yet).
    expect(await publicTotal('zone-3')).toMatchObject({ importedWh: null, suppressed: true, published: false, readings: 3 });
  });

  it('counts participants, not meters: one household’s three meters stay suppressed', async () => {
    await submit(meters['zone-solo'].map((m) => reading(m, 50)));
    expect(await total('zone-solo')).toMatchObject({ importedWh: null, suppressed: true, readings: 3 });
  });

  it('publishes to public state under the rule, and refuses a republication that would single out fewer than k newcomers', async () => {
    const pub = meters['zone-pub'];
    await submit(pub.slice(0, 3).map((m) => reading(m, 10)));
    const publish = () => net.submit<ZoneTotal>(cast.dso.identity, TX.Metering.PublishZoneTotal, [{ zone: 'zone-pub', intervalStart: T }], { endorsingOrgs: ENDORSERS });
    expect(await publish()).toMatchObject({ published: true, suppressed: false, importedWh: 30 });
    expect(await publicTotal('zone-pub')).toMatchObject({ published: true, importedWh: 30 });
    // One more household reports: republishing would reveal its reading as the difference.
    await submit([reading(pub[3], 77)]);
    await expect(publish()).rejects.toThrow(/\[RULE_VIOLATION\].*fewer than 3/);
    // A household still sees the publication: before and after that batch the same, so no difference to take.
    expect(await publicTotal('zone-pub')).toMatchObject({ published: true, importedWh: 30 });
    await submit([reading(pub[4], 5), reading(pub[5], 5)]);
    expect(await publish()).toMatchObject({ published: true, importedWh: 117, participants: 6 });
    expect(await publicTotal('zone-pub')).toMatchObject({ published: true, importedWh: 117 });
  });

  it('follows k from governance', async () => {
    await net.submit(await net.admin(GRID), TX.Governance.UpdateConfig, [{ minPublicGroupSize: 2 }]);
    expect(await total('zone-2')).toMatchObject({ importedWh: 3000, suppressed: false, minGroupSize: 2 });
    expect(await total('zone-1')).toMatchObject({ importedWh: null, suppressed: true, minGroupSize: 2 });
  });
});
