/**
 * Bench section "clearing-limits": clearing under DSO operating envelopes and a network fee, against the same books
 * cleared without them, in the same run.
 *  - inProcess: the pure clearing function (market/clearing.ts) at 1,000, 5,000 and 10,000 orders spread over 20
 *    feeders, every feeder with an export limit at 40 % of its offers and an import limit at 60 % of its bids, the zone
 *    with an import limit, and a fee of 3 per kWh (1 within a feeder). Median of 11 runs after 5 warm-up runs;
 *    `ratio` = limited / unconstrained. The books are clearing.ts's (deterministic).
 *  - embeddedRuntime (not with `quick`): RetailMarket:ClearInterval over 10,000 real orders of 100 traders whose
 *    meters the DSO attached to the 20 feeders, endorsed by one org with the bodies supplied (the chaincode's own time),
 *    once before the DSO publishes the envelopes and the tariff and once after (endorsing commits nothing, so both see
 *    the same book), median of 3 endorsements each; `ratio` = limited / unconstrained. Figures vary with the load of
 *    the machine: compare the two columns of one run, not runs.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { TX } from '../../chaincode/src/catalogue';
import { clearInterval, type ClearingLimits, type ClearingOptions, type ClearingOrder } from '../../chaincode/src/market/clearing';
import { ObeNet, GRID, UTILITY, type Actor } from '../../gateway/src/ledger/embedded/obe-net';
import { benchOrders } from './clearing';

const SIZES = [1000, 5000, 10_000] as const;
const FEEDERS = 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(run: () => unknown): number {
  for (let i = 0; i < 5; i++) run();
  const times: number[] = [];
  for (let i = 0; i < 11; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return Number(median(times).toFixed(2));
}

/** The book on feeders, and limits that bind: export 40 % of each feeder's offers, import 60 % of its bids. */
export function limitedBook(n: number): { orders: ClearingOrder[]; options: ClearingOptions } {
  const orders = benchOrders(n).map((o, i) => ({ ...o, node: `f${String(i % FEEDERS).padStart(2, '0')}` }));
  const nodes: Record<string, { importWh: number; exportWh: number }> = {};
  for (const o of orders) {
    const entry = (nodes[o.node] ??= { importWh: 0, exportWh: 0 });
    if (o.side === 'BUY') entry.importWh += o.quantity;
    else entry.exportWh += o.quantity;
  }
  for (const entry of Object.values(nodes)) {
    entry.importWh = Math.floor(entry.importWh * 0.6);
    entry.exportWh = Math.floor(entry.exportWh * 0.4);
  }
  const totalImport = Object.values(nodes).reduce((s, e) => s + e.importWh, 0);
  const limits: ClearingLimits = { nodes, total: { importWh: Math.floor(totalImport * 0.9), exportWh: null }, totalNode: 'bench-zone' };
  return { orders, options: { limits, fee: { perKwh: 3, localPerKwh: 1 } } };
}

const ZONE = 'bench-grid-zone';
const TRADERS_PER_SIDE = 50;
const RUNTIME_ORDERS = 10_000;

interface Trader extends Actor {
  meterId: string;
  pvId?: string;
  feeder: string;
}

/** The chaincode's time to clear 10,000 orders on the embedded runtime, without and with envelopes and a tariff. */
async function throughRuntime(): Promise<Record<string, unknown>> {
  const net = await ObeNet.start();
  try {
    const cast = await net.cast('benchgrid');
    const dso = cast.dso.identity;
    const admin = await net.admin(GRID);
    const devicePem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: ZONE, kind: 'ZONE' }]);
    const feeders = Array.from({ length: FEEDERS }, (_, i) => `${ZONE}-f${String(i).padStart(2, '0')}`);
    for (const feeder of feeders) await net.submit(dso, TX.Grid.RegisterGridNode, [{ nodeId: feeder, kind: 'FEEDER', zone: ZONE }]);
    const asset = async (owner: Actor, assetId: string, type: string) => {
      // 5 MW assets: a seller's up to 100 offers of up to 5 kWh fit what it can deliver in a 15-minute interval.
      await net.submit(owner.identity, TX.Registry.RegisterAsset, [{ assetId, type, segment: 'retail', zone: ZONE, capacityKw: 5_000, ...(type === 'meter' ? { devicePublicKey: devicePem } : {}) }]);
      await net.submit(dso, TX.Registry.CommissionAsset, [{ assetId }]);
      await net.submit(owner.identity, TX.Registry.ActivateAsset, [{ assetId }]);
    };
    const make = async (i: number, sell: boolean): Promise<Trader> => {
      const actor = await net.participant(UTILITY, `bgrid-${sell ? 's' : 'b'}${i}`, [sell ? 'PROSUMER' : 'CONSUMER']);
      const meterId = `bgrid-meter-${sell ? 's' : 'b'}${i}`;
      await asset(actor, meterId, 'meter');
      const pvId = sell ? `bgrid-pv-${i}` : undefined;
      if (pvId) await asset(actor, pvId, 'pv');
      const feeder = feeders[i % FEEDERS];
      await net.submit(dso, TX.Grid.AttachAsset, [{ assetId: meterId, feeder }]);
      return { ...actor, meterId, pvId, feeder };
    };
    const sellers = await Promise.all(Array.from({ length: TRADERS_PER_SIDE }, (_, i) => make(i, true)));
    const buyers = await Promise.all(Array.from({ length: TRADERS_PER_SIDE }, (_, i) => make(i, false)));
    for (const buyer of buyers) {
      await net.submit(cast.marketOperator.identity, TX.Tokens.Mint, [{ account: buyer.pseudonym }], { transient: { movement: JSON.stringify({ amount: 1_000_000_000, salt: randomBytes(24).toString('hex') }) } });
    }
    const intervalMs = 15 * 60_000;
    const start = Math.ceil((Date.now() + 2 * 3_600_000) / intervalMs) * intervalMs;
    const interval = new Date(start).toISOString();
    // The book: each trader places its share one after another, all traders at once.
    const queues = new Map<Trader, ClearingOrder[]>();
    benchOrders(RUNTIME_ORDERS).forEach((order, i) => {
      const side = order.side === 'SELL' ? sellers : buyers;
      const trader = side[Math.floor(i / 2) % side.length];
      queues.set(trader, [...(queues.get(trader) ?? []), order]);
    });
    await Promise.all(
      [...queues].map(async ([trader, orders]) => {
        for (const order of orders) {
          const body = order.side === 'SELL' ? { side: 'SELL', price: order.price, quantityWh: order.quantity, assetId: trader.pvId, meterId: trader.meterId } : { side: 'BUY', price: order.price, quantityWh: order.quantity, meterId: trader.meterId };
          await net.submit(trader.identity, TX.RetailMarket.PlaceOrder, [{ zone: ZONE, interval }], { transient: { order: JSON.stringify({ ...body, salt: randomBytes(16).toString('hex') }) } });
        }
      }),
    );
    const operator = cast.marketOperator.identity;
    const slot = [{ zone: ZONE, interval }];
    const closeGate = (closed: boolean) => net.submit(admin, TX.Governance.UpdateConfig, [{ gateClosureMinutes: closed ? 1439 : 5 }]);
    const chaincodeMs = async () => {
      await closeGate(true);
      const bodies = (await net.fabric.evaluate({ ...net.request(operator, TX.RetailMarket.ListOpenOrderBodies, slot), org: GRID })).toString('utf8');
      // Median of 3 endorsements (the first also warms the JIT up).
      const times: number[] = [];
      let payload = '';
      for (let run = 0; run < 3; run++) {
        const t0 = performance.now();
        const endorsed = await net.fabric.endorse(net.request(operator, TX.RetailMarket.ClearInterval, slot, { transient: { salt: randomBytes(16).toString('hex'), orders: bodies }, endorsingOrgs: [GRID] }));
        times.push(performance.now() - t0);
        payload = endorsed.payload.toString('utf8');
      }
      await closeGate(false);
      return { ms: Math.round(median(times)), result: JSON.parse(payload) as { price: number | null; volumeWh: number | null; binding?: unknown[] } };
    };
    const plain = await chaincodeMs();
    // Envelopes on every feeder at 40 % of its sellers' offers (binding), and the tariff.
    const offered = new Map<string, number>();
    for (const [trader, orders] of queues) if (sellers.includes(trader)) offered.set(trader.feeder, (offered.get(trader.feeder) ?? 0) + orders.reduce((s, o) => s + o.quantity, 0));
    const envelopes = feeders.filter((f) => offered.has(f)).map((nodeId) => ({ nodeId, interval, importLimitWh: null, exportLimitWh: Math.floor(offered.get(nodeId)! * 0.4) }));
    await net.submit(dso, TX.Grid.PublishEnvelopes, [{ envelopes }]);
    await net.submit(dso, TX.Grid.PublishTariffs, [{ tariffs: [{ zone: ZONE, interval, feePerKwh: 3, localFeePerKwh: 1 }] }]);
    const limited = await chaincodeMs();
    return {
      orders: RUNTIME_ORDERS,
      feeders: FEEDERS,
      unconstrainedChaincodeMs: plain.ms,
      limitedChaincodeMs: limited.ms,
      ratio: Number((limited.ms / plain.ms).toFixed(2)),
      unconstrainedPrice: plain.result.price,
      limitedPrice: limited.result.price,
    };
  } finally {
    await net.close();
  }
}

export default async function clearingLimits(opts: { quick: boolean }): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const n of opts.quick ? [10_000] : SIZES) {
    const { orders, options } = limitedBook(n);
    const plain = clearInterval(orders);
    const limited = clearInterval(orders, options);
    const plainMs = timed(() => clearInterval(orders));
    const limitedMs = timed(() => clearInterval(orders, options));
    out[String(n)] = {
      unconstrainedMs: plainMs,
      limitedMs,
      ratio: Number((limitedMs / plainMs).toFixed(2)),
      unconstrainedVolumeWh: plain.volume,
      limitedVolumeWh: limited.volume,
      bindingLimits: limited.binding?.length ?? 0,
      fees: limited.fees ?? 0,
    };
  }
  return { inProcess: out, ...(opts.quick ? {} : { embeddedRuntime: await throughRuntime() }) };
}
