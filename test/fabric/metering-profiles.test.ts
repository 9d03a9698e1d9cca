/**
 * Signed load profiles on the native Fabric network (docs/adr/0010), over HTTP against a gateway with
 * OBE_LEDGER=fabric: one request of three profiles (a whole day of one meter, two half days of another: 192 readings,
 * three signatures) commits through POST /api/v1/metering/profiles; the same request again is all duplicates, and so
 * is a profile under its malleated (high-S) signature; a reading reads back with the profile's signature and its place,
 * and re-verifies from the stored run; a tampered profile is a 403, a profile with a gap a 422, a single reading's
 * signature presented as a profile a 403, and nothing of them is written. Skips without Fabric.
 */
import crypto from 'node:crypto';
import { profileOfStored, profileSigningPayload } from '../../chaincode/src/metering/reading';
import { devicePublicKey, verifyPayloadSignature } from '../../chaincode/src/metering/signature';
import { signProfile } from '../../gateway/src/neighbourhood-sim/readings';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway } from './support/live-gateway';

/** The other valid ECDSA signature (r, n − s) of the same message, DER-encoded. */
function flipS(derBase64: string): string {
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const der = Buffer.from(derBase64, 'base64');
  const r = der.subarray(4, 4 + der[3]);
  let hex = (n - BigInt(`0x${der.subarray(6 + der[3]).toString('hex')}`)).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let s = Buffer.from(hex, 'hex');
  if (s[0] & 0x80) s = Buffer.concat([Buffer.from([0]), s]);
  const body = Buffer.concat([Buffer.from([0x02, r.length]), r, Buffer.from([0x02, s.length]), s]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]).toString('base64');
}

describeLive('signed load profiles on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-profiles-', 'off');

  it('commits three profiles in one transaction, finds them as duplicates again, re-verifies a reading, refuses forged and broken ones', async () => {
    const { call, ok, register, grant } = liveApi(gateway());

    const owners = ['prosumer-13', 'prosumer-14'];
    await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', ...owners]);
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    await grant('utility-admin', 'utility-admin', 'RETAILER');
    for (const owner of owners) await grant('utility-admin', owner, 'PROSUMER');

    const { config } = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body as { config: { intervalMinutes: number } };
    const lengthMs = config.intervalMinutes * 60_000;
    const lastEnded = Math.floor(Date.now() / lengthMs) * lengthMs - lengthMs;
    const first = lastEnded - 95 * lengthMs;
    const run = crypto.randomBytes(3).toString('hex');
    const meters = owners.map((owner, i) => ({ owner, assetId: `mp-${run}-${i}`, ...crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) }));
    for (const meter of meters) {
      const devicePublicKey = meter.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await ok(meter.owner, 'POST', '/api/v1/registry/assets', { assetId: meter.assetId, type: 'meter', segment: 'retail', zone: `mp-${run}`, capacityKw: 10, devicePublicKey });
      await ok('gridoperator-admin', 'POST', `/api/v1/registry/assets/${meter.assetId}/commission`, { meteringFrom: lastEnded - 200 * lengthMs });
      await ok(meter.owner, 'POST', `/api/v1/registry/assets/${meter.assetId}/activate`);
    }
    const runOf = (meter: (typeof meters)[number], from: number, count: number) => ({
      assetId: meter.assetId,
      readings: Array.from({ length: count }, (_, k) => ({ intervalStart: from + k * lengthMs, importedWh: 500 + k, exportedWh: k % 7, sequence: from / 1000 + k })),
    });
    const profiles = [
      signProfile(runOf(meters[0], first, 96), meters[0].privateKey),
      signProfile(runOf(meters[1], first, 48), meters[1].privateKey),
      signProfile(runOf(meters[1], first + 48 * lengthMs, 48), meters[1].privateKey),
    ];

    const committed = await ok('utility-admin', 'POST', '/api/v1/metering/profiles', { profiles });
    expect(committed.body.result).toMatchObject({ accepted: 192, duplicates: 0 });
    const again = await ok('utility-admin', 'POST', '/api/v1/metering/profiles', { profiles });
    expect(again.body.result).toMatchObject({ accepted: 0, duplicates: 192 });
    // ECDSA malleability: (r, n − s) verifies too, but over the same readings it is a replay — duplicates, nothing new.
    const malleated = await ok('utility-admin', 'POST', '/api/v1/metering/profiles', { profiles: [{ ...profiles[0], signature: flipS(profiles[0].signature) }] });
    expect(malleated.body.result).toMatchObject({ accepted: 0, duplicates: 96 });

    // The second meter's reading at position 10 of its second profile, read back and re-verified from its stored run.
    const at = first + 58 * lengthMs;
    const view = await ok('regulator-admin', 'GET', `/api/v1/metering/assets/${meters[1].assetId}/readings/${at}`);
    expect(view.body).toMatchObject({ txId: committed.body.txId, signature: profiles[2].signature, profile: { start: first + 48 * lengthMs, intervals: 48, position: 10 } });
    const stored = [];
    for (let k = 0; k < 48; k++) {
      const t = first + (48 + k) * lengthMs;
      stored.push((await ok('regulator-admin', 'GET', `/api/v1/metering/assets/${meters[1].assetId}/readings/${t}`)).body.reading);
    }
    const key = devicePublicKey(meters[1].publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(verifyPayloadSignature(key, profileSigningPayload(profileOfStored(meters[1].assetId, stored)), view.body.signature as string)).toBe(true);

    // Refusals: nothing of them is written.
    const fresh = lastEnded - 120 * lengthMs;
    const good = runOf(meters[0], fresh, 4);
    const signed = signProfile(good, meters[0].privateKey);
    const tampered = { ...signed, readings: signed.readings.map((r, k) => (k === 2 ? { ...r, importedWh: r.importedWh + 1 } : r)) };
    expect((await call('utility-admin', 'POST', '/api/v1/metering/profiles', { profiles: [tampered] })).status).toBe(403);
    const gap = signProfile({ ...good, readings: [good.readings[0], good.readings[2]] }, meters[0].privateKey);
    expect((await call('utility-admin', 'POST', '/api/v1/metering/profiles', { profiles: [gap] })).status).toBe(422);
    const reading = { assetId: meters[0].assetId, ...good.readings[0] };
    const alone = crypto.sign('sha256', Buffer.from(JSON.stringify({ assetId: reading.assetId, exportedWh: reading.exportedWh, importedWh: reading.importedWh, intervalStart: reading.intervalStart, sequence: reading.sequence }), 'utf8'), meters[0].privateKey).toString('base64');
    expect((await call('utility-admin', 'POST', '/api/v1/metering/profiles', { profiles: [{ ...good, readings: [good.readings[0]], signature: alone }] })).status).toBe(403);
    expect((await call('regulator-admin', 'GET', `/api/v1/metering/assets/${meters[0].assetId}/readings/${fresh}/hash`)).status).toBe(404);
  });
});
