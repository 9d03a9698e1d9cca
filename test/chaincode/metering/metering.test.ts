import { createHash, sign } from 'node:crypto';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import type { ErrorCode } from '../../../chaincode/src/common/errors';
import { deriveSalt } from '../../../chaincode/src/common/hash';
import { readingSaltLabel, readingSigningPayload, type ReadingHashRecord } from '../../../chaincode/src/metering/reading';
import { READINGS_PER_CHUNK } from '../../../chaincode/src/metering/store';
import {
  atTime,
  DAY_MS,
  expectRefused,
  GRID,
  INTERVAL_MS,
  ObeNet,
  pastInterval as intervalBefore,
  readingsTransient,
  registerAsset,
  REGULATOR,
  signReading,
  UTILITY,
  type Actor,
  type Cast,
  type Meter,
  type SignedReadingInput,
} from '../support';

import { TX } from '@obe/chaincode';
/** Intervals are counted back from the suite's start, so a quarter-hour boundary passing mid-run changes nothing. */
const NOW = Date.now();
const pastInterval = (back: number) => (back < 0 ? intervalBefore(back) : intervalBefore(back, NOW));

/** Endorsers that are members of every readings collection (see collections/energy.json). */
const ENDORSERS = [GRID, REGULATOR];

interface ZoneTotal {
  importedWh: number | null;
  exportedWh: number | null;
  readings: number;
  batches: number;
  suppressed: boolean;
}

/** Metering starts at commissioning: the suite's meters are commissioned before the oldest interval it reports. */
const COMMISSIONED_AT = NOW - 8 * DAY_MS;

describe('authenticated metering', () => {
  let net: ObeNet;
  let cast: Cast;
  let meters: Meter[];
  let suspended: Meter;
  let registered: Meter;
  let plant: Meter;
  let third: Actor;

  const reading = (meter: Meter, intervalStart: number, importedWh = 100, exportedWh = 50, sequence = Math.floor(intervalStart / INTERVAL_MS)): SignedReadingInput =>
    signReading(meter.device, { assetId: meter.assetId, intervalStart, importedWh, exportedWh, sequence });
  const submit = (readings: SignedReadingInput[], who = cast.dso, salt?: string) =>
    net.submit<{ accepted: number; duplicates: number; txId: string }>(who.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient(readings, salt),
      endorsingOrgs: ENDORSERS,
    });
  const total = (zone: string, intervalStart: number) => net.evaluate<ZoneTotal>(cast.regulator.identity, TX.Metering.GetZoneTotal, [zone, String(intervalStart)]);
  const hashOf = (meter: Meter | string, intervalStart: number) =>
    net.evaluate<ReadingHashRecord>(cast.retailer.identity, TX.Metering.GetReadingHash, [typeof meter === 'string' ? meter : meter.assetId, String(intervalStart)]);
  /** The private chunk holding a recorded reading: [txId, ⌊leaf / READINGS_PER_CHUNK⌋] (metering/store.ts). */
  const chunkKeyOf = (record: ReadingHashRecord) =>
    `\u0000obe.reading.chunk\u0000${record.txId}\u0000${String(Math.floor(record.leaf / READINGS_PER_CHUNK)).padStart(6, '0')}\u0000`;

  beforeAll(async () => {
    net = await ObeNet.start();
    cast = await net.cast('met');
    // Zone totals show values only over at least k = 3 participants: the batch zone's meters have three owners.
    third = await net.participant(UTILITY, 'met-third-household', ['PROSUMER']);
    const ownerOf = (i: number) => (i % 2 ? cast.prosumer : i % 4 === 0 ? cast.consumer : third);
    meters = [];
    await atTime(COMMISSIONED_AT, async () => {
      for (let i = 0; i < 10; i++) {
        meters.push(await registerAsset(net, ownerOf(i), cast.dso, { assetId: `hh-${i}`, zone: 'zone-batch', capacityKw: 10 }));
      }
      suspended = await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'hh-suspended', zone: 'zone-rules' });
      await net.submit(cast.dso.identity, TX.Registry.SuspendAsset, [{ assetId: 'hh-suspended' }]);
      registered = await registerAsset(net, cast.prosumer, cast.dso, { assetId: 'hh-registered', zone: 'zone-rules' }, 'REGISTERED');
      plant = await registerAsset(net, cast.generator, cast.dso, { assetId: 'plant-meter', zone: 'zone-grid', segment: 'wholesale', capacityKw: 2000 });
    });
  });
  afterAll(() => net.close());

  it('verifies and commits a batch of 500 signed readings in one transaction', async () => {
    const batch = meters.flatMap((meter, m) => Array.from({ length: 50 }, (_, k) => reading(meter, pastInterval(k), 100 + m, k % 7)));
    expect(batch).toHaveLength(500);
    const before = net.heights().energy;
    const result = await submit(batch);
    expect(result).toEqual({ txId: expect.any(String), accepted: 500, duplicates: 0 });
    expect(net.heights().energy).toBe(before + 1);

    const last = await total('zone-batch', pastInterval(0));
    expect(last).toEqual(expect.objectContaining({ readings: 10, batches: 1, importedWh: meters.reduce((sum, _m, i) => sum + 100 + i, 0), exportedWh: 0 }));
  });

  it('treats an identical resubmission as done, even with a new salt, and changes nothing', async () => {
    const again = meters.slice(0, 3).map((meter, m) => reading(meter, pastInterval(0), 100 + m, 0));
    const before = await total('zone-batch', pastInterval(0));
    const result = await submit(again);
    expect(result).toMatchObject({ accepted: 0, duplicates: 3 });
    expect(await total('zone-batch', pastInterval(0))).toEqual(before);
  });

  it('refuses a whole batch for one forged signature, naming its index', async () => {
    const t = pastInterval(60);
    const batch = meters.map((meter) => reading(meter, t));
    batch[7] = { ...batch[7], importedWh: batch[7].importedWh + 1 };
    await expectRefused(net, () => submit(batch), 'FORBIDDEN', /reading\[7\]: the signature does not verify/);
    await expect(hashOf(meters[0], t)).rejects.toThrow('[NOT_FOUND]');
    expect((await total('zone-batch', t)).readings).toBe(0);

    const foreignKey = reading(meters[1], t);
    batch[7] = { ...reading(meters[7], t), signature: foreignKey.signature };
    await expectRefused(net, () => submit(batch), 'FORBIDDEN', /reading\[7\]/);
  });

  describe('refuses, with its own error and nothing written,', () => {
    const t = () => pastInterval(100);
    const cases: [string, () => SignedReadingInput[], ErrorCode, RegExp][] = [
      ['an unknown asset', () => [reading(meters[0], t()), { ...reading(meters[0], t()), assetId: 'ghost' }], 'NOT_FOUND', /reading\[1\]: asset 'ghost' does not exist/],
      ['a suspended asset', () => [reading(suspended, t())], 'RULE_VIOLATION', /reading\[0\]: asset 'hh-suspended' is SUSPENDED/],
      ['an asset not yet active', () => [reading(registered, t())], 'RULE_VIOLATION', /is REGISTERED; only ACTIVE/],
      ['an interval not aligned', () => [reading(meters[0], t()), reading(meters[1], t() + 60_000)], 'RULE_VIOLATION', /reading\[1\]: .* not aligned to the 15-minute interval/],
      ['an interval in the future', () => [reading(meters[0], pastInterval(-3))], 'RULE_VIOLATION', /has not ended at the transaction time/],
      ['the current, unfinished interval', () => [reading(meters[0], pastInterval(-1))], 'RULE_VIOLATION', /has not ended/],
      ['export above capacity × interval', () => [reading(meters[2], t(), 0, 2501)], 'RULE_VIOLATION', /exported 2501 Wh exceeds the 2500 Wh/],
      ['two different readings for one interval', () => [reading(meters[0], t(), 1), reading(meters[0], t(), 2)], 'CONFLICT', /reading\[1\]: differs from reading\[0\]/],
      ['a reading that contradicts a recorded one', () => [reading(meters[4], pastInterval(0), 999, 0)], 'CONFLICT', /already has a different reading/],
    ];
    it.each(cases)('%s', async (_what, batch, code, pattern) => {
      const before = await total('zone-batch', t());
      await expectRefused(net, () => submit(batch()), code, pattern);
      expect(await total('zone-batch', t())).toEqual(before);
      await expect(hashOf(meters[0], t())).rejects.toThrow('[NOT_FOUND]');
    });

    it('a reading at exactly the capacity limit is accepted', async () => {
      expect(await submit([reading(meters[2], pastInterval(101), 0, 2500)])).toMatchObject({ accepted: 1 });
    });

    it('a batch that is not in the transient map, or carries personal data', async () => {
      await expectRefused(net, () => net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], { endorsingOrgs: ENDORSERS }), 'INVALID_ARGUMENT', /transient/);
      const withName = [{ ...reading(meters[0], t()), customerName: 'J. Doe' }];
      await expectRefused(net, () => submit(withName), 'INVALID_ARGUMENT', /readings\.0: Unrecognized key/);
      const short = { readings: JSON.stringify({ salt: 'x', readings: [reading(meters[0], t())] }) };
      await expectRefused(net, () => net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: short, endorsingOrgs: ENDORSERS }), 'INVALID_ARGUMENT', /salt/);
      await expectRefused(net, () => submit([{ ...reading(meters[0], t()), importedWh: -1 }]), 'INVALID_ARGUMENT', /readings\.0\.importedWh/);
    });

    it('a head-end of another org, or a participant that runs no head-end', async () => {
      await expectRefused(net, () => submit([reading(plant, t())], cast.aggregator), 'FORBIDDEN', /may not report for asset 'plant-meter'/);
      await expectRefused(net, () => submit([reading(meters[1], t())], cast.prosumer), 'FORBIDDEN', /requires role/);
      await expectRefused(net, () => submit([reading(meters[1], t())], cast.regulator), 'FORBIDDEN');
    });
  });

  it('keeps values private to the owner org, the grid operator and the regulator; its salted hash is public', async () => {
    const t = pastInterval(200);
    const signed = reading(plant, t, 0, 123_456);
    const salt = 'a-salt-of-at-least-thirty-two-characters';
    await submit([signed], cast.dso, salt);

    const record = await hashOf(plant, t);
    const canonical = canonicalJson({ assetId: signed.assetId, intervalStart: t, importedWh: 0, exportedWh: 123_456, sequence: signed.sequence });
    // Salted with the reading's own salt, derived from the batch's secret; the secret itself is stored nowhere.
    const own = deriveSalt(salt, readingSaltLabel('plant-meter', t));
    expect(record.hash).toBe(createHash('sha256').update(`${own}\n${canonical}`).digest('hex'));

    // The utility is not a member of the grid operator's readings collection: its peer holds nothing, its users read nothing.
    // The values sit in the batch's private chunk that the public record points to (metering/store.ts).
    expect(record).toMatchObject({ collection: 'readings_GridOperatorMSP', leaf: 0 });
    expect(net.fabric.privateData(UTILITY, 'energy', 'obe', 'readings_GridOperatorMSP', chunkKeyOf(record))).toBeUndefined();
    expect(net.fabric.privateData(REGULATOR, 'energy', 'obe', 'readings_GridOperatorMSP', chunkKeyOf(record))).toBeDefined();
    await expect(net.evaluate(cast.retailer.identity, TX.Metering.GetReading, ['plant-meter', String(t)])).rejects.toThrow('[FORBIDDEN]');

    for (const who of [cast.generator, cast.marketOperator, cast.regulator]) {
      const view = await net.evaluate<{ reading: { exportedWh: number }; salt: string }>(who.identity, TX.Metering.GetReading, ['plant-meter', String(t)]);
      expect(view.reading.exportedWh).toBe(123_456);
      expect(view.salt).toBe(own);
    }
  });

  it('lets a household’s own org read its readings but not its neighbour', async () => {
    const t = pastInterval(0);
    const owner = meters[1].owner;
    const view = await net.evaluate<{ reading: { importedWh: number } }>(owner.identity, TX.Metering.GetReading, [meters[1].assetId, String(t)]);
    expect(view.reading.importedWh).toBe(101);
    await expect(net.evaluate(cast.retailer.identity, TX.Metering.GetReading, [meters[1].assetId, String(t)])).resolves.toBeDefined();
    await expect(net.evaluate(cast.consumer.identity, TX.Metering.GetReading, [meters[1].assetId, String(t)])).rejects.toThrow('[FORBIDDEN]');
    expect(net.fabric.privateData(UTILITY, 'energy', 'obe', 'readings_UtilityMSP', chunkKeyOf(await hashOf(meters[1], t)))).toBeDefined();
  });

  it('returns and emits ids and counts only, never values', async () => {
    const t = pastInterval(300);
    const events = net.fabric.events('energy', { fromBlock: net.heights().energy, chaincode: 'obe' });
    const result = await submit([reading(meters[3], t, 777_001, 0)]);
    expect(JSON.stringify(result)).not.toContain('777001');
    for await (const event of events) {
      if (event.txId !== result.txId) continue;
      expect(event.eventName).toBe('ReadingsSubmitted');
      const payload = JSON.parse(event.payload.toString('utf8'));
      expect(payload).toEqual({ accepted: 1, duplicates: 0, zones: [{ zone: 'zone-batch', intervalStart: t, readings: 1 }] });
      break;
    }
    events.close();
  });

  it('shows the channel only hashes and keys, never a zone sum: the endorsed write set, then an empty one on resubmission', async () => {
    const t = pastInterval(600);
    const batch = [reading(meters[6], t, 31_001, 0), reading(meters[7], t, 31_002, 0)];
    const transient = readingsTransient(batch);
    const tx = await net.endorse(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient, endorsingOrgs: ENDORSERS });
    const publicText = tx.rwset.writes.map((w) => Buffer.from(w.value ?? '', 'base64').toString('utf8')).join('\n');
    expect(publicText).not.toMatch(/31001|31002|62003/);
    expect(tx.rwset.writes.map((w) => w.key.split('\u0000')[1]).sort()).toEqual(['obe.reading.run', 'obe.reading.run', 'obe.zone.delta']);
    expect(tx.rwset.collections.filter((c) => c.hashedWrites.length > 0).map((c) => c.collection)).toEqual(['readings_UtilityMSP']);
    expect(JSON.stringify(tx.rwset.collections)).not.toMatch(/31001|31002/);
    await net.fabric.commit(tx);

    const again = await net.endorse(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient, endorsingOrgs: ENDORSERS });
    expect(again.rwset.writes).toEqual([]);
    expect(again.rwset.collections.every((c) => c.hashedWrites.length === 0)).toBe(true);
  });

  it('accepts a signature in IEEE P1363 form (r‖s) as well as DER', async () => {
    const t = pastInterval(700);
    const body = { assetId: meters[8].assetId, intervalStart: t, importedWh: 12, exportedWh: 3, sequence: 9 };
    const signature = sign('sha256', Buffer.from(readingSigningPayload(body), 'utf8'), { key: meters[8].device.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64');
    expect(Buffer.from(signature, 'base64')).toHaveLength(64);
    expect(await submit([{ ...body, signature }])).toMatchObject({ accepted: 1 });
    await expect(net.evaluate(cast.dso.identity, TX.Metering.GetReading, [meters[8].assetId, String(pastInterval(701))])).rejects.toThrow('[NOT_FOUND]');
  });

  it('needs no explicit endorsers: a utility head-end is endorsed by its org and the grid operator', async () => {
    const t = pastInterval(500);
    const result = await net.submit<{ accepted: number }>(cast.aggregator.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([reading(meters[5], t, 42, 0)]),
    });
    expect(result.accepted).toBe(1);
    const again = await net.submit<{ duplicates: number }>(cast.retailer.identity, TX.Metering.SubmitReadings, [], {
      transient: readingsTransient([reading(meters[5], t, 42, 0)]),
    });
    expect(again.duplicates).toBe(1);
  });

  it('sums zone totals right under concurrent batches from many meters, with no MVCC conflict', async () => {
    const t = pastInterval(400);
    const fleet: Meter[] = [];
    const owners = [cast.prosumer, cast.consumer, third];
    await atTime(COMMISSIONED_AT, async () => {
      for (let i = 0; i < 8; i++) fleet.push(await registerAsset(net, owners[i % 3], cast.dso, { assetId: `fleet-${i}`, zone: 'zone-concurrent' }));
    });
    const endorsed = await Promise.all(
      fleet.map((meter, i) =>
        net.endorse(cast.dso.identity, TX.Metering.SubmitReadings, [], {
          transient: readingsTransient([reading(meter, t, 1000 + i, i), reading(meter, t - INTERVAL_MS, 10, 0)]),
          endorsingOrgs: ENDORSERS,
        }),
      ),
    );
    const results = await Promise.all(endorsed.map((tx) => net.fabric.commit(tx)));
    for (const r of results) expect(net.fabric.txStatus('energy', r.txId)?.validationCode).toBe('VALID');
    expect(await total('zone-concurrent', t)).toEqual(expect.objectContaining({ readings: 8, batches: 8, importedWh: 8 * 1000 + 28, exportedWh: 28 }));
    expect(await total('zone-concurrent', t - INTERVAL_MS)).toEqual(expect.objectContaining({ readings: 8, importedWh: 80 }));
  });
  describe('after a grid-operator meter is transferred to a utility participant', () => {
    const SALT = 'the-salt-this-reading-was-recorded-with';
    let meter: Meter;
    let before: number;

    beforeAll(async () => {
      meter = await atTime(COMMISSIONED_AT, () => registerAsset(net, cast.generator, cast.dso, { assetId: 'moved-meter', zone: 'zone-moved' }));
      before = pastInterval(600);
      await submit([reading(meter, before, 70, 0)], cast.dso, SALT);
      // The transfer happens a day ago: intervals after it are the new owner's, intervals before it the old owner's.
      await atTime(NOW - DAY_MS, async () => {
        await net.submit(cast.generator.identity, TX.Registry.OfferTransfer, [{ assetId: meter.assetId, to: cast.prosumer.pseudonym }]);
        await net.submit(cast.prosumer.identity, TX.Registry.AcceptTransfer, [{ assetId: meter.assetId }]);
      });
    });

    it('refuses the new owner an earlier reading (the owner at its interval was another), with a coded FORBIDDEN', async () => {
      const call = net.evaluate(cast.prosumer.identity, TX.Metering.GetReading, [meter.assetId, String(before)]);
      await expect(call).rejects.toThrow(/\[FORBIDDEN\].*may not read the readings of asset 'moved-meter' for the interval/);
      const view = await net.evaluate<{ reading: { importedWh: number } }>(cast.regulator.identity, TX.Metering.GetReading, [meter.assetId, String(before)]);
      expect(view.reading.importedWh).toBe(70);
      // A member caller asking a peer that holds no copy is refused with a code too, naming the peer.
      const onUtilityPeer = net.evaluate(cast.regulator.identity, TX.Metering.GetReading, [meter.assetId, String(before)], { org: UTILITY });
      await expect(onUtilityPeer).rejects.toThrow(/\[FORBIDDEN\].*not visible to the endorsing peer of UtilityMSP/);
    });

    it('keeps later readings in the new owner org, readable by the new owner', async () => {
      const later = pastInterval(2);
      expect(await net.submit<{ accepted: number }>(cast.retailer.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient([reading(meter, later, 5, 0)]) })).toMatchObject({
        accepted: 1,
      });
      const view = await net.evaluate<{ collection: string }>(cast.prosumer.identity, TX.Metering.GetReading, [meter.assetId, String(later)]);
      expect(view.collection).toBe('readings_UtilityMSP');
      await expect(net.evaluate(cast.generator.identity, TX.Metering.GetReading, [meter.assetId, String(later)])).rejects.toThrow('[FORBIDDEN]');
    });

    it('refuses the new org’s head-end an interval from before the transfer; the grid operator tells a duplicate from a conflict', async () => {
      const resubmit = (salt?: string, importedWh = 70) =>
        net.submit<{ accepted: number; duplicates: number }>(cast.retailer.identity, TX.Metering.SubmitReadings, [], {
          transient: readingsTransient([reading(meter, before, importedWh, 0)], salt),
        });
      await expectRefused(net, () => resubmit(SALT), 'FORBIDDEN', /reading\[0\]: a head-end of UtilityMSP may not report for asset 'moved-meter' of GridOperatorMSP/);
      expect(await submit([reading(meter, before, 70, 0)], cast.dso, SALT)).toMatchObject({ accepted: 0, duplicates: 1 });
      // A member of that collection tells a duplicate from a conflict whatever the salt.
      expect(await submit([reading(meter, before, 70, 0)])).toMatchObject({ accepted: 0, duplicates: 1 });
      await expectRefused(net, () => submit([reading(meter, before, 71, 0)]), 'CONFLICT', /different reading/);
    });
  });
});
