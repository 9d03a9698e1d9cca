import type { IntervalSnapshot } from './neighbourhood';

/**
 * Running totals of a simulation: what the neighbourhood produced and consumed, what the market cleared locally,
 * and how many ledger transactions failed. Energies in kWh.
 */
export interface ZoneClearing {
  readonly interval: string;
  readonly zone: string;
  /** Clearing price per kWh; undefined when nothing crossed. */
  readonly price?: number;
  readonly volumeKwh: number;
}

export interface SimulationSummary {
  readonly households: number;
  readonly zones: number;
  readonly intervals: number;
  readonly productionKwh: number;
  readonly consumptionKwh: number;
  readonly exportedKwh: number;
  readonly importedKwh: number;
  /** Energy matched on the local P2P market. */
  readonly tradedLocallyKwh: number;
  /** Share of consumption met inside the neighbourhood (own PV, batteries, neighbours). */
  readonly selfSufficiency: number;
  /** Volume-weighted clearing price per kWh; undefined if nothing traded. */
  readonly averagePrice?: number;
  readonly transactions: number;
  readonly failedTransactions: number;
  readonly failuresByOperation: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly transactionsPerSecond: number;
}

export class SummaryAccumulator {
  #households = 0;
  #zones = 0;
  #intervals = 0;
  #production = 0;
  #consumption = 0;
  #exported = 0;
  #imported = 0;
  #traded = 0;
  #priceVolume = 0;
  #fromOutside = 0;
  #transactions = 0;
  #failed = 0;
  readonly #failures: Record<string, number> = {};
  readonly #started = Date.now();

  constructor(households: number, zones: number) {
    this.#households = households;
    this.#zones = zones;
  }

  addInterval(snapshot: IntervalSnapshot): void {
    this.#intervals++;
    let exported = 0;
    let imported = 0;
    for (const h of snapshot.households) {
      this.#production += h.productionKwh;
      this.#consumption += h.consumptionKwh;
      if (h.netKwh > 0) exported += h.netKwh;
      else imported -= h.netKwh;
    }
    this.#exported += exported;
    this.#imported += imported;
    // Physically, imports beyond what neighbours export in the same interval come from the upstream grid.
    this.#fromOutside += Math.max(0, imported - exported);
  }

  addClearing(result: ZoneClearing): void {
    this.#traded += result.volumeKwh;
    if (result.price !== undefined) this.#priceVolume += result.price * result.volumeKwh;
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
    const elapsedMs = Date.now() - this.#started;
    const selfSufficiency = this.#consumption > 0 ? Math.max(0, 1 - this.#fromOutside / this.#consumption) : 1;
    return {
      households: this.#households,
      zones: this.#zones,
      intervals: this.#intervals,
      productionKwh: this.#production,
      consumptionKwh: this.#consumption,
      exportedKwh: this.#exported,
      importedKwh: this.#imported,
      tradedLocallyKwh: this.#traded,
      selfSufficiency,
      ...(this.#traded > 0 ? { averagePrice: this.#priceVolume / this.#traded } : {}),
      transactions: this.#transactions,
      failedTransactions: this.#failed,
      failuresByOperation: { ...this.#failures },
      elapsedMs,
      transactionsPerSecond: elapsedMs > 0 ? (this.#transactions * 1000) / elapsedMs : 0,
    };
  }
}

export function formatSummary(s: SimulationSummary, currency = 'EUR'): string {
  const kwh = (v: number) => `${v.toFixed(3)} kWh`;
  const failures = Object.entries(s.failuresByOperation).map(([op, n]) => `${op}: ${n}`).join(', ');
  return [
    'Simulation summary',
    `  households            ${s.households} in ${s.zones} zone(s), ${s.intervals} interval(s)`,
    `  production            ${kwh(s.productionKwh)}`,
    `  consumption           ${kwh(s.consumptionKwh)}`,
    `  exported / imported   ${kwh(s.exportedKwh)} / ${kwh(s.importedKwh)}`,
    `  traded locally        ${kwh(s.tradedLocallyKwh)}`,
    `  self-sufficiency      ${(s.selfSufficiency * 100).toFixed(1)} %`,
    `  average price         ${s.averagePrice === undefined ? '— (nothing traded)' : `${s.averagePrice.toFixed(4)} ${currency}/kWh`}`,
    `  transactions          ${s.transactions} in ${(s.elapsedMs / 1000).toFixed(1)} s (${s.transactionsPerSecond.toFixed(1)} tx/s)`,
    `  failed transactions   ${s.failedTransactions}${failures ? ` (${failures})` : ''}`,
  ].join('\n');
}
