import path from 'node:path';
import { SimulationRun, type SimulationEvent, type SimulationOptions } from './driver';
import { GatewayClient } from './gateway-client';
import { HttpBackend } from './http-backend';
import type { NeighbourhoodKeys } from './keys';
import { MeterKeyStore } from './meter-keys';
import type { Household, NeighbourhoodOptions } from './neighbourhood';
import type { SimulationSummary } from './summary';

/**
 * Running a simulated neighbourhood against a gateway URL: `runSimulation` for a bounded run (npm run simulate),
 * `startLiveSimulation` for `npm start`, which keeps the demo neighbourhood trading interval after interval. Lean on
 * purpose (no gateway internals), so the gateway's own bootstrap can import it.
 */
export interface RunOptions {
  readonly url: string;
  readonly keys: NeighbourhoodKeys;
  readonly seed: string | number;
  readonly prosumers: number;
  readonly consumers?: number;
  readonly intervals?: number;
  /** Where meter device keys are kept between runs; memory only when absent. */
  readonly dataDir?: string;
  readonly onEvent?: (event: SimulationEvent) => void;
  readonly concurrency?: number;
  /** Shape of the neighbourhood beyond its size (zones, batteries, simulated day and hours). */
  readonly neighbourhood?: Partial<Omit<NeighbourhoodOptions, 'seed' | 'prosumers' | 'consumers'>>;
  /** Time reserved for placing one interval's orders before its gate closes (default grows with households). */
  readonly orderLeadMs?: number;
  /**
   * Who clears, settles and publishes zone totals: the simulation itself as the market operator (default, `npm run
   * simulate`), or the gateway's market operator agent (`npm start`'s demo), leaving the households to order and read.
   */
  readonly operator?: 'self' | 'agent' | 'auto';
  /** Simulated time, grid-event hooks, step length, token check, first interval: see SimulationOptions. */
  /** Prefix of the run's asset ids and zones (see HttpBackendOptions.assetPrefix); default none. */
  readonly runTag?: string;
  readonly day?: Pick<SimulationOptions, 'scheduler' | 'firstIntervalStart' | 'stepMinutes' | 'intervalsFor' | 'hooks' | 'checkTokens' | 'agentTimeoutMs'>;
}

export function createRun(options: RunOptions): SimulationRun {
  const meterKeys = new MeterKeyStore(options.dataDir ? path.join(options.dataDir, 'simulator', 'meter-keys.json') : undefined);
  const keyOf = new Map<string, string>();
  const backend = new HttpBackend({
    client: new GatewayClient(options.url),
    keys: { operator: options.keys.operator, utilityAdmin: options.keys.utilityAdmin, regulator: options.keys.regulator, households: keyOf },
    meterKeys,
    concurrency: options.concurrency,
    publishZoneTotals: options.operator !== 'agent',
    ...(options.runTag ? { assetPrefix: options.runTag } : {}),
  });
  const run = new SimulationRun(backend, {
    ...options.neighbourhood,
    ...(options.runTag ? { zonePrefix: options.runTag } : {}),
    ...(options.orderLeadMs === undefined ? {} : { orderLeadMs: options.orderLeadMs }),
    seed: options.seed,
    prosumers: options.prosumers,
    ...(options.consumers === undefined ? {} : { consumers: options.consumers }),
    intervals: options.intervals,
    onEvent: options.onEvent,
    operator: options.operator ?? 'self',
    ...options.day,
  });
  run.neighbourhood.households.forEach((h: Household, i: number) => keyOf.set(h.id, options.keys.households[i % options.keys.households.length]));
  return run;
}

/** A bounded run: resolves with the summary once every interval is settled. */
export function runSimulation(options: RunOptions & { intervals: number }): Promise<SimulationSummary> {
  return createRun(options).run();
}

export interface LiveSimulation {
  /** Stops starting new intervals, lets running ones finish, resolves with the summary. */
  stop(): Promise<SimulationSummary>;
  summary(): SimulationSummary;
}

/**
 * Keeps a neighbourhood trading on a running gateway until stop(): one household per household identity in
 * `keys`, orders every interval, clearing, signed readings and settlement on the ledger's own interval clock.
 * Errors of single transactions are counted in the summary, never thrown; `onError` hears about a failed run.
 */
export function startLiveSimulation(options: Omit<RunOptions, 'intervals'> & { onError?: (err: unknown) => void }): LiveSimulation {
  const run = createRun({ ...options, intervals: undefined });
  const finished = run.run().catch((err: unknown) => {
    options.onError?.(err);
    return run.summary();
  });
  return {
    async stop() {
      run.stop();
      return finished;
    },
    summary: () => run.summary(),
  };
}
