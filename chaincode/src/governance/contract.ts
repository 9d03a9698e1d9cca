import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { initConfig, updateConfig } from './configure';
import { getGovernance, governanceHistory } from './store';

@Info({ title: 'Governance', description: 'Channel configuration: intervals, price limits, org roles, settlement rules' })
export class GovernanceContract extends Contract {
  constructor() {
    super('Governance');
  }

  // @Param sits above @Transaction so the parameters are declared even where no decorator metadata is emitted (tsx).
  @Param('configJson', 'string')
  @Transaction()
  @Returns('string')
  async InitConfig(ctx: Context, configJson: string): Promise<string> {
    return canonicalJson(await initConfig(ctx, configJson));
  }

  @Param('patchJson', 'string')
  @Transaction()
  @Returns('string')
  async UpdateConfig(ctx: Context, patchJson: string): Promise<string> {
    return canonicalJson(await updateConfig(ctx, patchJson));
  }

  @Transaction(false)
  @Returns('string')
  async GetConfig(ctx: Context): Promise<string> {
    return canonicalJson(await getGovernance(ctx));
  }

  @Transaction(false)
  @Returns('string')
  async GetConfigHistory(ctx: Context): Promise<string> {
    return canonicalJson(await governanceHistory(ctx));
  }
}
