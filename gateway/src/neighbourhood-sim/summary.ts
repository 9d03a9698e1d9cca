import type { IntervalSnapshot } from './neighbourhood';

/**
 * Running totals of a simulation: what the neighbourhood produced and consumed, what the market cleared locally,
 * what settlement moved, and how many ledger transactions failed; per interval and for the whole run. Energies in
 * kWh as metered on the ledger's intervals, prices per kWh, token amounts in the smallest token unit.
 */
export interface ZoneClearing {
  readonly interval: string;
  readonly zone: string;
  /** Clearing price per kWh; undefined when nothing crossed. */
  readonly price?: number;
  readonly volumeKwh: number;
}

/** The settlement totals of one zone and interval (the operator's full view; see chaincode settlement/compute.ts). */
export interface SettlementTotals {
  readonly records: number;
  readonly energyPaid: number;
  readonly energyReceived: number;
  readonly imbalanceCharged: number;
  readonly balancingCredit: number;
  readonly missingReadings: number;
  /** Slots with a DSO tariff or envelope: network fees paid to the DSO, and envelope charges collected for it. */
  readonly gridFees?: number;
  readonly envelopeCharged?: number;
}

const SETTLEMENT_FIELDS = ['records', 'energyPaid', 'energyReceived', 'imbalanceCharged', 'balancingCredit', 'missingReadings'] as const;
const GRID_SETTLEMENT_FIELDS = ['gridFees', 'envelopeCharged'] as const;
const NO_SETTLEMENT: SettlementTotals = { records: 0, energyPaid: 0, energyReceived: 0, imbalanceCharged: 0, balancingCredit: 0, missingReadings: 0 };

export function addSettlement(a: SettlementTotals, b: SettlementTotals): SettlementTotals {
  const out: Record<string, number> = {};
  for (const f of SETTLEMENT_FIELDS) out[f] = a[f] + b[f];
  // The grid fields only when either side has them: a run without grid services keeps its old shape.
  for (const f of GRID_SETTLEMENT_FIELDS) if (a[f] !== undefined || b[f] !== undefined) out[f] = (a[f] ?? 0) + (b[f] ?? 0);
  return out as unknown as SettlementTotals;
}

/** A DSO limit the retail clearing reported as binding (node, direction, limit). */
export interface BindingLimitRow {
  readonly node: string;
  readonly direction: 'IMPORT' | 'EXPORT';
  readonly limitWh: number;
}

/** Grid services in one interval (the grid scenario): envelopes published, which bound, and what they curtailed. */
export interface IntervalGrid {
  /** Export limits the DSO published for the interval, per node (Wh). */
  readonly exportLimitsWh?: Readonly<Record<string, number>>;
  /** The limits the clearing named as binding (the market operator's full result). */
  readonly binding: readonly BindingLimitRow[];
  /**
   * Offered volume the binding export limits kept out of the market: on each bound feeder, the offers at or below
   * the clearing price minus the limit (what a uniform-price clearing without the limit would have taken at least).
   */
  readonly curtailedKwh: number;
  /** The network tariff in force (price units per kWh), when one was published. */
  readonly feePerKwh?: number;
  readonly localFeePerKwh?: number;
  /** Households of a demand-response event whose window covers the interval. */
  readonly demandResponse?: { readonly eventIds: readonly string[]; readonly responding: number; readonly optedIn: number };
}

/** One participant's demand-response report, as that participant reads it with its own identity. */
export interface DrParticipantResult {
  /** The simulator's local household name (never on chain). */
  readonly household: string;
  readonly meterId: string;
  /** Whether the household's charger answered the call (paused) in the simulation. */
  readonly responded: boolean;
  readonly baselineWh: number;
  readonly meteredWh: number;
  readonly reductionWh: number;
  readonly paidWh: number;
  /** Tokens paid (smallest unit). */
  readonly amount: number;
}

export interface DrEventResult {
  readonly eventId: string;
  readonly programId: string;
  readonly zone: string;
  readonly start: string;
  readonly end: string;
  readonly pricePerKwh: number;
  readonly targetWh: number;
  readonly budget: number;
  readonly status: string;
  readonly optedIn: number;
  /** Public totals (null under the small-group rule). */
  readonly publicDeliveredWh: number | null;
  readonly publicPaid: number | null;
  /** Σ of what each participant read of its own report. */
  readonly deliveredWh: number;
  readonly paid: number;
  readonly participants: readonly DrParticipantResult[];
}

/** Grid services over the run (the grid scenario). */
export interface GridRunReport {
  readonly zoneNodes: number;
  readonly feeders: number;
  readonly attachedMeters: number;
  readonly tariffsPublished: number;
  readonly envelopesPublished: number;
  readonly bindingIntervals: number;
  readonly curtailedKwh: number;
  /** Network fees and envelope charges paid to the DSO at settlement (token units). */
  readonly feesToDso: number;
  readonly envelopeCharged: number;
  readonly demandResponse: readonly DrEventResult[];
}

/** Every participant's tokens at one moment, summed as exact integers (decimal strings in JSON). */
export interface TokenTotals {
  readonly accounts: number;
  readonly available: bigint;
  readonly escrowed: bigint;
}

export interface TokenCheck {
  readonly before: { accounts: number; available: string; escrowed: string; total: string };
  readonly after: { accounts: number; available: string; escrowed: string; total: string };
  /** Tokens are only moved by settlement during the run: the total over every account must not change. */
  readonly conserved: boolean;
}

export interface IntervalRow {
  readonly index: number;
  readonly interval: string;
  /** Simulated local time of the interval's start, HH:MM. */
  readonly time: string;
  readonly cloudIndex: number;
  readonly productionKwh: number;
  readonly consumptionKwh: number;
  readonly evKwh: number;
  readonly exportedKwh: number;
  readonly importedKwh: number;
  /** Share of the interval's consumption met inside the neighbourhood. */
  readonly selfSufficiency: number;
  readonly orders: number;
  readonly tradedKwh: number;
  /** Volume-weighted clearing price over the zones; undefined when nothing traded. */
  readonly price?: number;
  readonly zonesCleared: number;
  readonly zonesSettled: number;
  readonly settlement: SettlementTotals;
  /** Limits a scenario hook imposed on the interval (grid events). */
  readonly conditions?: Readonly<Record<string, number>>;
  /** Grid services in the interval (the grid scenario). */
  readonly grid?: IntervalGrid;
}

export interface SimulationSummary {
  readonly households: number;
  readonly zones: number;
  readonly intervals: number;
  readonly productionKwh: number;
  readonly consumptionKwh: number;
  /** Of the consumption: electric vehicles charging. */
  readonly evKwh: number;
  readonly exportedKwh: number;
  readonly importedKwh: number;
  /** Energy matched on the local P2P market. */
  readonly tradedLocallyKwh: number;
  /** Share of consumption met inside the neighbourhood (own PV, batteries, neighbours). */
  readonly selfSufficiency: number;
  /** Volume-weighted clearing price per kWh; undefined if nothing traded. */
  readonly averagePrice?: number;
  /** Sum of every settled zone-interval's totals. */
  readonly settlement: SettlementTotals;
  readonly tokens?: TokenCheck;
  /** Grid services over the run (the grid scenario). */
  readonly grid?: GridRunReport;
  /** Who cleared and settled: the run itself or the gateway's market operator agent. */
  readonly operator?: 'self' | 'agent';
  readonly transactions: number;
  readonly failedTransactions: number;
  readonly failuresByOperation: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly transactionsPerSecond: number;
  readonly perInterval: readonly IntervalRow[];
}

interface RowState {
  index: number;
  interval: string;
  time: string;
  cloudIndex: number;
  productionKwh: number;
  consumptionKwh: number;
  evKwh: number;
  exportedKwh: number;
  importedKwh: number;
  fromOutsideKwh: number;
  orders: number;
  tradedKwh: number;
  priceVolume: number;
  zonesCleared: number;
  zonesSettled: number;
  settlement: SettlementTotals;
  conditions?: Record<string, number>;
}

const hhmm = (hour: number) => {
  const minutes = Math.round((((hour % 24) + 24) % 24) * 60);
  return `${String(Math.floor(minutes / 60) % 24).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
};

export class SummaryAccumulator {
  readonly #households: number;
  readonly #zones: number;
  readonly #rows = new Map<string, RowState>();
  #intervals = 0;
  #transactions = 0;
  #failed = 0;
  readonly #failures: Record<string, number> = {};
  // Real elapsed time, also under a virtual clock (sim-time.ts), which does not move performance.now().
  readonly #started = performance.now();
  #tokens: TokenCheck | undefined;
  #operator: 'self' | 'agent' | undefined;

  readonly #keepRows: number;
  #created = 0;
  /** Rows beyond `keepRows` (oldest first), folded into one: their energies and money still count in the totals. */
  #retired: RowState | undefined;

  /** `keepRows` bounds the per-interval rows kept (a live run never ends); the totals cover every interval. */
  constructor(households: number, zones: number, keepRows = Infinity) {
    this.#households = households;
    this.#zones = zones;
    this.#keepRows = keepRows;
  }

  #retireOldest(): void {
    let oldest: RowState | undefined;
    for (const row of this.#rows.values()) if (!oldest || row.index < oldest.index) oldest = row;
    if (!oldest) return;
    this.#rows.delete(oldest.interval);
    const r = (this.#retired ??= { ...oldest, settlement: NO_SETTLEMENT, productionKwh: 0, consumptionKwh: 0, evKwh: 0, exportedKwh: 0, importedKwh: 0, fromOutsideKwh: 0, tradedKwh: 0, priceVolume: 0 });
    r.productionKwh += oldest.productionKwh;
    r.consumptionKwh += oldest.consumptionKwh;
    r.evKwh += oldest.evKwh;
    r.exportedKwh += oldest.exportedKwh;
    r.importedKwh += oldest.importedKwh;
    r.fromOutsideKwh += oldest.fromOutsideKwh;
    r.tradedKwh += oldest.tradedKwh;
    r.priceVolume += oldest.priceVolume;
    r.settlement = addSettlement(r.settlement, oldest.settlement);
  }

  #row(interval: string): RowState {
    let row = this.#rows.get(interval);
    if (!row) {
      row = {
        // Until the snapshot names it: rows are created in interval order, so a running count orders them.
        index: this.#created++,
        interval,
        time: '',
        cloudIndex: 0,
        productionKwh: 0,
        consumptionKwh: 0,
        evKwh: 0,
        exportedKwh: 0,
        importedKwh: 0,
        fromOutsideKwh: 0,
        orders: 0,
        tradedKwh: 0,
        priceVolume: 0,
        zonesCleared: 0,
        zonesSettled: 0,
        settlement: NO_SETTLEMENT,
      };
      this.#rows.set(interval, row);
      if (this.#rows.size > this.#keepRows) this.#retireOldest();
    }
    return row;
  }

  /** The interval's planned orders (count only) and its timing, when they are placed. */
  addOrders(interval: string, snapshot: IntervalSnapshot): void {
    const row = this.#row(interval);
    row.index = snapshot.index;
    row.time = hhmm(snapshot.simulatedHour);
    row.cloudIndex = Math.round(snapshot.cloudIndex * 1000) / 1000;
    row.orders = snapshot.households.filter((h) => h.order).length;
    if (Object.keys(snapshot.conditions).length > 0) row.conditions = { ...snapshot.conditions } as Record<string, number>;
  }

  /** What the meters measured in a delivered interval (counted once its readings are submitted). */
  addInterval(snapshot: IntervalSnapshot, interval = `#${snapshot.index}`): void {
    this.#intervals++;
    const row = this.#row(interval);
    row.index = snapshot.index;
    row.time ||= hhmm(snapshot.simulatedHour);
    for (const h of snapshot.households) {
      row.productionKwh += h.productionKwh;
      row.consumptionKwh += h.consumptionKwh;
      row.evKwh += h.evKwh;
      if (h.netKwh > 0) row.exportedKwh += h.netKwh;
      else row.importedKwh -= h.netKwh;
    }
    // Physically, imports beyond what neighbours export in the same interval come from the upstream grid.
    row.fromOutsideKwh = Math.max(0, row.importedKwh - row.exportedKwh);
  }

  addClearing(result: ZoneClearing): void {
    const row = this.#row(result.interval);
    row.zonesCleared++;
    row.tradedKwh += result.volumeKwh;
    if (result.price !== undefined) row.priceVolume += result.price * result.volumeKwh;
  }

  addSettlement(interval: string, totals: SettlementTotals): void {
    const row = this.#row(interval);
    row.zonesSettled++;
    row.settlement = addSettlement(row.settlement, totals);
  }

  setTokens(check: TokenCheck): void {
    this.#tokens = check;
  }

  setOperator(operator: 'self' | 'agent'): void {
    this.#operator = operator;
  }

  transactionSucceeded(count = 1): void {
    this.#transactions += count;
  }

  transactionFailed(operation: string, count = 1): void {
    this.#transactions += count;
    this.#failed += count;
    this.#failures[operation] = (this.#failures[operation] ?? 0) + count;
  }

  get failed(): number {
    return this.#failed;
  }

  get transactions(): number {
    return this.#transactions;
  }

  summary(): SimulationSummary {
    const elapsedMs = Math.round(performance.now() - this.#started);
    const rows = [...this.#rows.values()].sort((a, b) => a.index - b.index);
    const all = this.#retired ? [...rows, this.#retired] : rows;
    const sum = (f: (r: RowState) => number) => all.reduce((n, r) => n + f(r), 0);
    const consumption = sum((r) => r.consumptionKwh);
    const fromOutside = sum((r) => r.fromOutsideKwh);
    const traded = sum((r) => r.tradedKwh);
    const priceVolume = sum((r) => r.priceVolume);
    const r4 = (v: number) => Math.round(v * 10_000) / 10_000;
    return {
      households: this.#households,
      zones: this.#zones,
      intervals: this.#intervals,
      productionKwh: r4(sum((r) => r.productionKwh)),
      consumptionKwh: r4(consumption),
      evKwh: r4(sum((r) => r.evKwh)),
      exportedKwh: r4(sum((r) => r.exportedKwh)),
      importedKwh: r4(sum((r) => r.importedKwh)),
      tradedLocallyKwh: r4(traded),
      selfSufficiency: consumption > 0 ? r4(Math.max(0, 1 - fromOutside / consumption)) : 1,
      ...(traded > 0 ? { averagePrice: Math.round((priceVolume / traded) * 1e6) / 1e6 } : {}),
      settlement: all.reduce((t, r) => addSettlement(t, r.settlement), NO_SETTLEMENT),
      ...(this.#tokens ? { tokens: this.#tokens } : {}),
      ...(this.#operator ? { operator: this.#operator } : {}),
      transactions: this.#transactions,
      failedTransactions: this.#failed,
      failuresByOperation: { ...this.#failures },
      elapsedMs,
      transactionsPerSecond: elapsedMs > 0 ? (this.#transactions * 1000) / elapsedMs : 0,
      perInterval: rows.map((r) => ({
        index: r.index,
        interval: r.interval,
        time: r.time,
        cloudIndex: r.cloudIndex,
        productionKwh: r4(r.productionKwh),
        consumptionKwh: r4(r.consumptionKwh),
        evKwh: r4(r.evKwh),
        exportedKwh: r4(r.exportedKwh),
        importedKwh: r4(r.importedKwh),
        selfSufficiency: r.consumptionKwh > 0 ? Math.round(Math.max(0, 1 - r.fromOutsideKwh / r.consumptionKwh) * 1000) / 1000 : 1,
        orders: r.orders,
        tradedKwh: r4(r.tradedKwh),
        ...(r.tradedKwh > 0 ? { price: Math.round((r.priceVolume / r.tradedKwh) * 10_000) / 10_000 } : {}),
        zonesCleared: r.zonesCleared,
        zonesSettled: r.zonesSettled,
        settlement: r.settlement,
        ...(r.conditions ? { conditions: r.conditions } : {}),
      })),
    };
  }
}

/** The token check from the totals before and after a run. */
export function tokenCheck(before: TokenTotals, after: TokenTotals): TokenCheck {
  const view = (t: TokenTotals) => ({ accounts: t.accounts, available: String(t.available), escrowed: String(t.escrowed), total: String(t.available + t.escrowed) });
  return { before: view(before), after: view(after), conserved: before.available + before.escrowed === after.available + after.escrowed };
}

/** The summary as JSON (token amounts are exact decimal strings already). */
export function summaryJson(s: SimulationSummary): string {
  return JSON.stringify(s, null, 2);
}

export function formatSummary(s: SimulationSummary, currency = 'EUR'): string {
  const kwh = (v: number) => `${v.toFixed(3)} kWh`;
  const failures = Object.entries(s.failuresByOperation).map(([op, n]) => `${op}: ${n}`).join(', ');
  const lines = [
    'Simulation summary',
    `  households            ${s.households} in ${s.zones} zone(s), ${s.intervals} interval(s)${s.operator ? `, cleared and settled by ${s.operator === 'agent' ? "the gateway's operator agent" : 'the simulation'}` : ''}`,
    `  production            ${kwh(s.productionKwh)}`,
    `  consumption           ${kwh(s.consumptionKwh)} (electric vehicles ${kwh(s.evKwh)})`,
    `  exported / imported   ${kwh(s.exportedKwh)} / ${kwh(s.importedKwh)}`,
    `  traded locally        ${kwh(s.tradedLocallyKwh)}`,
    `  self-sufficiency      ${(s.selfSufficiency * 100).toFixed(1)} %`,
    `  average price         ${s.averagePrice === undefined ? '— (nothing traded)' : `${s.averagePrice.toFixed(4)} ${currency}/kWh`}`,
    `  settlement            ${s.settlement.records} records, paid ${s.settlement.energyPaid}, received ${s.settlement.energyReceived}, imbalance ${s.settlement.imbalanceCharged}, balancing ${s.settlement.balancingCredit} (token units)`,
  ];
  if (s.grid) {
    const g = s.grid;
    lines.push(
      `  grid topology         ${g.zoneNodes} zone node(s), ${g.feeders} feeder(s), ${g.attachedMeters} meter(s) attached`,
      `  envelopes             ${g.envelopesPublished} published, binding in ${g.bindingIntervals} interval(s), ${g.curtailedKwh.toFixed(3)} kWh offered beyond them`,
      `  paid to the DSO       network fees ${g.feesToDso} (${g.tariffsPublished} tariffs), envelope charges ${g.envelopeCharged} (token units)`,
    );
    for (const e of g.demandResponse) {
      const reduced = e.participants.filter((p) => p.amount > 0).length;
      lines.push(
        `  demand response       ${e.zone} ${e.start.slice(11, 16)}–${e.end.slice(11, 16)} UTC: ${e.optedIn} opted in, ${e.deliveredWh} Wh delivered, ${e.paid} paid to ${reduced} participant(s) from a budget of ${e.budget} (${e.status.toLowerCase()})`,
      );
    }
  }
  if (s.tokens) {
    lines.push(`  tokens                ${s.tokens.conserved ? 'conserved' : 'NOT CONSERVED'}: ${s.tokens.before.total} before, ${s.tokens.after.total} after, over ${s.tokens.after.accounts} accounts`);
  }
  lines.push(
    `  transactions          ${s.transactions} in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.transactionsPerSecond.toFixed(1)} tx/s)`,
    `  failed transactions   ${s.failedTransactions}${failures ? ` (${failures})` : ''}`,
  );
  return lines.join('\n');
}

/** The grid column of a group of rows: binding limits with the curtailed kWh, and DR when a window covers one. */
function gridCell(rows: readonly IntervalRow[]): string {
  const binding = rows.reduce((n, r) => n + (r.grid?.binding.length ?? 0), 0);
  const curtailed = rows.reduce((n, r) => n + (r.grid?.curtailedKwh ?? 0), 0);
  const dr = rows.some((r) => r.grid?.demandResponse);
  return [binding > 0 ? ` ${binding} bound, ${curtailed.toFixed(3)} kWh curtailed` : '', dr ? ' DR event' : ''].join('');
}

/** A short per-interval table: one line per interval, or per `every` intervals aggregated on a long run. */
export function formatIntervalTable(s: SimulationSummary, every = s.perInterval.length > 24 ? 4 : 1): string {
  const grid = s.grid !== undefined;
  // The grid day adds a column: binding limits (and the kWh offered beyond them) and demand-response windows.
  const header = ` time   PV kWh  load kWh  EV kWh  traded kWh  price   self-suff  settled${grid ? '  grid' : ''}`;
  const lines = [header];
  for (let i = 0; i < s.perInterval.length; i += every) {
    const group = s.perInterval.slice(i, i + every);
    const sum = (f: (r: IntervalRow) => number) => group.reduce((n, r) => n + f(r), 0);
    const traded = sum((r) => r.tradedKwh);
    const value = sum((r) => (r.price ?? 0) * r.tradedKwh);
    const consumption = sum((r) => r.consumptionKwh);
    const outside = sum((r) => Math.max(0, r.importedKwh - r.exportedKwh));
    const self = consumption > 0 ? Math.max(0, 1 - outside / consumption) : 1;
    lines.push(
      [
        ` ${group[0].time}`,
        sum((r) => r.productionKwh).toFixed(2).padStart(7),
        consumption.toFixed(2).padStart(9),
        sum((r) => r.evKwh).toFixed(2).padStart(7),
        traded.toFixed(3).padStart(11),
        (traded > 0 ? (value / traded).toFixed(3) : '—').padStart(6),
        `${(self * 100).toFixed(0)} %`.padStart(10),
        `${sum((r) => r.zonesSettled)}/${sum((r) => r.zonesCleared)}`.padStart(8),
        ...(grid ? [gridCell(group)] : []),
      ].join(' '),
    );
  }
  return lines.join('\n');
}
