import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readingBatchSchema } from '../../../chaincode/src/metering/reading';
import { devicePublicKey, verifyReadingSignature } from '../../../chaincode/src/metering/signature';
import { MeterKeyStore } from '../../../gateway/src/neighbourhood-sim/meter-keys';
import { signReading, signReadings } from '../../../gateway/src/neighbourhood-sim/readings';

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
