/**
 * Command-line options of `npm run simulate`. Parsed by hand because the grammar is tiny; every value is checked
 * and a bad one is reported with the option's name.
 */
export interface SimulateArgs {
  prosumers: number;
  consumers?: number;
  /** Default: a whole day of steps. */
  intervals?: number;
  ledger: 'embedded' | 'fabric';
  /** Simulated time (embedded only) or the wall clock. */
  clock: 'simulated' | 'wall';
  /** Interval length of a fresh embedded channel. */
  intervalMinutes?: number;
  /** Simulated minutes per ledger interval. */
  stepMinutes?: number;
  operator: 'auto' | 'self' | 'agent';
  /** Simulated local hour of the first interval (default 0, midnight). */
  startHour?: number;
  seed: string;
  /** summer (default): the plain summer day; grid: the DSO's envelopes, tariffs and an evening demand-response event. */
  scenario: 'summer' | 'grid';
  /** A running gateway to drive instead of starting one in-process. */
  url?: string;
  /** demo-api-keys.json of the running gateway (with --url). */
  keysFile?: string;
  /** Fabric connection config for a gateway in this process (--ledger fabric). */
  fabricConfig?: string;
  dataDir?: string;
  /** Where the JSON summary goes (default: simulation-summary.json in --data-dir, else obe-simulation-summary.json in the OS temp dir). */
  jsonFile?: string;
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run simulate -- [options]
  --prosumers N          households with PV (default 20)
  --consumers N          households without PV (default prosumers / 2)
  --intervals K          delivery intervals (default: a whole day, 1440 / step minutes)
  --ledger L             embedded (default: a gateway in this process on a fresh data dir) or fabric
                         (a gateway in this process on the Fabric network of --fabric-config, or --url)
  --clock C              simulated (default on embedded: the day runs in seconds on the channel's own
                         interval length) or wall (real time; the only choice on Fabric or with --url)
  --interval-minutes M   interval length of the fresh embedded channel (default 15; 1 with --clock wall)
  --step-minutes M       simulated minutes per ledger interval (default: the ledger's interval length;
                         15 on the embedded wall clock); larger compresses the day into fewer intervals
  --operator O           auto (default: the gateway's market operator agent clears and settles when it
                         runs, else the simulation does), self or agent
  --start-hour H         simulated local hour of the first interval, 0–23 (default 0); e.g. 10 with
                         --intervals 8 for two hours around midday
  --seed S               seed of the synthetic neighbourhood and its weather (default 1)
  --scenario S           summer (default) or grid: the DSO registers zones and feeders, publishes a
                         time-of-use network tariff, export envelopes that bind at midday (11–14 h) and
                         an evening demand-response event (18–19 h, simulated time only; settled from
                         signed readings after the window; see docs/operations.md)
  --url URL              drive a running gateway instead (needs --keys; wall clock)
  --keys FILE            demo-api-keys.json of that gateway
  --fabric-config FILE   connection config for --ledger fabric (default network/native/generated/connection.json)
  --data-dir DIR         data dir of the in-process gateway (default: a new temp dir, removed afterwards)
  --json FILE            write the summary as JSON (default: simulation-summary.json in --data-dir, else
                         obe-simulation-summary.json in the OS temp dir; the path is printed)
  --help                 this text`;

function positiveInt(name: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} needs an integer ≥ ${min}, got '${raw ?? ''}'`);
  }
  return value;
}

function oneOf<T extends string>(name: string, raw: string, values: readonly T[]): T {
  if (!(values as readonly string[]).includes(raw)) throw new UsageError(`--${name} must be ${values.join(' or ')}, got '${raw}'`);
  return raw as T;
}

export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  const args: SimulateArgs = { prosumers: 20, ledger: 'embedded', clock: 'simulated', operator: 'auto', seed: '1', scenario: 'summer', help: false };
  let clockGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--prosumers':
        args.prosumers = positiveInt('prosumers', value(), 1);
        break;
      case '--consumers':
        args.consumers = positiveInt('consumers', value(), 0);
        break;
      case '--intervals':
        args.intervals = positiveInt('intervals', value(), 1);
        if (args.intervals > 10_000) throw new UsageError(`--intervals may be at most 10000, got ${args.intervals}`);
        break;
      case '--ledger':
        args.ledger = oneOf('ledger', value(), ['embedded', 'fabric'] as const);
        break;
      case '--clock':
        args.clock = oneOf('clock', value(), ['simulated', 'wall'] as const);
        clockGiven = true;
        break;
      case '--interval-minutes': {
        const minutes = positiveInt('interval-minutes', value(), 1);
        if (minutes > 1440 || 1440 % minutes !== 0) throw new UsageError(`--interval-minutes must divide a day (1440), got ${minutes}`);
        args.intervalMinutes = minutes;
        break;
      }
      case '--step-minutes': {
        const minutes = positiveInt('step-minutes', value(), 1);
        if (minutes > 1440) throw new UsageError(`--step-minutes may be at most 1440, got ${minutes}`);
        args.stepMinutes = minutes;
        break;
      }
      case '--operator':
        args.operator = oneOf('operator', value(), ['auto', 'self', 'agent'] as const);
        break;
      case '--start-hour': {
        const raw = value();
        const hour = Number(raw);
        if (!Number.isInteger(hour) || hour < 0 || hour > 23) throw new UsageError(`--start-hour needs a whole hour 0–23, got '${raw}'`);
        args.startHour = hour;
        break;
      }
      case '--seed':
        args.seed = value();
        break;
      case '--scenario':
        args.scenario = oneOf('scenario', value(), ['summer', 'grid'] as const);
        break;
      case '--url': {
        const url = value();
        if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`--url needs an http(s) URL, got '${url}'`);
        args.url = url;
        break;
      }
      case '--keys':
        args.keysFile = value();
        break;
      case '--fabric-config':
        args.fabricConfig = value();
        break;
      case '--data-dir':
        args.dataDir = value();
        break;
      case '--json':
        args.jsonFile = value();
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new UsageError(`unknown option '${flag}'`);
    }
  }
  if (args.url && !args.keysFile) throw new UsageError('--url needs --keys <demo-api-keys.json>');
  if (args.keysFile && !args.url) throw new UsageError('--keys goes with --url');
  const remote = args.url !== undefined || args.ledger === 'fabric';
  if (remote) {
    if (clockGiven && args.clock === 'simulated') {
      throw new UsageError('--clock simulated needs the embedded ledger in this process; a Fabric or --url gateway runs on the wall clock');
    }
    args.clock = 'wall';
  }
  if (args.fabricConfig && args.ledger !== 'fabric') throw new UsageError('--fabric-config goes with --ledger fabric');
  if (args.fabricConfig && args.url) throw new UsageError('--fabric-config starts a gateway here; --url drives one running elsewhere: give one of them');
  if (args.intervalMinutes !== undefined && remote) throw new UsageError("--interval-minutes configures a fresh embedded channel; a running network keeps its governance's");
  if (args.clock === 'simulated' && args.operator === 'agent') {
    throw new UsageError('--operator agent needs a gateway that runs the agent (Fabric or --url); in simulated time the simulation clears and settles');
  }
  if (args.dataDir && args.url) throw new UsageError('--data-dir is for a gateway started here, not with --url');
  return args;
}
