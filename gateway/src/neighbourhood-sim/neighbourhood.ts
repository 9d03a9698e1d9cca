import {
  Battery,
  ElectricVehicle,
  TIME_OF_USE,
  Weather,
  clearSkyIrradiance,
  householdLoadKw,
  pvPowerKw,
  type BatterySpec,
  type EvSpec,
  type LoadProfile,
  type PriceSignal,
  type PvSystem,
} from './models';
import { SeededRandom } from './random';

/**
 * A synthetic neighbourhood: households (prosumers with PV and maybe a battery, plain consumers, some with an
 * electric vehicle) spread over feeder zones, stepped interval by interval. Produces what each household's meter measures and the order its
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
  /** Share of households (of either kind) with an electric vehicle charged at home. */
  readonly evShare: number;
  /** Share of those vehicles whose charger shifts charging into the cheapest intervals of its plug-in window. */
  readonly smartChargingShare: number;
  /** Mean cloud index of the day's weather (0 clear – 1 overcast). */
  readonly meanCloud: number;
  /** The tariff forecast smart chargers rank intervals by. */
  readonly priceSignal: PriceSignal;
  /** Prepended to every zone name (feeder-1 → <prefix>feeder-1), to keep a run's zones apart from earlier runs'. */
  readonly zonePrefix: string;
}

export const DEFAULT_NEIGHBOURHOOD: Omit<NeighbourhoodOptions, 'seed' | 'prosumers' | 'consumers'> = {
  householdsPerZone: 50,
  batteryShare: 0.4,
  latitudeDeg: 48.1,
  dayOfYear: 172,
  startHour: 6,
  intervalMinutes: 120,
  evShare: 0.3,
  smartChargingShare: 0.4,
  meanCloud: 0.3,
  priceSignal: TIME_OF_USE,
  zonePrefix: '',
};

export interface Household {
  /** Stable local name, e.g. `h007`; never written on chain as a personal identifier. */
  readonly id: string;
  readonly zone: string;
  readonly kind: 'prosumer' | 'consumer';
  readonly pv?: PvSystem;
  readonly batterySpec?: BatterySpec;
  readonly load: LoadProfile;
  readonly ev?: EvSpec;
  /** Lowest price (per kWh) this household sells at, highest it buys at. */
  readonly askPrice: number;
  readonly bidPrice: number;
}

export interface HouseholdInterval {
  readonly household: Household;
  readonly productionKwh: number;
  /** Everything the home drew, the vehicle's charging included. */
  readonly consumptionKwh: number;
  /** Of which the electric vehicle's charging. */
  readonly evKwh: number;
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
  /** What the scenario imposed on this interval (none: an empty object). */
  readonly conditions: IntervalConditions;
  readonly households: readonly HouseholdInterval[];
}

/**
 * Physical limits a scenario imposes on one interval, per household connection (a grid event such as a DSO's
 * operating envelope or a demand-response call becomes one of these). Absent fields impose nothing.
 */
export interface IntervalConditions {
  /** Most a connection may export (kW): surplus beyond it is curtailed at the inverter. */
  readonly exportLimitKw?: number;
  /** Most a connection may import (kW): vehicle charging is reduced first. */
  readonly importLimitKw?: number;
  /** Most a vehicle may charge at (kW), e.g. 0 during a demand-response event. */
  readonly evMaxKw?: number;
}

export interface StepOptions {
  /** Converts the simulated step's energies to the ledger's interval (see step()). */
  readonly energyScale?: number;
  readonly conditions?: IntervalConditions;
  /** One household's own limits on top of `conditions` (the tighter of each wins), e.g. a demand-response call. */
  readonly householdConditions?: (household: Household) => IntervalConditions;
}

/** Orders below this size are not worth a transaction. */
const MIN_ORDER_KWH = 0.001;

export class Neighbourhood {
  #options: NeighbourhoodOptions;
  readonly households: readonly Household[];
  readonly #batteries = new Map<string, Battery>();
  readonly #evs = new Map<string, { vehicle: ElectricVehicle; initialNeedKwh: number }>();
  readonly #noise = new Map<string, SeededRandom>();
  readonly #weather: Weather;
  #nextIndex = 0;

  constructor(options: Partial<NeighbourhoodOptions> & Pick<NeighbourhoodOptions, 'seed' | 'prosumers'>) {
    this.#options = { ...DEFAULT_NEIGHBOURHOOD, consumers: Math.ceil(options.prosumers / 2), ...options };
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
      const zone = `${this.options.zonePrefix}feeder-${(i % zoneCount) + 1}`;
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
      // Vehicles draw from a stream of their own, so adding them left every other household property unchanged.
      const evRandom = SeededRandom.derive(this.options.seed, `ev/${id}`);
      const withEv: Household = evRandom.chance(this.options.evShare)
        ? {
            ...household,
            ev: {
              chargerKw: evRandom.chance(0.5) ? 7.4 : evRandom.chance(0.6) ? 11 : 3.7,
              efficiency: 0.9,
              smart: evRandom.chance(this.options.smartChargingShare),
              arrivalHour: clampHour(evRandom.normal(18, 1.2), 15.5, 22.5),
              departureHour: clampHour(evRandom.normal(7.5, 0.7), 5.5, 9.5),
              arrivalNeedKwh: round(clampHour(evRandom.normal(9, 3.5), 2, 25), 2),
            },
          }
        : household;
      households.push(withEv);
      if (withEv.ev) this.#evs.set(id, { vehicle: new ElectricVehicle(withEv.ev), initialNeedKwh: round(evRandom.uniform(0, 0.6) * withEv.ev.arrivalNeedKwh, 2) });
      if (household.batterySpec) {
        this.#batteries.set(id, new Battery(household.batterySpec, random.uniform(0.2, 0.6)));
      }
      this.#noise.set(id, SeededRandom.derive(this.options.seed, `noise/${id}`));
    }
    this.households = households;
    this.#weather = new Weather(SeededRandom.derive(this.options.seed, 'weather'), this.options.meanCloud);
  }

  get options(): NeighbourhoodOptions {
    return this.#options;
  }

  /** Sets the simulated length of an interval (e.g. to the ledger's own), before the first step only. */
  useStepMinutes(minutes: number): void {
    if (this.#nextIndex > 0) throw new Error('the step length is fixed once the neighbourhood has stepped');
    if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 1440) throw new RangeError(`step minutes must be in (0, 1440], got ${minutes}`);
    this.#options = { ...this.#options, intervalMinutes: minutes };
  }

  get zones(): readonly string[] {
    return [...new Set(this.households.map((h) => h.zone))];
  }

  /**
   * Simulate the next interval. `energyScale` converts the simulated step's energies to the ledger's interval:
   * a 2-hour simulated step traded on 1-minute ledger intervals reports its average power over one minute
   * (scale 1/120), which keeps readings within what the registered capacities can deliver in an interval.
   * `conditions` are the scenario's limits for this interval (grid events).
   */
  step(options: number | StepOptions = {}): IntervalSnapshot {
    const { energyScale = 1, conditions: shared = {}, householdConditions } = typeof options === 'number' ? { energyScale: options } : options;
    const index = this.#nextIndex++;
    const hours = this.options.intervalMinutes / 60;
    const startHour = this.options.startHour + index * hours;
    const midHour = startHour + 0.5 * hours;
    const cloudIndex = index === 0 ? this.#weather.cloudIndex : this.#weather.step();
    const irradiance = clearSkyIrradiance(this.options.latitudeDeg, this.options.dayOfYear, midHour % 24);
    const transmittance = this.#weather.transmittance;
    const result: HouseholdInterval[] = [];
    for (const household of this.households) {
      const conditions = householdConditions ? tighter(shared, householdConditions(household)) : shared;
      const noise = this.#noise.get(household.id) as SeededRandom;
      let productionKwh = household.pv
        ? pvPowerKw(household.pv, irradiance, transmittance, noise.normal(0, 0.05)) * hours
        : 0;
      const baseKwh = householdLoadKw(household.load, midHour % 24, noise.normal(0, 0.2)) * hours;
      const ev = this.#evs.get(household.id);
      let evKwh = ev ? ev.vehicle.charge(startHour, hours, this.options.priceSignal, conditions.evMaxKw, ev.initialNeedKwh) : 0;
      if (conditions.importLimitKw !== undefined && evKwh > 0) {
        // The vehicle gives way first when the connection may import less than the home would draw.
        const room = Math.max(0, conditions.importLimitKw * hours + productionKwh - baseKwh);
        evKwh = Math.min(evKwh, room);
      }
      const consumptionKwh = baseKwh + evKwh;
      const battery = this.#batteries.get(household.id);
      let step = battery
        ? battery.apply(productionKwh - consumptionKwh, hours)
        : { residualKwh: productionKwh - consumptionKwh, batteryKwh: 0 };
      if (conditions.exportLimitKw !== undefined && step.residualKwh > conditions.exportLimitKw * hours) {
        // Curtailment at the inverter: the export beyond the envelope is never produced.
        const curtailed = step.residualKwh - conditions.exportLimitKw * hours;
        productionKwh -= curtailed;
        step = { ...step, residualKwh: step.residualKwh - curtailed };
      }
      const forecastNetKwh = step.residualKwh * (1 + noise.normal(0, 0.08)) * energyScale;
      const order = planOrder(household, forecastNetKwh);
      result.push({
        household,
        productionKwh: round(productionKwh * energyScale, 4),
        consumptionKwh: round(consumptionKwh * energyScale, 4),
        evKwh: round(evKwh * energyScale, 4),
        batteryKwh: round(step.batteryKwh * energyScale, 4),
        netKwh: round(step.residualKwh * energyScale, 4),
        forecastNetKwh: round(forecastNetKwh, 4),
        ...(order ? { order } : {}),
      });
    }
    return { index, simulatedHour: startHour, cloudIndex, conditions: shared, households: result };
  }
}

/** The tighter of two sets of limits, field by field. */
function tighter(a: IntervalConditions, b: IntervalConditions): IntervalConditions {
  const out: { -readonly [K in keyof IntervalConditions]: number } = { ...a };
  for (const key of ['exportLimitKw', 'importLimitKw', 'evMaxKw'] as const) {
    const value = b[key];
    if (value !== undefined) out[key] = Math.min(out[key] ?? Infinity, value);
  }
  return out;
}

function clampHour(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
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
