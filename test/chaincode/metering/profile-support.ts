/**
 * What the signed load profile suites (profiles.test.ts, profiles-attack.test.ts) share: the clock they count
 * intervals back from, the endorsing organisations, a stored reading as GetReading returns it, and a network with a
 * cast and a row of retail meters registered five days back.
 */
import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { atTime, DAY_MS, GRID, INTERVAL_MS, ObeNet, registerAsset, REGULATOR, type Cast, type Meter } from '../support';

/** The start of the current interval when the suite loads. */
export const NOW = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
export const ENDORSERS = [GRID, REGULATOR];
/** The start of the interval `back` intervals before the last completed one. */
export const past = (back: number) => NOW - (back + 1) * INTERVAL_MS;
/** A fresh batch salt. */
export const salt = () => randomBytes(24).toString('hex');

/** A stored reading as Metering:GetReading shows it to the regulator. */
export interface StoredView {
  reading: { assetId: string; intervalStart: number; importedWh: number; exportedWh: number; sequence: number };
  signature: string;
  salt: string;
  keyValidFrom?: string;
  profile?: { start: number; intervals: number; position: number };
  voided: boolean;
  hash: string;
  txId: string;
}

/** The stored reading of `meter` at `intervalStart`, as the regulator reads it. */
export const storedView = (net: ObeNet, cast: Cast, meter: Meter, intervalStart: number) =>
  net.evaluate<StoredView>(cast.regulator.identity, TX.Metering.GetReading, [meter.assetId, String(intervalStart)]);

/**
 * Starts a network with the cast `prefix` and `count` meters of the cast's prosumer (`<prefix>-0` …, in zone
 * `zone-<prefix>`, 10 kW), registered by its DSO five days before NOW.
 */
export async function startProfileNet(prefix: string, count: number): Promise<{ net: ObeNet; cast: Cast; meters: Meter[] }> {
  const net = await ObeNet.start();
  const cast = await net.cast(prefix);
  const meters: Meter[] = [];
  await atTime(NOW - 5 * DAY_MS, async () => {
    for (let i = 0; i < count; i++) meters.push(await registerAsset(net, cast.prosumer, cast.dso, { assetId: `${prefix}-${i}`, zone: `zone-${prefix}`, capacityKw: 10 }));
  });
  return { net, cast, meters };
}
