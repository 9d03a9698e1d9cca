import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { KEY } from '../common/keys';
import { readJson } from '../common/state';
import { getConfig } from '../governance/store';

/**
 * The registry's side of grid topology (the nodes are the grid domain's, chaincode/src/grid/topology.ts, which sits
 * above the registry and writes these keys). Two rules:
 *  - `requireRegisteredZone`: once the DSO has registered its first zone node (the topology marker), a zone named by
 *    a new grid object (a demand-response program, grid/dr) must be a registered zone node;
 *  - `requireAssetZone`: RegisterAsset requires a registered zone node only when governance `requireRegisteredZones`
 *    is true. Otherwise (the default, and every channel created before topology existed) an asset's zone stays a free
 *    string. Migration: the DSO registers one zone node per zone in use (ListAssets names them), which leaves every
 *    existing asset in place, then the market operator's admin sets `requireRegisteredZones`. A switch, not "from the
 *    first zone node on": on a shared channel, one DSO modelling its part of the network must not refuse every other
 *    zone's registrations before those zones are migrated (docs/grid.md#topology).
 */
export interface GridNode {
  readonly nodeId: string;
  readonly kind: 'ZONE' | 'FEEDER';
  /** The zone it is in: a zone node's own id, a feeder's parent zone. */
  readonly zone: string;
  /** The registry asset (transformer, feeder) that physically is this node, if named. */
  readonly assetId: string | null;
  readonly registeredBy: string;
  readonly registeredMsp: string;
  readonly registeredAt: string;
  readonly txId: string;
}

export function zoneNodeKey(ctx: Context, nodeId: string): string {
  return ctx.stub.createCompositeKey(KEY.gridNode, [nodeId]);
}

export function topologyMarkerKey(ctx: Context): string {
  return ctx.stub.createCompositeKey(KEY.gridTopology, ['enforced']);
}

async function requireZoneNode(ctx: Context, zone: string): Promise<void> {
  const node = await readJson<GridNode>(ctx, zoneNodeKey(ctx, zone));
  if (!node || node.kind !== 'ZONE') {
    throw new RuleViolationError(`zone '${zone}' is not a zone the DSO registered (grid topology)`, { reason: 'ZONE_NOT_REGISTERED', zone });
  }
}

/** Refuses a zone that is not a registered zone node, once the channel has grid topology (for new grid objects). */
export async function requireRegisteredZone(ctx: Context, zone: string): Promise<void> {
  if ((await ctx.stub.getState(topologyMarkerKey(ctx))).length === 0) return;
  await requireZoneNode(ctx, zone);
}

/** An asset's zone: a registered zone node when governance `requireRegisteredZones` is true, else any zone name. */
export async function requireAssetZone(ctx: Context, zone: string): Promise<void> {
  if ((await getConfig(ctx)).requireRegisteredZones !== true) return;
  await requireZoneNode(ctx, zone);
}
