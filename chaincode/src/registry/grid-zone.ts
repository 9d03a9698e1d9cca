import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { KEY } from '../common/keys';
import { readJson } from '../common/state';

/**
 * The registry's side of grid topology (the nodes are the grid domain's, chaincode/src/grid/topology.ts, which sits
 * above the registry and writes these keys): once the DSO has registered its first zone node, a zone is a registered
 * zone node, not a free string, so RegisterAsset refuses an asset in a zone the DSO never registered. Before that (a
 * channel without topology, e.g. one created before it existed) zones stay free strings; the migration is the DSO
 * registering one zone node per zone in use (ListAssets names them), which leaves every existing asset in place.
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

/** Refuses a zone that is not a registered zone node, once the channel has grid topology. */
export async function requireRegisteredZone(ctx: Context, zone: string): Promise<void> {
  if ((await ctx.stub.getState(topologyMarkerKey(ctx))).length === 0) return;
  const node = await readJson<GridNode>(ctx, zoneNodeKey(ctx, zone));
  if (!node || node.kind !== 'ZONE') {
    throw new RuleViolationError(`zone '${zone}' is not a zone the DSO registered (grid topology)`, { reason: 'ZONE_NOT_REGISTERED', zone });
  }
}
