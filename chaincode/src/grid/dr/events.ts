import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../../common/canonical-json';
import { ConflictError, ForbiddenError, NotFoundError, RuleViolationError } from '../../common/errors';
import { commitmentOf, deriveSalt, sha256Hex } from '../../common/hash';
import { orgCollection, timeKeyPart } from '../../common/keys';
import { tryPrivate } from '../../common/private-details';
import { readJson, readJsonByPrefix, readPrivateJson } from '../../common/state';
import { txTimeIso, txTimeMs } from '../../common/tx-time';
import { canonicalJson } from '../../common/canonical-json';
import { describeOutsider, orgOutsideCollection } from '../../governance/collections';
import { intervalMs } from '../../governance/config';
import { getConfig } from '../../governance/store';
import { parseInterval, utcDayStart } from '../../market/interval';
import { findReadingHash, readingsCollectionFor, storedReadingOf } from '../../metering/store';
import { readingTrusted } from '../../metering/trust';
import { hasRole, participantOrNone, requireParticipant, requireRole } from '../../participants/authorize';
import type { ActingParticipant } from '../../participants/participant';
import { meteringStartMs, type Asset } from '../../registry/asset';
import { requireRegisteredZone } from '../../registry/grid-zone';
import { findAsset } from '../../registry/store';
import { findGridNode, getAttachment, requireGridNode, requireZoneOperator } from '../topology';
import { MAX_TOKEN_SUPPLY, TokenLedger } from '../../tokens/ledger';
import { baselineDays, committedAt, deliveredReduction, intervalBaseline, paidReductions, paymentFor, type BaselineRule, type Commitment } from './baseline';
import {
  MAX_OPT_INS,
  type CreateEventArgs,
  type CreateProgramArgs,
  type DrEvent,
  type DrOptIn,
  type DrProgram,
  type DrPublicReport,
  type DrReport,
  type DrReportInterval,
} from './schema';

/**
 * Demand response on the ledger (docs/demand-response.md). Keys (composite):
 *   obe.dr.program  [programId]                   public program
 *   obe.dr.event    [eventId]                     public event (status, and after settlement totals under the k rule)
 *   obe.dr.optin    [eventId, participant]        public opt-in (meter named)
 *   obe.dr.eventday [meterId, utcDay, eventId]    the meter's commitment to an event on a day (opt-in time, and the
 *                                                 cancel time if cancelled): refuses an overlapping opt-in, and strikes
 *                                                 the intervals it covered out of the meter's later baselines
 *   obe.dr.participantday [participant, utcDay, eventId]  the participant's events of a day: refuses an overlapping opt-in
 *   obe.dr.report   [eventId, participant]        public commitment; the report itself under the same key in the
 *                                                 participant org's settlement collection
 * Money: the event's issuer escrows price × Σ targets at creation (token ledger escrow `<issuer>/<eventId>`); the
 * settlement pays each participant from it and returns the rest to the issuer in the same transaction, once (the event
 * leaves ACTIVE), so Σ payments + returned = escrowed and nothing is paid twice. A cancel before the start returns it whole.
 * Meter data is read only through metering's findStoredReading and readingTrusted.
 */

export const PROGRAM = 'obe.dr.program';
export const EVENT = 'obe.dr.event';
export const OPT_IN = 'obe.dr.optin';
export const EVENT_DAY = 'obe.dr.eventday';
export const PARTICIPANT_DAY = 'obe.dr.participantday';
export const REPORT = 'obe.dr.report';

export const DR_EVENT_CREATED = 'DemandResponseEventCreated';
export const DR_EVENT_CANCELLED = 'DemandResponseEventCancelled';
export const DR_OPTED_IN = 'DemandResponseOptIn';
export const DR_EVENT_SETTLED = 'DemandResponseEventSettled';

/** Roles that may opt in: households with a meter. */
export const DR_PARTICIPANT_ROLES = ['PROSUMER', 'CONSUMER'] as const;

const key = (ctx: Context, type: string, parts: string[]) => ctx.stub.createCompositeKey(type, parts);

function emit(ctx: Context, name: string, payload: unknown): void {
  ctx.stub.setEvent(name, Buffer.from(canonicalJson(payload)));
}

// ---- programs ----

export async function createProgram(ctx: Context, args: CreateProgramArgs): Promise<DrProgram> {
  const dso = await requireRole(ctx, 'DSO');
  const k = key(ctx, PROGRAM, [args.programId]);
  if (await readJson(ctx, k)) throw new ConflictError(`demand-response program '${args.programId}' already exists`);
  // A zone the DSO registered (once the channel has grid topology, grid/topology.ts); a feeder must be one of its feeders.
  await requireRegisteredZone(ctx, args.zone);
  // A registered zone is run by its own DSO org only (NOT_ZONE_OPERATOR): another DSO org's program would issue events
  // (and pay households) on a network it does not operate. A zone without a node (no topology yet) stays a free string.
  if (await findGridNode(ctx, args.zone)) await requireZoneOperator(ctx, dso, args.zone);
  if (args.feeder !== undefined) {
    const node = await requireGridNode(ctx, args.feeder, 'FEEDER');
    if (node.zone !== args.zone) throw new RuleViolationError(`feeder '${args.feeder}' is in zone '${node.zone}', not '${args.zone}'`, { reason: 'GRID_ZONE_MISMATCH' });
  }
  const program: DrProgram = {
    programId: args.programId,
    zone: args.zone,
    feeder: args.feeder ?? null,
    owner: dso.pseudonym,
    ownerMsp: dso.mspId,
    baseline: { method: args.baseline.method, days: args.baseline.days, minDays: args.baseline.minDays ?? args.baseline.days, lookbackDays: args.baseline.lookbackDays, dayType: args.baseline.dayType },
    aggregators: [...new Set(args.aggregators)].sort(),
    createdAt: txTimeIso(ctx),
    txId: ctx.stub.getTxID(),
  };
  await ctx.stub.putState(k, canonicalBytes(program));
  return program;
}

export async function getProgram(ctx: Context, programId: string): Promise<DrProgram> {
  const program = await readJson<DrProgram>(ctx, key(ctx, PROGRAM, [programId]));
  if (!program) throw new NotFoundError(`demand-response program '${programId}' does not exist`);
  return program;
}

export async function listPrograms(ctx: Context, zone: string | undefined): Promise<DrProgram[]> {
  const all = (await readJsonByPrefix<DrProgram>(ctx, PROGRAM, [])).map((e) => e.value);
  return zone === undefined ? all : all.filter((p) => p.zone === zone);
}

// ---- events ----

export async function getEvent(ctx: Context, eventId: string): Promise<DrEvent> {
  const event = await readJson<DrEvent>(ctx, key(ctx, EVENT, [eventId]));
  if (!event) throw new NotFoundError(`demand-response event '${eventId}' does not exist`);
  return event;
}

export async function listEvents(ctx: Context, programId: string | undefined): Promise<DrEvent[]> {
  const all = (await readJsonByPrefix<DrEvent>(ctx, EVENT, [])).map((e) => e.value);
  return programId === undefined ? all : all.filter((e) => e.programId === programId);
}

/** The DSO that owns the program, or one of the aggregators it named, may issue (and fund) an event. */
function mayIssue(caller: ActingParticipant, program: DrProgram): boolean {
  return (hasRole(caller, 'DSO') && caller.pseudonym === program.owner) || (hasRole(caller, 'AGGREGATOR') && program.aggregators.includes(caller.pseudonym));
}

export async function createEvent(ctx: Context, args: CreateEventArgs, salt: string): Promise<DrEvent> {
  const caller = await requireParticipant(ctx);
  const program = await getProgram(ctx, args.programId);
  if (!mayIssue(caller, program)) {
    throw new ForbiddenError(`only program '${program.programId}''s DSO or one of its aggregators may issue its events`);
  }
  const config = await getConfig(ctx);
  const length = intervalMs(config);
  const first = parseInterval(args.start, length);
  if (txTimeMs(ctx) >= first.startMs) throw new RuleViolationError(`a demand-response event must be issued before its window starts (${first.id})`, { reason: 'EVENT_STARTED' });
  const intervals = args.targetsWh.map((targetWh, index) => ({ index, start: new Date(first.startMs + index * length).toISOString(), targetWh }));
  const totalTarget = args.targetsWh.reduce((sum, t) => sum + BigInt(t), 0n);
  if (totalTarget * BigInt(args.pricePerKwh) > BigInt(MAX_TOKEN_SUPPLY)) {
    throw new RuleViolationError(`price × Σ targets = ${totalTarget * BigInt(args.pricePerKwh)} exceeds the token supply cap ${MAX_TOKEN_SUPPLY}`, { reason: 'BUDGET_TOO_LARGE' });
  }
  const budget = paymentFor(Number(totalTarget), args.pricePerKwh);
  const eventId = ctx.stub.getTxID();
  await new TokenLedger(ctx, salt).lock(caller.pseudonym, eventId, budget, `dr:${eventId}`);
  const event: DrEvent = {
    eventId,
    programId: program.programId,
    zone: program.zone,
    feeder: program.feeder ?? null,
    issuer: caller.pseudonym,
    issuerMsp: caller.mspId,
    start: first.id,
    end: new Date(first.startMs + intervals.length * length).toISOString(),
    intervals,
    pricePerKwh: args.pricePerKwh,
    budget,
    status: 'ACTIVE',
    createdAt: txTimeIso(ctx),
    participants: null,
    deliveredWh: null,
    paid: null,
    closedAt: null,
    closingTxId: null,
  };
  await ctx.stub.putState(key(ctx, EVENT, [eventId]), canonicalBytes(event));
  emit(ctx, DR_EVENT_CREATED, { eventId, programId: program.programId, zone: program.zone, feeder: event.feeder, start: event.start, end: event.end });
  return event;
}

async function optIns(ctx: Context, eventId: string): Promise<DrOptIn[]> {
  return (await readJsonByPrefix<DrOptIn>(ctx, OPT_IN, [eventId])).map((e) => e.value);
}

export async function listOptIns(ctx: Context, eventId: string): Promise<DrOptIn[]> {
  await getEvent(ctx, eventId);
  return optIns(ctx, eventId);
}

function eventDayKey(ctx: Context, meterId: string, dayStart: number, eventId: string): string {
  return key(ctx, EVENT_DAY, [meterId, timeKeyPart(dayStart), eventId]);
}

/** A meter's commitment to an event on one UTC day (obe.dr.eventday). Markers written before optedInAt was kept hold the whole day. */
interface EventDayMarker {
  readonly meterId: string;
  readonly day: string;
  readonly eventId: string;
  readonly optedInAt?: string;
  readonly cancelledAt?: string;
}

function eventDayMarker(optIn: DrOptIn, day: number, cancelledAt?: string): EventDayMarker {
  return { meterId: optIn.meterId, day: new Date(day).toISOString(), eventId: optIn.eventId, optedInAt: optIn.optedInAt, ...(cancelledAt ? { cancelledAt } : {}) };
}

async function eventDayMarkers(ctx: Context, meterId: string, dayStart: number): Promise<EventDayMarker[]> {
  return (await readJsonByPrefix<EventDayMarker>(ctx, EVENT_DAY, [meterId, timeKeyPart(dayStart)])).map((e) => e.value);
}

/** The UTC days an event's window touches. */
function daysOf(event: DrEvent): number[] {
  const days = new Set(event.intervals.map((i) => utcDayStart(Date.parse(i.start))));
  return [...days].sort((a, b) => a - b);
}

export async function cancelEvent(ctx: Context, eventId: string, salt: string): Promise<DrEvent> {
  const caller = await requireParticipant(ctx);
  const event = await getEvent(ctx, eventId);
  if (caller.pseudonym !== event.issuer) throw new ForbiddenError(`only the issuer may cancel demand-response event '${eventId}'`);
  if (event.status !== 'ACTIVE') throw new ConflictError(`demand-response event '${eventId}' is already ${event.status.toLowerCase()}`);
  if (txTimeMs(ctx) >= Date.parse(event.start)) throw new RuleViolationError(`demand-response event '${eventId}' has started and can no longer be cancelled`, { reason: 'EVENT_STARTED' });
  const ledger = new TokenLedger(ctx, salt);
  const escrow = await ledger.getEscrow(event.issuer, eventId);
  if (escrow) await ledger.closeEscrow(escrow, 0);
  // The opted-in meters are free from now on: intervals after the cancel are normal consumption again, those that began
  // while they were committed stay out of their baselines (an issuer cannot cancel after seeing a high reading to put
  // it back). The markers keep the commitment's end.
  for (const optIn of await optIns(ctx, eventId)) {
    for (const day of daysOf(event)) await ctx.stub.putState(eventDayKey(ctx, optIn.meterId, day, eventId), canonicalBytes(eventDayMarker(optIn, day, txTimeIso(ctx))));
  }
  const cancelled: DrEvent = { ...event, status: 'CANCELLED', closedAt: txTimeIso(ctx), closingTxId: ctx.stub.getTxID() };
  await ctx.stub.putState(key(ctx, EVENT, [eventId]), canonicalBytes(cancelled));
  emit(ctx, DR_EVENT_CANCELLED, { eventId });
  return cancelled;
}

// ---- opt-in ----

/** A feeder event takes only meters the DSO attached to that feeder (the attachment now, grid/topology.ts). */
async function requireOnFeeder(ctx: Context, meterId: string, feeder: string): Promise<void> {
  let attached: string | undefined;
  try {
    attached = (await getAttachment(ctx, meterId)).feeder;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (attached !== feeder) {
    throw new RuleViolationError(`meter '${meterId}' is ${attached ? `on feeder '${attached}'` : 'attached to no feeder'}, not the event's feeder '${feeder}'`, { reason: 'NOT_ON_FEEDER' });
  }
}

/**
 * One meter and one participant, one event at a time: a meter already in another active event whose window overlaps
 * this one's would be paid twice for the same reduction (two programs of a zone, or a DSO's and an aggregator's events),
 * and so would a participant with a second meter behind the first (as within one event, one participant, one meter).
 * Cancelled events no longer hold them; a settled one has ended, so it cannot overlap an event still open to opt-ins.
 */
async function requireNoOverlap(ctx: Context, event: DrEvent, meterId: string, participant: string): Promise<void> {
  const start = Date.parse(event.start);
  const end = Date.parse(event.end);
  const others = new Set<string>();
  for (const day of daysOf(event)) {
    for (const marker of await eventDayMarkers(ctx, meterId, day)) if (marker.cancelledAt === undefined) others.add(marker.eventId);
    for (const { value } of await readJsonByPrefix<{ eventId: string }>(ctx, PARTICIPANT_DAY, [participant, timeKeyPart(day)])) others.add(value.eventId);
  }
  others.delete(event.eventId);
  for (const eventId of [...others].sort()) {
    const other = await readJson<DrEvent>(ctx, key(ctx, EVENT, [eventId]));
    if (!other || other.status !== 'ACTIVE') continue;
    if (Date.parse(other.start) < end && start < Date.parse(other.end)) {
      throw new ConflictError(`meter '${meterId}' or its owner is in demand-response event '${other.eventId}' (${other.start} to ${other.end}), which overlaps this one`, { reason: 'OVERLAPPING_EVENT' });
    }
  }
}

export async function optIn(ctx: Context, eventId: string, meterId: string): Promise<DrOptIn> {
  const caller = await requireRole(ctx, ...DR_PARTICIPANT_ROLES);
  const event = await getEvent(ctx, eventId);
  if (event.status !== 'ACTIVE') throw new RuleViolationError(`demand-response event '${eventId}' is ${event.status.toLowerCase()}`, { reason: 'EVENT_CLOSED' });
  if (txTimeMs(ctx) >= Date.parse(event.start)) throw new RuleViolationError(`opt-ins to demand-response event '${eventId}' closed at its start ${event.start}`, { reason: 'EVENT_STARTED' });
  const meter = await findAsset(ctx, meterId);
  if (!meter) throw new NotFoundError(`asset '${meterId}' does not exist`);
  const problem =
    meter.owner !== caller.pseudonym
      ? 'belongs to another participant'
      : meter.type !== 'meter'
        ? `is a ${meter.type}, not a meter`
        : meter.status !== 'ACTIVE'
          ? `is ${meter.status.toLowerCase()}, not active`
          : meter.zone !== event.zone
            ? `is in zone '${meter.zone}', not the event's zone '${event.zone}'`
            : undefined;
  if (problem) throw new RuleViolationError(`meter '${meterId}' ${problem}`, { reason: 'NO_ELIGIBLE_METER' });
  if (event.feeder) await requireOnFeeder(ctx, meterId, event.feeder);
  const existing = await optIns(ctx, eventId);
  if (existing.some((o) => o.participant === caller.pseudonym)) throw new ConflictError(`participant ${caller.pseudonym} has already opted in to event '${eventId}'`);
  if (existing.some((o) => o.meterId === meterId)) throw new ConflictError(`meter '${meterId}' is already opted in to event '${eventId}'`);
  if (existing.length >= MAX_OPT_INS) throw new RuleViolationError(`demand-response event '${eventId}' is full (${MAX_OPT_INS} participants)`, { reason: 'EVENT_FULL' });
  await requireNoOverlap(ctx, event, meterId, caller.pseudonym);
  const record: DrOptIn = { eventId, participant: caller.pseudonym, participantMsp: caller.mspId, meterId, optedInAt: txTimeIso(ctx), txId: ctx.stub.getTxID() };
  await ctx.stub.putState(key(ctx, OPT_IN, [eventId, caller.pseudonym]), canonicalBytes(record));
  for (const day of daysOf(event)) {
    await ctx.stub.putState(eventDayKey(ctx, meterId, day, eventId), canonicalBytes(eventDayMarker(record, day)));
    await ctx.stub.putState(key(ctx, PARTICIPANT_DAY, [caller.pseudonym, timeKeyPart(day), eventId]), canonicalBytes({ eventId }));
  }
  emit(ctx, DR_OPTED_IN, { eventId, participant: caller.pseudonym });
  return record;
}

// ---- settlement ----

/**
 * The participant's own trusted imported Wh of a meter's interval: `recorded` says whether any reading of it is on the
 * ledger; `importedWh` is null when none is, when it was signed by a key since declared compromised, or when it was
 * recorded for another owner of the meter at that interval (a meter bought with its history does not bring its previous
 * owner's consumption into the buyer's baseline).
 */
async function trustedImport(ctx: Context, meter: Asset | undefined, participant: string, intervalStart: number): Promise<{ recorded: boolean; importedWh: number | null }> {
  if (!meter) return { recorded: false, importedWh: null };
  const record = await findReadingHash(ctx, meter.assetId, intervalStart);
  if (!record) return { recorded: false, importedWh: null };
  const stored = await storedReadingOf(ctx, record);
  if (!stored || !readingTrusted(meter, stored)) return { recorded: true, importedWh: null };
  if (stored.owner !== undefined && stored.owner !== participant) return { recorded: true, importedWh: null };
  return { recorded: true, importedWh: stored.reading.importedWh };
}

interface Computed {
  readonly optIn: DrOptIn;
  readonly intervals: Omit<DrReportInterval, 'paidWh' | 'amount'>[];
  readonly inputs: { intervalStart: number; readingHash: string }[];
  /** Event and baseline intervals (since the meter's metering began) with no reading on the ledger yet. */
  readonly pending: number[];
}

async function computeParticipant(ctx: Context, event: DrEvent, program: DrProgram, optIn: DrOptIn): Promise<Computed> {
  const meter = await findAsset(ctx, optIn.meterId);
  const meteringFrom = meter ? (meteringStartMs(meter) ?? Infinity) : Infinity;
  const rule: BaselineRule = program.baseline;
  const startMs = Date.parse(event.start);
  const lengthMs = (Date.parse(event.end) - startMs) / event.intervals.length;
  const eventDay = utcDayStart(startMs);
  const announced = Date.parse(event.createdAt);
  // The meter's commitments to other events, per UTC day (read once per day).
  const commitments = new Map<number, Commitment[]>();
  const commitmentsOn = async (dayStart: number): Promise<Commitment[]> => {
    let found = commitments.get(dayStart);
    if (!found) {
      found = (await eventDayMarkers(ctx, optIn.meterId, dayStart))
        .filter((m) => m.eventId !== event.eventId)
        .map((m) => ({ from: m.optedInAt ? Date.parse(m.optedInAt) : -Infinity, until: m.cancelledAt ? Date.parse(m.cancelledAt) : null }));
      commitments.set(dayStart, found);
    }
    return found;
  };
  const intervals: Omit<DrReportInterval, 'paidWh' | 'amount'>[] = [];
  const inputs: { intervalStart: number; readingHash: string }[] = [];
  const pending: number[] = [];
  for (const interval of event.intervals) {
    const at = Date.parse(interval.start);
    const offset = at - eventDay;
    // Load the commitments of every day the lookback can reach, then fix the baseline days (no reading looked at yet).
    const probe = baselineDays(eventDay, offset, lengthMs, announced, { ...rule, days: rule.lookbackDays, dayType: 'ALL' }, () => false);
    for (const day of probe) await commitmentsOn(utcDayStart(day + offset));
    const days = baselineDays(eventDay, offset, lengthMs, announced, rule, (sampleStart) => committedAt(commitments.get(utcDayStart(sampleStart)) ?? [], sampleStart));
    const found = new Map<number, number | null>();
    for (const day of days) {
      const sample = await trustedImport(ctx, meter, optIn.participant, day + offset);
      found.set(day + offset, sample.importedWh);
      if (!sample.recorded && day + offset >= meteringFrom) pending.push(day + offset);
    }
    const baseline = intervalBaseline(days, offset, rule, (t) => found.get(t) ?? null);
    for (const sample of baseline.samples) {
      const hash = await findReadingHash(ctx, optIn.meterId, sample.intervalStart);
      inputs.push({ intervalStart: sample.intervalStart, readingHash: hash?.hash ?? '' });
    }
    const metered = await trustedImport(ctx, meter, optIn.participant, at);
    if (!metered.recorded) pending.push(at);
    intervals.push({
      start: interval.start,
      baselineWh: baseline.baselineWh,
      baselineIntervals: baseline.samples.map((s) => s.intervalStart),
      meteredWh: metered.importedWh,
      reductionWh: deliveredReduction(baseline.baselineWh, metered.importedWh),
    });
  }
  return { optIn, intervals, inputs, pending };
}

export interface SettledEvent {
  readonly event: DrEvent;
  readonly reports: readonly DrPublicReport[];
}

/**
 * After the window: computes every opted-in participant's baseline and reduction from its device-signed readings,
 * caps each interval at its target (pro rata), pays from the issuer's escrow and returns the rest. Once per event.
 */
export async function settleEvent(ctx: Context, eventId: string, salt: string): Promise<SettledEvent> {
  const caller = await requireParticipant(ctx);
  const event = await getEvent(ctx, eventId);
  const config = await getConfig(ctx);
  const opted = await optIns(ctx, eventId);
  const now = txTimeMs(ctx);
  const deadline = Date.parse(event.end) + config.settlementDeadlineMinutes * 60_000;
  // The payer must not settle before the readings are in (that would pay nothing), nor keep the escrow locked for ever:
  // before the governance settlement deadline the issuer or a DSO settles once every opted-in meter has reported every
  // event and baseline interval; from the deadline on, also the market operator or the regulator, with whatever
  // readings there are.
  const payerSide = caller.pseudonym === event.issuer || hasRole(caller, 'DSO');
  if (!payerSide && !(hasRole(caller, 'MARKET_OPERATOR', 'REGULATOR') && now >= deadline)) {
    throw new ForbiddenError(`only the issuer or a DSO may settle demand-response event '${eventId}' (the market operator or the regulator from ${new Date(deadline).toISOString()})`);
  }
  if (event.status !== 'ACTIVE') throw new ConflictError(`demand-response event '${eventId}' is already ${event.status.toLowerCase()}`, { reason: 'EVENT_CLOSED' });
  if (now < Date.parse(event.end)) throw new RuleViolationError(`demand-response event '${eventId}' can be settled once its window has ended (${event.end})`, { reason: 'EVENT_NOT_ENDED' });
  const program = await getProgram(ctx, event.programId);
  // Delivery is read from the participants' readings collections and the escrow from the issuer's token collection:
  // the caller's org and this peer must hold them all.
  const needed = [orgCollection('tokens', event.issuerMsp), ...[...new Set(opted.map((o) => o.participantMsp))].sort().map(readingsCollectionFor)];
  for (const collection of needed) {
    const outsider = orgOutsideCollection(ctx, config, collection);
    if (outsider) throw new ForbiddenError(`${describeOutsider(outsider)} cannot read ${collection}; a DSO settles this event`);
  }
  const computed: Computed[] = [];
  for (const o of opted) computed.push(await computeParticipant(ctx, event, program, o));
  // Before the deadline the payer waits for every reading the settlement uses: the event's intervals and the baseline
  // days' (settling before those are in would pay nothing for a delivered reduction).
  if (now < deadline) {
    for (const c of computed) {
      if (c.pending.length > 0) {
        throw new RuleViolationError(`meter '${c.optIn.meterId}' has not reported ${new Date(Math.min(...c.pending)).toISOString()}: settle once every opted-in meter has reported its event and baseline intervals, or from ${new Date(deadline).toISOString()}`, {
          reason: 'READINGS_PENDING',
        });
      }
    }
  }

  // Per interval, the paid share of each participant's reduction (capped at the target).
  const paid: number[][] = computed.map(() => []);
  event.intervals.forEach((interval, i) => {
    const shares = paidReductions(computed.map((c) => c.intervals[i].reductionWh), interval.targetWh);
    shares.forEach((wh, p) => (paid[p][i] = wh));
  });

  const ledger = new TokenLedger(ctx, salt);
  const escrow = await ledger.getEscrow(event.issuer, eventId);
  if (!escrow) throw new RuleViolationError(`demand-response event '${eventId}' has no escrow to pay from`, { reason: 'ESCROW_MISSING' });
  let totalPaid = 0n;
  let totalDelivered = 0n;
  const reports: DrPublicReport[] = [];
  const contributions: { reductionWh: number; amount: number }[] = [];
  for (const [p, c] of computed.entries()) {
    const intervals: DrReportInterval[] = c.intervals.map((iv, i) => ({ ...iv, paidWh: paid[p][i], amount: paymentFor(paid[p][i], event.pricePerKwh) }));
    const paidWh = intervals.reduce((s, iv) => s + iv.paidWh, 0);
    const amount = paymentFor(paidWh, event.pricePerKwh);
    const reductionWh = intervals.reduce((s, iv) => s + iv.reductionWh, 0);
    const reportKey = key(ctx, REPORT, [eventId, c.optIn.participant]);
    const report: DrReport = {
      eventId,
      participant: c.optIn.participant,
      meterId: c.optIn.meterId,
      pricePerKwh: event.pricePerKwh,
      intervals,
      baselineInputsHash: sha256Hex(canonicalJson(c.inputs.map((input) => ({ assetId: c.optIn.meterId, ...input })))),
      baselineInputs: c.inputs,
      reductionWh,
      paidWh,
      amount,
      salt: deriveSalt(salt, `dr-report:${reportKey}`),
    };
    const collection = orgCollection('settlement', c.optIn.participantMsp);
    const pub: DrPublicReport = { eventId, participant: c.optIn.participant, participantMsp: c.optIn.participantMsp, collection, commitment: commitmentOf(report), txId: ctx.stub.getTxID() };
    await ctx.stub.putState(reportKey, canonicalBytes(pub));
    await ctx.stub.putPrivateData(collection, reportKey, canonicalBytes(report));
    if (amount > 0) await ledger.credit(c.optIn.participant, amount, 'SETTLEMENT_CREDIT', `dr:${eventId}`);
    totalPaid += BigInt(amount);
    totalDelivered += BigInt(reductionWh);
    contributions.push({ reductionWh, amount });
    reports.push(pub);
  }
  if (totalPaid > BigInt(escrow.amount)) throw new RuleViolationError(`demand-response event '${eventId}' would pay ${totalPaid}, more than its escrow`, { reason: 'ESCROW_EXCEEDED' });
  await ledger.closeEscrow(escrow, Number(totalPaid));
  // The small-group rule (docs/adr/0006) counts the participants that contributed to a total, not those that opted
  // in: with k opted in and two that reduced, either of the two would learn the other's reduction and payment by
  // subtracting its own report from the public total. No participant at all: the totals are 0 and isolate nobody.
  const shownOver = (contributors: number) => computed.length === 0 || contributors >= config.minPublicGroupSize;
  const delivering = contributions.filter((r) => r.reductionWh > 0).length;
  const paying = contributions.filter((r) => r.amount > 0).length;
  const settled: DrEvent = {
    ...event,
    status: 'SETTLED',
    participants: computed.length,
    deliveredWh: shownOver(delivering) ? Number(totalDelivered) : null,
    paid: shownOver(paying) ? Number(totalPaid) : null,
    closedAt: txTimeIso(ctx),
    closingTxId: ctx.stub.getTxID(),
  };
  await ctx.stub.putState(key(ctx, EVENT, [eventId]), canonicalBytes(settled));
  emit(ctx, DR_EVENT_SETTLED, { eventId, participants: computed.length });
  return { event: settled, reports };
}

// ---- reports ----

export async function listReports(ctx: Context, eventId: string): Promise<DrPublicReport[]> {
  await getEvent(ctx, eventId);
  return (await readJsonByPrefix<DrPublicReport>(ctx, REPORT, [eventId])).map((e) => e.value);
}

/**
 * Who sees a report's private part: the participant, its org's retailers and aggregators (its utility), the DSO, the
 * market operator and the regulator — the members of the participant org's settlement collection.
 */
function maySeeReport(viewer: ActingParticipant, report: DrPublicReport): boolean {
  if (viewer.pseudonym === report.participant) return true;
  if (hasRole(viewer, 'DSO', 'MARKET_OPERATOR', 'REGULATOR')) return true;
  return viewer.mspId === report.participantMsp && hasRole(viewer, 'RETAILER', 'AGGREGATOR');
}

export async function getReport(ctx: Context, eventId: string, participant: string): Promise<{ report: DrPublicReport; details?: DrReport }> {
  const reportKey = key(ctx, REPORT, [eventId, participant]);
  const report = await readJson<DrPublicReport>(ctx, reportKey);
  if (!report) throw new NotFoundError(`no demand-response report for participant ${participant} in event '${eventId}'`);
  const viewer = await participantOrNone(ctx);
  if (!viewer || !maySeeReport(viewer, report)) return { report };
  const details = await tryPrivate(() => readPrivateJson<DrReport>(ctx, report.collection, reportKey));
  if (details !== undefined && commitmentOf(details) !== report.commitment) throw new RuleViolationError(`report of ${participant} in event '${eventId}' does not match its commitment`);
  return details === undefined ? { report } : { report, details };
}
