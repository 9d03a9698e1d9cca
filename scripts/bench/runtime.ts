/**
 * Bench section "runtime": submit throughput of the embedded Fabric runtime itself (no gateway, no HTTP), for a
 * trivial write and for a transaction reading a 1,000-key range, measured in the same run so their ratio compares
 * like with like. Every submit is endorsed by two of three orgs (MAJORITY), ordered, validated (the range is
 * re-executed for phantoms) and committed with fsync before it resolves.
 */
import { performance } from 'node:perf_hooks';
import { Context, Contract, Param, Transaction } from 'fabric-contract-api';
import { EmbeddedFabric, type Identity } from '@obe/fabric-embedded';

const ORGS = ['Org1MSP', 'Org2MSP', 'Org3MSP'];
const RANGE_KEYS = 1000;
const CONCURRENCY = 16;

class BenchContract extends Contract {
  constructor() {
    super('Bench');
  }

  @Param('count', 'string')
  @Transaction()
  async Seed(ctx: Context, count: string): Promise<void> {
    for (let i = 0; i < Number(count); i++) await ctx.stub.putState(`range/${String(i).padStart(5, '0')}`, Buffer.from(`value-${i}`));
  }

  @Param('key', 'string')
  @Param('value', 'string')
  @Transaction()
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }

  /** Reads the whole 1,000-key range and records how many keys it saw under a key of its own. */
  @Param('into', 'string')
  @Transaction()
  async ReadRange(ctx: Context, into: string): Promise<number> {
    let count = 0;
    for await (const kv of ctx.stub.getStateByRange('range/', 'range0')) if (kv.value.length > 0) count++;
    await ctx.stub.putState(into, Buffer.from(String(count)));
    return count;
  }
}

interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const r = (v: number) => Number(v.toFixed(2));
  return { p50: r(at(50)), p95: r(at(95)), p99: r(at(99)), max: r(sorted[sorted.length - 1]) };
}

async function measure(count: number, task: (i: number) => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) {
        const i = next++;
        const start = performance.now();
        await task(i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  return { transactions: count, elapsedMs: Number(elapsedMs.toFixed(1)), txPerSecond: Number(((count * 1000) / elapsedMs).toFixed(1)), latencyMs: percentiles(latencies) };
}

export default async function runtimeSection(opts: { quick: boolean; fabric: boolean }): Promise<Record<string, unknown>> {
  const fabric = await EmbeddedFabric.start({
    orgs: ORGS.map((mspId) => ({ mspId })),
    channels: [{ name: 'bench', orgs: ORGS, chaincodes: [{ name: 'bench', contracts: [BenchContract] }] }],
  });
  try {
    const identity: Identity = await fabric.identity(ORGS[0], 'bench-client');
    const submit = (fn: string, args: string[]) => fabric.submit({ channel: 'bench', chaincode: 'bench', identity, fn: `Bench:${fn}`, args });
    await submit('Seed', [String(RANGE_KEYS)]);
    const warmup = opts.quick ? 20 : 100;
    await measure(warmup, (i) => submit('Put', [`warm/${i}`, 'x']).then(() => undefined));

    const trivial = await measure(opts.quick ? 300 : 3000, (i) => submit('Put', [`put/${i}`, `value-${i}`]).then(() => undefined));
    const range = await measure(opts.quick ? 60 : 600, async (i) => {
      const r = await submit('ReadRange', [`count/${i}`]);
      if (r.payload.toString() !== String(RANGE_KEYS)) throw new Error(`range read returned ${r.payload.toString()}`);
    });
    const blocks = fabric.height('bench');
    return {
      setup: {
        orgs: ORGS.length,
        endorsementsPerTx: 2,
        concurrency: CONCURRENCY,
        batchTimeoutMs: 2,
        durability: 'fdatasync per block before submit resolves',
        blocks,
      },
      trivialWrite: trivial,
      rangeRead1000: range,
      ratio: {
        description: 'range ÷ trivial, same run',
        txPerSecond: Number((range.txPerSecond / trivial.txPerSecond).toFixed(3)),
        latencyP50: Number((range.latencyMs.p50 / trivial.latencyMs.p50).toFixed(2)),
      },
    };
  } finally {
    await fabric.close();
  }
}
