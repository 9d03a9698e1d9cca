import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { ConflictError, ForbiddenError, RuleViolationError } from '../common/errors';
import { txTimeIso, txTimeMs } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { readJsonByPrefix } from '../common/state';
import { intervalMs } from '../governance/config';
import { getConfig } from '../governance/store';
import { KEY } from '../common/keys';
import { hasRole, requireRole } from '../participants/authorize';
import type { ActingParticipant } from '../participants/participant';
import { getParticipant } from '../participants/store';
import {
  ASSET_HOLDER_ROLES,
  assetFilterSchema,
  assetRefSchema,
  commissionSchema,
  deviceKeyHistory,
  holderRolesFor,
  MAX_METERING_BACKDATE_MS,
  offerTransferSchema,
  ownershipHistory,
  registerAssetSchema,
  rotateKeySchema,
  type Asset,
  type DeviceKeyPeriod,
} from './asset';
import { requireAssetZone } from './grid-zone';
import { canTransition, LIFECYCLE, type LifecycleAction } from './lifecycle';
import { findAsset, getAsset, listAssets, putAsset } from './store';

export const ASSET_EVENT = 'AssetChanged';

async function save(ctx: Context, asset: Asset, change: string): Promise<Asset> {
  await putAsset(ctx, asset);
  ctx.stub.setEvent(ASSET_EVENT, canonicalBytes({ assetId: asset.assetId, status: asset.status, change }));
  return asset;
}

function isOwner(caller: ActingParticipant, asset: Asset): boolean {
  return caller.pseudonym === asset.owner;
}

function requireOwner(caller: ActingParticipant, asset: Asset, action: string): void {
  if (!isOwner(caller, asset)) throw new ForbiddenError(`only the owner of asset '${asset.assetId}' may ${action}`);
}

/** Registers an asset owned by the caller. Only a DSO registers grid infrastructure (feeders, transformers). */
export async function registerAsset(ctx: Context, argsJson: string): Promise<Asset> {
  const input = parseJsonArg(registerAssetSchema, argsJson, 'asset');
  const caller = await requireRole(ctx, ...ASSET_HOLDER_ROLES);
  const holders = holderRolesFor(input.type);
  if (!hasRole(caller, ...holders)) {
    throw new ForbiddenError(`a ${input.type} may be registered only by role ${holders.join(' or ')}`);
  }
  if (await findAsset(ctx, input.assetId)) {
    throw new ConflictError(`asset '${input.assetId}' already exists`);
  }
  await requireAssetZone(ctx, input.zone);
  const now = txTimeIso(ctx);
  const asset: Asset = {
    assetId: input.assetId,
    type: input.type,
    segment: input.segment,
    zone: input.zone,
    capacityKw: input.capacityKw,
    storageKwh: input.storageKwh ?? null,
    devicePublicKey: input.devicePublicKey ?? null,
    owner: caller.pseudonym,
    ownerMspId: caller.mspId,
    status: 'REGISTERED',
    registeredAt: now,
    updatedAt: now,
    commissionedBy: null,
    commissionedAt: null,
    suspendedBy: null,
    pendingTransfer: null,
    deviceKeys: input.devicePublicKey === undefined ? [] : [{ devicePublicKey: input.devicePublicKey, validFrom: now, validUntil: null, setBy: 'OWNER' }],
    ownership: [{ owner: caller.pseudonym, ownerMspId: caller.mspId, from: now }],
    suspensions: [],
  };
  return save(ctx, asset, 'registered');
}

/** Who may take each lifecycle step: a DSO always; the owner for everything but commissioning. */
function authorizeLifecycle(caller: ActingParticipant, asset: Asset, action: LifecycleAction): 'OWNER' | 'DSO' {
  if (hasRole(caller, 'DSO')) return 'DSO';
  if (action === 'commission') throw new ForbiddenError('only a DSO commissions an asset');
  requireOwner(caller, asset, action);
  if (action === 'resume' && asset.suspendedBy === 'DSO') {
    throw new ForbiddenError(`asset '${asset.assetId}' was suspended by a DSO; only a DSO may resume it`);
  }
  return 'OWNER';
}

/** The suspension history after a lifecycle step: a suspension opens one, a resumption closes it. */
function suspensionsAfter(asset: Asset, action: LifecycleAction, actor: 'OWNER' | 'DSO', now: string): Asset['suspensions'] {
  const history = asset.suspensions ?? [];
  if (action === 'suspend') return [...history, { from: now, until: null, by: actor }];
  if (action === 'resume') return history.map((period) => (period.until === null ? { ...period, until: now } : period));
  return history;
}

/**
 * A commissioning's start of metering: the transaction's time, or the earlier `meteringFrom` the DSO attests (never
 * later than now, never more than MAX_METERING_BACKDATE_MS before). From then the device key in force now and the
 * owner of now are the meter's; nothing before it can ever be reported.
 */
function commissioningChanges(ctx: Context, asset: Asset, meteringFrom: number | undefined): Partial<Asset> {
  const nowMs = txTimeMs(ctx);
  const now = txTimeIso(ctx);
  if (meteringFrom === undefined) return { commissionedAt: asset.commissionedAt ?? now, meteringFrom: asset.meteringFrom ?? null };
  if (meteringFrom > nowMs) throw new RuleViolationError(`meteringFrom ${new Date(meteringFrom).toISOString()} is after the commissioning at ${now}`);
  if (meteringFrom < nowMs - MAX_METERING_BACKDATE_MS) {
    throw new RuleViolationError(`meteringFrom may be at most ${MAX_METERING_BACKDATE_MS / 86_400_000} days before the commissioning at ${now}`);
  }
  const from = new Date(meteringFrom).toISOString();
  const keys = deviceKeyHistory(asset);
  const owners = ownershipHistory(asset);
  // Readings follow the owner at their interval: a start before the last change of hands would make the current
  // owner the owner of what the meter measured for the previous one.
  const lastChange = owners.length > 1 ? Date.parse(owners[owners.length - 1].from) : -Infinity;
  if (meteringFrom < lastChange) {
    throw new RuleViolationError(`meteringFrom ${from} is before asset '${asset.assetId}' changed hands at ${owners[owners.length - 1].from}`);
  }
  const earlier = (iso: string) => (Date.parse(iso) < meteringFrom ? iso : from);
  return {
    commissionedAt: now,
    meteringFrom: from,
    deviceKeys: keys.map((period, i) => (i === keys.length - 1 ? { ...period, validFrom: earlier(period.validFrom) } : period)),
    ownership: owners.map((period, i) => (i === owners.length - 1 ? { ...period, from: earlier(period.from) } : period)),
  };
}

async function transition(ctx: Context, argsJson: string, action: LifecycleAction): Promise<Asset> {
  const { assetId, meteringFrom } = action === 'commission' ? parseJsonArg(commissionSchema, argsJson, 'commissioning') : { ...parseJsonArg(assetRefSchema, argsJson, 'asset reference'), meteringFrom: undefined };
  const caller = await requireRole(ctx, ...ASSET_HOLDER_ROLES);
  const asset = await getAsset(ctx, assetId);
  const actor = authorizeLifecycle(caller, asset, action);
  const { to } = LIFECYCLE[action];
  if (!canTransition(action, asset.status)) {
    throw new RuleViolationError(`asset '${assetId}' cannot go from ${asset.status} to ${to}`, { from: asset.status, to });
  }
  const now = txTimeIso(ctx);
  const next: Asset = {
    ...asset,
    status: to,
    updatedAt: now,
    commissionedBy: action === 'commission' ? caller.pseudonym : asset.commissionedBy,
    // Metering starts at the first commissioning (or the earlier start its DSO attests): no reading before it.
    ...(action === 'commission' ? commissioningChanges(ctx, asset, meteringFrom) : {}),
    suspendedBy: action === 'suspend' ? actor : null,
    pendingTransfer: action === 'decommission' ? null : asset.pendingTransfer,
    suspensions: suspensionsAfter(asset, action, actor, now),
  };
  return save(ctx, next, action);
}

export const commissionAsset = (ctx: Context, argsJson: string) => transition(ctx, argsJson, 'commission');
export const activateAsset = (ctx: Context, argsJson: string) => transition(ctx, argsJson, 'activate');
export const suspendAsset = (ctx: Context, argsJson: string) => transition(ctx, argsJson, 'suspend');
export const resumeAsset = (ctx: Context, argsJson: string) => transition(ctx, argsJson, 'resume');
export const decommissionAsset = (ctx: Context, argsJson: string) => transition(ctx, argsJson, 'decommission');

/** First step of a transfer: the owner names the participant that may take the asset over. */
export async function offerTransfer(ctx: Context, argsJson: string): Promise<Asset> {
  const { assetId, to } = parseJsonArg(offerTransferSchema, argsJson, 'transfer offer');
  const caller = await requireRole(ctx, ...ASSET_HOLDER_ROLES);
  const asset = await getAsset(ctx, assetId);
  requireOwner(caller, asset, 'offer it for transfer');
  if (asset.status === 'DECOMMISSIONED') throw new RuleViolationError(`asset '${assetId}' is decommissioned`);
  if (to === caller.pseudonym) throw new RuleViolationError('an asset cannot be transferred to its owner');
  const recipient = await getParticipant(ctx, to);
  if (recipient.status !== 'ACTIVE') throw new RuleViolationError(`participant ${to} is ${recipient.status.toLowerCase()}`);
  return save(ctx, { ...asset, pendingTransfer: { to, offeredAt: txTimeIso(ctx) }, updatedAt: txTimeIso(ctx) }, 'transfer offered');
}

/** Second step: the named participant accepts and becomes the owner, if it may hold this kind of asset. */
export async function acceptTransfer(ctx: Context, argsJson: string): Promise<Asset> {
  const { assetId } = parseJsonArg(assetRefSchema, argsJson, 'asset reference');
  const caller = await requireRole(ctx, ...ASSET_HOLDER_ROLES);
  const asset = await getAsset(ctx, assetId);
  if (!asset.pendingTransfer) throw new RuleViolationError(`asset '${assetId}' has no pending transfer`);
  if (asset.pendingTransfer.to !== caller.pseudonym) throw new ForbiddenError(`the transfer of asset '${assetId}' was offered to another participant`);
  if (asset.status === 'DECOMMISSIONED') throw new RuleViolationError(`asset '${assetId}' is decommissioned`);
  const holders = holderRolesFor(asset.type);
  if (!hasRole(caller, ...holders)) throw new ForbiddenError(`a ${asset.type} may be held only by role ${holders.join(' or ')}`);
  // Open offers on the asset for an interval that has not started would settle against the new owner's meter (or
  // block its own offers): the seller withdraws them first.
  const nowMs = txTimeMs(ctx);
  const pending = (await readJsonByPrefix<{ interval: string }>(ctx, KEY.offered, [assetId])).find((entry) => Date.parse(entry.value.interval) >= nowMs);
  if (pending) {
    throw new RuleViolationError(`asset '${assetId}' backs open offers for ${pending.value.interval}; they must be withdrawn before the asset changes hands`, { reason: 'ASSET_HAS_OPEN_OFFERS' });
  }
  const now = txTimeIso(ctx);
  // Ownership is kept as history: readings of intervals before this transaction stay the previous owner's.
  const ownership = [...ownershipHistory(asset), { owner: caller.pseudonym, ownerMspId: caller.mspId, from: now }];
  const next: Asset = { ...asset, owner: caller.pseudonym, ownerMspId: caller.mspId, pendingTransfer: null, updatedAt: now, ownership };
  return save(ctx, next, 'transferred');
}

export async function cancelTransfer(ctx: Context, argsJson: string): Promise<Asset> {
  const { assetId } = parseJsonArg(assetRefSchema, argsJson, 'asset reference');
  const caller = await requireRole(ctx, ...ASSET_HOLDER_ROLES);
  const asset = await getAsset(ctx, assetId);
  requireOwner(caller, asset, 'cancel its transfer');
  if (!asset.pendingTransfer) throw new RuleViolationError(`asset '${assetId}' has no pending transfer`);
  return save(ctx, { ...asset, pendingTransfer: null, updatedAt: txTimeIso(ctx) }, 'transfer cancelled');
}

/**
 * Replaces a compromised or renewed device key. Before commissioning the owner may change it; once a DSO has
 * commissioned the asset, only a DSO may (re-commissioning: the DSO vouches for the new key as it did for the first).
 * The old key stays in the history, in force until this transaction; the new one is in force from this transaction's
 * time, so it can never sign an interval that started before it. A key the asset ever had is never taken again.
 */
export async function rotateDeviceKey(ctx: Context, argsJson: string): Promise<Asset> {
  const { assetId, devicePublicKey, compromisedSince } = parseJsonArg(rotateKeySchema, argsJson, 'device key rotation');
  const caller = await requireRole(ctx, ...ASSET_HOLDER_ROLES);
  const asset = await getAsset(ctx, assetId);
  const byDso = hasRole(caller, 'DSO');
  if (!byDso) {
    requireOwner(caller, asset, 'change its device key');
    if (asset.status !== 'REGISTERED') {
      throw new ForbiddenError(`asset '${assetId}' is ${asset.status}: once commissioned, its device key is changed only by a DSO (re-commissioning)`);
    }
  }
  if (asset.status === 'DECOMMISSIONED') throw new RuleViolationError(`asset '${assetId}' is decommissioned`);
  const history = deviceKeyHistory(asset);
  if (history.some((period) => period.devicePublicKey === devicePublicKey)) {
    throw new RuleViolationError(`asset '${assetId}' has had this device key before; a rotation needs a new key`);
  }
  if (compromisedSince !== undefined && !byDso) throw new ForbiddenError('only a DSO may declare a device key compromised');
  if (compromisedSince !== undefined && compromisedSince > txTimeMs(ctx)) {
    throw new RuleViolationError(`compromisedSince ${new Date(compromisedSince).toISOString()} is after the rotation at ${txTimeIso(ctx)}`);
  }
  const now = txTimeIso(ctx);
  // A reading verifies against the key in force at its interval's start: a key compromised during an interval must
  // not sign that interval either, so its window ends at the start of the interval the compromise fell in.
  const length = compromisedSince === undefined ? 1 : intervalMs(await getConfig(ctx));
  const compromisedFrom = compromisedSince === undefined ? undefined : Math.floor(compromisedSince / length) * length;
  // The replaced key is trusted until the rotation, or only until it was compromised (never before it was set).
  const endOf = (period: DeviceKeyPeriod) =>
    compromisedFrom === undefined ? now : new Date(Math.max(compromisedFrom, Date.parse(period.validFrom))).toISOString();
  const deviceKeys = [
    ...history.map((period) => (period.validUntil === null ? { ...period, validUntil: endOf(period) } : period)),
    { devicePublicKey, validFrom: now, validUntil: null, setBy: byDso ? ('DSO' as const) : ('OWNER' as const) },
  ];
  return save(ctx, { ...asset, devicePublicKey, deviceKeys, updatedAt: now }, byDso ? 'device key rotated by a DSO' : 'device key rotated');
}

export async function queryAssets(ctx: Context, filterJson: string): Promise<Asset[]> {
  const filter = parseJsonArg(assetFilterSchema, filterJson.trim() === '' ? '{}' : filterJson, 'asset filter');
  return (await listAssets(ctx)).filter(
    (asset) =>
      (filter.zone === undefined || asset.zone === filter.zone) &&
      (filter.owner === undefined || asset.owner === filter.owner) &&
      (filter.type === undefined || asset.type === filter.type) &&
      (filter.status === undefined || asset.status === filter.status) &&
      (filter.segment === undefined || asset.segment === filter.segment),
  );
}
