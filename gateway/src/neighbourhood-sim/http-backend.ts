import type { Household, HouseholdInterval } from './neighbourhood';
import { NO_TX, combineOutcomes, type Actor, type MarketTiming, type OrderRequest, type SimulationBackend, type TxOutcome } from './backend';
import { GatewayClient, GatewayHttpError, mapLimit } from './gateway-client';
import type { MeterKeyStore } from './meter-keys';
import { signReadings, type ReadingInput } from './readings';
import type { BackfillReading } from './scenario';
import type { SettlementTotals, TokenTotals, ZoneClearing } from './summary';

/**
 * The simulator's backend over the gateway's REST API. Every household acts with its own API key (its own Fabric
 * identity), so orders, readings and awards belong to it on chain; the grid operator's identity clears, settles,
 * commissions meters and issues tokens; the utility's admin grants household roles.
 */
export interface HttpBackendKeys {
  /** Market operator, DSO and token issuer (GridOperatorMSP admin). */
  readonly operator: string;
  /** Grants PROSUMER/CONSUMER to households and runs the utility's meter head-end (UtilityMSP admin, RETAILER). */
  readonly utilityAdmin: string;
  /** Enrolled as REGULATOR when given, so it can audit what the run settles. */
  readonly regulator?: string;
  /** Household id → API key of its identity. */
  readonly households: ReadonlyMap<string, string>;
}

export interface HttpBackendOptions {
  readonly client: GatewayClient;
  readonly keys: HttpBackendKeys;
  readonly meterKeys: MeterKeyStore;
  /** Requests in flight at once. */
  readonly concurrency?: number;
  /** Tokens minted to each household that has none (buy orders lock their maximum cost). */
  readonly funding?: number;
  /** Price units per currency unit (clearing prices are integers per kWh). */
  readonly priceUnitsPerCurrency?: number;
  /** Readings per Metering:SubmitReadings transaction. */
  readonly readingBatchSize?: number;
  /** Whether the operator's key publishes zone totals after readings (default true; off when the operator agent does). */
  readonly publishZoneTotals?: boolean;
  /**
   * Prepended to every asset id (meter-h0001 → <prefix>meter-h0001), so a run whose meter keys are not kept (a
   * temporary data dir, --url) registers meters of its own on a network an earlier run already used.
   */
  readonly assetPrefix?: string;
}

/** A household's device ids on chain (after the run's asset prefix). */
export const meterIdOf = (h: Household, prefix = '') => `${prefix}meter-${h.id}`;
export const pvIdOf = (h: Household, prefix = '') => `${prefix}pv-${h.id}`;
export const batteryIdOf = (h: Household, prefix = '') => `${prefix}battery-${h.id}`;

/** Rated power of a household's meter (kW), as registered. */
const METER_KW = 25;

/** Whole Wh an asset of `kw` (and at most `storageKwh`) can deliver in one interval, as the chaincode computes it. */
function deliverableWh(kw: number, intervalMs: number, storageKwh?: number): number {
  const byPower = Math.floor((Math.round(kw * 1000) * intervalMs) / 3_600_000);
  return storageKwh === undefined ? byPower : Math.min(byPower, Math.round(storageKwh * 1000));
}

/** The asset a household sells from: its PV when that can deliver the offer, else its battery when it can, else the larger. */
function sellSource(h: Household, wantedWh: number, intervalMs: number, prefix: string): { assetId: string; maxWh: number } {
  const meterWh = deliverableWh(METER_KW, intervalMs);
  const candidates = [
    ...(h.pv ? [{ assetId: pvIdOf(h, prefix), maxWh: Math.min(meterWh, deliverableWh(h.pv.peakKw, intervalMs)) }] : []),
    ...(h.batterySpec ? [{ assetId: batteryIdOf(h, prefix), maxWh: Math.min(meterWh, deliverableWh(h.batterySpec.maxPowerKw, intervalMs, h.batterySpec.capacityKwh)) }] : []),
  ];
  if (candidates.length === 0) return { assetId: pvIdOf(h, prefix), maxWh: wantedWh };
  return candidates.find((c) => c.maxWh >= wantedWh) ?? candidates.reduce((a, b) => (b.maxWh > a.maxWh ? b : a));
}

const ok = (n = 1): TxOutcome => ({ submitted: n, failed: 0, errors: [] });
const failed = (err: unknown, n = 1): TxOutcome => ({ submitted: n, failed: n, errors: [err instanceof Error ? err.message : String(err)] });

/** The chaincode's refusal of a second clear or settle (CONFLICT ALREADY_CLEARED / ALREADY_SETTLED). */
function isAlready(err: unknown, what: 'cleared' | 'settled'): boolean {
  return err instanceof GatewayHttpError && err.code === 'CONFLICT' && err.message.includes(`is already ${what}`);
}

/** A submit whose CONFLICT means "already done" (a rerun on the same data dir). */
async function idempotent(run: () => Promise<unknown>): Promise<TxOutcome> {
  try {
    await run();
    return ok();
  } catch (err) {
    if (err instanceof GatewayHttpError && err.code === 'CONFLICT') return NO_TX;
    return failed(err);
  }
}

export class HttpBackend implements SimulationBackend {
  readonly #client: GatewayClient;
  readonly #keys: HttpBackendKeys;
  readonly #meterKeys: MeterKeyStore;
  readonly #concurrency: number;
  readonly #funding: number;
  readonly #priceUnits: number;
  readonly #readingBatchSize: number;
  readonly #publishZoneTotals: boolean;
  readonly #prefix: string;
  #timing: MarketTiming | undefined;
  readonly #zoneOf = new Map<string, string>();
  #mints: Promise<void> = Promise.resolve();

  constructor(options: HttpBackendOptions) {
    this.#client = options.client;
    this.#keys = options.keys;
    this.#meterKeys = options.meterKeys;
    this.#concurrency = options.concurrency ?? 8;
    this.#funding = options.funding ?? 1_000_000_000;
    this.#priceUnits = options.priceUnitsPerCurrency ?? 1000;
    this.#readingBatchSize = options.readingBatchSize ?? 250;
    this.#publishZoneTotals = options.publishZoneTotals ?? true;
    this.#prefix = options.assetPrefix ?? '';
  }

  #key(h: Household): string {
    const key = this.#keys.households.get(h.id);
    if (!key) throw new Error(`no API key for household ${h.id}`);
    return key;
  }

  async timing(): Promise<MarketTiming> {
    if (!this.#timing) {
      const record = await this.#client.get<{ config: { intervalMinutes: number; gateClosureMinutes: number } }>('/api/v1/governance', this.#keys.operator);
      this.#timing = { intervalMs: record.config.intervalMinutes * 60_000, gateClosureMs: record.config.gateClosureMinutes * 60_000 };
    }
    return this.#timing;
  }

  async register(households: readonly Household[], progress?: (done: number, total: number) => void): Promise<TxOutcome> {
    const outcomes: TxOutcome[] = [];
    for (const h of households) this.#zoneOf.set(h.id, h.zone);
    outcomes.push(await this.#enrol(this.#keys.operator, this.#keys.operator, ['MARKET_OPERATOR', 'DSO']));
    outcomes.push(await this.#enrol(this.#keys.utilityAdmin, this.#keys.utilityAdmin, ['RETAILER']));
    if (this.#keys.regulator) outcomes.push(await this.#enrol(this.#keys.regulator, this.#keys.regulator, ['REGULATOR']));
    let done = 0;
    const perHousehold = await mapLimit(households, this.#concurrency, async (h) => {
      const outcome = await this.#registerHousehold(h);
      progress?.(++done, households.length);
      return outcome;
    });
    this.#meterKeys.save();
    return combineOutcomes([...outcomes, ...perHousehold]);
  }

  async #enrol(key: string, adminKey: string, roles: readonly string[]): Promise<TxOutcome> {
    const outcomes = [await idempotent(() => this.#client.submit('POST', '/api/v1/registry/participants', key))];
    const me = await this.#client.get<{ pseudonym: string; participant: { roles: string[] } | null }>('/api/v1/registry/participants/me', key);
    for (const role of roles) {
      if (me.participant?.roles.includes(role)) continue;
      outcomes.push(await idempotent(() => this.#client.submit('POST', `/api/v1/registry/participants/${me.pseudonym}/roles`, adminKey, { role })));
    }
    return combineOutcomes(outcomes);
  }

  async #registerHousehold(h: Household): Promise<TxOutcome> {
    const key = this.#key(h);
    try {
      const outcomes = [await this.#enrol(key, this.#keys.utilityAdmin, [h.kind === 'prosumer' ? 'PROSUMER' : 'CONSUMER'])];
      const assets: Record<string, unknown>[] = [
        { assetId: meterIdOf(h, this.#prefix), type: 'meter', segment: 'retail', zone: h.zone, capacityKw: METER_KW, devicePublicKey: this.#meterKeys.get(meterIdOf(h, this.#prefix)).publicKeyPem },
      ];
      if (h.pv) assets.push({ assetId: pvIdOf(h, this.#prefix), type: 'pv', segment: 'retail', zone: h.zone, capacityKw: h.pv.peakKw });
      if (h.batterySpec) {
        assets.push({ assetId: batteryIdOf(h, this.#prefix), type: 'battery', segment: 'retail', zone: h.zone, capacityKw: h.batterySpec.maxPowerKw, storageKwh: h.batterySpec.capacityKwh });
      }
      for (const asset of assets) outcomes.push(await this.#bringIntoService(asset, key));
      outcomes.push(await this.#fund(key));
      return combineOutcomes(outcomes);
    } catch (err) {
      return failed(err);
    }
  }

  /** Registered → commissioned (by the DSO) → active, continuing from wherever an earlier run left the asset. */
  async #bringIntoService(asset: Record<string, unknown>, ownerKey: string): Promise<TxOutcome> {
    const id = encodeURIComponent(String(asset.assetId));
    let status: string | undefined;
    try {
      status = (await this.#client.get<{ status: string }>(`/api/v1/registry/assets/${id}`, ownerKey)).status;
    } catch (err) {
      if (!(err instanceof GatewayHttpError && err.status === 404)) throw err;
    }
    const outcomes: TxOutcome[] = [];
    if (status === undefined) {
      await this.#client.submit('POST', '/api/v1/registry/assets', ownerKey, asset);
      outcomes.push(ok());
      status = 'REGISTERED';
    }
    if (status === 'REGISTERED') {
      await this.#client.submit('POST', `/api/v1/registry/assets/${id}/commission`, this.#keys.operator);
      outcomes.push(ok());
      status = 'COMMISSIONED';
    }
    if (status === 'COMMISSIONED') {
      await this.#client.submit('POST', `/api/v1/registry/assets/${id}/activate`, ownerKey);
      outcomes.push(ok());
    }
    return combineOutcomes(outcomes);
  }

  async #fund(key: string): Promise<TxOutcome> {
    const balance = await this.#client.get<{ account: string; available: number }>('/api/v1/tokens/balance', key);
    if (balance.available >= this.#funding / 2) return NO_TX;
    // Mints serialise on the token supply record (the supply cap), so concurrent ones would only conflict: one at a time.
    const mint = this.#mints.then(() => idempotent(() => this.#client.submit('POST', '/api/v1/tokens/mint', this.#keys.operator, { account: balance.account, amount: this.#funding })));
    this.#mints = mint.then(() => undefined);
    return mint;
  }

  async placeOrders(interval: string, orders: readonly OrderRequest[]): Promise<TxOutcome> {
    const { intervalMs } = await this.timing();
    const outcomes = await mapLimit(orders, this.#concurrency, async ({ household, order }) => {
      const wantedWh = Math.max(1, Math.round(order.quantityKwh * 1000));
      const source = order.side === 'SELL' ? sellSource(household, wantedWh, intervalMs, this.#prefix) : undefined;
      // A bid's limit is at least 1 price unit; an offer never exceeds what its asset and meter can deliver (the
      // chaincode refuses both), so a household offers what its source can deliver and keeps the rest.
      const price = Math.round(order.limitPrice * this.#priceUnits);
      try {
        await this.#client.submit('POST', '/api/v1/retail/orders', this.#key(household), {
          zone: household.zone,
          interval,
          side: order.side,
          price: order.side === 'BUY' ? Math.max(1, price) : price,
          quantityWh: source ? Math.min(wantedWh, source.maxWh) : wantedWh,
          meterId: meterIdOf(household, this.#prefix),
          ...(source ? { assetId: source.assetId } : {}),
        });
        return ok();
      } catch (err) {
        return failed(err);
      }
    });
    return combineOutcomes(outcomes);
  }

  /**
   * Readings go in as a meter head-end would send them: the utility's head-end submits its meters in batches
   * of at most `readingBatchSize`, each reading signed by its own meter's device key.
   */
  async submitReadings(interval: string, readings: readonly HouseholdInterval[], publishTotals = true): Promise<TxOutcome> {
    const intervalStart = Date.parse(interval);
    const inputs: ReadingInput[] = readings.map((r) => ({
      assetId: meterIdOf(r.household, this.#prefix),
      intervalStart,
      importedWh: Math.round(Math.max(0, -r.netKwh) * 1000),
      exportedWh: Math.round(Math.max(0, r.netKwh) * 1000),
      sequence: Math.floor(intervalStart / 1000),
    }));
    const outcomes = await this.#submitSigned(inputs);
    // Zone totals become public only when the DSO publishes them (under the small-group rule), once all are in.
    const zones = this.#publishZoneTotals && publishTotals ? [...new Set(readings.map((r) => r.household.zone))].sort() : [];
    const published = await mapLimit(zones, this.#concurrency, (zone) =>
      idempotent(() =>
        this.#client.submit('POST', `/api/v1/metering/zones/${encodeURIComponent(zone)}/totals/${intervalStart}/publish`, this.#keys.operator),
      ),
    );
    return combineOutcomes([...outcomes, ...published]);
  }

  /** Signs each reading with its meter's device key and sends them in head-end batches as the utility. */
  async #submitSigned(inputs: readonly ReadingInput[]): Promise<TxOutcome[]> {
    const batches: ReadingInput[][] = [];
    for (let i = 0; i < inputs.length; i += this.#readingBatchSize) batches.push(inputs.slice(i, i + this.#readingBatchSize));
    return mapLimit(batches, this.#concurrency, async (batch) => {
      try {
        const signed = signReadings(batch, (assetId) => this.#meterKeys.get(assetId).privateKey);
        await this.#client.submit('POST', '/api/v1/metering/readings', this.#keys.utilityAdmin, signed);
        return ok();
      } catch (err) {
        return failed(err);
      }
    });
  }

  async backfillReadings(readings: readonly BackfillReading[]): Promise<TxOutcome> {
    const inputs: ReadingInput[] = readings.map((r) => ({
      assetId: meterIdOf(r.household, this.#prefix),
      intervalStart: r.intervalStart,
      importedWh: r.importedWh,
      exportedWh: r.exportedWh,
      sequence: Math.floor(r.intervalStart / 1000),
    }));
    return combineOutcomes(await this.#submitSigned(inputs));
  }

  meterIdOf(household: Household): string {
    return meterIdOf(household, this.#prefix);
  }

  #actorKey(as: Actor): string {
    if (as === 'operator') return this.#keys.operator;
    if (as === 'utility') return this.#keys.utilityAdmin;
    return this.#key(as.household);
  }

  async callAs<T>(as: Actor, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return (await this.#client.submit<T>(method, path, this.#actorKey(as), body)).result;
  }

  readAs<T>(as: Actor, path: string): Promise<T> {
    return this.#client.get<T>(path, this.#actorKey(as));
  }

  async clear(interval: string, zone: string): Promise<{ outcome: TxOutcome; result?: ZoneClearing }> {
    const path = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}/clear`;
    try {
      const answer = await this.#client.submit<{ price: number | null; volumeWh: number | null }>('POST', path, this.#keys.operator);
      const { price, volumeWh } = answer.result;
      // The public result withholds the volume of a small group (volumeWh null); the operator reads the full one.
      const volume = volumeWh ?? (await this.#fullVolumeWh(interval, zone));
      return { outcome: ok(), result: { interval, zone, ...(price === null ? {} : { price: price / this.#priceUnits }), volumeKwh: volume / 1000 } };
    } catch (err) {
      // Another operator (a market operator agent in some gateway) cleared it first: its result counts, no failure.
      if (isAlready(err, 'cleared')) {
        const result = await this.result(interval, zone).catch(() => undefined);
        return { outcome: NO_TX, ...(result ? { result } : {}) };
      }
      return { outcome: failed(err) };
    }
  }

  /** The operator's view of a result whose public volume is withheld: the full result comes as `details`. */
  async #fullVolumeWh(interval: string, zone: string): Promise<number> {
    const path = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}/result`;
    const result = await this.#client.get<{ details?: { volumeWh?: number | null } }>(path, this.#keys.operator);
    return result.details?.volumeWh ?? 0;
  }

  async operatorAgentRunning(): Promise<boolean> {
    try {
      const status = await this.#client.get<{ enabled?: boolean; state?: string }>('/api/v1/operator/status', this.#keys.operator);
      return status.enabled === true && status.state !== 'stopped';
    } catch (err) {
      // A gateway without the endpoint (older) or an operator it does not know runs no agent for us.
      if (err instanceof GatewayHttpError && (err.status === 404 || err.status === 403)) return false;
      throw err;
    }
  }

  async result(interval: string, zone: string): Promise<ZoneClearing | undefined> {
    const path = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}/result`;
    try {
      const r = await this.#client.get<{ price: number | null; volumeWh: number | null; details?: { volumeWh?: number | null } }>(path, this.#keys.operator);
      const volumeWh = r.volumeWh ?? r.details?.volumeWh ?? 0;
      return { interval, zone, ...(r.price === null ? {} : { price: r.price / this.#priceUnits }), volumeKwh: volumeWh / 1000 };
    } catch (err) {
      if (err instanceof GatewayHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  async settlement(interval: string, zone: string): Promise<SettlementTotals | undefined> {
    const path = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}/settlement`;
    try {
      const s = await this.#client.get<{ recordCount: number; details?: Record<string, unknown> }>(path, this.#keys.operator);
      const d = s.details ?? {};
      const n = (key: string) => (typeof d[key] === 'number' ? (d[key] as number) : 0);
      return {
        records: s.recordCount,
        energyPaid: n('energyPaid'),
        energyReceived: n('energyReceived'),
        imbalanceCharged: n('imbalanceCharged'),
        balancingCredit: n('balancingCredit'),
        missingReadings: n('missingReadings'),
        // A slot with a DSO tariff or envelope: the network fees and envelope charges paid to the DSO.
        ...('gridFees' in d || 'envelopeCharged' in d ? { gridFees: n('gridFees'), envelopeCharged: n('envelopeCharged') } : {}),
      };
    } catch (err) {
      if (err instanceof GatewayHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Every participant's balance as the market operator sees it, summed exactly. */
  async tokenTotals(): Promise<TokenTotals> {
    const balances = await this.#client.list<{ available: number; escrowed: number }>('/api/v1/tokens/balances', this.#keys.operator, 100);
    let available = 0n;
    let escrowed = 0n;
    for (const b of balances) {
      available += BigInt(b.available);
      escrowed += BigInt(b.escrowed);
    }
    return { accounts: balances.length, available, escrowed };
  }

  async submitAs(as: Actor, method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<TxOutcome> {
    try {
      await this.#client.submit(method, path, this.#actorKey(as), body);
      return ok();
    } catch (err) {
      return failed(err);
    }
  }

  async settle(interval: string, zone: string): Promise<TxOutcome> {
    const path = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${encodeURIComponent(zone)}/settle`;
    try {
      await this.#client.submit('POST', path, this.#keys.operator);
      return ok();
    } catch (err) {
      return isAlready(err, 'settled') ? NO_TX : failed(err);
    }
  }
}
