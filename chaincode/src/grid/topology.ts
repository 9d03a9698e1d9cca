import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../common/errors';
import { KEY } from '../common/keys';
import { readJson, readJsonByPrefix } from '../common/state';
import { txTimeIso } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import type { AttachmentRecord, NodeKind } from '../market/grid-constraints';
import type { ActingParticipant } from '../participants/participant';
import { requireRole } from '../participants/authorize';
import { assetIdSchema, GRID_ASSET_TYPES, zoneSchema } from '../registry/asset';
import { findAsset, getAsset } from '../registry/store';
import { topologyMarkerKey, zoneNodeKey, type GridNode } from '../registry/grid-zone';

/**
 * Grid topology, registered by the DSO: zone nodes (a substation or transformer zone: what the markets and the
 * registry call a zone), feeder nodes inside a zone, and the attachment of each meter or DER to a feeder.
 *
 * With governance `requireRegisteredZones`, RegisterAsset requires the asset's zone to be a registered zone node;
 * from the first zone node on, new grid objects naming a zone must name a zone node (registry/grid-zone.ts).
 * Keys (common/keys.ts):
 *   obe.grid.node       [nodeId]          public GridNode; node ids are one name space (a zone's id is its zone name)
 *   obe.grid.attachment [zone, assetId]   public AttachmentRecord: the asset's feeder now and every earlier one
 *
 * Only a DSO registers nodes and attaches assets (the DSO knows the network; an owner cannot choose its feeder, so
 * it cannot move out from under a binding envelope). A re-attachment closes the previous period and keeps it in the
 * record's history; the key's Fabric history holds every version as well.
 */

export { type GridNode } from '../registry/grid-zone';

export const nodeIdSchema = zoneSchema;
export const NODE_KINDS = ['ZONE', 'FEEDER'] as const;

export const registerNodeSchema = z
  .strictObject({
    nodeId: nodeIdSchema,
    kind: z.enum(NODE_KINDS),
    /** FEEDER: the zone node it belongs to. ZONE: omitted (a zone is its own zone). */
    zone: zoneSchema.optional(),
    /** The registry asset that physically is this node (a transformer for a zone, a feeder for a feeder), if any. */
    assetId: assetIdSchema.optional(),
  })
  .superRefine((node, issues) => {
    if (node.kind === 'FEEDER' && node.zone === undefined) issues.addIssue({ code: 'custom', path: ['zone'], message: 'a feeder names the zone it belongs to' });
    if (node.kind === 'ZONE' && node.zone !== undefined && node.zone !== node.nodeId) {
      issues.addIssue({ code: 'custom', path: ['zone'], message: 'a zone node is its own zone (omit zone or repeat nodeId)' });
    }
  });

export const attachSchema = z.strictObject({ assetId: assetIdSchema, feeder: nodeIdSchema });
export const nodeFilterSchema = z.strictObject({ zone: zoneSchema.optional(), kind: z.enum(NODE_KINDS).optional() });
export const attachmentFilterSchema = z.strictObject({ zone: zoneSchema, feeder: nodeIdSchema.optional() });

export const GRID_TOPOLOGY_EVENT = 'GridTopologyChanged';

export async function findGridNode(ctx: Context, nodeId: string): Promise<GridNode | undefined> {
  return readJson<GridNode>(ctx, zoneNodeKey(ctx, nodeId));
}

/** The active grid node `nodeId` (of `kind`, when given), or a typed refusal: for other modules (envelopes, DR, …). */
export async function requireGridNode(ctx: Context, nodeId: string, kind?: NodeKind): Promise<GridNode> {
  const node = await findGridNode(ctx, nodeId);
  if (!node) throw new NotFoundError(`grid node '${nodeId}' is not registered`, { reason: 'GRID_NODE_UNKNOWN' });
  if (kind !== undefined && node.kind !== kind) {
    throw new RuleViolationError(`grid node '${nodeId}' is a ${node.kind.toLowerCase()}, not a ${kind.toLowerCase()}`, { reason: 'GRID_NODE_KIND' });
  }
  return node;
}

/**
 * A DSO acts on a zone's network (feeders, attachments, envelopes, tariffs) only for a zone its own org registered:
 * fees and envelope charges are paid to the publisher, so on a channel with more than one DSO org, another org's DSO
 * must not republish a zone's tariff to collect its fees, or cap (or move meters on) another DSO's feeders.
 */
export async function requireZoneOperator(ctx: Context, caller: ActingParticipant, zone: string): Promise<GridNode> {
  const node = await requireGridNode(ctx, zone, 'ZONE');
  if (node.registeredMsp !== caller.mspId) {
    throw new ForbiddenError(`zone '${zone}' is operated by ${node.registeredMsp}; a DSO of ${caller.mspId} may not act on it`, { reason: 'NOT_ZONE_OPERATOR' });
  }
  return node;
}

/** The DSO registers a zone or feeder node. Returns the node. */
export async function registerGridNode(ctx: Context, argsJson: string): Promise<GridNode> {
  const input = parseJsonArg(registerNodeSchema, argsJson, 'grid node');
  const caller = await requireRole(ctx, 'DSO');
  if (await findGridNode(ctx, input.nodeId)) throw new ConflictError(`grid node '${input.nodeId}' already exists`, { reason: 'GRID_NODE_EXISTS' });
  const zone = input.kind === 'ZONE' ? input.nodeId : input.zone!;
  if (input.kind === 'FEEDER') await requireZoneOperator(ctx, caller, zone);
  if (input.assetId !== undefined) {
    const asset = await getAsset(ctx, input.assetId);
    const wanted = input.kind === 'ZONE' ? 'transformer' : 'feeder';
    if (asset.type !== wanted) throw new RuleViolationError(`a ${input.kind.toLowerCase()} node is a ${wanted} asset; '${asset.assetId}' is a ${asset.type}`, { reason: 'GRID_NODE_ASSET' });
    if (asset.zone !== zone) throw new RuleViolationError(`asset '${asset.assetId}' is in zone '${asset.zone}', not '${zone}'`, { reason: 'GRID_NODE_ASSET' });
  }
  const now = txTimeIso(ctx);
  const node: GridNode = {
    nodeId: input.nodeId,
    kind: input.kind,
    zone,
    assetId: input.assetId ?? null,
    registeredBy: caller.pseudonym,
    registeredMsp: caller.mspId,
    registeredAt: now,
    txId: ctx.stub.getTxID(),
  };
  await ctx.stub.putState(zoneNodeKey(ctx, node.nodeId), canonicalBytes(node));
  if (node.kind === 'ZONE') {
    const marker = topologyMarkerKey(ctx);
    if ((await ctx.stub.getState(marker)).length === 0) await ctx.stub.putState(marker, canonicalBytes({ since: now, txId: ctx.stub.getTxID() }));
  }
  ctx.stub.setEvent(GRID_TOPOLOGY_EVENT, canonicalBytes({ nodeId: node.nodeId, kind: node.kind, zone, change: 'registered' }));
  return node;
}

export async function listGridNodes(ctx: Context, filterJson: string): Promise<GridNode[]> {
  const filter = parseJsonArg(nodeFilterSchema, filterJson.trim() === '' ? '{}' : filterJson, 'grid node filter');
  return (await readJsonByPrefix<GridNode>(ctx, KEY.gridNode, []))
    .map((entry) => entry.value)
    .filter((node) => (filter.zone === undefined || node.zone === filter.zone) && (filter.kind === undefined || node.kind === filter.kind));
}

function attachmentKey(ctx: Context, zone: string, assetId: string): string {
  return ctx.stub.createCompositeKey(KEY.gridAttachment, [zone, assetId]);
}

/**
 * The DSO attaches a meter or DER to a feeder of the asset's own zone (or moves it to another feeder there). The
 * previous attachment's period ends at this transaction; the history keeps it.
 */
export async function attachAsset(ctx: Context, argsJson: string): Promise<AttachmentRecord> {
  const { assetId, feeder } = parseJsonArg(attachSchema, argsJson, 'attachment');
  const caller = await requireRole(ctx, 'DSO');
  const asset = await getAsset(ctx, assetId);
  if (asset.status === 'DECOMMISSIONED') throw new RuleViolationError(`asset '${assetId}' is decommissioned`);
  if (GRID_ASSET_TYPES.includes(asset.type)) throw new RuleViolationError(`a ${asset.type} is a grid node, not attached to one; register it as a node`, { reason: 'GRID_NODE_ASSET' });
  const node = await requireGridNode(ctx, feeder, 'FEEDER');
  if (node.zone !== asset.zone) {
    throw new RuleViolationError(`feeder '${feeder}' is in zone '${node.zone}'; asset '${assetId}' is in zone '${asset.zone}'`, { reason: 'GRID_ZONE_MISMATCH' });
  }
  await requireZoneOperator(ctx, caller, node.zone);
  const key = attachmentKey(ctx, asset.zone, assetId);
  const current = await readJson<AttachmentRecord>(ctx, key);
  if (current?.feeder === feeder) throw new ConflictError(`asset '${assetId}' is already attached to feeder '${feeder}'`, { reason: 'ALREADY_ATTACHED' });
  const now = txTimeIso(ctx);
  // The clearing takes each meter's feeder at the gate from this history (market/grid-constraints.ts feederAt): a
  // move dated before the current period began would rewrite which feeder a meter was on for a closed gate.
  if (current && Date.parse(now) < Date.parse(current.attachedAt)) {
    throw new RuleViolationError(`asset '${assetId}' was attached to '${current.feeder}' at ${current.attachedAt}; a move cannot be dated earlier (${now})`, { reason: 'ATTACHMENT_BACKDATED' });
  }
  const history = (current?.history ?? []).map((period) => (period.until === null ? { ...period, until: now } : period));
  const record: AttachmentRecord = {
    assetId,
    zone: asset.zone,
    feeder,
    attachedBy: caller.pseudonym,
    attachedAt: now,
    txId: ctx.stub.getTxID(),
    history: [...history, { feeder, from: now, until: null, by: caller.pseudonym }],
  };
  await ctx.stub.putState(key, canonicalBytes(record));
  ctx.stub.setEvent(GRID_TOPOLOGY_EVENT, canonicalBytes({ assetId, zone: asset.zone, feeder, change: current ? 'moved' : 'attached' }));
  return record;
}

export async function getAttachment(ctx: Context, assetId: string): Promise<AttachmentRecord> {
  const asset = await findAsset(ctx, assetId);
  const record = asset ? await readJson<AttachmentRecord>(ctx, attachmentKey(ctx, asset.zone, assetId)) : undefined;
  if (!record) throw new NotFoundError(`asset '${assetId}' is not attached to a feeder`);
  return record;
}

export async function listAttachments(ctx: Context, filterJson: string): Promise<AttachmentRecord[]> {
  const filter = parseJsonArg(attachmentFilterSchema, filterJson, 'attachment filter');
  return (await readJsonByPrefix<AttachmentRecord>(ctx, KEY.gridAttachment, [filter.zone]))
    .map((entry) => entry.value)
    .filter((record) => filter.feeder === undefined || record.feeder === filter.feeder);
}
