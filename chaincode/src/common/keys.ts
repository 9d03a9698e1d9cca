/**
 * Composite-key object types, one per record kind. Keeping them in one place keeps every domain's key space apart and
 * lets other domains read a record without knowing how it was written.
 */
export const KEY = {
  governanceConfig: 'obe.governance.config',
  governanceVersion: 'obe.governance.version',
  participant: 'obe.participant',
  asset: 'obe.asset',
  readingHash: 'obe.reading.hash',
  reading: 'obe.reading',
  zoneDelta: 'obe.zone.delta',
} as const;

/** Private collection holding channel secrets (the pseudonym key); every org on the channel is a member. */
export const SECRETS_COLLECTION = 'obeSecrets';

/** Per-org private collections: `<kind>_<MSP ID>`; members are that org, the grid operator and the regulator. */
export type OrgCollectionKind = 'readings' | 'orders' | 'settlement';

export function orgCollection(kind: OrgCollectionKind, mspId: string): string {
  return `${kind}_${mspId}`;
}

/** Fixed-width decimal so that keys holding times sort in time order. */
export function timeKeyPart(ms: number): string {
  return String(ms).padStart(15, '0');
}
