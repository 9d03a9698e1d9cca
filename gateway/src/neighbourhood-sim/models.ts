import { SeededRandom } from './random';

/**
 * Physical models of a neighbourhood: clear-sky PV with shared weather, household load, home batteries.
 * Power in kW, energy in kWh, time as simulated local solar time. Pure functions of their inputs and a seeded
 * random stream, so a run is reproducible from its seed.
 */

const DEG = Math.PI / 180;

/** Cosine of the solar zenith angle at a latitude, day of year (1–365) and local solar hour (0–24). */
export function cosZenith(latitudeDeg: number, dayOfYear: number, solarHour: number): number {
  const declination = 23.44 * DEG * Math.sin((2 * Math.PI * (284 + dayOfYear)) / 365);
  const hourAngle = (solarHour - 12) * 15 * DEG;
  const lat = latitudeDeg * DEG;
  return Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
}

/** Clear-sky global horizontal irradiance in W/m² (Haurwitz model); 0 when the sun is below the horizon. */
export function clearSkyIrradiance(latitudeDeg: number, dayOfYear: number, solarHour: number): number {
  const cz = cosZenith(latitudeDeg, dayOfYear, solarHour);
  if (cz <= 0) return 0;
  return 1098 * cz * Math.exp(-0.057 / cz);
}

/**
 * Shared weather: a cloud index in [0, 1] following a mean-reverting AR(1) walk, so sunny and overcast spells
 * last several intervals, as they do over a real neighbourhood.
 */
export class Weather {
  #cloud: number;
  readonly #random: SeededRandom;
  readonly #meanCloud: number;

  constructor(random: SeededRandom, meanCloud = 0.3) {
    this.#random = random;
    this.#meanCloud = meanCloud;
    this.#cloud = clamp(random.normal(meanCloud, 0.15), 0, 1);
  }

  get cloudIndex(): number {
    return this.#cloud;
  }

  /** Advance one interval and return the new cloud index. */
  step(): number {
    this.#cloud = clamp(this.#cloud + 0.25 * (this.#meanCloud - this.#cloud) + this.#random.normal(0, 0.12), 0, 1);
    return this.#cloud;
  }

  /** Fraction of clear-sky irradiance that reaches the panels (Kasten–Czeplak cloud attenuation). */
  get transmittance(): number {
    return 1 - 0.75 * Math.pow(this.#cloud, 3.4);
  }
}

export interface PvSystem {
  /** Peak power in kW at 1000 W/m². */
  readonly peakKw: number;
  /** Losses of inverter, wiring, temperature and soiling. */
  readonly performanceRatio: number;
}

/** PV output in kW given irradiance, shared weather and a per-site noise term (local shading, orientation). */
export function pvPowerKw(pv: PvSystem, irradiance: number, transmittance: number, siteNoise: number): number {
  const power = pv.peakKw * (irradiance / 1000) * transmittance * pv.performanceRatio * (1 + siteNoise);
  return Math.max(0, Math.min(power, pv.peakKw));
}

export interface LoadProfile {
  /** Yearly consumption in kWh; the daily shape is scaled to it. */
  readonly annualKwh: number;
  /** Household-specific shift of the morning and evening peaks, in hours. */
  readonly peakShiftHours: number;
}

/**
 * Household demand in kW at a local hour: a base load plus morning and evening peaks (a standard-load-profile
 * shape), scaled so that the daily integral matches annualKwh / 365.
 */
export function householdLoadKw(profile: LoadProfile, hour: number, noise: number): number {
  const h = hour - profile.peakShiftHours;
  const shape = 0.45 + 0.9 * gaussian(h, 7.5, 1.2) + 1.6 * gaussian(h, 19, 2) + 0.35 * gaussian(h, 12.5, 1.5);
  const dailyKwh = profile.annualKwh / 365;
  // The shape integrates to about 0.45*24 + (0.9*1.2 + 1.6*2 + 0.35*1.5) * sqrt(2π) over a day.
  const shapeIntegral = 0.45 * 24 + (0.9 * 1.2 + 1.6 * 2 + 0.35 * 1.5) * Math.sqrt(2 * Math.PI);
  return Math.max(0.05, (shape * dailyKwh) / shapeIntegral * (1 + noise));
}

export interface BatterySpec {
  readonly capacityKwh: number;
  readonly maxPowerKw: number;
  /** Round-trip efficiency, charged on the way in. */
  readonly efficiency: number;
}

export interface BatteryStep {
  /** Energy the home still has to export (>0) or import (<0) after the battery, kWh. */
  readonly residualKwh: number;
  /** Energy into (>0) or out of (<0) the battery, measured at the terminals, kWh. */
  readonly batteryKwh: number;
  readonly stateOfCharge: number;
}

/**
 * A self-consumption battery: it absorbs surplus and covers deficit within its power and energy limits, keeping
 * a reserve (the share of capacity it will not discharge below) for the evening.
 */
export class Battery {
  readonly spec: BatterySpec;
  #storedKwh: number;
  readonly #reserve: number;

  constructor(spec: BatterySpec, initialStateOfCharge: number, reserve = 0.1) {
    this.spec = spec;
    this.#storedKwh = clamp(initialStateOfCharge, 0, 1) * spec.capacityKwh;
    this.#reserve = reserve;
  }

  get stateOfCharge(): number {
    return this.spec.capacityKwh === 0 ? 0 : this.#storedKwh / this.spec.capacityKwh;
  }

  /** Apply one interval's net energy (production − consumption, kWh) over `hours`. */
  apply(netKwh: number, hours: number): BatteryStep {
    const maxEnergy = this.spec.maxPowerKw * hours;
    if (netKwh > 0) {
      const room = (this.spec.capacityKwh - this.#storedKwh) / this.spec.efficiency;
      const charge = Math.min(netKwh, maxEnergy, room);
      this.#storedKwh += charge * this.spec.efficiency;
      return { residualKwh: netKwh - charge, batteryKwh: charge, stateOfCharge: this.stateOfCharge };
    }
    const available = Math.max(0, this.#storedKwh - this.#reserve * this.spec.capacityKwh);
    const discharge = Math.min(-netKwh, maxEnergy, available);
    this.#storedKwh -= discharge;
    return { residualKwh: netKwh + discharge, batteryKwh: -discharge, stateOfCharge: this.stateOfCharge };
  }
}

function gaussian(x: number, mean: number, sd: number): number {
  return Math.exp(-((x - mean) ** 2) / (2 * sd * sd));
}

export function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * An electric vehicle charged at home: it is plugged in from its evening arrival until its morning departure and
 * arrives needing `arrivalNeedKwh` (the day's driving). A plain charger starts at full power on arrival (the evening
 * peak); a smart charger spreads the need over the cheapest intervals of its plug-in window, judged by a price signal
 * (the household's tariff forecast), and still delivers it all by departure when it can.
 */
export interface EvSpec {
  readonly chargerKw: number;
  /** Energy drawn per kWh added to the battery is 1 / efficiency. */
  readonly efficiency: number;
  readonly smart: boolean;
  /** Local hours of the evening arrival and the morning departure. */
  readonly arrivalHour: number;
  readonly departureHour: number;
  /** Energy (at the socket) the day's driving used, added to the need on arrival. */
  readonly arrivalNeedKwh: number;
}

/** A price signal by local hour (0–24): lower is cheaper. What a smart charger ranks its intervals by. */
export type PriceSignal = (hour: number) => number;

/**
 * A time-of-use tariff forecast: cheap at night and around midday (PV), dear at the evening peak. The default
 * signal of a scenario; a scenario may replace it.
 */
export const TIME_OF_USE: PriceSignal = (hour) => {
  const h = ((hour % 24) + 24) % 24;
  if (h >= 17 && h < 21) return 0.34;
  if (h >= 11 && h < 15) return 0.18;
  if (h < 6 || h >= 23) return 0.2;
  return 0.27;
};

export class ElectricVehicle {
  readonly spec: EvSpec;
  #needKwh = 0;
  #plugged: boolean | undefined;

  constructor(spec: EvSpec) {
    this.spec = spec;
  }

  /** Whether the car is at home (plugged in) at a local hour. */
  pluggedAt(hour: number): boolean {
    const h = ((hour % 24) + 24) % 24;
    return h >= this.spec.arrivalHour || h < this.spec.departureHour;
  }

  get needKwh(): number {
    return this.#needKwh;
  }

  /**
   * Energy (kWh at the socket) the car draws in the interval starting at `hour` of length `hours`, at most
   * `maxKw` (a limit the grid may impose). `initialNeedKwh` is what a car already plugged in at the first step still needs.
   */
  charge(hour: number, hours: number, signal: PriceSignal, maxKw = Infinity, initialNeedKwh = 0): number {
    const plugged = this.pluggedAt(hour);
    if (this.#plugged === undefined) this.#needKwh = plugged ? initialNeedKwh : 0;
    else if (plugged && !this.#plugged) this.#needKwh += this.spec.arrivalNeedKwh;
    else if (!plugged) this.#needKwh = 0;
    this.#plugged = plugged;
    if (!plugged || this.#needKwh <= 0) return 0;
    const powerKw = Math.max(0, Math.min(this.spec.chargerKw, maxKw));
    const full = Math.min(this.#needKwh, powerKw * hours);
    if (this.spec.smart && !this.#cheapEnough(hour, hours, signal)) return 0;
    this.#needKwh -= full;
    return full;
  }

  /** A smart charger charges now if this interval is among the cheapest it needs before departure (ties: earliest). */
  #cheapEnough(hour: number, hours: number, signal: PriceSignal): boolean {
    const h = ((hour % 24) + 24) % 24;
    const untilDeparture = h < this.spec.departureHour ? this.spec.departureHour - h : 24 - h + this.spec.departureHour;
    const slots = Math.max(1, Math.ceil(untilDeparture / hours - 1e-9));
    const needed = Math.ceil(this.#needKwh / (this.spec.chargerKw * hours) - 1e-9);
    if (needed >= slots) return true;
    const now = signal(h);
    let cheaper = 0;
    for (let j = 1; j < slots; j++) if (signal(h + j * hours) < now) cheaper++;
    return cheaper < needed;
  }
}
