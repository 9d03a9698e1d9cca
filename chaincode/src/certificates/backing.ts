import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { readJson } from '../common/state';
import { findStoredReading } from '../metering/store';
import { readingTrusted } from '../metering/trust';
import { deviceKeyAt } from '../registry/asset';
import { findAsset } from '../registry/store';
import { CERT, type PublicCertificate } from './model';

/**
 * Whether a certificate still stands for metered energy: the reading it was issued from must still count. A DSO that
 * declares the meter's key compromised since before the interval voids that reading (metering/trust.ts) — settlement
 * then treats it as missing — and with it every lot of the certificate: it can no longer be transferred, claimed or
 * moved by a settlement, and it expires with the interval's seal (the Wh stay accounted for, never claimed).
 */
export async function certificateBacked(ctx: Context, zone: string, interval: string, certId: string): Promise<boolean> {
  const certificate = await readJson<PublicCertificate>(ctx, ctx.stub.createCompositeKey(CERT.certificate, [zone, interval, certId]));
  if (!certificate) return false;
  const meter = await findAsset(ctx, certificate.meterId);
  if (!meter) return false;
  const intervalStart = Date.parse(certificate.interval);
  // Public: the key period that verified the reading, recorded at issuance (any holder's endorsers can check it).
  if (certificate.readingKeyValidFrom !== undefined) {
    const period = deviceKeyAt(meter, intervalStart);
    return period !== undefined && (certificate.readingKeyValidFrom === null || certificate.readingKeyValidFrom === period.validFrom);
  }
  // A certificate issued before that field: the reading itself (private to the meter owner's org and the overseers).
  const stored = await findStoredReading(ctx, meter.assetId, intervalStart);
  return stored !== undefined && readingTrusted(meter, stored);
}

/** Refuses a move of a certificate whose reading no longer counts. */
export async function requireBacked(ctx: Context, zone: string, interval: string, certId: string): Promise<void> {
  if (!(await certificateBacked(ctx, zone, interval, certId))) {
    throw new RuleViolationError(`certificate '${certId}' no longer counts: the reading it was issued from was voided (its meter's key was declared compromised)`, {
      reason: 'UNTRUSTED_READING',
    });
  }
}
