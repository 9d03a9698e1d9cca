import type { Context } from 'fabric-contract-api';
import { NotFoundError } from '../common/errors';
import { KEY } from '../common/keys';
import { readHistory, readJson, readJsonByPrefix, writeJson, type HistoryEntry } from '../common/state';
import type { Asset } from './asset';

export function assetKey(ctx: Context, assetId: string): string {
  return ctx.stub.createCompositeKey(KEY.asset, [assetId]);
}

export async function findAsset(ctx: Context, assetId: string): Promise<Asset | undefined> {
  return readJson<Asset>(ctx, assetKey(ctx, assetId));
}

export async function getAsset(ctx: Context, assetId: string): Promise<Asset> {
  const asset = await findAsset(ctx, assetId);
  if (!asset) throw new NotFoundError(`asset '${assetId}' does not exist`);
  return asset;
}

export async function putAsset(ctx: Context, asset: Asset): Promise<void> {
  await writeJson(ctx, assetKey(ctx, asset.assetId), asset);
}

export async function listAssets(ctx: Context): Promise<Asset[]> {
  return (await readJsonByPrefix<Asset>(ctx, KEY.asset, [])).map((entry) => entry.value);
}

export async function assetHistory(ctx: Context, assetId: string): Promise<HistoryEntry<Asset>[]> {
  await getAsset(ctx, assetId);
  return readHistory<Asset>(ctx, assetKey(ctx, assetId));
}
