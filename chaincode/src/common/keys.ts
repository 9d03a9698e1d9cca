/**
 * Composite-key object types, one per record kind. Keeping them in one place keeps every domain's key space apart and
 * lets other domains read a record without knowing how it was written.
 */
export const KEY = {
  governanceConfig: 'obe.governance.config',
  governanceVersion: 'obe.governance.version',
  participant: 'obe.participant',
  asset: 'obe.asset',
  /**
   * One run of a batch's consecutive readings of one meter within one UTC day, BLOCK_MS (metering/store.ts):
   * [assetId, block start, `one` or `run`, first interval start]. Replaced the per-reading `obe.reading.hash` (docs/adr/0012).
   */
  readingRun: 'obe.reading.run',
  reading: 'obe.reading',
  /** One chunk of a batch's readings in one readings collection (metering/store.ts): [txId, chunk]. */
  readingChunk: 'obe.reading.chunk',
  zoneDelta: 'obe.zone.delta',
  zoneTotal: 'obe.zone.total',
  /** Per asset and interval, the Wh its open market offers commit (market/book.ts); the registry reads it too. */
  offered: 'obe.market.offered',
  /** Grid topology (grid/topology.ts): a DSO-registered node [nodeId]; the registry checks zone nodes exist. */
  gridNode: 'obe.grid.node',
  /** Written with the DSO's first zone node: from then on new grid objects (e.g. DR programs) must name a zone node. */
  gridTopology: 'obe.grid.topology',
  /** An asset's attachment to a feeder [zone, assetId] (grid/topology.ts); clearing and settlement read it. */
  gridAttachment: 'obe.grid.attachment',
  /** Operating envelope [interval, zone, nodeId] and network tariff [interval, zone] the DSO publishes (grid/). */
  gridEnvelope: 'obe.grid.envelope',
  gridTariff: 'obe.grid.tariff',
  /** Feeder loading vs envelope per [interval, zone], written by the retail clearing (market/grid-constraints.ts). */
  gridLoading: 'obe.grid.loading',
} as const;

/** Private collection holding channel secrets (the pseudonym key); every org on the channel is a member. */
export const SECRETS_COLLECTION = 'obeSecrets';

/** Per-org private collections: `<kind>_<MSP ID>`; members are that org, the grid operator and the regulator. */
export type OrgCollectionKind = 'readings' | 'orders' | 'settlement' | 'tokens' | 'certificates';

export function orgCollection(kind: OrgCollectionKind, mspId: string): string {
  return `${kind}_${mspId}`;
}

const ORG_COLLECTION_KINDS: readonly OrgCollectionKind[] = ['readings', 'orders', 'settlement', 'tokens', 'certificates'];

/** The MSP whose per-org collection this is, or undefined for any other collection name. */
export function orgCollectionOwner(collection: string): string | undefined {
  const separator = collection.indexOf('_');
  if (separator < 0) return undefined;
  const kind = collection.slice(0, separator);
  return (ORG_COLLECTION_KINDS as readonly string[]).includes(kind) ? collection.slice(separator + 1) || undefined : undefined;
}

/** Fixed-width decimal so that keys holding times sort in time order. */
export function timeKeyPart(ms: number): string {
  return String(ms).padStart(15, '0');
}
