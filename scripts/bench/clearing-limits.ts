/**
 * Bench section "clearing-limits": the pure clearing function (market/clearing.ts) under DSO operating envelopes and
 * a network fee, against the same books cleared without them, in the same run: 1,000, 5,000 and 10,000 orders spread
 * over 20 feeders, every feeder with an export limit at 40 % of its offers and an import limit at 60 % of its bids,
 * the zone with an import limit, and a fee of 3 per kWh (1 within a feeder). Median of 11 runs after 5 warm-up runs;
 * `ratio` = limited / unconstrained. The books are clearing.ts's (deterministic). `quick`: 10,000 orders only.
 */
import { performance } from 'node:perf_hooks';
import { clearInterval, type ClearingLimits, type ClearingOptions, type ClearingOrder } from '../../chaincode/src/market/clearing';
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
  return out;
}
