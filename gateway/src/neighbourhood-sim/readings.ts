import { randomBytes, sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@obe/chaincode';

/**
 * Signed meter readings in the form Metering:SubmitReadings verifies: the device signs the canonical JSON (RFC 8785)
 * of {assetId, intervalStart, importedWh, exportedWh, sequence} with its ECDSA P-256 key (SHA-256, DER, base64).
 * A batch carries a salt for the readings' public hashes; it travels in the transient map, never on chain in clear.
 */
export interface ReadingInput {
  readonly assetId: string;
  /** Interval start, ms since the epoch. */
  readonly intervalStart: number;
  readonly importedWh: number;
  readonly exportedWh: number;
  /** The device's counter; increases with every reading it signs. */
  readonly sequence: number;
}

export interface SignedReading extends ReadingInput {
  readonly signature: string;
}

export interface ReadingBatch {
  readonly salt: string;
  readonly readings: readonly SignedReading[];
}

/** The exact bytes a device signs. */
export function signingPayload(reading: ReadingInput): string {
  const { assetId, intervalStart, importedWh, exportedWh, sequence } = reading;
  return canonicalJson({ assetId, intervalStart, importedWh, exportedWh, sequence });
}

export function signReading(reading: ReadingInput, key: KeyObject): SignedReading {
  const signature = sign('sha256', Buffer.from(signingPayload(reading), 'utf8'), { key, dsaEncoding: 'der' }).toString('base64');
  return { ...reading, signature };
}

export function signReadings(readings: readonly ReadingInput[], keyOf: (assetId: string) => KeyObject): ReadingBatch {
  return { salt: randomBytes(24).toString('base64url'), readings: readings.map((r) => signReading(r, keyOf(r.assetId))) };
}

/**
 * A signed load profile in the form Metering:SubmitProfiles verifies: one meter's consecutive intervals in ascending
 * order, signed once by the device over the canonical JSON of {domain, assetId, readings} (the domain keeps a
 * profile's signature from ever passing as a single reading's, and back). Smart-meter gateways and head-ends send
 * meter data this way; one signature per profile is what lets ingestion outrun per-reading signature checks.
 */
export const PROFILE_DOMAIN = 'obe.load-profile.v1';

export interface ProfileInput {
  readonly assetId: string;
  readonly readings: readonly Omit<ReadingInput, 'assetId'>[];
}

export interface SignedProfile extends ProfileInput {
  readonly signature: string;
}

export interface ProfileBatch {
  readonly salt: string;
  readonly profiles: readonly SignedProfile[];
}

/** The exact bytes a device signs for a profile. */
export function profileSigningPayload(profile: ProfileInput): string {
  const readings = profile.readings.map(({ intervalStart, importedWh, exportedWh, sequence }) => ({ intervalStart, importedWh, exportedWh, sequence }));
  return canonicalJson({ domain: PROFILE_DOMAIN, assetId: profile.assetId, readings });
}

export function signProfile(profile: ProfileInput, key: KeyObject): SignedProfile {
  const signature = sign('sha256', Buffer.from(profileSigningPayload(profile), 'utf8'), { key, dsaEncoding: 'der' }).toString('base64');
  return { ...profile, signature };
}

/**
 * Cuts readings into profiles — per meter, runs of consecutive intervals of `intervalMs`, at most `maxIntervals` long —
 * and signs each with its meter's key. A head-end that knows of a key change or a transfer inside a run must cut there
 * as well (`cutAt`: interval starts that begin a new profile); the chaincode refuses a profile spanning either.
 */
export function signProfiles(
  readings: readonly ReadingInput[],
  keyOf: (assetId: string) => KeyObject,
  options: { intervalMs: number; maxIntervals: number; cutAt?: (assetId: string, intervalStart: number) => boolean },
): ProfileBatch {
  const byMeter = new Map<string, ReadingInput[]>();
  for (const r of readings) {
    const list = byMeter.get(r.assetId);
    if (list) list.push(r);
    else byMeter.set(r.assetId, [r]);
  }
  const profiles: SignedProfile[] = [];
  for (const [assetId, list] of byMeter) {
    const sorted = [...list].sort((a, b) => a.intervalStart - b.intervalStart);
    let run: Omit<ReadingInput, 'assetId'>[] = [];
    const flush = () => {
      if (run.length) profiles.push(signProfile({ assetId, readings: run }, keyOf(assetId)));
      run = [];
    };
    for (const { intervalStart, importedWh, exportedWh, sequence } of sorted) {
      const last = run[run.length - 1];
      if (last && (intervalStart !== last.intervalStart + options.intervalMs || run.length >= options.maxIntervals || options.cutAt?.(assetId, intervalStart))) flush();
      run.push({ intervalStart, importedWh, exportedWh, sequence });
    }
    flush();
  }
  return { salt: randomBytes(24).toString('base64url'), profiles };
}
