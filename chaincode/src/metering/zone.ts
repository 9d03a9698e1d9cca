/**
 * Zone totals under the small-group rule. A batch's values per zone and interval are private, kept in the readings
 * collection of the owners' org next to the readings themselves; public state only marks that a batch contributed
 * (how many readings, which collections). A total is shown only over at least k distinct participants (governance
 * minPublicGroupSize): with one or two members a total is each member's own reading.
 *
 * - GetZoneTotal: for a participant with an oversight role (market operator, DSO, regulator: they may read every
 *   reading anyway) whose org and answering peer may read every collection involved, the live total; for everyone
 *   else the stored publication, or counts only. A live view for households would let one query before and after a
 *   one-reading batch and take the difference.
 * - PublishZoneTotal: a DSO or the market operator writes the total to public state, suppressed below k. A later
 *   publication must add batches of at least k distinct participants, so that the difference between two
 *   publications is itself a k-group total and never one household's values.
 */
import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ForbiddenError, RuleViolationError } from '../common/errors';
import { readPrivateJson, writeJson } from '../common/state';
import { txTimeIso } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { describeOutsider, orgOutsideCollection } from '../governance/collections';
import { DEFAULTS, type GovernanceConfig } from '../governance/config';
import { getConfig } from '../governance/store';
import { hasRole, requireParticipant, requireRole } from '../participants/authorize';
import { zoneIntervalSchema, type PublishedZoneTotal, type ZoneBatchMarker, type ZoneDelta, type ZoneTotal } from './reading';
import { findPublishedZoneTotal, zoneBatchMarkers, zoneDeltaKey, zoneTotalKey } from './store';

export const ZONE_TOTAL_EVENT = 'ZoneTotalPublished';

/** k of the small-group rule, from governance (default for a configuration written before it existed). */
export function minGroupSize(config: GovernanceConfig): number {
  return config.minPublicGroupSize ?? DEFAULTS.minPublicGroupSize;
}

interface Sum {
  importedWh: number;
  exportedWh: number;
  readings: number;
  owners: Set<string>;
}

/** The first collection of the markers this transaction may not read (caller's org or peer), if any. */
function unreadable(ctx: Context, config: GovernanceConfig, markers: readonly ZoneBatchMarker[]) {
  for (const collection of [...new Set(markers.flatMap((marker) => marker.collections))].sort()) {
    const outsider = orgOutsideCollection(ctx, config, collection);
    if (outsider !== undefined) return { collection, outsider };
  }
  return undefined;
}

/** Sums the private deltas of the given batches (point reads only: allowed in a transaction that writes). */
async function sumDeltas(ctx: Context, zone: string, intervalStart: number, markers: readonly ZoneBatchMarker[]): Promise<Sum> {
  const sum: Sum = { importedWh: 0, exportedWh: 0, readings: 0, owners: new Set() };
  for (const marker of markers) {
    for (const collection of marker.collections) {
      const delta = await readPrivateJson<ZoneDelta>(ctx, collection, zoneDeltaKey(ctx, zone, intervalStart, marker.txId));
      if (!delta) continue;
      sum.importedWh += delta.importedWh;
      sum.exportedWh += delta.exportedWh;
      sum.readings += delta.readings;
      for (const owner of delta.owners) sum.owners.add(owner);
    }
  }
  return sum;
}

function shown(zone: string, intervalStart: number, k: number, markers: readonly ZoneBatchMarker[], sum: Sum, published: boolean): ZoneTotal {
  const suppressed = sum.owners.size < k;
  return {
    zone,
    intervalStart,
    published,
    suppressed,
    minGroupSize: k,
    importedWh: suppressed ? null : sum.importedWh,
    exportedWh: suppressed ? null : sum.exportedWh,
    readings: markers.reduce((n, marker) => n + marker.readings, 0),
    participants: sum.owners.size,
    batches: markers.length,
  };
}

/** Whether the caller is a participant with an oversight role, who may see every reading and so live totals. */
async function mayViewLive(ctx: Context): Promise<boolean> {
  try {
    return hasRole(await requireParticipant(ctx), 'MARKET_OPERATOR', 'DSO', 'REGULATOR');
  } catch {
    return false;
  }
}

function withoutBookkeeping(published: PublishedZoneTotal): ZoneTotal {
  const { includedBatches: _batches, publishedAt: _at, txId: _tx, ...total } = published;
  return total;
}

/** A zone's interval total for anyone: see the module comment. Never a value over fewer than k participants. */
export async function zoneTotal(ctx: Context, zone: string, intervalStart: number): Promise<ZoneTotal> {
  const config = await getConfig(ctx);
  const k = minGroupSize(config);
  const published = await findPublishedZoneTotal(ctx, zone, intervalStart);
  const markers = await zoneBatchMarkers(ctx, zone, intervalStart);
  if (published && published.batches === markers.length) return withoutBookkeeping(published);
  if ((await mayViewLive(ctx)) && unreadable(ctx, config, markers) === undefined) {
    return shown(zone, intervalStart, k, markers, await sumDeltas(ctx, zone, intervalStart, markers), false);
  }
  if (published) return withoutBookkeeping(published);
  return {
    zone,
    intervalStart,
    published: false,
    suppressed: true,
    minGroupSize: k,
    importedWh: null,
    exportedWh: null,
    readings: markers.reduce((n, marker) => n + marker.readings, 0),
    participants: null,
    batches: markers.length,
  };
}

/**
 * A republication: the previous figures plus the sums of the batches added since, never a re-sum of the batches it
 * already included. Erasure (metering/erase.ts) rewrites an erased participant's batches as successors without its
 * part and leaves the publication's figures standing; a re-sum would then differ from them by that part (less the
 * added batches, whose k-group sum the difference would otherwise be), and so reveal it. Likewise the readings count
 * adds the added batches' readings, and participants counts the added batches' owners not already counted among the
 * included ones (whose deltas no longer name an erased participant, who cannot have added readings since).
 */
async function republished(ctx: Context, k: number, previous: PublishedZoneTotal, markers: readonly ZoneBatchMarker[], added: readonly ZoneBatchMarker[], sum: Sum): Promise<ZoneTotal> {
  const { zone, intervalStart } = previous;
  const addedIds = new Set(added.map((marker) => marker.txId));
  const before = await sumDeltas(
    ctx,
    zone,
    intervalStart,
    markers.filter((marker) => !addedIds.has(marker.txId)),
  );
  const newOwners = [...sum.owners].filter((owner) => !before.owners.has(owner)).length;
  return {
    ...withoutBookkeeping(previous),
    minGroupSize: k,
    importedWh: (previous.importedWh ?? 0) + sum.importedWh,
    exportedWh: (previous.exportedWh ?? 0) + sum.exportedWh,
    readings: previous.readings + added.reduce((n, marker) => n + marker.readings, 0),
    participants: (previous.participants ?? 0) + newOwners,
    batches: markers.length,
  };
}

/**
 * Publishes a zone's interval total to public state (DSO or market operator, from an org that may read every
 * collection involved). Suppressed below k participants; a republication must add at least k new participants.
 */
export async function publishZoneTotal(ctx: Context, argsJson: string): Promise<PublishedZoneTotal> {
  const { zone, intervalStart } = parseJsonArg(zoneIntervalSchema, argsJson, 'zone interval');
  await requireRole(ctx, 'DSO', 'MARKET_OPERATOR');
  const config = await getConfig(ctx);
  const k = minGroupSize(config);
  const markers = await zoneBatchMarkers(ctx, zone, intervalStart);
  const blocked = unreadable(ctx, config, markers);
  if (blocked) {
    throw new ForbiddenError(`the zone's readings in collection ${blocked.collection} are not visible to ${describeOutsider(blocked.outsider)}; a member of every readings collection publishes`);
  }
  const previous = await findPublishedZoneTotal(ctx, zone, intervalStart);
  const included = new Set(previous?.includedBatches ?? []);
  let total: ZoneTotal;
  if (previous && !previous.suppressed) {
    const added = markers.filter((marker) => !included.has(marker.txId));
    if (added.length === 0) return previous;
    const sum = await sumDeltas(ctx, zone, intervalStart, added);
    if (sum.owners.size < k) {
      throw new RuleViolationError(
        `republishing zone '${zone}' for ${new Date(intervalStart).toISOString()} would reveal the readings added since the last publication, which cover ${sum.owners.size} participant(s), fewer than ${k}`,
        { addedParticipants: sum.owners.size, minGroupSize: k },
      );
    }
    total = await republished(ctx, k, previous, markers, added, sum);
  } else {
    total = shown(zone, intervalStart, k, markers, await sumDeltas(ctx, zone, intervalStart, markers), true);
  }
  const record: PublishedZoneTotal = {
    ...total,
    includedBatches: markers.map((marker) => marker.txId).sort(),
    publishedAt: txTimeIso(ctx),
    txId: ctx.stub.getTxID(),
  };
  await writeJson(ctx, zoneTotalKey(ctx, zone, intervalStart), record);
  ctx.stub.setEvent(ZONE_TOTAL_EVENT, canonicalBytes({ zone, intervalStart, suppressed: record.suppressed }));
  return record;
}
