/**
 * The full market result and settlement summary kept in the operator's settlement collection (the small-group rule
 * withholds their totals publicly) are salted. On a Fabric peer the block carries the SHA-256 of every private value;
 * unsalted, that hash confirms a guess of the withheld volume (every other field of the record is public).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import { GRID, REGULATOR } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from './fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

type Tx = Awaited<ReturnType<MarketFixture['net']['endorse']>>;
const valueHashes = (tx: Tx) => tx.rwset.collections.flatMap((c) => c.hashedWrites.map((w) => w.valueHash));
const unsaltedHash = (details: Record<string, unknown>) => {
  const { salt: _salt, ...rest } = details;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
};

describe('oversight copies of suppressed totals are salted', () => {
  let fx: MarketFixture;
  let seller: Trader;
  let buyers: Trader[];
  let start: number;

  beforeAll(async () => {
    fx = await MarketFixture.start(); // k = 3
    seller = await fx.prosumer('os-s1');
    buyers = [await fx.consumer('os-b1', ZONE, 200_000), await fx.consumer('os-b2', ZONE, 200_000), await fx.consumer('os-b3', ZONE, 200_000)];
    start = Math.ceil((Date.now() + 3 * 60 * MINUTE) / INTERVAL) * INTERVAL;
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('no private write of the clearing or the settlement hashes to its unsalted full record', async () => {
    const interval = new Date(start).toISOString();
    const slot = { zone: ZONE, interval };
    setClock(start - 30 * MINUTE);
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 10, 2718);
    for (const b of buyers) await fx.placeOrder(b, ZONE, interval, 'BUY', 20, 1000);

    setClock(start - 4 * MINUTE);
    const clearing = await fx.net.endorse(fx.cast.marketOperator.identity, TX.RetailMarket.ClearInterval, [slot], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
    await fx.net.fabric.commit(clearing);
    const result = await fx.net.evaluate<{ volumeWh: number | null; details?: Record<string, unknown> }>(fx.cast.regulator.identity, TX.RetailMarket.GetResult, [slot]);
    expect(result.volumeWh).toBeNull();
    expect(result.details).toMatchObject({ volumeWh: 2718, suppressed: false });
    expect(valueHashes(clearing)).not.toContain(unsaltedHash(result.details!));

    setClock(start + INTERVAL + MINUTE);
    await fx.reading(seller.meterId, start, 0, 2718);
    for (const b of buyers) await fx.reading(b.meterId, start, 900, 0);
    const ref = { market: 'RETAIL', zone: ZONE, interval };
    const settling = await fx.net.endorse(fx.cast.marketOperator.identity, TX.Settlement.SettleInterval, [ref], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
    await fx.net.fabric.commit(settling);
    const summary = await fx.net.evaluate<{ awardedWh: number | null; details?: Record<string, unknown> }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [ref]);
    expect(summary.awardedWh).toBeNull();
    expect(summary.details).toMatchObject({ awardedWh: 2718 });
    expect(valueHashes(settling)).not.toContain(unsaltedHash(summary.details!));
  });
});
