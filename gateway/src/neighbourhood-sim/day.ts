import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfiguredIdentity } from '../config';
import type { SimulationEvent } from './driver';
import { startEmbeddedGateway, type EmbeddedGateway } from './embedded-gateway';
import { neighbourhoodKeysFrom, type NeighbourhoodKeys } from './keys';
import { createRun } from './run';
import { SUMMER_DAY, type Scenario } from './scenario';
import { DiscreteScheduler, installVirtualClock, type VirtualClock } from './sim-time';
import type { SimulationSummary } from './summary';

/**
 * One simulated day of a neighbourhood through a gateway's REST API (`npm run simulate`, its tests):
 *  - embedded ledger, simulated time (default): a gateway in this process on a fresh data dir, the process's clock
 *    virtual (sim-time.ts); the day starts at the next midnight (UTC, read as local solar time) and its intervals
 *    are the channel's governance interval (15 minutes unless `intervalMinutes` configures the fresh channel), so a
 *    day is 96 intervals and runs in seconds to minutes;
 *  - embedded ledger, wall clock: the same gateway in real time on 1-minute intervals, each carrying `stepMinutes`
 *    of the simulated day (a compressed day to watch on the dashboard);
 *  - Fabric: a gateway in this process on the network's connection config, or any running gateway (`url`), in real
 *    time on the network's own intervals.
 * Clearing and settlement: the gateway's market operator agent when it runs, else the simulation as the operator.
 */
export interface DayOptions {
  readonly ledger: 'embedded' | 'fabric';
  readonly clock: 'simulated' | 'wall';
  /** A running gateway to drive (wall clock), with its keys. */
  readonly url?: string;
  readonly keys?: NeighbourhoodKeys;
  /** Fabric connection config for a gateway in this process (ledger 'fabric' without url). */
  readonly fabricConfig?: string;
  /** Data dir of a gateway started here (default: a new temp dir, removed after the run unless `keepDataDir`). */
  readonly dataDir?: string;
  readonly keepDataDir?: boolean;
  readonly seed: string;
  readonly prosumers: number;
  readonly consumers?: number;
  /** Default: a whole day of steps (1440 / step minutes). */
  readonly intervals?: number;
  /** Interval length of a fresh embedded channel (default: governance's 15 minutes in simulated time, 1 on the wall clock). */
  readonly intervalMinutes?: number;
  /** Simulated minutes per ledger interval (default: the ledger's interval; 15 on the embedded wall clock). */
  readonly stepMinutes?: number;
  readonly scenario?: Scenario;
  readonly operator?: 'auto' | 'self' | 'agent';
  readonly onEvent?: (event: SimulationEvent) => void;
  /** Told once the gateway is up (its URL, the data dir). */
  readonly onGateway?: (info: { url: string; dataDir?: string }) => void;
  readonly signal?: AbortSignal;
  readonly concurrency?: number;
  /**
   * Prefix of the run's asset ids and zones. Default: none when the meters' device keys are kept (a fresh embedded
   * ledger, or a data dir the caller keeps), else a random tag, so a run on a network an earlier run used (whose meter
   * keys are gone) registers meters and zones of its own instead of signing for meters registered with other keys.
   */
  readonly runTag?: string;
}

export interface DayResult {
  readonly summary: SimulationSummary;
  /** The prefix of the run's asset ids and zones ('' for none). */
  readonly runTag: string;
  readonly intervalMinutes: number;
  readonly stepMinutes: number;
  readonly firstInterval?: string;
  readonly dataDir?: string;
}

const DAY_MS = 86_400_000;

const ADMINS: ConfiguredIdentity[] = [
  { label: 'gridoperator-admin', mspId: 'GridOperatorMSP', admin: true },
  { label: 'utility-admin', mspId: 'UtilityMSP', admin: true },
  { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true },
];

export function householdIdentities(count: number): ConfiguredIdentity[] {
  return Array.from({ length: count }, (_, i) => ({ label: `household-${String(i + 1).padStart(4, '0')}`, mspId: 'UtilityMSP' }));
}

/** The connection config's identities as a gateway file lists them (admins by their `-admin` label). */
function fabricIdentities(connectionFile: string): ConfiguredIdentity[] {
  const connection = JSON.parse(fs.readFileSync(connectionFile, 'utf8')) as { identities?: { label: string; mspId: string }[] };
  if (!Array.isArray(connection.identities)) throw new Error(`${connectionFile} lists no identities: is it a connection config (network/native/generated/connection.json)?`);
  return connection.identities.map((i) => ({ label: i.label, mspId: i.mspId, admin: i.label.endsWith('-admin') }));
}

export async function runDay(options: DayOptions): Promise<DayResult> {
  if (options.clock === 'simulated' && (options.ledger !== 'embedded' || options.url)) {
    throw new Error('simulated time needs the embedded ledger in this process (a remote or Fabric gateway keeps real time)');
  }
  const scenario = options.scenario ?? SUMMER_DAY;
  const historyDays = scenario.historyDays ?? 0;
  if (historyDays > 0 && options.clock !== 'simulated') {
    throw new Error(`scenario ${scenario.name} needs ${historyDays} day(s) of ledger history before its day: simulated time only (--clock simulated on the embedded ledger)`);
  }
  const consumers = options.consumers ?? Math.ceil(options.prosumers / 2);
  let clock: VirtualClock | undefined;
  let gateway: EmbeddedGateway | undefined;
  let dataDir: string | undefined;
  const tempDir = !options.url && !options.dataDir;
  try {
    let url: string;
    let keys: NeighbourhoodKeys;
    if (options.url) {
      if (!options.keys) throw new Error('a running gateway needs its API keys');
      url = options.url;
      keys = options.keys;
    } else {
      dataDir = path.resolve(options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'obe-simulate-')));
      if (options.clock === 'simulated') clock = installVirtualClock();
      const fabricConfig = options.ledger === 'fabric' ? path.resolve(options.fabricConfig ?? 'network/native/generated/connection.json') : undefined;
      if (fabricConfig && !fs.existsSync(fabricConfig)) {
        throw new Error(`no Fabric connection config at ${fabricConfig}: bring the network up first (npm run network:up) or pass --fabric-config`);
      }
      const intervalMinutes = options.intervalMinutes ?? (options.clock === 'wall' ? 1 : undefined);
      gateway = await startEmbeddedGateway({
        dataDir,
        identities: () => (fabricConfig ? fabricIdentities(fabricConfig) : [...ADMINS, ...householdIdentities(options.prosumers + consumers)]),
        governance: options.clock === 'wall' ? { intervalMinutes: intervalMinutes ?? 1, gateClosureMinutes: 0 } : intervalMinutes === undefined ? {} : { intervalMinutes },
        ...(fabricConfig ? { fabricConfig } : {}),
      });
      url = gateway.url;
      keys = neighbourhoodKeysFrom(JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string; mspId: string }>);
    }
    options.onGateway?.({ url, ...(dataDir ? { dataDir } : {}) });

    const keysKept = !options.url && (options.ledger === 'embedded' || (options.dataDir !== undefined && options.keepDataDir === true));
    const runTag = options.runTag ?? (keysKept ? '' : `s${randomBytes(3).toString('hex')}-`);
    const scheduler = clock ? new DiscreteScheduler(clock) : undefined;
    let ledgerMinutes = 0;
    let stepMinutes = options.stepMinutes ?? (options.ledger === 'embedded' && options.clock === 'wall' ? 15 : undefined);
    let firstStart: number | undefined;
    const run = createRun({
      url,
      keys,
      seed: options.seed,
      prosumers: options.prosumers,
      consumers,
      ...(dataDir ? { dataDir } : {}),
      intervals: options.intervals ?? 1,
      onEvent: (event) => {
        if (event.type === 'scheduled') firstStart = Date.parse(event.intervals[0]);
        options.onEvent?.(event);
      },
      neighbourhood: scenario.neighbourhood,
      operator: options.operator ?? 'auto',
      ...(runTag ? { runTag } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      day: {
        hooks: scenario.hooks,
        checkTokens: true,
        stepMinutes: stepMinutes ?? 'ledger',
        intervalsFor: (timing, step) => {
          ledgerMinutes = timing.intervalMs / 60_000;
          stepMinutes = step;
          return options.intervals ?? Math.max(1, Math.round(1440 / step));
        },
        ...(scheduler
          ? {
              scheduler,
              // Simulated time: the day from the next midnight whose first order window is still ahead; the first
              // interval at the scenario's start hour (UTC read as local solar time), so ledger and model agree.
              firstIntervalStart: (timing, now) => {
                const startHour = scenario.neighbourhood.startHour ?? 0;
                const offset = Math.round((startHour * 3_600_000) / timing.intervalMs) * timing.intervalMs;
                const firstDay = Math.ceil((now + 60_000 + timing.gateClosureMs + timing.intervalMs - offset) / DAY_MS) * DAY_MS + offset;
                // Days of history (e.g. demand-response baseline days) lie between registration and the simulated day.
                return firstDay + historyDays * DAY_MS;
              },
            }
          : {}),
      },
    });
    const stop = () => run.stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      const summary = await run.run();
      return {
        summary,
        runTag,
        intervalMinutes: ledgerMinutes,
        stepMinutes: stepMinutes ?? ledgerMinutes,
        ...(firstStart !== undefined ? { firstInterval: new Date(firstStart).toISOString() } : {}),
        ...(dataDir && !tempDir ? { dataDir } : {}),
      };
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  } finally {
    await gateway?.close();
    clock?.uninstall();
    if (tempDir && dataDir && !options.keepDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
