import { UTILITY, type Actor } from '../support';
import { DEVICE_PUBLIC_KEY, MarketFixture, ZONE, restoreClock, salt, setClock } from './fixture';

import { TX } from '@obe/chaincode';
const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const PARTICIPANTS = 1000;
const CHUNK = 500;

/** Runs `work` over `items` in concurrent chunks, so a thousand submits share blocks without swamping the runtime. */
async function inChunks<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    results.push(...(await Promise.allSettled(items.slice(i, i + CHUNK).map((item, j) => work(item, i + j)))));
  }
  return results;
}

function rejected<R>(results: PromiseSettledResult<R>[]): string[] {
  return results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => String(r.reason?.message ?? r.reason));
}

/**
 * A thousand participants order into one interval at once. Every order writes its own keys (order, private body,
 * escrow, the buyer's own delta) and reads only its owner's account and assets (and the interval's result key, which only
 * clearing writes), so no two orders write a key another reads:
 * all commit, none is invalidated by MVCC or phantom checks.
 */
describe('1,000 participants ordering concurrently into one interval', () => {
  let fx: MarketFixture;
  const traders: (Actor & { meterId: string; pvId?: string })[] = [];
  let interval: string;
  let start: number;

  beforeAll(async () => {
    fx = await MarketFixture.start();
    const net = fx.net;
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
    // Setup in bulk: identities carry their role as the `obe.role` attribute, so registration is one transaction each.
    const names = Array.from({ length: PARTICIPANTS }, (_, i) => `c-${i}`);
    const identities = await Promise.all(
      names.map((name, i) => net.identity(UTILITY, name, { attrs: { 'obe.role': i % 2 === 0 ? 'PROSUMER' : 'CONSUMER' } })),
    );
    const registered = await inChunks(identities, (identity) => net.submit<{ pseudonym: string }>(identity, TX.Participants.Register));
    expect(rejected(registered)).toEqual([]);
    const actors: Actor[] = registered.map((r, i) => ({
      name: names[i],
      identity: identities[i],
      mspId: UTILITY,
      pseudonym: (r as PromiseFulfilledResult<{ pseudonym: string }>).value.pseudonym,
      roles: [i % 2 === 0 ? 'PROSUMER' : 'CONSUMER'],
    }));
    // Assets stage by stage over everyone at once, so each stage fills whole blocks: register, commission, activate.
    const wanted = actors.flatMap((actor, i) => {
      const meter = { actor, assetId: `meter-${i}`, type: 'meter' };
      return i % 2 === 0 ? [meter, { actor, assetId: `pv-${i}`, type: 'pv' }] : [meter];
    });
    const stage = async (label: string, work: (a: (typeof wanted)[number]) => Promise<unknown>) => {
      expect({ [label]: rejected(await inChunks(wanted, work)) }).toEqual({ [label]: [] });
    };
    await stage('register', (a) =>
      net.submit(a.actor.identity, TX.Registry.RegisterAsset, [
        { assetId: a.assetId, type: a.type, segment: 'retail', zone: ZONE, capacityKw: 50, ...(a.type === 'meter' ? { devicePublicKey: DEVICE_PUBLIC_KEY } : {}) },
      ]),
    );
    await stage('commission', (a) => net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: a.assetId }]));
    await stage('activate', (a) => net.submit(a.actor.identity, TX.Registry.ActivateAsset, [{ assetId: a.assetId }]));
    const minted = await inChunks(
      actors.filter((_, i) => i % 2 === 1),
      (actor) => fx.mint(actor, 100_000),
    );
    expect(rejected(minted)).toEqual([]);
    actors.forEach((actor, i) => traders.push({ ...actor, meterId: `meter-${i}`, pvId: i % 2 === 0 ? `pv-${i}` : undefined }));
  }, 600_000);

  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('commits every order with no MVCC or phantom conflict, then clears all of them in one transaction', async () => {
    setClock(start - 30 * MINUTE);
    const heightBefore = fx.net.fabric.height('energy');
    const placed = await Promise.allSettled(
      traders.map((t, i) => {
        const sell = i % 2 === 0;
        const order = sell
          ? { side: 'SELL', price: 10 + (i % 40), quantityWh: 500 + (i % 7) * 100, assetId: t.pvId, meterId: t.meterId, salt: salt() }
          : { side: 'BUY', price: 15 + (i % 40), quantityWh: 500 + (i % 5) * 100, meterId: t.meterId, salt: salt() };
        return fx.net.fabric.submit(fx.net.request(t.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval }], { transient: { order: JSON.stringify(order) } }));
      }),
    );
    expect(rejected(placed)).toEqual([]);
    const txIds = placed.map((r) => (r as PromiseFulfilledResult<{ txId: string }>).value.txId);
    const codes = new Map<string, number>();
    for (const txId of txIds) {
      const code = fx.net.fabric.txStatus('energy', txId)?.validationCode ?? 'UNKNOWN';
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(Object.fromEntries(codes)).toEqual({ VALID: PARTICIPANTS });
    // Many orders shared a block: they really were concurrent.
    expect(fx.net.fabric.height('energy') - heightBefore).toBeLessThan(PARTICIPANTS);

    setClock(start - 4 * MINUTE);
    const result = await fx.clear(ZONE, interval);
    expect(result).toMatchObject({ buyOrders: 500, sellOrders: 500 });
    expect(result.volumeWh).toBeGreaterThan(0);
  }, 600_000);
});
