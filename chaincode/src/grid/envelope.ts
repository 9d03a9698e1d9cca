import type { Context } from 'fabric-contract-api';
import { z } from 'zod';
import { canonicalBytes } from '../common/canonical-json';
import { InvalidArgumentError, RuleViolationError } from '../common/errors';
import { sha256Hex } from '../common/hash';
import { KEY } from '../common/keys';
import { readJson } from '../common/state';
import { txTimeIso, txTimeMs } from '../common/tx-time';
import { parseJsonArg } from '../common/validate';
import { gateClosureMs, intervalMs, type GovernanceConfig } from '../governance/config';
import { getConfig } from '../governance/store';
import { readResult } from '../market/book';
import { readEnvelopes, readLoading, type EnvelopeRecord, type GridPublisher, type LoadingRecord } from '../market/grid-constraints';
import { intervalText, parseInterval, type DeliveryInterval } from '../market/interval';
import type { ActingParticipant } from '../participants/participant';
import { requireRole } from '../participants/authorize';
import { zoneSchema } from '../registry/asset';
import { nodeIdSchema, requireGridNode, requireZoneOperator } from './topology';

/**
 * Operating envelopes: per grid node (a feeder, or a whole zone) and delivery interval, the most Wh the retail market
 * may award to buyers (import) and to sellers (export) on it. The DSO publishes them in public state, signed by its
 * identity (the transaction's creator certificate; its SHA-256 is in the record), before the interval's gate closes
 * and never once the interval is cleared; a revision before then replaces the limits (revision + 1; the key history
 * keeps every version). The retail clearing reads them (market/grid-constraints.ts) and curtails by price priority
 * within the limits (market/clearing.ts, docs/adr/0008-envelope-curtailment.md).
 */

/** Most Wh a limit may name: 10^12 (a safe integer, far above any feeder's interval energy). */
export const MAX_LIMIT_WH = 1_000_000_000_000;
const limitSchema = z.number().int().min(0).max(MAX_LIMIT_WH).nullable();
export const MAX_BATCH = 500;

export const envelopeInputSchema = z.strictObject({ nodeId: nodeIdSchema, interval: intervalText, importLimitWh: limitSchema, exportLimitWh: limitSchema });
export const publishEnvelopesSchema = z.strictObject({ envelopes: z.array(envelopeInputSchema).min(1).max(MAX_BATCH) });
export const gridSlotSchema = z.strictObject({ zone: zoneSchema, interval: intervalText });

/** One event per transaction (Fabric keeps the last set): the signals a publication carries, for devices (SSE). */
export const GRID_SIGNAL_EVENT = 'GridSignal';

/** The publisher fields every DSO publication carries. */
export function publisherOf(ctx: Context, caller: ActingParticipant, previous: GridPublisher | undefined): GridPublisher {
  return {
    publishedBy: caller.pseudonym,
    publisherMsp: caller.mspId,
    signerCertSha256: sha256Hex(Buffer.from(ctx.clientIdentity.getIDBytes())),
    publishedAt: txTimeIso(ctx),
    txId: ctx.stub.getTxID(),
    revision: (previous?.revision ?? 0) + 1,
  };
}

/**
 * A publication for an interval is accepted only before its retail gate closes, and never once the zone's interval
 * is cleared (read, so a clearing that commits first fails this on MVCC whatever timestamp the client chose).
 */
export async function requireBeforeGate(ctx: Context, config: GovernanceConfig, zone: string, interval: DeliveryInterval): Promise<void> {
  const gate = interval.startMs - gateClosureMs(config);
  if (txTimeMs(ctx) >= gate) {
    throw new RuleViolationError(`grid limits and tariffs for ${interval.id} had to be published before its gate closed at ${new Date(gate).toISOString()}`, { reason: 'GATE_CLOSED', gateClosure: new Date(gate).toISOString() });
  }
  if (await readResult(ctx, 'RETAIL', zone, interval.id)) {
    throw new RuleViolationError(`retail ${zone} ${interval.id} is already cleared`, { reason: 'INTERVAL_CLEARED' });
  }
}

function envelopeKey(ctx: Context, zone: string, interval: string, nodeId: string): string {
  return ctx.stub.createCompositeKey(KEY.gridEnvelope, [interval, zone, nodeId]);
}

export async function publishEnvelopes(ctx: Context, argsJson: string): Promise<EnvelopeRecord[]> {
  const { envelopes } = parseJsonArg(publishEnvelopesSchema, argsJson, 'envelopes');
  const caller = await requireRole(ctx, 'DSO');
  const config = await getConfig(ctx);
  const seen = new Set<string>();
  const out: EnvelopeRecord[] = [];
  for (const input of envelopes) {
    const interval = parseInterval(input.interval, intervalMs(config));
    const id = `${input.nodeId}\u0000${interval.id}`;
    if (seen.has(id)) throw new InvalidArgumentError(`envelope for '${input.nodeId}' at ${interval.id} is listed twice`);
    seen.add(id);
    const node = await requireGridNode(ctx, input.nodeId);
    await requireZoneOperator(ctx, caller, node.zone);
    await requireBeforeGate(ctx, config, node.zone, interval);
    const key = envelopeKey(ctx, node.zone, interval.id, node.nodeId);
    const previous = await readJson<EnvelopeRecord>(ctx, key);
    const record: EnvelopeRecord = {
      zone: node.zone,
      interval: interval.id,
      nodeId: node.nodeId,
      nodeKind: node.kind,
      importLimitWh: input.importLimitWh,
      exportLimitWh: input.exportLimitWh,
      ...publisherOf(ctx, caller, previous),
    };
    await ctx.stub.putState(key, canonicalBytes(record));
    out.push(record);
  }
  ctx.stub.setEvent(
    GRID_SIGNAL_EVENT,
    canonicalBytes({ type: 'ENVELOPE', entries: out.map((e) => ({ zone: e.zone, interval: e.interval, nodeId: e.nodeId, importLimitWh: e.importLimitWh, exportLimitWh: e.exportLimitWh })) }),
  );
  return out;
}

async function slotOf(ctx: Context, argsJson: string): Promise<{ zone: string; interval: string }> {
  const slot = parseJsonArg(gridSlotSchema, argsJson, 'grid slot');
  return { zone: slot.zone, interval: parseInterval(slot.interval, intervalMs(await getConfig(ctx))).id };
}

export async function listEnvelopes(ctx: Context, argsJson: string): Promise<EnvelopeRecord[]> {
  const { zone, interval } = await slotOf(ctx, argsJson);
  return readEnvelopes(ctx, zone, interval);
}

/** Feeder loading vs envelope for a cleared slot (empty feeders list before clearing or without envelopes). */
export async function feederLoading(ctx: Context, argsJson: string): Promise<LoadingRecord> {
  const { zone, interval } = await slotOf(ctx, argsJson);
  return (await readLoading(ctx, zone, interval)) ?? { zone, interval, feeders: [], binding: [], clearingTxId: '' };
}
