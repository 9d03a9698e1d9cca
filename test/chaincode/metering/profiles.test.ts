/**
 * Signed load profiles (Metering:SubmitProfiles, docs/adr/0010-signed-load-profiles.md): one device signature over a
 * meter's run of consecutive intervals. Each reading of a profile must be stored and treated exactly as a reading
 * signed alone — these tests pin that, and every way a profile could smuggle in what a reading signed alone cannot.
 */
import { createHash } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { MAX_PROFILE_BATCH_READINGS, MAX_PROFILE_INTERVALS, profileOfStored, profileSigningPayload, readingSigningPayload, type ReadingHashRecord } from '../../../chaincode/src/metering/reading';
import { devicePublicKey, verifyPayloadSignature } from '../../../chaincode/src/metering/signature';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import { unpackChunk, type PackedReadingChunk } from '../../../chaincode/src/metering/chunk';
import { READINGS_PER_CHUNK } from '../../../chaincode/src/metering/store';
import {
  atTime,
  DAY_MS,
  expectRefused,
  GRID,
  INTERVAL_MS,
  newDevice,
  ObeNet,
  profilesTransient,
  readingsTransient,
  registerAsset,
  signProfile,
  signReading,
  UTILITY,
  type Actor,
  type Cast,
  type Device,
  type Meter,
  type SignedProfileInput,
} from '../support';
import { ENDORSERS, NOW, past, salt, startProfileNet, storedView } from './profile-support';

describe('signed load profiles', () => {
  let net: ObeNet;
  let cast: Cast;
  let meters: Meter[];

  /** `count` consecutive intervals of `meter` from `first` (an interval start), oldest first. */
  /** A meter's values depend on the interval only, so overlapping runs agree on the intervals they share. */
  const valueAt = (intervalStart: number) => 100 + (Math.floor(intervalStart / INTERVAL_MS) % 97);
  const run = (meter: Meter, first: number, count: number, importedWh = (k: number, intervalStart: number) => valueAt(intervalStart)) => ({
    assetId: meter.assetId,
    readings: Array.from({ length: count }, (_, k) => {
      const intervalStart = first + k * INTERVAL_MS;
      return { intervalStart, importedWh: importedWh(k, intervalStart), exportedWh: Math.floor(intervalStart / INTERVAL_MS) % 3, sequence: Math.floor(intervalStart / INTERVAL_MS) };
    }),
  });
  const profile = (meter: Meter, first: number, count: number, device: Device = meter.device, importedWh?: (k: number, intervalStart: number) => number) =>
    signProfile(device, run(meter, first, count, importedWh));
  const submitAs = (who: Actor, profiles: SignedProfileInput[], salt?: string) =>
    net.submit<{ accepted: number; duplicates: number; txId: string }>(who.identity, TX.Metering.SubmitProfiles, [], { transient: profilesTransient(profiles, salt), endorsingOrgs: ENDORSERS });
  const submit = (profiles: SignedProfileInput[], salt?: string) => submitAs(cast.dso, profiles, salt);
  const submitRaw = (body: unknown) =>
    net.submit(cast.dso.identity, TX.Metering.SubmitProfiles, [], { transient: { profiles: JSON.stringify(body) }, endorsingOrgs: ENDORSERS });
  const submitReadings = (readings: ReturnType<typeof signReading>[], salt?: string) =>
    net.submit<{ accepted: number; duplicates: number }>(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: readingsTransient(readings, salt), endorsingOrgs: ENDORSERS });
  const view = (meter: Meter, intervalStart: number) => storedView(net, cast, meter, intervalStart);

  beforeAll(async () => {
    ({ net, cast, meters } = await startProfileNet('prof', 6));
  });
  afterAll(() => net.close());

  it('stores each reading of a profile as a reading signed alone, with the profile signature and its place as evidence the regulator re-verifies', async () => {
    const [meter] = meters;
    const signed = profile(meter, past(20), 12);
    const batchSalt = salt();
    expect(await submit([signed], batchSalt)).toMatchObject({ accepted: 12, duplicates: 0 });
    const stored = await Promise.all(signed.readings.map((r) => view(meter, r.intervalStart)));
    for (const [k, s] of stored.entries()) {
      expect(s.reading).toEqual({ assetId: meter.assetId, ...signed.readings[k] });
      expect(s.signature).toBe(signed.signature);
      expect(s.profile).toEqual({ start: signed.readings[0].intervalStart, intervals: 12, position: k });
      expect(s.voided).toBe(false);
      // The public hash covers the reading's own canonical JSON with its own salt, as for a reading signed alone.
      expect(s.hash).toBe(createHash('sha256').update(`${s.salt}\n${readingSigningPayload(s.reading)}`).digest('hex'));
      expect(s.salt).not.toBe(batchSalt);
    }
    expect(new Set(stored.map((s) => s.salt)).size).toBe(12);
    // Re-verification from what is stored: the run named by any one reading, rebuilt from the stored readings.
    const { start, intervals } = stored[5].profile ?? { start: 0, intervals: 0 };
    const runOf = stored.filter((s) => s.reading.intervalStart >= start && s.reading.intervalStart < start + intervals * INTERVAL_MS).map((s) => s.reading);
    expect(verifyPayloadSignature(devicePublicKey(meter.device.publicKeyPem), profileSigningPayload(profileOfStored(meter.assetId, runOf)), stored[5].signature)).toBe(true);
    // A reading's public record looks exactly like one signed alone.
    const record = await net.evaluate<ReadingHashRecord>(cast.prosumer.identity, TX.Metering.GetReadingHash, [meter.assetId, String(signed.readings[3].intervalStart)]);
    expect(Object.keys(record).sort()).toEqual(['assetId', 'collection', 'hash', 'intervalStart', 'leaf', 'txId']);
    // The private chunk names what the profile's readings share once (docs/adr/0013-compact-reading-chunks.md).
    const chunkKey = `\u0000obe.reading.chunk\u0000${record.txId}\u0000${String(Math.floor(record.leaf / READINGS_PER_CHUNK)).padStart(6, '0')}\u0000`;
    const bytes = net.fabric.privateData(UTILITY, 'energy', 'obe', record.collection, chunkKey);
    const chunk = JSON.parse(bytes?.toString('utf8') ?? 'null') as PackedReadingChunk;
    expect(chunk).toMatchObject({ format: 2, groups: [{ assetId: meter.assetId, signature: signed.signature, position: 0 }] });
    expect(chunk.groups[0].readings.map((r) => r[4])).toEqual(stored.map((s) => s.salt));
    expect(bytes!.length).toBeLessThan(canonicalJson({ readings: unpackChunk(chunk) }).length / 3);
  });

  it('counts profile readings in zone totals like any other reading', async () => {
    const at = past(40);
    await submit([profile(meters[1], at, 1, undefined, () => 700), profile(meters[2], at - INTERVAL_MS, 2, undefined, () => 300)]);
    const total = await net.evaluate<{ importedWh: number | null; readings: number }>(cast.regulator.identity, TX.Metering.GetZoneTotal, ['zone-prof', String(at)]);
    expect(total.readings).toBe(2);
  });

  it('answers a replayed profile, and one overlapping stored readings, as SubmitReadings answers the same readings', async () => {
    const meter = meters[1];
    const first = profile(meter, past(70), 8);
    expect(await submit([first])).toMatchObject({ accepted: 8, duplicates: 0 });
    // Whole-profile replay, with another batch secret: all duplicates, nothing new.
    expect(await submit([first], salt())).toMatchObject({ accepted: 0, duplicates: 8 });
    // Overlap: the last four again (identical) and four new intervals, in one signed profile.
    const overlap = profile(meter, past(70) + 4 * INTERVAL_MS, 8);
    expect(await submit([overlap])).toMatchObject({ accepted: 4, duplicates: 4 });
    // The same readings signed alone are duplicates too; per-reading and profile evidence are interchangeable.
    const alone = run(meter, past(70), 2).readings.map((r) => signReading(meter.device, { assetId: meter.assetId, ...r }));
    expect(await submitReadings(alone)).toMatchObject({ accepted: 0, duplicates: 2 });
    // A different value for a stored interval is a conflict in both paths.
    const changed = profile(meter, past(70), 3, meter.device, (k, t) => (k === 2 ? 9_999 : valueAt(t)));
    await expectRefused(net, () => submit([changed]), 'CONFLICT', /already has a different reading/);
    const changedAlone = signReading(meter.device, { assetId: meter.assetId, ...changed.readings[2] });
    await expectRefused(net, () => submitReadings([changedAlone]), 'CONFLICT', /already has a different reading/);
    // Two profiles of one batch: identical overlap is a duplicate, a differing one a conflict.
    const a = profile(meter, past(90), 4);
    const b = profile(meter, past(90) + 2 * INTERVAL_MS, 4);
    expect(await submit([a, b])).toMatchObject({ accepted: 6, duplicates: 2 });
    const c = profile(meter, past(100), 4);
    const d = profile(meter, past(100) + 2 * INTERVAL_MS, 4, meter.device, () => 1);
    await expectRefused(net, () => submit([c, d]), 'CONFLICT', /differs from reading/);
  });

  it('refuses a profile whose signature covers other values, intervals or asset', async () => {
    const [, , , meter, other] = meters;
    const signed = profile(meter, past(120), 6);
    const values = { ...signed, readings: signed.readings.map((r, k) => (k === 4 ? { ...r, importedWh: r.importedWh + 1 } : r)) };
    await expectRefused(net, () => submit([values]), 'FORBIDDEN', /profile\[0\]: the signature does not verify as a load profile/);
    const shifted = { ...signed, readings: signed.readings.map((r) => ({ ...r, intervalStart: r.intervalStart - INTERVAL_MS })) };
    await expectRefused(net, () => submit([shifted]), 'FORBIDDEN', /does not verify/);
    const shorter = { ...signed, readings: signed.readings.slice(0, 5) };
    await expectRefused(net, () => submit([shorter]), 'FORBIDDEN', /does not verify/);
    const otherAsset = { ...signed, assetId: other.assetId };
    await expectRefused(net, () => submit([otherAsset]), 'FORBIDDEN', /does not verify/);
    // Signed by another meter's key for this meter: refused as well.
    await expectRefused(net, () => submit([signProfile(other.device, run(meter, past(120), 6))]), 'FORBIDDEN', /does not verify/);
    // A bad profile refuses the whole batch, good ones included, and nothing is written.
    await expectRefused(net, () => submit([profile(other, past(120), 2), values]), 'FORBIDDEN', /profile\[1\]/);
  });

  it('never takes a reading signature as a profile signature, nor a profile signature as a reading signature', async () => {
    const meter = meters[3];
    const at = past(130);
    const reading = { assetId: meter.assetId, intervalStart: at, importedWh: 5, exportedWh: 0, sequence: 1 };
    const alone = signReading(meter.device, reading);
    const asProfile = { assetId: meter.assetId, readings: [{ intervalStart: at, importedWh: 5, exportedWh: 0, sequence: 1 }], signature: alone.signature };
    await expectRefused(net, () => submit([asProfile]), 'FORBIDDEN', /does not verify as a load profile/);
    const oneInterval = signProfile(meter.device, { assetId: meter.assetId, readings: [{ intervalStart: at, importedWh: 5, exportedWh: 0, sequence: 1 }] });
    await expectRefused(net, () => submitReadings([{ ...reading, signature: oneInterval.signature }]), 'FORBIDDEN', /reading\[0\]: the signature does not verify/);
    // The payloads differ in their bytes, so no encoding trick can make one the other.
    expect(profileSigningPayload(oneInterval)).not.toBe(readingSigningPayload(reading));
    expect(profileSigningPayload(oneInterval)).toContain('"domain":"obe.load-profile.v1"');
  });

  it('refuses a profile with a gap, a repeated interval or out of order, naming the place', async () => {
    const meter = meters[4];
    const base = run(meter, past(150), 4);
    const gap = { ...base, readings: base.readings.filter((_, k) => k !== 2) };
    await expectRefused(net, () => submit([signProfile(meter.device, gap)]), 'RULE_VIOLATION', /profile\[0\]\.readings\[2\].*consecutive intervals in ascending order, without gaps or repeats/);
    const repeated = { ...base, readings: [...base.readings.slice(0, 2), base.readings[1], ...base.readings.slice(2)] };
    await expectRefused(net, () => submit([signProfile(meter.device, repeated)]), 'RULE_VIOLATION', /readings\[2\].*without gaps or repeats/);
    const unsorted = { ...base, readings: [...base.readings].reverse() };
    await expectRefused(net, () => submit([signProfile(meter.device, unsorted)]), 'RULE_VIOLATION', /readings\[1\].*ascending/);
    const misaligned = run(meter, past(150) + 60_000, 2);
    await expectRefused(net, () => submit([signProfile(meter.device, misaligned)]), 'RULE_VIOLATION', /not aligned/);
    // The last interval has not ended yet.
    await expectRefused(net, () => submit([profile(meter, past(1), 3)]), 'RULE_VIOLATION', /has not ended/);
  });

  it('bounds a profile, a batch and every value by schema (400, nothing written)', async () => {
    const meter = meters[4];
    const tooLong = profile(meter, past(MAX_PROFILE_INTERVALS + 10), MAX_PROFILE_INTERVALS + 1);
    await expectRefused(net, () => submit([tooLong]), 'INVALID_ARGUMENT');
    // Over the per-transaction reading bound, in profiles each within bounds.
    const per = MAX_PROFILE_INTERVALS;
    const fake = { assetId: meter.assetId, readings: run(meter, past(per + 10), per).readings, signature: tooLong.signature };
    const profiles = Array.from({ length: Math.ceil(MAX_PROFILE_BATCH_READINGS / per) + 1 }, () => fake);
    await expectRefused(net, () => submitRaw({ salt: salt(), profiles }), 'INVALID_ARGUMENT', /at most 10000 readings/);
    const good = profile(meter, past(160), 2);
    const bad = (patch: Record<string, unknown>) => ({ salt: salt(), profiles: [{ ...good, readings: [{ ...good.readings[0], ...patch }, good.readings[1]] }] });
    for (const patch of [{ importedWh: -1 }, { importedWh: 1.5 }, { importedWh: 1e13 }, { importedWh: null }, { exportedWh: '5' }, { sequence: -1 }, { intervalStart: 1e17 }, { extra: 1 }]) {
      await expectRefused(net, () => submitRaw(bad(patch)), 'INVALID_ARGUMENT');
    }
    await expectRefused(net, () => submitRaw({ salt: salt(), profiles: [] }), 'INVALID_ARGUMENT');
    await expectRefused(net, () => submitRaw({ salt: salt(), profiles: [{ ...good, readings: [] }] }), 'INVALID_ARGUMENT');
    await expectRefused(net, () => submitRaw({ salt: 'short', profiles: [good] }), 'INVALID_ARGUMENT');
    // Non-finite: JSON's 1e400 parses to Infinity.
    const infinite = JSON.stringify({ salt: salt(), profiles: [good] }).replace(`"importedWh":${good.readings[0].importedWh}`, '"importedWh":1e400');
    expect(infinite).toContain('1e400');
    await expectRefused(net, () => net.submit(cast.dso.identity, TX.Metering.SubmitProfiles, [], { transient: { profiles: infinite }, endorsingOrgs: ENDORSERS }), 'INVALID_ARGUMENT');
    await expectRefused(net, () => net.submit(cast.dso.identity, TX.Metering.SubmitProfiles, [], { endorsingOrgs: ENDORSERS }), 'INVALID_ARGUMENT', /transient map under 'profiles'/);
    // Physically impossible export (10 kW for 15 minutes is 2,500 Wh): refused after the signature, as for readings.
    const over = signProfile(meter.device, { assetId: meter.assetId, readings: run(meter, past(170), 2).readings.map((r) => ({ ...r, exportedWh: 2_501 })) });
    await expectRefused(net, () => submit([over]), 'RULE_VIOLATION', /exceeds the 2500 Wh/);
    // Nothing above was recorded.
    await expectRefused(net, () => view(meter, past(160)), 'NOT_FOUND');
  });

  it('refuses a profile spanning a device key change, and takes it split at the change, each part signed by its key', async () => {
    const meter = meters[5];
    const rotation = past(30) + INTERVAL_MS; // the key changes at the start of interval past(29)
    const next = newDevice();
    await atTime(rotation, () => net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: next.publicKeyPem }]));
    const across = run(meter, past(32), 4); // past(32) … past(30) under the old key, past(29) under the new one
    for (const device of [meter.device, next]) {
      await expectRefused(net, () => submit([signProfile(device, across)]), 'RULE_VIOLATION', /profile\[0\]\.readings\[3\].*within one key period/);
    }
    // The old key cannot sign after the change, nor the new one before it.
    await expectRefused(net, () => submit([profile(meter, past(29), 2, meter.device)]), 'FORBIDDEN', /does not verify/);
    await expectRefused(net, () => submit([profile(meter, past(32), 2, next)]), 'FORBIDDEN', /does not verify/);
    expect(await submit([profile(meter, past(32), 3, meter.device), profile(meter, past(29), 2, next)])).toMatchObject({ accepted: 5 });
    const [before, after] = [await view(meter, past(31)), await view(meter, past(29))];
    expect(before.keyValidFrom).not.toBe(after.keyValidFrom);
    // A key later declared compromised voids its profile readings exactly as it voids readings signed alone.
    const leak = past(25);
    const third = newDevice();
    const signedLater = profile(meter, past(26), 2, next);
    expect(await submit([signedLater])).toMatchObject({ accepted: 2 });
    await net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: meter.assetId, devicePublicKey: third.publicKeyPem, compromisedSince: leak }]);
    expect((await view(meter, past(26))).voided).toBe(false);
    expect((await view(meter, past(25))).voided).toBe(true);
  });

  it('refuses head-ends without the role or for another org’s meters', async () => {
    const meter = meters[0];
    const signed = profile(meter, past(200), 2);
    await expectRefused(net, () => submitAs(cast.prosumer, [signed]), 'FORBIDDEN');
    await expectRefused(net, () => submitAs(cast.regulator, [signed]), 'FORBIDDEN');
    const gridMeter = await atTime(NOW - 5 * DAY_MS, () => registerAsset(net, cast.generator, cast.dso, { assetId: 'prof-grid', zone: 'zone-prof' }));
    await expectRefused(net, () => submitAs(cast.retailer, [profile(gridMeter, past(200), 2)]), 'FORBIDDEN', /may not report for asset 'prof-grid'/);
    expect(await submitAs(cast.aggregator, [signed])).toMatchObject({ accepted: 2 });
  });

  it('refuses an erased owner’s intervals and a profile spanning a change of owner', async () => {
    const seller = await net.participant(UTILITY, 'prof-seller', ['PROSUMER']);
    const buyer = await net.participant(UTILITY, 'prof-buyer', ['PROSUMER']);
    const meter = await atTime(NOW - 5 * DAY_MS, () => registerAsset(net, seller, cast.dso, { assetId: 'prof-sold', zone: 'zone-prof' }));
    const sale = past(10);
    await atTime(sale - 1, () => net.submit(seller.identity, TX.Registry.OfferTransfer, [{ assetId: meter.assetId, to: buyer.pseudonym }]));
    await atTime(sale, () => net.submit(buyer.identity, TX.Registry.AcceptTransfer, [{ assetId: meter.assetId }]));
    await expectRefused(net, () => submit([profile(meter, past(12), 4)]), 'RULE_VIOLATION', /readings\[2\].*changed owner.*one ownership period/);
    expect(await submit([profile(meter, past(12), 2)])).toMatchObject({ accepted: 2 });
    await net.submit(seller.identity, TX.Participants.Erase, [{ pseudonym: seller.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    await expectRefused(net, () => submit([profile(meter, past(14), 2)]), 'RULE_VIOLATION', /owner at that interval was erased/);
    // The buyer's intervals still take profiles.
    expect(await submit([profile(meter, past(10), 2)])).toMatchObject({ accepted: 2 });
  });
});
