/**
 * A market on the embedded runtime: OBE's network with governance, the usual cast, prosumers and consumers with
 * commissioned meters and PV in a zone, tokens minted, signed readings. Shared by the market, token and settlement
 * suites (each starts its own network).
 */
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import { GRID, ObeNet, REGULATOR, UTILITY, type Actor, type Cast } from '../support';

import { TX } from '@obe/chaincode';
export const ZONE = 'feeder-1';
export const OTHER_ZONE = 'feeder-2';

export interface Trader extends Actor {
  readonly meterId: string;
  /** Set for prosumers: the PV asset they sell from. */
  readonly pvId?: string;
}

const device = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const DEVICE_PUBLIC_KEY = device.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const DEVICE_PRIVATE_KEY: KeyObject = device.privateKey;

/** A reading signed by the (shared) test device key, as a head-end puts it into a batch. */
export function signedReading(meterId: string, intervalStart: number, importedWh: number, exportedWh: number): Record<string, unknown> {
  const reading = { assetId: meterId, intervalStart, importedWh, exportedWh, sequence: intervalStart / 1000 };
  return { ...reading, signature: sign('sha256', Buffer.from(canonicalJson(reading)), DEVICE_PRIVATE_KEY).toString('base64') };
}

export function salt(): string {
  return randomBytes(24).toString('base64url');
}

export class MarketFixture {
  readonly net: ObeNet;
  readonly cast: Cast;
  #assets = 0;
  #mints: Promise<unknown> = Promise.resolve();

  private constructor(net: ObeNet, cast: Cast) {
    this.net = net;
    this.cast = cast;
  }

  static async start(governance: Record<string, unknown> = {}): Promise<MarketFixture> {
    const net = await ObeNet.start({ governance: false });
    await net.configureGovernance('energy', governance);
    await net.configureGovernance('audit');
    return new MarketFixture(net, await net.cast('m'));
  }

  close(): Promise<void> {
    return this.net.close();
  }

  /** Registers an asset as its owner; the DSO commissions it and the owner activates it. */
  async asset(owner: Actor, type: string, zone: string, extra: Record<string, unknown> = {}, segment = 'retail'): Promise<string> {
    const assetId = `${type}-${++this.#assets}`;
    const body: Record<string, unknown> = { assetId, type, segment, zone, capacityKw: 50, ...extra };
    if (type === 'meter') body.devicePublicKey = DEVICE_PUBLIC_KEY;
    if (type === 'battery') body.storageKwh = 10;
    await this.net.submit(owner.identity, TX.Registry.RegisterAsset, [body]);
    await this.net.submit(this.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId }]);
    await this.net.submit(owner.identity, TX.Registry.ActivateAsset, [{ assetId }]);
    return assetId;
  }

  async prosumer(name: string, zone = ZONE): Promise<Trader> {
    const actor = await this.net.participant(UTILITY, name, ['PROSUMER']);
    const meterId = await this.asset(actor, 'meter', zone);
    const pvId = await this.asset(actor, 'pv', zone);
    return { ...actor, meterId, pvId };
  }

  async consumer(name: string, zone = ZONE, tokens = 0): Promise<Trader> {
    const actor = await this.net.participant(UTILITY, name, ['CONSUMER']);
    const meterId = await this.asset(actor, 'meter', zone);
    if (tokens > 0) await this.mint(actor, tokens);
    return { ...actor, meterId };
  }

  /** Mints update the capped token supply (one record): the issuer mints one at a time, as a real issuer would. */
  mint(to: Actor, amount: number): Promise<unknown> {
    const next = this.#mints.then(() =>
      this.net.submit(this.cast.marketOperator.identity, TX.Tokens.Mint, [{ account: to.pseudonym }], { transient: { movement: JSON.stringify({ amount, salt: salt() }) } }),
    );
    this.#mints = next.catch(() => undefined);
    return next;
  }

  async balance(actor: Actor): Promise<{ available: number; escrowed: number }> {
    return this.net.evaluate(actor.identity, TX.Tokens.GetBalance, [{ account: actor.pseudonym }]);
  }

  /** Retail order: a SELL from the trader's PV, or a BUY; returns the public order record. */
  placeOrder(trader: Trader, zone: string, interval: string, side: 'BUY' | 'SELL', price: number, quantityWh: number) {
    const order = side === 'SELL' ? { side, price, quantityWh, assetId: trader.pvId, meterId: trader.meterId, salt: salt() } : { side, price, quantityWh, meterId: trader.meterId, salt: salt() };
    return this.net.submit<{ orderId: string; escrow: number; status: string }>(trader.identity, TX.RetailMarket.PlaceOrder, [{ zone, interval }], {
      transient: { order: JSON.stringify(order) },
    });
  }

  /** Clearing and settlement touch every order collection: the grid operator and the regulator endorse. */
  clear(zone: string, interval: string) {
    return this.net.submit<ClearResult>(this.cast.marketOperator.identity, TX.RetailMarket.ClearInterval, [{ zone, interval }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
  }

  settle(market: 'RETAIL' | 'WHOLESALE', zone: string, interval: string) {
    return this.net.submit<Record<string, unknown> & { merkleRoot: string; recordCount: number }>(
      this.cast.marketOperator.identity,
      TX.Settlement.SettleInterval.name,
      [{ market, zone, interval }],
      { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] },
    );
  }

  /** A reading signed by the (shared) test device key, submitted by the DSO's head-end. */
  async reading(meterId: string, intervalStart: number, importedWh: number, exportedWh: number, ownerMsp: string = UTILITY): Promise<void> {
    const reading = { assetId: meterId, intervalStart, importedWh, exportedWh, sequence: intervalStart / 1000 };
    const signature = sign('sha256', Buffer.from(canonicalJson(reading)), DEVICE_PRIVATE_KEY).toString('base64');
    await this.net.submit(this.cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: { readings: JSON.stringify({ salt: randomBytes(24).toString('hex'), readings: [{ ...reading, signature }] }) },
      endorsingOrgs: ownerMsp === UTILITY ? [GRID, UTILITY] : [GRID, REGULATOR],
    });
  }
}

export interface ClearResult {
  price: number | null;
  volumeWh: number;
  value: number;
  buyOrders: number;
  sellOrders: number;
  awardedBuyOrders: number;
  awardedSellOrders: number;
}

/** Moves the clock transaction timestamps come from (only `Date` is faked; see support/clock.ts). */
export { setClock, restoreClock } from '../support/clock';
