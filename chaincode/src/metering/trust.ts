import { deviceKeyAt, type Asset } from '../registry/asset';
import type { StoredReading } from './reading';

/**
 * Whether a recorded reading still counts: the device key that verified it must still be the key in force at its
 * interval. A DSO that declares a key compromised since some time ends that key's period there (registry/operations.ts),
 * so a reading the leaked key signed for a later interval — before anyone knew — stops counting: GetReading refuses it
 * and settlement treats it as missing. An ordinary rotation ends the old period at the rotation, after every interval
 * the old key signed, so those readings keep counting. A reading recorded before keys were tracked per period counts
 * while some key is in force at its interval.
 */
export function readingTrusted(asset: Asset, stored: StoredReading): boolean {
  const period = deviceKeyAt(asset, stored.reading.intervalStart);
  if (!period) return false;
  return stored.keyValidFrom === undefined || stored.keyValidFrom === period.validFrom;
}
