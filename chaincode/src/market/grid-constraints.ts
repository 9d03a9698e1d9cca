import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { KEY } from '../common/keys';
import { readJson, readJsonByPrefix } from '../common/state';
import type { BindingLimit, ClearingLimits, ClearingOptions, NodeLimit } from './clearing';

/**
 * What the retail clearing and settlement read of the grid: the records the DSO publishes through the grid contract
 * (chaincode/src/grid), declared here because the market consumes them and the grid domain sits above the market
 * (grid → market, never back): the grid writes records of these shapes under these keys (common/keys.ts).
 *
 *   obe.grid.attachment [zone, assetId]          an asset's feeder (a DSO's attachment), one range read per zone
 *   obe.grid.envelope   [interval, zone, nodeId] import/export limits of a feeder (or of the zone: nodeId = zone)
 *   obe.grid.tariff     [interval, zone]         the network fee per kWh and the local (same feeder) fee
 *   obe.grid.loading    [interval, zone]         written by the clearing: per feeder, awarded Wh vs envelope
 *
 * A slot with neither an envelope nor a tariff clears exactly as before (no topology read at all).
 */

export type NodeKind = 'ZONE' | 'FEEDER';

/** Who published a grid record: the DSO participant and the certificate that signed the transaction. */
export interface GridPublisher {
  /** The DSO's pseudonym; fees and envelope charges are paid to it. */
  readonly publishedBy: string;
  readonly publisherMsp: string;
  /** SHA-256 (hex) of the certificate that signed the publishing transaction, so its signature can be checked in the block. */
  readonly signerCertSha256: string;
  readonly publishedAt: string;
  readonly txId: string;
  /** 1 for the first publication of this key, then +1 for each revision before gate closure. */
  readonly revision: number;
}

export interface AttachmentPeriod {
  readonly feeder: string;
  readonly from: string;
  /** Null: still attached there. */
  readonly until: string | null;
  readonly by: string;
}

export interface AttachmentRecord {
  readonly assetId: string;
  readonly zone: string;
  /** The feeder node it is attached to now. */
  readonly feeder: string;
  readonly attachedBy: string;
  readonly attachedAt: string;
  readonly txId: string;
  /** Every attachment, oldest first. */
  readonly history: readonly AttachmentPeriod[];
}

export interface EnvelopeRecord extends GridPublisher {
  readonly zone: string;
  readonly interval: string;
  /** A feeder node, or the zone itself (a cap on the whole zone). */
  readonly nodeId: string;
  readonly nodeKind: NodeKind;
  /** Most Wh awarded to buyers (import) / sellers (export) on the node in the interval; null: no limit. */
  readonly importLimitWh: number | null;
  readonly exportLimitWh: number | null;
}

export interface TariffRecord extends GridPublisher {
  readonly zone: string;
  readonly interval: string;
  /** Network fee added to the buyer's price, price units per kWh (fee × Wh = token units). */
  readonly feePerKwh: number;
  /** The fee for energy matched within the buyer's own feeder; ≤ feePerKwh. */
  readonly localFeePerKwh: number;
}

/** What a clearing (and later the settlement) of one retail slot takes from the grid. */
export interface GridClearing {
  readonly options: ClearingOptions;
  /** Feeder of each attached asset of the zone. */
  readonly feederOf: ReadonlyMap<string, string>;
  readonly envelopes: readonly EnvelopeRecord[];
  readonly tariff: TariffRecord | undefined;
}

/** An award's grid terms, stored with the private award when the slot had an envelope or a tariff. */
export interface AwardGridTerms {
  /** The feeder the award's meter was attached to at clearing; null: none. */
  readonly feeder: string | null;
  /** Buyers: the tariff, the Wh matched on their own feeder, the fee at the awarded quantity and who it is paid to. */
  readonly feePerKwh?: number;
  readonly localFeePerKwh?: number;
  readonly localWh?: number;
  readonly fee?: number;
  readonly feeAccount?: string;
}

export interface FeederLoading {
  readonly nodeId: string;
  readonly importLimitWh: number | null;
  readonly exportLimitWh: number | null;
  /**
   * Awarded Wh on the feeder; null when fewer than k distinct participants were awarded on that side, when the rest of
   * the side outside the shown feeders is such a small group, or when the public result withholds the volume
   * (small-group rule, `shownFeeders`).
   */
  readonly importWh: number | null;
  readonly exportWh: number | null;
  /** Whether the limit bound (clearing.ts); null where the side's total is withheld (a limit used up equals the total). */
  readonly importBound: boolean | null;
  readonly exportBound: boolean | null;
}

export interface LoadingRecord {
  readonly zone: string;
  readonly interval: string;
  readonly feeders: readonly FeederLoading[];
  /** The binding limits whose side total is shown (the full list is in the market result's details). */
  readonly binding: readonly BindingLimit[];
  readonly clearingTxId: string;
}

export async function readAttachments(ctx: Context, zone: string): Promise<AttachmentRecord[]> {
  return (await readJsonByPrefix<AttachmentRecord>(ctx, KEY.gridAttachment, [zone])).map((entry) => entry.value);
}

export async function readEnvelopes(ctx: Context, zone: string, interval: string): Promise<EnvelopeRecord[]> {
  return (await readJsonByPrefix<EnvelopeRecord>(ctx, KEY.gridEnvelope, [interval, zone])).map((entry) => entry.value);
}

export function tariffKey(ctx: Context, zone: string, interval: string): string {
  return ctx.stub.createCompositeKey(KEY.gridTariff, [interval, zone]);
}

export async function readTariff(ctx: Context, zone: string, interval: string): Promise<TariffRecord | undefined> {
  return readJson<TariffRecord>(ctx, tariffKey(ctx, zone, interval));
}

export function loadingKey(ctx: Context, zone: string, interval: string): string {
  return ctx.stub.createCompositeKey(KEY.gridLoading, [interval, zone]);
}

export async function readLoading(ctx: Context, zone: string, interval: string): Promise<LoadingRecord | undefined> {
  return readJson<LoadingRecord>(ctx, loadingKey(ctx, zone, interval));
}

/** The clearing limits of a slot's envelopes: the zone's own envelope caps the total, a feeder's its node. */
export function limitsOf(zone: string, envelopes: readonly EnvelopeRecord[]): ClearingLimits {
  const nodes: Record<string, NodeLimit> = {};
  let total: NodeLimit | undefined;
  for (const envelope of envelopes) {
    const limit = { importWh: envelope.importLimitWh, exportWh: envelope.exportLimitWh };
    if (envelope.nodeId === zone) total = limit;
    else nodes[envelope.nodeId] = limit;
  }
  return { nodes, ...(total ? { total } : {}), totalNode: zone };
}

/**
 * The grid inputs of one retail slot, or undefined when the DSO published neither an envelope nor a tariff for it
 * (then the clearing is the plain rule). Reads are in the clearing's read set: an envelope or tariff written
 * concurrently with the clearing fails one of them on MVCC.
 */
export async function loadGridClearing(ctx: Context, zone: string, interval: string, gateMs: number): Promise<GridClearing | undefined> {
  const envelopes = await readEnvelopes(ctx, zone, interval);
  const tariff = await readTariff(ctx, zone, interval);
  if (envelopes.length === 0 && tariff === undefined) return undefined;
  const feederOf = new Map<string, string>();
  for (const attachment of await readAttachments(ctx, zone)) {
    const feeder = feederAt(attachment, gateMs);
    if (feeder !== undefined) feederOf.set(attachment.assetId, feeder);
  }
  const options: ClearingOptions = {
    ...(envelopes.length > 0 ? { limits: limitsOf(zone, envelopes) } : {}),
    ...(tariff ? { fee: { perKwh: tariff.feePerKwh, localPerKwh: tariff.localFeePerKwh } } : {}),
  };
  return { options, feederOf, envelopes, tariff };
}

/**
 * The feeder an asset was attached to at `atMs` (the slot's gate closure), from the attachment's history; undefined
 * when it was attached to none then. Envelopes are frozen at the gate, and so is which orders they bind: a DSO that
 * moves a meter after the gate (and before the clearing) changes later intervals, not this one. Where periods overlap
 * (a later attachment dated earlier), the latest attachment covering `atMs` counts.
 */
export function feederAt(record: AttachmentRecord, atMs: number): string | undefined {
  for (const period of [...record.history].reverse()) {
    if (Date.parse(period.from) <= atMs && (period.until === null || atMs < Date.parse(period.until))) return period.feeder;
  }
  return undefined;
}

/**
 * The feeder an order is on: that of the first of its assets (its meters, then a sell order's source) the DSO had
 * attached when the gate closed (feederAt).
 */
export function feederOfMeters(grid: GridClearing, assetIds: readonly string[]): string | undefined {
  for (const meterId of assetIds) {
    const feeder = grid.feederOf.get(meterId);
    if (feeder !== undefined) return feeder;
  }
  return undefined;
}

interface AwardOnFeeder {
  readonly owner: string;
  readonly side: 'BUY' | 'SELL';
  readonly quantityWh: number;
  readonly grid?: AwardGridTerms;
}

/**
 * The feeders (with an envelope, not the zone's own node) whose side total the loading record may show. A side's total
 * over fewer than k distinct participants is withheld; and since the public market result shows the zone's volume
 * (= each side's total), the participants on the side outside the shown feeders must not be fewer than k either, or
 * the volume less the shown totals would be theirs: the shown feeder with the fewest participants (then the larger
 * node id) is withheld too until that holds. When the result withholds the volume, no side total is shown: the other
 * side's feeders would add up to it.
 */
export function shownFeeders(zone: string, feeders: readonly string[], awards: readonly AwardOnFeeder[], side: 'BUY' | 'SELL', k: number, suppressed: boolean): Set<string> {
  if (suppressed) return new Set();
  const candidates = new Set(feeders.filter((f) => f !== zone));
  const ownersOn = new Map<string, Set<string>>();
  const outside = new Set<string>();
  for (const award of awards) {
    if (award.side !== side) continue;
    const feeder = award.grid?.feeder;
    if (feeder === undefined || feeder === null || !candidates.has(feeder)) outside.add(award.owner);
    else ownersOn.set(feeder, (ownersOn.get(feeder) ?? new Set<string>()).add(award.owner));
  }
  const shown = new Set<string>();
  for (const feeder of candidates) {
    const owners = ownersOn.get(feeder);
    if (owners && tooFew(owners.size, k)) owners.forEach((o) => outside.add(o));
    else shown.add(feeder);
  }
  // One pass in the order of withholding: fewest participants first, then the larger node id.
  const order = [...shown].filter((f) => ownersOn.has(f)).sort((a, b) => ownersOn.get(a)!.size - ownersOn.get(b)!.size || (a < b ? 1 : a > b ? -1 : 0));
  for (const feeder of order) {
    if (!tooFew(outside.size, k)) break;
    shown.delete(feeder);
    ownersOn.get(feeder)!.forEach((o) => outside.add(o));
  }
  return shown;
}

/** The small-group rule: n distinct participants are too few to publish a total over when 0 < n < k. */
function tooFew(participants: number, k: number): boolean {
  return participants > 0 && participants < k;
}

/**
 * Writes the slot's loading record: per feeder with an envelope, the awarded Wh per side against its limits. A side's
 * total is shown only where `shownFeeders` allows (small-group rule, docs/adr/0006, differencing against the public
 * volume included); the zone's own node shows the zone's total exactly when the public result shows the volume.
 */
export async function writeLoading(
  ctx: Context,
  zone: string,
  interval: string,
  grid: GridClearing,
  awards: readonly AwardOnFeeder[],
  binding: readonly BindingLimit[],
  k: number,
  suppressed: boolean,
): Promise<LoadingRecord> {
  const nodes = grid.envelopes.map((e) => e.nodeId);
  const shown = { BUY: shownFeeders(zone, nodes, awards, 'BUY', k, suppressed), SELL: shownFeeders(zone, nodes, awards, 'SELL', k, suppressed) };
  // Awarded Wh per side: on each feeder and in the whole zone, in one pass.
  const sums = { BUY: new Map<string, number>(), SELL: new Map<string, number>() };
  for (const award of awards) {
    const into = sums[award.side];
    into.set(zone, (into.get(zone) ?? 0) + award.quantityWh);
    const feeder = award.grid?.feeder;
    if (feeder !== undefined && feeder !== null && feeder !== zone) into.set(feeder, (into.get(feeder) ?? 0) + award.quantityWh);
  }
  const feeders: FeederLoading[] = [];
  for (const envelope of [...grid.envelopes].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0))) {
    const total = (side: 'BUY' | 'SELL') => {
      const visible = envelope.nodeId === zone ? !suppressed : shown[side].has(envelope.nodeId);
      return visible ? (sums[side].get(envelope.nodeId) ?? 0) : null;
    };
    const bound = (direction: 'IMPORT' | 'EXPORT', shownTotal: number | null) => (shownTotal === null ? null : binding.some((b) => b.node === envelope.nodeId && b.direction === direction));
    const importWh = total('BUY');
    const exportWh = total('SELL');
    feeders.push({
      nodeId: envelope.nodeId,
      importLimitWh: envelope.importLimitWh,
      exportLimitWh: envelope.exportLimitWh,
      importWh,
      exportWh,
      importBound: bound('IMPORT', importWh),
      exportBound: bound('EXPORT', exportWh),
    });
  }
  const visible = new Set(feeders.flatMap((f) => [f.importBound === null ? [] : [`${f.nodeId}:IMPORT`], f.exportBound === null ? [] : [`${f.nodeId}:EXPORT`]].flat()));
  const record: LoadingRecord = { zone, interval, feeders, binding: binding.filter((b) => visible.has(`${b.node}:${b.direction}`)), clearingTxId: ctx.stub.getTxID() };
  await ctx.stub.putState(loadingKey(ctx, zone, interval), canonicalBytes(record));
  return record;
}
