import { NO_TX, combineOutcomes, type TxOutcome } from './backend';
import type { Household, IntervalConditions, IntervalSnapshot } from './neighbourhood';
import { SUMMER_DAY, type BackfillReading, type IntervalContext, type PlannedOrders, type Scenario, type ScenarioHook, type ScenarioLedger, type ScenarioSetup } from './scenario';
import type { BindingLimitRow, DrEventResult, DrParticipantResult, GridRunReport, IntervalGrid, ZoneClearing } from './summary';

/**
 * The grid day (`npm run simulate -- --scenario grid`): the simulated neighbourhood under its DSO's grid services
 * (docs/grid.md, docs/demand-response.md), every step through the gateway's REST API as the grid operator's admin
 * (the DSO, `gridoperator-admin`), the households and the utility's head-end:
 *  - setup: one ZONE node per zone, `feedersPerZone` FEEDER nodes in it, every meter attached to a feeder (the zone's
 *    households dealt round-robin), and one demand-response program per zone; the DSO's token account funded (before
 *    the run's token count, so the count covers everything after);
 *  - every interval: a time-of-use network tariff per zone before its gate (peak fee in the evening, a lower local fee
 *    for energy matched within one feeder);
 *  - midday (`envelopeHours`): before each interval's gate, an export envelope per feeder, sized at `exportShare` of
 *    the feeder's forecast local flow (the smaller of what its households will offer and bid; the DSO's forecast is
 *    the households' planned orders), so it binds at the PV peak; after clearing, the market operator's full result
 *    names the binding limits, and the row reports them with the volume they kept out;
 *  - evening (`demandResponse`): at the first interval, an event per zone over the window (the DSO funds the escrow,
 *    target = what the participants' chargers could shift), every household with a meter opts in; during the window
 *    the chargers of the households with an electric vehicle pause (the twin neighbourhood without the call is what
 *    they would have drawn), the others carry on; after the window the head-end backfills the baseline days (the
 *    `baselineDays` days before the simulated day, with the twin's readings of the same intervals: a household's usual
 *    evening), and the DSO settles the event from the signed readings. Each participant then reads its own report.
 * Demand response needs the baseline days on the ledger before the simulated day, so it runs in simulated time only
 * (the scenario's `historyDays`); on the wall clock pass `demandResponse: false`.
 */
export interface GridScenarioOptions {
  /** Local hours [from, to) with an export envelope on every feeder. */
  readonly envelopeHours?: readonly [number, number];
  /** The export limit as a share of the feeder's forecast local flow (0 < share < 1). */
  readonly exportShare?: number;
  readonly feedersPerZone?: number;
  /** Network fee (price units per kWh, 1000 per currency unit) by local hour; the local fee is `localShare` of it. */
  readonly feePerKwh?: (hour: number) => number;
  readonly localShare?: number;
  /** The evening event, or false for none. */
  readonly demandResponse?: false | { readonly fromHour: number; readonly toHour: number; readonly pricePerKwh: number; readonly baselineDays: number };
  /** Tokens minted to the DSO's account for the events' escrow. */
  readonly dsoFunding?: number;
}

/** Time of use: dear at the evening peak, cheap at night and around midday. */
export const GRID_FEE: (hour: number) => number = (hour) => {
  const h = ((hour % 24) + 24) % 24;
  if (h >= 17 && h < 21) return 40;
  if (h >= 11 && h < 15) return 15;
  return 25;
};

const DEFAULT_DR = { fromHour: 18, toHour: 19, pricePerKwh: 300, baselineDays: 2 } as const;
const DAY_MS = 86_400_000;

const enc = encodeURIComponent;
const localHour = (hour: number) => ((hour % 24) + 24) % 24;
const inHours = (hour: number, [from, to]: readonly [number, number]) => localHour(hour) >= from && localHour(hour) < to;
const failed = (what: string, err: unknown): TxOutcome => ({ submitted: 1, failed: 1, errors: [`${what}: ${err instanceof Error ? err.message : String(err)}`] });

interface DrEventState {
  readonly zone: string;
  readonly programId: string;
  eventId?: string;
  /** Run indexes of the window's intervals. */
  readonly indexes: readonly number[];
  readonly intervals: string[];
  readonly participants: Household[];
  readonly counterfactual: Map<string, Map<string, { importedWh: number; exportedWh: number }>>;
  result?: DrEventResult;
  targetWh: number;
  budget: number;
}

interface RowState {
  exportLimitsWh?: Record<string, number>;
  binding: BindingLimitRow[];
  curtailedKwh: number;
  feePerKwh?: number;
  localFeePerKwh?: number;
  planned?: PlannedOrders['planned'];
}

class GridServices implements ScenarioHook {
  readonly name = 'grid';
  readonly #envelopeHours: readonly [number, number];
  readonly #exportShare: number;
  readonly #feedersPerZone: number;
  readonly #fee: (hour: number) => number;
  readonly #localShare: number;
  readonly #dr: false | { readonly fromHour: number; readonly toHour: number; readonly pricePerKwh: number; readonly baselineDays: number };
  readonly #dsoFunding: number;
  readonly #feederOf = new Map<string, string>();
  readonly #households: Household[] = [];
  readonly #rows = new Map<string, RowState>();
  readonly #events: DrEventState[] = [];
  #zones: readonly string[] = [];
  #attached = 0;
  #tariffs = 0;
  #envelopes = 0;

  constructor(options: GridScenarioOptions) {
    this.#envelopeHours = options.envelopeHours ?? [11, 14];
    this.#exportShare = options.exportShare ?? 0.5;
    if (!(this.#exportShare > 0 && this.#exportShare < 1)) throw new RangeError(`exportShare must lie in (0, 1), got ${this.#exportShare}`);
    this.#feedersPerZone = options.feedersPerZone ?? 2;
    this.#fee = options.feePerKwh ?? GRID_FEE;
    this.#localShare = options.localShare ?? 0.25;
    this.#dr = options.demandResponse === undefined ? DEFAULT_DR : options.demandResponse;
    this.#dsoFunding = options.dsoFunding ?? 1_000_000_000;
  }

  #row(interval: string): RowState {
    let row = this.#rows.get(interval);
    if (!row) this.#rows.set(interval, (row = { binding: [], curtailedKwh: 0 }));
    return row;
  }

  #feederName(zone: string, k: number): string {
    return `${zone}.f${k + 1}`;
  }

  async setup(env: ScenarioSetup, ledger: ScenarioLedger): Promise<TxOutcome> {
    this.#zones = env.zones;
    this.#households.push(...env.households);
    const outcomes: TxOutcome[] = [];
    // Idempotent on a network an earlier run of the same tag used: an existing node or program is a CONFLICT.
    const once = async (run: () => Promise<TxOutcome>) => {
      const outcome = await run();
      return outcome.failed > 0 && outcome.errors.every((e) => e.includes('409 CONFLICT')) ? NO_TX : outcome;
    };
    for (const zone of env.zones) {
      outcomes.push(await once(() => ledger.submit('operator', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' })));
      for (let k = 0; k < this.#feedersPerZone; k++) {
        outcomes.push(await once(() => ledger.submit('operator', 'POST', '/api/v1/grid/nodes', { nodeId: this.#feederName(zone, k), kind: 'FEEDER', zone })));
      }
      const inZone = env.households.filter((h) => h.zone === zone);
      for (const [i, h] of inZone.entries()) {
        const feeder = this.#feederName(zone, i % this.#feedersPerZone);
        this.#feederOf.set(h.id, feeder);
        const attached = await once(() => ledger.submit('operator', 'PUT', `/api/v1/grid/attachments/${enc(ledger.meterOf(h))}`, { feeder }));
        if (attached.failed === 0) this.#attached++;
        outcomes.push(attached);
      }
      if (this.#dr) {
        const programId = `${zone}.dr`;
        const days = this.#dr.baselineDays;
        outcomes.push(
          await once(() =>
            ledger.submit('operator', 'POST', '/api/v1/grid/dr/programs', { programId, zone, baseline: { method: 'MEAN_SAME_INTERVAL', days, lookbackDays: days, dayType: 'ALL' } }),
          ),
        );
      }
    }
    if (this.#dr) {
      // The DSO escrows each event's budget from its own account: fund it once (mints are not counted as trade).
      try {
        const balance = await ledger.read<{ account: string; available: number }>('operator', '/api/v1/tokens/balance');
        if (balance.available < this.#dsoFunding / 2) outcomes.push(await ledger.submit('operator', 'POST', '/api/v1/tokens/mint', { account: balance.account, amount: this.#dsoFunding }));
      } catch (err) {
        outcomes.push(failed('DSO funding', err));
      }
    }
    return combineOutcomes(outcomes);
  }

  /**
   * The run indexes of the evening window (empty when the run does not hold all of it, or holds more than an event
   * may): a pure function of the context, so the physical response and the ledger's event agree.
   */
  #window(ctx: IntervalContext): number[] {
    const dr = this.#dr;
    if (!dr || ctx.intervals === undefined) return [];
    const indexes: number[] = [];
    for (let k = 1; k < ctx.intervals; k++) {
      const hour = ctx.hour + (k - ctx.index) * ctx.hours;
      if (inHours(hour, [dr.fromHour, dr.toHour])) indexes.push(k);
      else if (indexes.length > 0) break;
    }
    // The window must end inside the run (it is settled after its readings) and hold at most 12 intervals.
    if (indexes.length === 0 || indexes.length > 12) return [];
    const after = ctx.hour + (indexes[indexes.length - 1] + 1 - ctx.index) * ctx.hours;
    return inHours(after, [dr.fromHour, dr.toHour]) ? [] : indexes;
  }

  householdConditions(ctx: IntervalContext, household: Household): IntervalConditions | undefined {
    // A household with an electric vehicle answers the call (it opts in at the first interval): its charger pauses
    // for the window. Households without one have no load to shift and carry on.
    if (!household.ev || !this.#window(ctx).includes(ctx.index)) return undefined;
    return { evMaxKw: 0 };
  }

  async beforeOrders(ctx: IntervalContext & PlannedOrders, ledger: ScenarioLedger): Promise<TxOutcome> {
    const outcomes: TxOutcome[] = [];
    if (ctx.index === 0 && this.#dr) outcomes.push(await this.#announce(ctx, ledger));
    const row = this.#row(ctx.interval);
    row.planned = ctx.planned;
    const fee = Math.round(this.#fee(ctx.hour));
    const localFee = Math.floor(fee * this.#localShare);
    const tariffs = ctx.zones.map((zone) => ({ zone, interval: ctx.interval, feePerKwh: fee, localFeePerKwh: localFee }));
    const published = await ledger.submit('operator', 'POST', '/api/v1/grid/tariffs', { tariffs });
    if (published.failed === 0) {
      this.#tariffs += tariffs.length;
      row.feePerKwh = fee;
      row.localFeePerKwh = localFee;
    }
    outcomes.push(published);
    if (inHours(ctx.hour, this.#envelopeHours)) {
      // The DSO's forecast of each feeder's local flow: what its households will offer and bid.
      const flow = new Map<string, { offeredWh: number; bidWh: number }>();
      for (const { household, order } of ctx.planned) {
        const feeder = this.#feederOf.get(household.id);
        if (!feeder) continue;
        const f = flow.get(feeder) ?? { offeredWh: 0, bidWh: 0 };
        const wh = Math.round(order.quantityKwh * 1000);
        if (order.side === 'SELL') f.offeredWh += wh;
        else f.bidWh += wh;
        flow.set(feeder, f);
      }
      const envelopes = [...flow.entries()]
        .filter(([, f]) => Math.min(f.offeredWh, f.bidWh) >= 2)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([nodeId, f]) => ({ nodeId, interval: ctx.interval, importLimitWh: null, exportLimitWh: Math.floor(this.#exportShare * Math.min(f.offeredWh, f.bidWh)) }));
      if (envelopes.length > 0) {
        const sent = await ledger.submit('operator', 'POST', '/api/v1/grid/envelopes', { envelopes });
        if (sent.failed === 0) {
          this.#envelopes += envelopes.length;
          row.exportLimitsWh = Object.fromEntries(envelopes.map((e) => [e.nodeId, e.exportLimitWh]));
        }
        outcomes.push(sent);
      }
    }
    return combineOutcomes(outcomes);
  }

  /** The evening event of each zone, announced at the run's first interval when its whole window lies in the run. */
  async #announce(ctx: IntervalContext, ledger: ScenarioLedger): Promise<TxOutcome> {
    const dr = this.#dr;
    const indexes = this.#window(ctx);
    if (!dr || indexes.length === 0) return NO_TX;
    const intervals = indexes.map((k) => new Date(Date.parse(ctx.interval) + (k - ctx.index) * ctx.intervalMs).toISOString());
    // Readings are in ledger-interval Wh: a simulated step of `hours` is scaled to the ledger's interval.
    const scale = ctx.intervalMs / (ctx.hours * 3_600_000);
    const outcomes: TxOutcome[] = [];
    for (const zone of ctx.zones) {
      const participants = this.#households.filter((h) => h.zone === zone);
      // The target: what the participants' chargers could shift in an interval (the call is never capped pro rata here).
      const perInterval = Math.max(1, Math.round(participants.reduce((n, h) => n + (h.ev ? h.ev.chargerKw * ctx.hours * scale * 1000 : 0), 0)));
      const state: DrEventState = { zone, programId: `${zone}.dr`, indexes, intervals, participants: [], counterfactual: new Map(), targetWh: perInterval * indexes.length, budget: 0 };
      try {
        const event = await ledger.call<{ eventId: string; budget: number }>('operator', 'POST', '/api/v1/grid/dr/events', {
          programId: state.programId,
          start: intervals[0],
          targetsWh: indexes.map(() => perInterval),
          pricePerKwh: dr.pricePerKwh,
        });
        state.eventId = event.eventId;
        state.budget = event.budget;
        outcomes.push({ submitted: 1, failed: 0, errors: [] });
      } catch (err) {
        outcomes.push(failed(`demand-response event in ${zone}`, err));
        continue;
      }
      for (const h of participants) {
        const opted = await ledger.submit({ household: h }, 'POST', `/api/v1/grid/dr/events/${state.eventId}/opt-ins`, { meterId: ledger.meterOf(h) });
        if (opted.failed === 0) state.participants.push(h);
        outcomes.push(opted);
      }
      this.#events.push(state);
    }
    return combineOutcomes(outcomes);
  }

  async afterClearing(ctx: IntervalContext, results: readonly ZoneClearing[], ledger: ScenarioLedger): Promise<TxOutcome> {
    const row = this.#rows.get(ctx.interval);
    if (!row?.exportLimitsWh) return NO_TX;
    const outcomes: TxOutcome[] = [];
    for (const result of results) {
      try {
        // The market operator's full result names every binding limit (the public one only those over k participants).
        const path = `/api/v1/retail/intervals/${enc(ctx.interval)}/zones/${enc(result.zone)}/result`;
        const full = await ledger.read<{ price: number | null; binding?: BindingLimitRow[]; details?: { price?: number | null; binding?: BindingLimitRow[] } }>('operator', path);
        const binding = (full.details?.binding ?? full.binding ?? []).map(({ node, direction, limitWh }) => ({ node, direction, limitWh }));
        row.binding.push(...binding);
        const price = full.details?.price ?? full.price;
        for (const b of binding) {
          if (b.direction !== 'EXPORT' || price === null || price === undefined) continue;
          const offeredWh = (row.planned ?? [])
            .filter(({ household, order }) => order.side === 'SELL' && this.#feederOf.get(household.id) === b.node && Math.round(order.limitPrice * 1000) <= price)
            .reduce((n, { order }) => n + Math.round(order.quantityKwh * 1000), 0);
          row.curtailedKwh += Math.max(0, offeredWh - b.limitWh) / 1000;
        }
      } catch (err) {
        outcomes.push(failed(`binding limits of ${result.zone}`, err));
      }
    }
    return combineOutcomes(outcomes);
  }

  /**
   * On a feeder whose export limit bound, the inverters follow the envelope: each household exports at most what it
   * was awarded (read with its own identity), so the feeder's metered export stays within the limit and no envelope
   * charge falls due. Export beyond is curtailed (not produced).
   */
  async exportCaps(ctx: IntervalContext, ledger: ScenarioLedger): Promise<ReadonlyMap<string, number> | undefined> {
    const row = this.#rows.get(ctx.interval);
    const bound = new Set((row?.binding ?? []).filter((b) => b.direction === 'EXPORT').map((b) => b.node));
    if (bound.size === 0) return undefined;
    const caps = new Map<string, number>();
    for (const h of this.#households) {
      if (!bound.has(this.#feederOf.get(h.id) ?? '')) continue;
      const path = `/api/v1/retail/intervals/${enc(ctx.interval)}/zones/${enc(h.zone)}/my-awards`;
      const awards = await ledger.read<{ side?: string; quantityWh?: number; details?: { side?: string; quantityWh?: number } }[]>({ household: h }, path);
      const soldWh = awards.reduce((n, a) => n + ((a.details?.side ?? a.side) === 'SELL' ? (a.details?.quantityWh ?? a.quantityWh ?? 0) : 0), 0);
      caps.set(h.id, soldWh / 1000);
    }
    return caps;
  }

  async afterReadings(ctx: IntervalContext, _snapshot: IntervalSnapshot, counterfactual: IntervalSnapshot | undefined, ledger: ScenarioLedger): Promise<TxOutcome> {
    const outcomes: TxOutcome[] = [];
    for (const event of this.#events) {
      if (!event.eventId || !event.indexes.includes(ctx.index)) continue;
      const usual = new Map<string, { importedWh: number; exportedWh: number }>();
      for (const h of counterfactual?.households ?? []) {
        usual.set(h.household.id, { importedWh: Math.round(Math.max(0, -h.netKwh) * 1000), exportedWh: Math.round(Math.max(0, h.netKwh) * 1000) });
      }
      event.counterfactual.set(ctx.interval, usual);
      if (ctx.index === event.indexes[event.indexes.length - 1]) outcomes.push(await this.#settle(event, ledger));
    }
    return combineOutcomes(outcomes);
  }

  /** Baseline days backfilled by the head-end, then the DSO settles from the signed readings; each participant reads its report. */
  async #settle(event: DrEventState, ledger: ScenarioLedger): Promise<TxOutcome> {
    const dr = this.#dr;
    if (!dr || !event.eventId) return NO_TX;
    const history: BackfillReading[] = [];
    for (let day = dr.baselineDays; day >= 1; day--) {
      for (const interval of event.intervals) {
        const usual = event.counterfactual.get(interval);
        for (const h of event.participants) {
          const reading = usual?.get(h.id);
          if (reading) history.push({ household: h, intervalStart: Date.parse(interval) - day * DAY_MS, ...reading });
        }
      }
    }
    const outcomes: TxOutcome[] = [await ledger.backfillReadings(history)];
    try {
      await ledger.call('operator', 'POST', `/api/v1/grid/dr/events/${event.eventId}/settle`);
      outcomes.push({ submitted: 1, failed: 0, errors: [] });
    } catch (err) {
      outcomes.push(failed(`settle demand-response event ${event.eventId}`, err));
    }
    try {
      const settled = await ledger.read<{ status: string; start: string; end: string; pricePerKwh: number; budget: number; deliveredWh: number | null; paid: number | null }>(
        'operator',
        `/api/v1/grid/dr/events/${event.eventId}`,
      );
      const participants: DrParticipantResult[] = [];
      for (const h of event.participants) {
        // What the participant reads of itself with its own identity (its report is private to it, its utility, the DSO and the regulator).
        const me = await ledger.read<{ pseudonym: string }>({ household: h }, '/api/v1/registry/participants/me');
        const view = await ledger.read<{ details?: { intervals: { baselineWh: number | null; meteredWh: number | null }[]; reductionWh: number; paidWh: number; amount: number } }>(
          { household: h },
          `/api/v1/grid/dr/events/${event.eventId}/reports/${enc(me.pseudonym)}`,
        );
        const d = view.details;
        participants.push({
          household: h.id,
          meterId: ledger.meterOf(h),
          responded: h.ev !== undefined,
          baselineWh: d ? d.intervals.reduce((n, i) => n + (i.baselineWh ?? 0), 0) : 0,
          meteredWh: d ? d.intervals.reduce((n, i) => n + (i.meteredWh ?? 0), 0) : 0,
          reductionWh: d?.reductionWh ?? 0,
          paidWh: d?.paidWh ?? 0,
          amount: d?.amount ?? 0,
        });
      }
      event.result = {
        eventId: event.eventId,
        programId: event.programId,
        zone: event.zone,
        start: settled.start,
        end: settled.end,
        pricePerKwh: settled.pricePerKwh,
        targetWh: event.targetWh,
        budget: settled.budget,
        status: settled.status,
        optedIn: event.participants.length,
        publicDeliveredWh: settled.deliveredWh,
        publicPaid: settled.paid,
        deliveredWh: participants.reduce((n, p) => n + p.reductionWh, 0),
        paid: participants.reduce((n, p) => n + p.amount, 0),
        participants,
      };
    } catch (err) {
      outcomes.push(failed(`demand-response reports of ${event.eventId}`, err));
    }
    return combineOutcomes(outcomes);
  }

  intervalReport(interval: string): IntervalGrid | undefined {
    const row = this.#rows.get(interval);
    if (!row) return undefined;
    const events = this.#events.filter((e) => e.eventId !== undefined && e.intervals.includes(interval));
    return {
      ...(row.exportLimitsWh ? { exportLimitsWh: row.exportLimitsWh } : {}),
      binding: row.binding,
      curtailedKwh: Math.round(row.curtailedKwh * 10_000) / 10_000,
      ...(row.feePerKwh === undefined ? {} : { feePerKwh: row.feePerKwh, localFeePerKwh: row.localFeePerKwh }),
      ...(events.length > 0
        ? {
            demandResponse: {
              eventIds: events.map((e) => e.eventId as string),
              optedIn: events.reduce((n, e) => n + e.participants.length, 0),
              responding: events.reduce((n, e) => n + e.participants.filter((p) => p.ev).length, 0),
            },
          }
        : {}),
    };
  }

  runReport(): Partial<GridRunReport> {
    const rows = [...this.#rows.values()];
    return {
      zoneNodes: this.#zones.length,
      feeders: this.#zones.length * this.#feedersPerZone,
      attachedMeters: this.#attached,
      tariffsPublished: this.#tariffs,
      envelopesPublished: this.#envelopes,
      bindingIntervals: rows.filter((r) => r.binding.length > 0).length,
      curtailedKwh: Math.round(rows.reduce((n, r) => n + r.curtailedKwh, 0) * 10_000) / 10_000,
      demandResponse: this.#events.flatMap((e) => (e.result ? [e.result] : [])),
    };
  }
}

/**
 * The grid day on top of a scenario (default: the summer day). With demand response, the day starts `baselineDays`
 * later on the ledger (simulated time), leaving the baseline days before it.
 */
export function gridScenario(base: Scenario = SUMMER_DAY, options: GridScenarioOptions = {}): Scenario {
  const hook = new GridServices(options);
  const dr = options.demandResponse === undefined ? DEFAULT_DR : options.demandResponse;
  return { ...base, name: `${base.name}+grid`, hooks: [...base.hooks, hook], ...(dr ? { historyDays: dr.baselineDays } : {}) };
}
