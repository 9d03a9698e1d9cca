import { Battery, Weather, clearSkyIrradiance, householdLoadKw, pvPowerKw, type BatterySpec, type LoadProfile, type PvSystem } from './models';
import { SeededRandom } from './random';

/**
 * A synthetic neighbourhood: households (prosumers with PV and maybe a battery, plain consumers) spread over
 * feeder zones, stepped interval by interval. Produces what each household's meter measures and the order its
 * home energy manager places ahead of delivery, from a forecast that differs from what then happens.
 */

export interface NeighbourhoodOptions {
  readonly seed: string | number;
  readonly prosumers: number;
  readonly consumers: number;
  /** Households per feeder zone. */
  readonly householdsPerZone: number;
  /** Share of prosumers that own a home battery. */
  readonly batteryShare: number;
  readonly latitudeDeg: number;
  readonly dayOfYear: number;
  /** Simulated local hour at the start of interval 0. */
  readonly startHour: number;
  /** Simulated length of one interval in minutes (independent of the ledger's interval length). */
  readonly intervalMinutes: number;
}

export const DEFAULT_NEIGHBOURHOOD: Omit<NeighbourhoodOptions, 'seed' | 'prosumers' | 'consumers'> = {
  householdsPerZone: 50,
  batteryShare: 0.4,
  latitudeDeg: 48.1,
  dayOfYear: 172,
  startHour: 6,
  intervalMinutes: 120,
};

export interface Household {
  /** Stable local name, e.g. `h007`; never written on chain as a personal identifier. */
  readonly id: string;
  readonly zone: string;
  readonly kind: 'prosumer' | 'consumer';
  readonly pv?: PvSystem;
  readonly batterySpec?: BatterySpec;
  readonly load: LoadProfile;
  /** Lowest price (per kWh) this household sells at, highest it buys at. */
  readonly askPrice: number;
  readonly bidPrice: number;
}

export interface HouseholdInterval {
  readonly household: Household;
  readonly productionKwh: number;
  readonly consumptionKwh: number;
  readonly batteryKwh: number;
  /** Measured at the grid connection: exported (>0) or imported (<0) energy. */
  readonly netKwh: number;
  /** What the home energy manager expected before gate closure, which is what it offers or bids. */
  readonly forecastNetKwh: number;
  readonly order?: PlannedOrder;
}

export interface PlannedOrder {
  readonly side: 'SELL' | 'BUY';
  readonly quantityKwh: number;
  /** Limit price per kWh, in the currency unit the market quotes. */
  readonly limitPrice: number;
}

export interface IntervalSnapshot {
  readonly index: number;
  readonly simulatedHour: number;
  readonly cloudIndex: number;
  readonly households: readonly HouseholdInterval[];
}

/** Orders below this size are not worth a transaction. */
const MIN_ORDER_KWH = 0.001;

export class Neighbourhood {
  readonly options: NeighbourhoodOptions;
  readonly households: readonly Household[];
  readonly #batteries = new Map<string, Battery>();
  readonly #noise = new Map<string, SeededRandom>();
  readonly #weather: Weather;
  #nextIndex = 0;

  constructor(options: Partial<NeighbourhoodOptions> & Pick<NeighbourhoodOptions, 'seed' | 'prosumers'>) {
    this.options = { ...DEFAULT_NEIGHBOURHOOD, consumers: Math.ceil(options.prosumers / 2), ...options };
    if (!Number.isInteger(this.options.prosumers) || this.options.prosumers < 0) {
      throw new RangeError(`prosumers must be a non-negative integer, got ${this.options.prosumers}`);
    }
    if (!Number.isInteger(this.options.consumers) || this.options.consumers < 0) {
      throw new RangeError(`consumers must be a non-negative integer, got ${this.options.consumers}`);
    }
    const households: Household[] = [];
    const total = this.options.prosumers + this.options.consumers;
    // Households are dealt round-robin onto the feeders so that every zone mixes prosumers and consumers.
    const zoneCount = Math.max(1, Math.ceil(total / this.options.householdsPerZone));
    for (let i = 0; i < total; i++) {
      const id = `h${String(i + 1).padStart(4, '0')}`;
      const random = SeededRandom.derive(this.options.seed, `household/${id}`);
      const zone = `feeder-${(i % zoneCount) + 1}`;
      const isProsumer = i < this.options.prosumers;
      const load: LoadProfile = { annualKwh: random.uniform(2500, isProsumer ? 6000 : 9000), peakShiftHours: random.normal(0, 0.7) };
      const household: Household = isProsumer
        ? {
            id,
            zone,
            kind: 'prosumer',
            load,
            pv: { peakKw: Math.round(random.uniform(2.5, 8) * 10) / 10, performanceRatio: random.uniform(0.75, 0.85) },
            ...(random.chance(this.options.batteryShare)
              ? { batterySpec: { capacityKwh: random.int(5, 13), maxPowerKw: random.int(3, 5), efficiency: 0.92 } }
              : {}),
            askPrice: round(random.uniform(0.08, 0.16), 4),
            bidPrice: round(random.uniform(0.18, 0.3), 4),
          }
        : {
            id,
            zone,
            kind: 'consumer',
            load,
            askPrice: round(random.uniform(0.08, 0.16), 4),
            bidPrice: round(random.uniform(0.14, 0.3), 4),
          };
      households.push(household);
      if (household.batterySpec) {
        this.#batteries.set(id, new Battery(household.batterySpec, random.uniform(0.2, 0.6)));
      }
      this.#noise.set(id, SeededRandom.derive(this.options.seed, `noise/${id}`));
    }
    this.households = households;
    this.#weather = new Weather(SeededRandom.derive(this.options.seed, 'weather'));
  }

  get zones(): readonly string[] {
    return [...new Set(this.households.map((h) => h.zone))];
  }

  /**
   * Simulate the next interval. `energyScale` converts the simulated step's energies to the ledger's interval:
   * a 2-hour simulated step traded on 1-minute ledger intervals reports its average power over one minute
   * (scale 1/120), which keeps readings within what the registered capacities can deliver in an interval.
   */
  step(energyScale = 1): IntervalSnapshot {
    const index = this.#nextIndex++;
    const hours = this.options.intervalMinutes / 60;
    const midHour = this.options.startHour + (index + 0.5) * hours;
    const cloudIndex = index === 0 ? this.#weather.cloudIndex : this.#weather.step();
    const irradiance = clearSkyIrradiance(this.options.latitudeDeg, this.options.dayOfYear, midHour % 24);
    const transmittance = this.#weather.transmittance;
    const result: HouseholdInterval[] = [];
    for (const household of this.households) {
      const noise = this.#noise.get(household.id) as SeededRandom;
      const productionKwh = household.pv
        ? pvPowerKw(household.pv, irradiance, transmittance, noise.normal(0, 0.05)) * hours
        : 0;
      const consumptionKwh = householdLoadKw(household.load, midHour % 24, noise.normal(0, 0.2)) * hours;
      const battery = this.#batteries.get(household.id);
      const step = battery
        ? battery.apply(productionKwh - consumptionKwh, hours)
        : { residualKwh: productionKwh - consumptionKwh, batteryKwh: 0 };
      const forecastNetKwh = step.residualKwh * (1 + noise.normal(0, 0.08)) * energyScale;
      const order = planOrder(household, forecastNetKwh);
      result.push({
        household,
        productionKwh: round(productionKwh * energyScale, 4),
        consumptionKwh: round(consumptionKwh * energyScale, 4),
        batteryKwh: round(step.batteryKwh * energyScale, 4),
        netKwh: round(step.residualKwh * energyScale, 4),
        forecastNetKwh: round(forecastNetKwh, 4),
        ...(order ? { order } : {}),
      });
    }
    return { index, simulatedHour: this.options.startHour + index * hours, cloudIndex, households: result };
  }
}

function planOrder(household: Household, forecastNetKwh: number): PlannedOrder | undefined {
  const quantityKwh = round(Math.abs(forecastNetKwh), 3);
  if (quantityKwh < MIN_ORDER_KWH) return undefined;
  return forecastNetKwh > 0
    ? { side: 'SELL', quantityKwh, limitPrice: household.askPrice }
    : { side: 'BUY', quantityKwh, limitPrice: household.bidPrice };
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
