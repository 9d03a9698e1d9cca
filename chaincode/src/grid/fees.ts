import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes } from '../common/canonical-json';
import { InvalidArgumentError, NotFoundError } from '../common/errors';
import { parseJsonArg } from '../common/validate';
import { intervalMs } from '../governance/config';
import { getConfig } from '../governance/store';
import { readTariff, tariffKey, type TariffRecord } from '../market/grid-constraints';
import { intervalText, parseInterval } from '../market/interval';
import { MAX_PRICE } from '../market/rules';
import { requireRole } from '../participants/authorize';
import { zoneSchema } from '../registry/asset';
import { GRID_SIGNAL_EVENT, gridSlotSchema, MAX_BATCH, publisherOf, requireBeforeGate } from './envelope';
import { requireZoneOperator } from './topology';

/**
 * Network tariffs: per zone and delivery interval (so time-of-use is a tariff per interval), the fee per kWh added to
 * every buyer's price in the retail clearing and paid to the publishing DSO at settlement, and a lower fee for energy
 * matched within the buyer's own feeder (distance: a local trade uses less of the network). Published by the DSO,
 * public, before the interval's gate closes (the rules of envelope.ts). The clearing and the settlement arithmetic
 * are in market/clearing.ts and settlement/grid-charges.ts.
 */

const feeSchema = z.number().int().min(0).max(MAX_PRICE);
export const tariffInputSchema = z
  .strictObject({ zone: zoneSchema, interval: intervalText, feePerKwh: feeSchema, localFeePerKwh: feeSchema })
  .refine((t) => t.localFeePerKwh <= t.feePerKwh, { path: ['localFeePerKwh'], message: 'must not exceed feePerKwh' });
export const publishTariffsSchema = z.strictObject({ tariffs: z.array(tariffInputSchema).min(1).max(MAX_BATCH) });

export async function publishTariffs(ctx: Context, argsJson: string): Promise<TariffRecord[]> {
  const { tariffs } = parseJsonArg(publishTariffsSchema, argsJson, 'tariffs');
  const caller = await requireRole(ctx, 'DSO');
  const config = await getConfig(ctx);
  const seen = new Set<string>();
  const out: TariffRecord[] = [];
  for (const input of tariffs) {
    const interval = parseInterval(input.interval, intervalMs(config));
    const id = `${input.zone}\u0000${interval.id}`;
    if (seen.has(id)) throw new InvalidArgumentError(`tariff for '${input.zone}' at ${interval.id} is listed twice`);
    seen.add(id);
    await requireZoneOperator(ctx, caller, input.zone);
    await requireBeforeGate(ctx, config, input.zone, interval);
    const previous = await readTariff(ctx, input.zone, interval.id);
    const record: TariffRecord = { zone: input.zone, interval: interval.id, feePerKwh: input.feePerKwh, localFeePerKwh: input.localFeePerKwh, ...publisherOf(ctx, caller, previous) };
    await ctx.stub.putState(tariffKey(ctx, input.zone, interval.id), canonicalBytes(record));
    out.push(record);
  }
  ctx.stub.setEvent(GRID_SIGNAL_EVENT, canonicalBytes({ type: 'TARIFF', entries: out.map((t) => ({ zone: t.zone, interval: t.interval, feePerKwh: t.feePerKwh, localFeePerKwh: t.localFeePerKwh })) }));
  return out;
}

export async function getTariff(ctx: Context, argsJson: string): Promise<TariffRecord> {
  const slot = parseJsonArg(gridSlotSchema, argsJson, 'grid slot');
  const interval = parseInterval(slot.interval, intervalMs(await getConfig(ctx))).id;
  const tariff = await readTariff(ctx, slot.zone, interval);
  if (!tariff) throw new NotFoundError(`no network tariff for ${slot.zone} ${interval}`);
  return tariff;
}
