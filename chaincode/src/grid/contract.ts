import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { parseWith } from '../common/validate';
import { assetIdSchema } from '../registry/asset';
import { feederLoading, listEnvelopes, publishEnvelopes } from './envelope';
import { getTariff, publishTariffs } from './fees';
import { attachAsset, getAttachment, listAttachments, listGridNodes, nodeIdSchema, registerGridNode, requireGridNode } from './topology';

/**
 * Grid topology, operating envelopes and network tariffs (docs/grid.md). The DSO writes; everything here is public
 * (no personal data: nodes, limits and fees are the DSO's, attachments name assets, not people). Demand response is
 * its own contract (grid/dr).
 */
@Info({ title: 'Grid', description: 'Grid topology, DSO operating envelopes, network tariffs and feeder loading' })
export class GridContract extends Contract {
  constructor() {
    super('Grid');
  }

  /** Args {nodeId, kind: ZONE|FEEDER, zone (FEEDER), assetId?}. DSO only. Returns the node. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async RegisterGridNode(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await registerGridNode(ctx, argsJson));
  }

  /** Args {assetId, feeder}: attaches (or moves) a meter or DER to a feeder of its zone. DSO only. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async AttachAsset(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await attachAsset(ctx, argsJson));
  }

  /** Args {envelopes: [{nodeId, interval, importLimitWh, exportLimitWh}]}. DSO only, before each interval's gate. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async PublishEnvelopes(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await publishEnvelopes(ctx, argsJson));
  }

  /** Args {tariffs: [{zone, interval, feePerKwh, localFeePerKwh}]}. DSO only, before each interval's gate. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async PublishTariffs(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await publishTariffs(ctx, argsJson));
  }

  @Param('nodeId', 'string')
  @Transaction(false)
  @Returns('string')
  async GetGridNode(ctx: Context, nodeId: string): Promise<string> {
    return canonicalJson(await requireGridNode(ctx, parseWith(nodeIdSchema, nodeId, 'nodeId')));
  }

  @Param('filterJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListGridNodes(ctx: Context, filterJson: string): Promise<string> {
    return canonicalJson(await listGridNodes(ctx, filterJson));
  }

  @Param('assetId', 'string')
  @Transaction(false)
  @Returns('string')
  async GetAttachment(ctx: Context, assetId: string): Promise<string> {
    return canonicalJson(await getAttachment(ctx, parseWith(assetIdSchema, assetId, 'assetId')));
  }

  @Param('filterJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListAttachments(ctx: Context, filterJson: string): Promise<string> {
    return canonicalJson(await listAttachments(ctx, filterJson));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListEnvelopes(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await listEnvelopes(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetTariff(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await getTariff(ctx, argsJson));
  }

  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetFeederLoading(ctx: Context, argsJson: string): Promise<string> {
    return canonicalJson(await feederLoading(ctx, argsJson));
  }
}
