import type { Context } from 'fabric-contract-api';
import { ConflictError, InvalidArgumentError, RuleViolationError } from '../common/errors';
import { requireAdminOfOrg } from '../common/identity';
import { SECRETS_COLLECTION } from '../common/keys';
import { transientText } from '../common/state';
import { txTimeIso } from '../common/tx-time';
import { parseJsonArg, parseWith } from '../common/validate';
import { canonicalBytes } from '../common/canonical-json';
import {
  governanceConfigPatchSchema,
  governanceConfigSchema,
  marketOperatorMsp,
  type GovernanceConfig,
  type GovernanceRecord,
} from './config';
import { findGovernance, getGovernance, storeGovernance } from './store';

export const PSEUDONYM_KEY_TRANSIENT = 'pseudonymKey';
export const PSEUDONYM_KEY_SECRET = 'pseudonymKey';
export const MIN_PSEUDONYM_KEY_CHARS = 32;

export const GOVERNANCE_EVENT = 'GovernanceConfigured';

const OPERATOR_MSP = "the market operator's MSP";

/**
 * Fields fixed by InitConfig. Interval names, reading alignment and every key of open orders, awards and escrows derive
 * from `intervalMinutes`; a new length would strand them all.
 */
export const IMMUTABLE_FIELDS = ['intervalMinutes'] as const;

function refuseImmutableChanges(current: GovernanceConfig, patch: Partial<GovernanceConfig>): void {
  for (const field of IMMUTABLE_FIELDS) {
    if (patch[field] !== undefined && patch[field] !== current[field]) {
      throw new RuleViolationError(
        `${field} cannot change after InitConfig (it is ${current[field]}): existing orders, awards, escrows and readings are keyed by it; a different value needs a new channel`,
      );
    }
  }
}

async function record(ctx: Context, version: number, config: GovernanceConfig): Promise<GovernanceRecord> {
  const next: GovernanceRecord = {
    version,
    config,
    updatedAt: txTimeIso(ctx),
    updatedByMspId: ctx.clientIdentity.getMSPID(),
    txId: ctx.stub.getTxID(),
  };
  await storeGovernance(ctx, next);
  ctx.stub.setEvent(GOVERNANCE_EVENT, canonicalBytes({ version }));
  return next;
}

/**
 * Sets the channel's configuration the first time. Whoever calls this first would own the channel's governance, so
 * the caller must be an admin of the very MSP the configuration names as market operator: another org's admin can
 * only make itself operator by naming itself, which the deployment pre-empts by running this right after the
 * chaincode definition is committed. The pseudonym key (transient `pseudonymKey`, at least 32 characters) keys every
 * participant pseudonym on the channel and is kept in the channel-wide secrets collection, never in public state.
 */
export async function initConfig(ctx: Context, configJson: string): Promise<GovernanceRecord> {
  const config = parseJsonArg(governanceConfigSchema, configJson, 'governance configuration');
  requireAdminOfOrg(ctx, marketOperatorMsp(config), 'initialising governance', OPERATOR_MSP);
  if (await findGovernance(ctx)) {
    throw new ConflictError('governance is already configured on this channel; use UpdateConfig');
  }
  const key = transientText(ctx, PSEUDONYM_KEY_TRANSIENT);
  if (key === undefined || key.length < MIN_PSEUDONYM_KEY_CHARS) {
    throw new InvalidArgumentError(`transient '${PSEUDONYM_KEY_TRANSIENT}' must hold a secret of at least ${MIN_PSEUDONYM_KEY_CHARS} characters`);
  }
  await ctx.stub.putPrivateData(SECRETS_COLLECTION, PSEUDONYM_KEY_SECRET, Buffer.from(key, 'utf8'));
  return record(ctx, 1, config);
}

/**
 * Changes named fields; only an admin of the current market operator's MSP may, and the old version stays readable.
 * IMMUTABLE_FIELDS may only be restated with their current value.
 */
export async function updateConfig(ctx: Context, patchJson: string): Promise<GovernanceRecord> {
  const patch = parseJsonArg(governanceConfigPatchSchema, patchJson, 'governance update');
  const current = await getGovernance(ctx);
  requireAdminOfOrg(ctx, marketOperatorMsp(current.config), 'updating governance', OPERATOR_MSP);
  refuseImmutableChanges(current.config, patch);
  const merged = parseWith(governanceConfigSchema, { ...current.config, ...patch }, 'governance configuration');
  return record(ctx, current.version + 1, merged);
}
