import { z } from 'zod';
import type { ParticipantRole } from '../common/roles';
import { pseudonymSchema } from '../participants/participant';
import { devicePublicKeySchema } from './device-key';

export const ASSET_TYPES = ['meter', 'pv', 'wind', 'battery', 'ev_charger', 'generator', 'flexible_load', 'feeder', 'transformer'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];

export const SEGMENTS = ['wholesale', 'retail'] as const;
export type Segment = (typeof SEGMENTS)[number];

export const ASSET_STATUSES = ['REGISTERED', 'COMMISSIONED', 'ACTIVE', 'SUSPENDED', 'DECOMMISSIONED'] as const;
export type AssetStatus = (typeof ASSET_STATUSES)[number];

/** Grid infrastructure belongs to the distribution system operator. */
export const GRID_ASSET_TYPES: readonly AssetType[] = ['feeder', 'transformer'];
export const STORAGE_ASSET_TYPES: readonly AssetType[] = ['battery'];
/** A meter exists to report, so it cannot be registered without its device key. */
export const KEY_REQUIRED_TYPES: readonly AssetType[] = ['meter'];

/** Roles that may own assets, and the roles that may own each kind of asset. */
export const ASSET_HOLDER_ROLES: readonly ParticipantRole[] = ['DSO', 'GENERATOR', 'AGGREGATOR', 'RETAILER', 'PROSUMER', 'CONSUMER'];

export function holderRolesFor(type: AssetType): ParticipantRole[] {
  return GRID_ASSET_TYPES.includes(type) ? ['DSO'] : [...ASSET_HOLDER_ROLES];
}

export const assetIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'letters, digits, . _ : - (at most 64)');
export const zoneSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)');

const kilo = (what: string) =>
  z
    .number()
    .positive()
    .max(10_000_000)
    .refine((v) => Math.abs(v * 1000 - Math.round(v * 1000)) < 1e-6, `${what} has at most 3 decimals`);

export const registerAssetSchema = z
  .strictObject({
    assetId: assetIdSchema,
    type: z.enum(ASSET_TYPES),
    segment: z.enum(SEGMENTS),
    zone: zoneSchema,
    /** Rated power in kW (at most 3 decimals, i.e. whole watts). */
    capacityKw: kilo('capacityKw'),
    /** Energy capacity in kWh, storage only. */
    storageKwh: kilo('storageKwh').optional(),
    devicePublicKey: devicePublicKeySchema.optional(),
  })
  .superRefine((asset, issues) => {
    const storage = STORAGE_ASSET_TYPES.includes(asset.type);
    if (storage && asset.storageKwh === undefined) {
      issues.addIssue({ code: 'custom', path: ['storageKwh'], message: `is required for a ${asset.type}` });
    }
    if (!storage && asset.storageKwh !== undefined) {
      issues.addIssue({ code: 'custom', path: ['storageKwh'], message: `does not apply to a ${asset.type}` });
    }
    if (KEY_REQUIRED_TYPES.includes(asset.type) && asset.devicePublicKey === undefined) {
      issues.addIssue({ code: 'custom', path: ['devicePublicKey'], message: `is required for a ${asset.type}` });
    }
  });

export const assetRefSchema = z.strictObject({ assetId: assetIdSchema });

/** How far before its commissioning a DSO may date the start of a meter's metering: one billing month. */
export const MAX_METERING_BACKDATE_MS = 31 * 24 * 3600 * 1000;

/**
 * CommissionAsset's argument. `meteringFrom` (ms since the epoch) lets the DSO attest that the meter, with the device
 * key it has now, was installed and measuring since then (at most MAX_METERING_BACKDATE_MS before the commissioning);
 * without it metering starts at the commissioning transaction.
 */
export const commissionSchema = z.strictObject({ assetId: assetIdSchema, meteringFrom: z.number().int().min(0).max(8_640_000_000_000_000).optional() });
export const offerTransferSchema = z.strictObject({ assetId: assetIdSchema, to: pseudonymSchema });
export const rotateKeySchema = z.strictObject({
  assetId: assetIdSchema,
  devicePublicKey: devicePublicKeySchema,
  /**
   * DSO only, for a key that leaked: the time (ms) from which the replaced key is no longer trusted. Its window then
   * ends there instead of at the rotation, so no interval in between can be reported with it (nor with the new key).
   */
  compromisedSince: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
});
export const assetFilterSchema = z.strictObject({
  zone: zoneSchema.optional(),
  owner: pseudonymSchema.optional(),
  type: z.enum(ASSET_TYPES).optional(),
  status: z.enum(ASSET_STATUSES).optional(),
  segment: z.enum(SEGMENTS).optional(),
});

export interface PendingTransfer {
  readonly to: string;
  readonly offeredAt: string;
}

/**
 * One device key and when it was in force: from the transaction that set it until the one that replaced it (null:
 * still in force). A reading is verified against the key in force at its interval's start, so a new key can never
 * sign an interval from before it was set.
 */
export interface DeviceKeyPeriod {
  readonly devicePublicKey: string;
  readonly validFrom: string;
  readonly validUntil: string | null;
  /** Who set it: the owner (registration, or a rotation before commissioning) or a DSO (re-commissioning). */
  readonly setBy: 'OWNER' | 'DSO';
}

/** A suspension: from the transaction that suspended the asset until the one that resumed it (null: not yet). */
export interface SuspensionPeriod {
  readonly from: string;
  readonly until: string | null;
  readonly by: 'OWNER' | 'DSO';
}

/** One owner and since when (transaction time of the registration or of the accepted transfer). */
export interface OwnershipPeriod {
  readonly owner: string;
  readonly ownerMspId: string;
  readonly from: string;
}

/** A grid asset as the channel sees it: public, and free of personal data (the owner is a pseudonym). */
export interface Asset {
  readonly assetId: string;
  readonly type: AssetType;
  readonly segment: Segment;
  readonly zone: string;
  readonly capacityKw: number;
  readonly storageKwh: number | null;
  /** SPKI PEM of the device's ECDSA P-256 key, or null for an asset that does not report. */
  readonly devicePublicKey: string | null;
  readonly owner: string;
  readonly ownerMspId: string;
  readonly status: AssetStatus;
  readonly registeredAt: string;
  readonly updatedAt: string;
  readonly commissionedBy: string | null;
  /** When a DSO first commissioned it: metering starts here, no reading may be for an interval starting earlier. */
  readonly commissionedAt?: string | null;
  /** An earlier start of metering the commissioning DSO attested (see commissionSchema); null: the commissioning. */
  readonly meteringFrom?: string | null;
  /** Every device key it has had, oldest first (absent on records written before key history was kept). */
  readonly deviceKeys?: readonly DeviceKeyPeriod[];
  /** Every owner it has had, oldest first (absent on records written before ownership history was kept). */
  readonly ownership?: readonly OwnershipPeriod[];
  /** Every suspension, oldest first: a meter reports nothing for an interval that overlaps one. */
  readonly suspensions?: readonly SuspensionPeriod[];
  /** Who suspended it: an owner may resume only its own suspension. */
  readonly suspendedBy: 'OWNER' | 'DSO' | null;
  readonly pendingTransfer: PendingTransfer | null;
}

/** Energy one interval can carry at rated power, in Wh: capacity × interval length. */
export function maxEnergyWhPerInterval(asset: Asset, intervalMinutes: number): number {
  return (Math.round(asset.capacityKw * 1000) * intervalMinutes) / 60;
}

/** The asset's device keys with their validity, for records written before the history was kept as well. */
export function deviceKeyHistory(asset: Asset): readonly DeviceKeyPeriod[] {
  if (asset.deviceKeys) return asset.deviceKeys;
  return asset.devicePublicKey === null ? [] : [{ devicePublicKey: asset.devicePublicKey, validFrom: asset.registeredAt, validUntil: null, setBy: 'OWNER' }];
}

/** The device key in force at `atMs` (an interval's start), if any; the latest-set key wins where windows overlap. */
export function deviceKeyAt(asset: Asset, atMs: number): DeviceKeyPeriod | undefined {
  const history = deviceKeyHistory(asset);
  for (let i = history.length - 1; i >= 0; i--) {
    const period = history[i];
    if (Date.parse(period.validFrom) <= atMs && (period.validUntil === null || atMs < Date.parse(period.validUntil))) return period;
  }
  return undefined;
}

/** The asset's owners over time, for records written before the history was kept as well. */
export function ownershipHistory(asset: Asset): readonly OwnershipPeriod[] {
  return asset.ownership ?? [{ owner: asset.owner, ownerMspId: asset.ownerMspId, from: asset.registeredAt }];
}

/**
 * Who owned the asset at `atMs` (an interval's start): the last owner whose period began at or before it. Before
 * registration there is no owner. Access to a reading follows this owner, not today's.
 */
export function ownerAt(asset: Asset, atMs: number): OwnershipPeriod | undefined {
  let found: OwnershipPeriod | undefined;
  for (const period of ownershipHistory(asset)) {
    if (Date.parse(period.from) <= atMs) found = period;
  }
  return found;
}

/**
 * Where metering starts: the first commissioning by a DSO, or the earlier start it attested (for an older record
 * without either, its registration if it was ever commissioned). Undefined for an asset never commissioned.
 */
export function meteringStartMs(asset: Asset): number | undefined {
  if (asset.meteringFrom) return Date.parse(asset.meteringFrom);
  if (asset.commissionedAt) return Date.parse(asset.commissionedAt);
  if (asset.commissionedBy !== null) return Date.parse(asset.registeredAt);
  return undefined;
}

/** The suspension overlapping [startMs, endMs), if any: the meter was not in service for (part of) that interval. */
export function suspensionDuring(asset: Asset, startMs: number, endMs: number): SuspensionPeriod | undefined {
  return (asset.suspensions ?? []).find((period) => Date.parse(period.from) < endMs && (period.until === null || startMs < Date.parse(period.until)));
}
