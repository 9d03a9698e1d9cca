/**
 * Signed load profiles under attack (docs/adr/0010-signed-load-profiles.md): what a head-end, a holder of a meter's
 * key or anyone between meter and ledger could try with Metering:SubmitProfiles beyond profiles.test.ts — signature
 * malleability and encodings, JSON members the schema must not let through, re-verification evidence after partial
 * duplicates, runs across a UTC day boundary (range reads) with a conflict on the far side, per-owner salts of two
 * owners in one batch, and transient texts far beyond every bound.
 */
import { createHash, randomBytes, sign } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { REWRITTEN_CHUNK_BASE, shreddableReadingSalt } from '../../../chaincode/src/metering/erase';
import { MAX_BATCH, MAX_PROFILE_BATCH_READINGS, profileOfStored, profileSigningPayload, type LoadProfile, type ReadingHashRecord } from '../../../chaincode/src/metering/reading';
import { READINGS_PER_CHUNK } from '../../../chaincode/src/metering/store';
import { devicePublicKey, verifyPayloadSignature } from '../../../chaincode/src/metering/signature';
import { deriveParticipantSecret } from '../../../chaincode/src/participants/secret';
import {
  atTime,
  DAY_MS,
  expectRefused,
  GRID,
  INTERVAL_MS,
  newDevice,
  ObeNet,
  profilesTransient,
  registerAsset,
  signProfile,
  UTILITY,
  type Actor,
  type Cast,
  type Meter,
  type SignedProfileInput,
} from '../support';
import { ENDORSERS, NOW, past, salt, startProfileNet, storedView } from './profile-support';

/** P-256 group order. */
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** The other valid signature (r, n − s) of the same message, DER-encoded: ECDSA's inherent malleability. */
function flipS(derBase64: string): string {
  const der = Buffer.from(derBase64, 'base64');
  const rLen = der[3];
  const r = der.subarray(4, 4 + rLen);
  const s = BigInt(`0x${der.subarray(6 + rLen).toString('hex')}`);
  const int = (v: bigint) => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    let bytes = Buffer.from(hex, 'hex');
    if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, int(N - s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
}

describe('signed load profiles under attack', () => {
  let net: ObeNet;
  let cast: Cast;
  let meters: Meter[];
  const run = (meter: Meter, first: number, count: number, value = (t: number) => 100 + (Math.floor(t / INTERVAL_MS) % 89)): LoadProfile => ({
    assetId: meter.assetId,
    readings: Array.from({ length: count }, (_, k) => {
      const intervalStart = first + k * INTERVAL_MS;
      return { intervalStart, importedWh: value(intervalStart), exportedWh: 0, sequence: Math.floor(intervalStart / INTERVAL_MS) };
    }),
  });
  const submit = (profiles: SignedProfileInput[], batchSalt?: string, who: Actor = cast.dso) =>
    net.submit<{ accepted: number; duplicates: number; txId: string }>(who.identity, TX.Metering.SubmitProfiles, [], { transient: profilesTransient(profiles, batchSalt), endorsingOrgs: ENDORSERS });
  const submitText = (text: string) => net.submit(cast.dso.identity, TX.Metering.SubmitProfiles, [], { transient: { profiles: text }, endorsingOrgs: ENDORSERS });
  const view = (meter: Meter, intervalStart: number) => storedView(net, cast, meter, intervalStart);
  const reverify = async (meter: Meter, intervalStart: number) => {
    const stored = await view(meter, intervalStart);
    const ref = stored.profile;
    if (!ref) throw new Error('not a profile reading');
    const runOf = await Promise.all(Array.from({ length: ref.intervals }, (_, k) => view(meter, ref.start + k * INTERVAL_MS)));
    return verifyPayloadSignature(devicePublicKey(meter.device.publicKeyPem), profileSigningPayload(profileOfStored(meter.assetId, runOf.map((s) => s.reading))), stored.signature);
  };

  beforeAll(async () => {
    ({ net, cast, meters } = await startProfileNet('patk', 4));
  });
  afterAll(() => net.close());

  it('takes the malleated (high-S) and the r‖s form of a stored profile’s signature as duplicates only, keeping the first evidence', async () => {
    const meter = meters[0];
    const profile = run(meter, past(40), 6);
    const der = signProfile(meter.device, profile);
    expect(await submit([der])).toMatchObject({ accepted: 6, duplicates: 0 });
    const malleated = { ...der, signature: flipS(der.signature) };
    expect(verifyPayloadSignature(devicePublicKey(meter.device.publicKeyPem), profileSigningPayload(profile), malleated.signature)).toBe(true);
    const p1363 = { ...profile, signature: sign('sha256', Buffer.from(profileSigningPayload(profile), 'utf8'), { key: meter.device.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64') };
    for (const again of [malleated, p1363]) expect(await submit([again], salt())).toMatchObject({ accepted: 0, duplicates: 6 });
    expect((await view(meter, past(38))).signature).toBe(der.signature);
    // A malleated signature over other values is still refused.
    const changed = { ...malleated, readings: malleated.readings.map((r, k) => (k === 0 ? { ...r, importedWh: r.importedWh + 1 } : r)) };
    await expectRefused(net, () => submit([changed]), 'FORBIDDEN', /does not verify/);
  });

  it('refuses members the signed payload does not cover, __proto__ included, and counts -0 as the 0 it serialises to', async () => {
    const meter = meters[1];
    const good = signProfile(meter.device, run(meter, past(60), 2));
    const text = JSON.stringify({ salt: salt(), profiles: [good] });
    const firstReading = `"intervalStart":${good.readings[0].intervalStart}`;
    for (const smuggled of [
      text.replace(firstReading, `"__proto__":{"importedWh":1},${firstReading}`),
      text.replace(`"assetId":`, `"__proto__":{"assetId":"patk-0"},"assetId":`),
      text.replace(`"salt":`, `"__proto__":{"x":1},"salt":`),
    ]) {
      expect(smuggled).toContain('__proto__');
      await expectRefused(net, () => submitText(smuggled), 'INVALID_ARGUMENT');
    }
    // -0 and 0 are one value in canonical JSON: the device signed "0", and a later 0 is a duplicate, not a second reading.
    const zero = signProfile(meter.device, run(meter, past(70), 2, () => 0));
    const minusZero = JSON.stringify({ salt: salt(), profiles: [zero] }).split('"importedWh":0').join('"importedWh":-0');
    expect(minusZero).toContain('-0');
    expect(await submitText(minusZero)).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(await submit([zero], salt())).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(Object.is((await view(meter, past(70))).reading.importedWh, 0)).toBe(true);
  });

  it('keeps every reading re-verifiable after partial duplicates: each run rebuilt from the stored readings verifies', async () => {
    const meter = meters[2];
    const first = signProfile(meter.device, run(meter, past(100), 4));
    const overlapping = signProfile(meter.device, run(meter, past(98), 6));
    expect(await submit([first])).toMatchObject({ accepted: 4 });
    expect(await submit([overlapping])).toMatchObject({ accepted: 4, duplicates: 2 });
    for (let back = 100; back >= 93; back--) expect(await reverify(meter, past(back))).toBe(true);
    expect((await view(meter, past(99))).profile).toEqual({ start: past(100), intervals: 4, position: 1 });
    expect((await view(meter, past(96))).profile).toEqual({ start: past(98), intervals: 6, position: 2 });
  });

  it('checks a run across UTC midnight against both days (range reads): a conflict on the far day refuses it all', async () => {
    const meter = meters[3];
    const midnight = Math.floor((NOW - 2 * DAY_MS) / DAY_MS) * DAY_MS;
    const stored = signProfile(meter.device, run(meter, midnight - 4 * INTERVAL_MS, 8));
    expect(await submit([stored])).toMatchObject({ accepted: 8 });
    const conflicting = signProfile(meter.device, run(meter, midnight - 6 * INTERVAL_MS, 12, (t) => (t === midnight + 3 * INTERVAL_MS ? 1 : 100 + (Math.floor(t / INTERVAL_MS) % 89))));
    await expectRefused(net, () => submit([conflicting]), 'CONFLICT', /already has a different reading/);
    await expectRefused(net, () => view(meter, midnight - 6 * INTERVAL_MS), 'NOT_FOUND');
    const wider = signProfile(meter.device, run(meter, midnight - 6 * INTERVAL_MS, 12));
    expect(await submit([wider])).toMatchObject({ accepted: 4, duplicates: 8 });
    const record = await net.evaluate<ReadingHashRecord>(cast.regulator.identity, TX.Metering.GetReadingHash, [meter.assetId, String(midnight + 5 * INTERVAL_MS)]);
    expect(record.intervalStart).toBe(midnight + 5 * INTERVAL_MS);
  });

  it('salts two owners’ readings of one batch each from its own secret (shreddableReadingSalt); evidence survives the other owner’s erasure and a key voiding', async () => {
    const owners: { actor: Actor; input: string; meter?: Meter }[] = [];
    for (const name of ['patk-owner-a', 'patk-owner-b']) {
      const identity = await net.identity(UTILITY, name);
      const input = randomBytes(32).toString('hex');
      const { pseudonym } = await net.submit<{ pseudonym: string }>(identity, TX.Participants.Register, [], { transient: { participantSecret: input } });
      await net.submit(await net.admin(UTILITY), TX.Participants.GrantRole, [{ pseudonym, role: 'PROSUMER' }]);
      owners.push({ actor: { name, identity, mspId: UTILITY, pseudonym, roles: ['PROSUMER'] }, input });
    }
    for (const [i, owner] of owners.entries()) {
      owner.meter = await atTime(NOW - 5 * DAY_MS, () => registerAsset(net, owner.actor, cast.dso, { assetId: `patk-owned-${i}`, zone: 'zone-patk' }));
    }
    const batchSecret = salt();
    const profiles = owners.map(({ meter }) => signProfile((meter as Meter).device, run(meter as Meter, past(20), 3)));
    expect(await submit(profiles, batchSecret)).toMatchObject({ accepted: 6 });
    const salts = new Set<string>();
    for (const { actor, input, meter } of owners) {
      const secret = deriveParticipantSecret(input, actor.pseudonym);
      for (let back = 20; back >= 18; back--) {
        const stored = await view(meter as Meter, past(back));
        expect(stored.salt).toBe(shreddableReadingSalt(secret, batchSecret, stored.reading));
        expect(stored.hash).toBe(createHash('sha256').update(`${stored.salt}\n${JSON.stringify(stored.reading, Object.keys(stored.reading).sort())}`).digest('hex'));
        salts.add(stored.salt);
      }
    }
    expect(salts.size).toBe(6);
    // Erasure of one owner purges the batch's chunk; the other owner's profile readings, written again, still re-verify.
    const [a, b] = owners as { actor: Actor; meter: Meter }[];
    await net.submit(a.actor.identity, TX.Registry.OfferTransfer, [{ assetId: a.meter.assetId, to: b.actor.pseudonym }]);
    await net.submit(b.actor.identity, TX.Registry.AcceptTransfer, [{ assetId: a.meter.assetId }]);
    await net.submit(a.actor.identity, TX.Participants.Erase, [{ pseudonym: a.actor.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    await expectRefused(net, () => view(a.meter, past(19)), 'NOT_FOUND');
    for (let back = 20; back >= 18; back--) expect(await reverify(b.meter, past(back))).toBe(true);
    // The voided readings of a key declared compromised keep their evidence: voiding is the key's, not the signature's.
    const next = newDevice();
    await net.submit(cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: b.meter.assetId, devicePublicKey: next.publicKeyPem, compromisedSince: past(19) }]);
    expect((await view(b.meter, past(20))).voided).toBe(false);
    expect((await view(b.meter, past(19))).voided).toBe(true);
    for (let back = 20; back >= 18; back--) expect(await reverify(b.meter, past(back))).toBe(true);
    // The compromised key can no longer sign anything from the leak on; the intervals until the new key stay unreported.
    await expectRefused(net, () => submit([signProfile(b.meter.device, run(b.meter, past(17), 2))]), 'RULE_VIOLATION', /no device key in force/);
  });

  it('refuses a transient text far beyond every bound before parsing it, and counts a batch’s readings before checking each (clear 400s)', async () => {
    const meter = meters[0];
    const one = signProfile(meter.device, run(meter, past(200), 1));
    await expectRefused(net, () => submitText(JSON.stringify({ salt: salt(), profiles: Array.from({ length: 1001 }, () => one) })), 'INVALID_ARGUMENT', /profiles/);
    // Four profiles of 2,976 intervals pass every per-array bound; their sum (11,904) is refused before any reading is
    // checked — the broken value in the first reading is never reached.
    const long = run(meter, past(3000), 2976);
    const broken = { ...long, signature: one.signature, readings: long.readings.map((r, k) => (k === 0 ? { ...r, importedWh: -1 } : r)) };
    const text = JSON.stringify({ salt: salt(), profiles: [broken, broken, broken, broken] });
    const refused = await expectRefused(net, () => submitText(text), 'INVALID_ARGUMENT', /at most 10000 readings per transaction/);
    expect(refused.message).not.toMatch(/importedWh/);
    // Far beyond anything the bounds allow (9 MiB): refused by its size, unread.
    const huge = JSON.stringify({ salt: salt(), profiles: [one] }).replace('"profiles"', `"pad":"${'x'.repeat(9 * 1024 * 1024)}","profiles"`);
    await expectRefused(net, () => submitText(huge), 'INVALID_ARGUMENT', /bytes; at most 8388608 bytes are read/);
    const readings = JSON.stringify({ salt: salt(), readings: [], pad: 'x'.repeat(9 * 1024 * 1024) });
    await expectRefused(net, () => net.submit(cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: { readings }, endorsingOrgs: ENDORSERS }), 'INVALID_ARGUMENT', /bytes; at most/);
  });

  it('keeps a batch’s own chunk numbers below those erasure rewrites chunks under, at either bound', () => {
    // Erasure writes another owner's readings again as chunk REWRITTEN_CHUNK_BASE + k of the same batch; a batch's own
    // chunks are 0 … ⌈readings / READINGS_PER_CHUNK⌉ − 1 in a collection, so a larger bound would let the two collide.
    for (const bound of [MAX_BATCH, MAX_PROFILE_BATCH_READINGS]) expect(Math.ceil(bound / READINGS_PER_CHUNK)).toBeLessThanOrEqual(REWRITTEN_CHUNK_BASE);
  });
});
