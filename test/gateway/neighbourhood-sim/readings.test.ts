import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { profileBatchSchema, profileSigningPayload as chaincodeProfilePayload, readingBatchSchema } from '../../../chaincode/src/metering/reading';
import { devicePublicKey, verifyPayloadSignature, verifyReadingSignature } from '../../../chaincode/src/metering/signature';
import { MeterKeyStore } from '../../../gateway/src/neighbourhood-sim/meter-keys';
import { profileSigningPayload, signProfiles, signReading, signReadings } from '../../../gateway/src/neighbourhood-sim/readings';

/** The simulator's meters must sign exactly what Metering:SubmitReadings verifies. */
describe('simulated meter readings', () => {
  const reading = { assetId: 'meter-h0001', intervalStart: 1_700_000_100_000 - (1_700_000_100_000 % 60_000), importedWh: 120, exportedWh: 0, sequence: 28_333_335 };

  it('are signed so the chaincode verifies them, and a changed value no longer verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = devicePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const signed = signReading(reading, privateKey);
    expect(verifyReadingSignature(key, signed, signed.signature)).toBe(true);
    expect(verifyReadingSignature(key, { ...signed, importedWh: 121 }, signed.signature)).toBe(false);
  });

  it('form batches the chaincode schema accepts', () => {
    const keys = new MeterKeyStore();
    const batch = signReadings([reading, { ...reading, assetId: 'meter-h0002' }], (id) => keys.get(id).privateKey);
    expect(readingBatchSchema.safeParse(batch).success).toBe(true);
    expect(new Set(batch.readings.map((r) => r.signature)).size).toBe(2);
  });

  it('form signed load profiles the chaincode verifies: cut per meter at gaps, at the length bound and where told', () => {
    const keys = new MeterKeyStore();
    const step = 15 * 60_000;
    const t0 = 1_700_000_000_000 - (1_700_000_000_000 % step);
    const at = (k: number, assetId = 'meter-p1') => ({ assetId, intervalStart: t0 + k * step, importedWh: 10 + k, exportedWh: 0, sequence: k });
    // meter-p1: 0..4, gap, 6..7 (given out of order); meter-p2: 0..2 with a cut (key change) at 2.
    const readings = [at(6), at(0), at(1), at(2), at(3), at(4), at(7), at(0, 'meter-p2'), at(1, 'meter-p2'), at(2, 'meter-p2')];
    const batch = signProfiles(readings, (id) => keys.get(id).privateKey, { intervalMs: step, maxIntervals: 3, cutAt: (id, t) => id === 'meter-p2' && t === t0 + 2 * step });
    expect(profileBatchSchema.safeParse(batch).success).toBe(true);
    expect(batch.profiles.map((p) => [p.assetId, p.readings.map((r) => r.sequence)])).toEqual([
      ['meter-p1', [0, 1, 2]],
      ['meter-p1', [3, 4]],
      ['meter-p1', [6, 7]],
      ['meter-p2', [0, 1]],
      ['meter-p2', [2]],
    ]);
    for (const p of batch.profiles) {
      expect(profileSigningPayload(p)).toBe(chaincodeProfilePayload(p));
      expect(verifyPayloadSignature(devicePublicKey(keys.get(p.assetId).publicKeyPem), chaincodeProfilePayload(p), p.signature)).toBe(true);
    }
    const [first] = batch.profiles;
    const tampered = { ...first, readings: first.readings.map((r, k) => (k === 1 ? { ...r, importedWh: r.importedWh + 1 } : r)) };
    expect(verifyPayloadSignature(devicePublicKey(keys.get('meter-p1').publicKeyPem), chaincodeProfilePayload(tampered), first.signature)).toBe(false);
  });

  it('keep each meter’s key across restarts when given a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-keys-'));
    try {
      const file = path.join(dir, 'meter-keys.json');
      const first = new MeterKeyStore(file);
      const pem = first.get('meter-a').publicKeyPem;
      first.save();
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(new MeterKeyStore(file).get('meter-a').publicKeyPem).toBe(pem);
      expect(new MeterKeyStore().get('meter-a').publicKeyPem).not.toBe(pem);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
