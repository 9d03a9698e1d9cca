import type { Context } from 'fabric-contract-api';
import { NotFoundError, RuleViolationError } from '../common/errors';
import type { Asset, AssetType } from '../registry/asset';
import { findAsset } from '../registry/store';
import { findStoredReading } from '../metering/store';
import { readingTrusted } from '../metering/trust';
import type { AssetLimit } from './book';

/**
 * Who may trade what: every order names the assets it trades with (in the private order body), and only those keys are
 * read — never a scan of the registry, which would put every order in a phantom-read race with every asset change.
 */

export interface Eligibility {
  /** Meters whose readings settle the order. */
  readonly meterIds: string[];
  /** The generating or storage asset a sell order offers from. */
  readonly assetId: string | null;
  /** Sell orders: what each named asset (source and meter) can deliver in one interval, for book.ts's offer limit. */
  readonly limits: AssetLimit[];
}

/**
 * What an asset can physically deliver in one interval, in whole Wh: rated power × interval length (rounded down),
 * for storage at most its energy capacity.
 */
export function deliverableWh(asset: Asset, intervalMinutes: number): number {
  const watts = Math.round(asset.capacityKw * 1000);
  const byPower = Math.floor((watts * intervalMinutes) / 60);
  return asset.storageKwh === null || asset.storageKwh === undefined ? byPower : Math.min(byPower, Math.round(asset.storageKwh * 1000));
}

function limitsOf(assets: readonly Asset[], intervalMinutes: number): AssetLimit[] {
  return assets.map((asset) => ({ assetId: asset.assetId, maxWh: deliverableWh(asset, intervalMinutes) }));
}

/** Retail sellers offer from a generating or storage asset. */
export const RETAIL_SELL_ASSET_TYPES: readonly AssetType[] = ['pv', 'wind', 'battery', 'generator'];

async function ownedActiveAsset(ctx: Context, assetId: string, owner: string, types: readonly AssetType[], what: string): Promise<Asset> {
  const asset = await findAsset(ctx, assetId);
  if (!asset) throw new NotFoundError(`asset '${assetId}' does not exist`);
  const problem =
    asset.owner !== owner
      ? 'belongs to another participant'
      : !types.includes(asset.type)
        ? `is a ${asset.type}, not ${types.join('/')}`
        : asset.status !== 'ACTIVE'
          ? `is ${asset.status.toLowerCase()}, not active`
          : undefined;
  if (problem) throw new RuleViolationError(`asset '${assetId}' ${problem}: no eligible ${what}`, { reason: 'NO_ELIGIBLE_ASSET' });
  return asset;
}

function requireZone(asset: Asset, zone: string): void {
  if (asset.zone !== zone) {
    throw new RuleViolationError(`asset '${asset.assetId}' is in zone '${asset.zone}', not '${zone}'`, { reason: 'WRONG_ZONE' });
  }
}

export async function retailSellerEligibility(ctx: Context, owner: string, zone: string, assetId: string, meterId: string, intervalMinutes: number): Promise<Eligibility> {
  const source = await ownedActiveAsset(ctx, assetId, owner, RETAIL_SELL_ASSET_TYPES, 'generating or storage asset');
  if (source.segment !== 'retail') throw new RuleViolationError(`asset '${assetId}' trades in the ${source.segment} segment`, { reason: 'NO_ELIGIBLE_ASSET' });
  requireZone(source, zone);
  const meter = await ownedActiveAsset(ctx, meterId, owner, ['meter'], 'meter');
  requireZone(meter, zone);
  return { meterIds: [meter.assetId], assetId: source.assetId, limits: limitsOf([source, meter], intervalMinutes) };
}

export async function retailBuyerEligibility(ctx: Context, owner: string, zone: string, meterId: string): Promise<Eligibility> {
  const meter = await ownedActiveAsset(ctx, meterId, owner, ['meter'], 'meter');
  requireZone(meter, zone);
  return { meterIds: [meter.assetId], assetId: null, limits: [] };
}

/** A wholesale generator asset; its own readings settle the curve unless a meter is named. */
export async function wholesaleSupplyEligibility(ctx: Context, owner: string, assetId: string, meterId: string | undefined, intervalMinutes: number): Promise<Eligibility> {
  const generator = await ownedActiveAsset(ctx, assetId, owner, ['generator', 'wind', 'pv', 'battery'], 'wholesale generator');
  if (generator.segment !== 'wholesale') {
    throw new RuleViolationError(`asset '${assetId}' is a ${generator.segment} asset, not a wholesale generator`, { reason: 'NO_ELIGIBLE_ASSET' });
  }
  if (meterId === undefined) return { meterIds: [generator.assetId], assetId: generator.assetId, limits: limitsOf([generator], intervalMinutes) };
  const meter = await ownedActiveAsset(ctx, meterId, owner, ['meter'], 'meter');
  return { meterIds: [meter.assetId], assetId: generator.assetId, limits: limitsOf([generator, meter], intervalMinutes) };
}

/**
 * One meter's reading for an interval on one side, in Wh: export for a seller, import for a buyer; null when it has
 * no reading (a missing reading means nothing was delivered). Settlement allocates it across every award naming the
 * meter (settlement/compute.ts).
 */
export async function meterReadingWh(
  ctx: Context,
  meterId: string,
  side: 'BUY' | 'SELL',
  intervalStartMs: number,
  meterOf: (meterId: string) => Promise<Asset | undefined> = (id) => findAsset(ctx, id),
): Promise<number | null> {
  const stored = await findStoredReading(ctx, meterId, intervalStartMs);
  if (!stored) return null;
  // A reading signed by a key a DSO has since declared compromised for this interval does not count (metering/trust.ts).
  const meter = await meterOf(meterId);
  if (!meter || !readingTrusted(meter, stored)) return null;
  return side === 'SELL' ? stored.reading.exportedWh : stored.reading.importedWh;
}
