import type { Context } from 'fabric-contract-api';
import { NotFoundError } from '../common/errors';
import { KEY, timeKeyPart } from '../common/keys';
import { readJson, readJsonByPrefix, writeJson } from '../common/state';
import type { GovernanceConfig, GovernanceRecord } from './config';

function currentKey(ctx: Context): string {
  return ctx.stub.createCompositeKey(KEY.governanceConfig, []);
}

function versionKey(ctx: Context, version: number): string {
  return ctx.stub.createCompositeKey(KEY.governanceVersion, [timeKeyPart(version)]);
}

export async function findGovernance(ctx: Context): Promise<GovernanceRecord | undefined> {
  return readJson<GovernanceRecord>(ctx, currentKey(ctx));
}

/** The channel's current governance; every rule that depends on configuration reads it here. */
export async function getGovernance(ctx: Context): Promise<GovernanceRecord> {
  const record = await findGovernance(ctx);
  if (!record) {
    throw new NotFoundError(`governance has not been configured on channel '${ctx.stub.getChannelID()}'`);
  }
  return record;
}

export async function getConfig(ctx: Context): Promise<GovernanceConfig> {
  return (await getGovernance(ctx)).config;
}

/** Writes the new current record and keeps every version under its own key, so history is a plain range read. */
export async function storeGovernance(ctx: Context, record: GovernanceRecord): Promise<void> {
  await writeJson(ctx, currentKey(ctx), record);
  await writeJson(ctx, versionKey(ctx, record.version), record);
}

export async function governanceHistory(ctx: Context): Promise<GovernanceRecord[]> {
  return (await readJsonByPrefix<GovernanceRecord>(ctx, KEY.governanceVersion, [])).map((entry) => entry.value);
}
