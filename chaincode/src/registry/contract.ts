import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { parseWith } from '../common/validate';
import { assetIdSchema } from './asset';
import {
  acceptTransfer,
  activateAsset,
  cancelTransfer,
  commissionAsset,
  decommissionAsset,
  offerTransfer,
  queryAssets,
  registerAsset,
  resumeAsset,
  rotateDeviceKey,
  suspendAsset,
} from './operations';
import { assetHistory, getAsset } from './store';

@Info({ title: 'Registry', description: 'Grid assets: registration, lifecycle, ownership and history' })
export class RegistryContract extends Contract {
  constructor() {
    super('Registry');
  }

  @Param('assetJson', 'string')
  @Transaction()
  @Returns('string')
  async RegisterAsset(ctx: Context, assetJson: string): Promise<string> {
    return canonicalJson(await registerAsset(ctx, assetJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CommissionAsset(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await commissionAsset(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async ActivateAsset(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await activateAsset(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SuspendAsset(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await suspendAsset(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async ResumeAsset(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await resumeAsset(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async DecommissionAsset(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await decommissionAsset(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async OfferTransfer(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await offerTransfer(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async AcceptTransfer(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await acceptTransfer(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async CancelTransfer(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await cancelTransfer(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async RotateDeviceKey(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await rotateDeviceKey(ctx, argsJson));
  }

  @Param('assetId', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAsset(ctx: Context, assetId: string): Promise<string> {
    return canonicalJson(await getAsset(ctx, parseWith(assetIdSchema, assetId, 'assetId')));
  }

  @Param('assetId', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAssetHistory(ctx: Context, assetId: string): Promise<string> {
    return canonicalJson(await assetHistory(ctx, parseWith(assetIdSchema, assetId, 'assetId')));
  }

  @Param('filterJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAssets(ctx: Context, filterJson: string): Promise<string> {
    return canonicalJson(await queryAssets(ctx, filterJson));
  }
}
