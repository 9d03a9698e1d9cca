import { Context, Contract, Info, Returns, Transaction, Param } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalJson } from '../common/canonical-json';
import { NotFoundError } from '../common/errors';
import { parseJsonArg } from '../common/validate';
import { intervalMs, settlementDeadlineMs } from './config';
import { getConfig } from '../governance/store';
import { participantOrNone, requireParticipant, requireRole } from '../participants/authorize';
import { withOversightDetails, withPrivateDetails } from '../common/private-details';
import { parseInterval } from '../market/interval';
import { orderIdSchema, zoneSchema } from '../market/rules';
import { transientSalt } from '../common/transient';
import { readJson } from '../common/state';
import { meterReadingWh } from '../market/eligibility';
import { referencePriceOf } from '../market/deposit';
import { ownerAt, type Asset } from '../registry/asset';
import { findAsset } from '../registry/store';
import { orgCollection } from '../common/keys';
import { SETTLEMENT_RECORD, listSettledRecords, proofFor, readFullSettlement, readSettlement, settleInterval, type PublicSettledRecord } from './settle';

export const settlementSlotSchema = z.strictObject({ market: z.enum(['RETAIL', 'WHOLESALE']), zone: zoneSchema, interval: z.string().min(1).max(40) });
export const recordRefSchema = settlementSlotSchema.extend({ orderId: orderIdSchema });

async function slotOf(ctx: Context, args: z.output<typeof settlementSlotSchema>) {
  const config = await getConfig(ctx);
  return { config, interval: parseInterval(args.interval, intervalMs(config)) };
}

@Info({ title: 'Settlement', description: 'Settlement of cleared intervals against metered delivery; Merkle-committed records' })
export class SettlementContract extends Contract {
  constructor() {
    super('Settlement');
  }

  /**
   * Args {market: RETAIL|WHOLESALE, zone (SYSTEM for wholesale), interval}; transient `salt`. Market operator only;
   * after the interval ends and once every reading is in or the governance deadline has passed. The settling market
   * operator's account is the balancing account. Emits `SettlementCompleted`. Returns the public summary.
   */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SettleInterval(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(settlementSlotSchema, argsJson, 'settlement reference');
    const { config, interval } = await slotOf(ctx, args);
    const salt = transientSalt(ctx);
    const operator = await requireRole(ctx, 'MARKET_OPERATOR');
    // Each awarded meter's record serves both the owner-at-interval check and the key-trust check: read it once.
    const meters = new Map<string, Promise<Asset | undefined>>();
    const meterOf = (meterId: string) => {
      let found = meters.get(meterId);
      if (!found) meters.set(meterId, (found = findAsset(ctx, meterId)));
      return found;
    };
    const summary = await settleInterval(ctx, {
      market: args.market,
      zone: args.zone,
      interval,
      secretSalt: salt,
      imbalanceFactorPermille: config.imbalanceFactorPermille,
      imbalanceReferencePrice: referencePriceOf(config),
      settlementDeadlineMs: settlementDeadlineMs(config),
      balancingAccount: operator.pseudonym,
      oversightCollection: orgCollection('settlement', operator.mspId),
      minPublicGroupSize: config.minPublicGroupSize,
      readingOf: (meterId, side) => meterReadingWh(ctx, meterId, side, interval.startMs, meterOf),
      meterOwnerAt: async (meterId) => {
        const meter = await meterOf(meterId);
        return meter ? ownerAt(meter, interval.startMs)?.owner : undefined;
      },
    });
    return canonicalJson(summary);
  }

  /** Args {market, zone, interval} → public totals and the Merkle root. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetSettlement(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(settlementSlotSchema, argsJson, 'settlement reference');
    const { interval } = await slotOf(ctx, args);
    const summary = await readSettlement(ctx, args.market, args.zone, interval.id);
    if (!summary) throw new NotFoundError(`${args.market.toLowerCase()} ${args.zone} ${interval.id} is not settled`);
    return canonicalJson(await withOversightDetails(await participantOrNone(ctx), summary, () => readFullSettlement(ctx, summary)));
  }

  /** Args {market, zone, interval} → public leaf hashes in Merkle order (owner, order id, leaf hash). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListRecords(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(settlementSlotSchema, argsJson, 'settlement reference');
    const { interval } = await slotOf(ctx, args);
    return canonicalJson(await listSettledRecords(ctx, args.market, args.zone, interval.id));
  }

  /** Args {market, zone, interval, orderId} → {record, details?}; details (the Merkle leaf) for owner, operator, regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetRecord(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(recordRefSchema, argsJson, 'settlement record reference');
    const { interval } = await slotOf(ctx, args);
    const caller = await requireParticipant(ctx);
    const key = ctx.stub.createCompositeKey(SETTLEMENT_RECORD, [args.market, args.zone, interval.id, args.orderId]);
    const record = await readJson<PublicSettledRecord>(ctx, key);
    if (!record) throw new NotFoundError(`no settled record for order '${args.orderId}'`);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'record', record, key));
  }

  /** Args {market, zone, interval, orderId} → {orderId, leafHash, index, proof, merkleRoot}; verify with verifyMerkleProof. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetProof(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(recordRefSchema, argsJson, 'settlement record reference');
    const { interval } = await slotOf(ctx, args);
    return canonicalJson(await proofFor(ctx, args.market, args.zone, interval.id, args.orderId));
  }
}
