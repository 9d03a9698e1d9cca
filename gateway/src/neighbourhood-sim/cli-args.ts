/**
 * Command-line options of `npm run simulate`. Parsed by hand because the grammar is tiny; every value is checked
 * and a bad one is reported with the option's name.
 */
export interface SimulateArgs {
  prosumers: number;
  consumers?: number;
  intervals: number;
  ledger: 'embedded' | 'fabric';
  seed: string;
  /** A running gateway to drive instead of starting an embedded one in-process. */
  url?: string;
  /** demo-api-keys.json of the running gateway (with --url). */
  keysFile?: string;
  dataDir?: string;
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run simulate -- [options]
  --prosumers N        households with PV (default 20)
  --consumers N        households without PV (default prosumers / 2)
  --intervals K        delivery intervals to trade and settle (default 4)
  --ledger L           embedded (default: starts a gateway in-process on a fresh data dir) or fabric
  --seed S             seed of the synthetic neighbourhood (default 1)
  --url URL            drive a running gateway instead (needs --keys)
  --keys FILE          demo-api-keys.json of that gateway
  --data-dir DIR       data dir of the in-process gateway (default: a new temp dir)
  --help               this text`;

function positiveInt(name: string, raw: string | undefined, min: number): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} needs an integer ≥ ${min}, got '${raw ?? ''}'`);
  }
  return value;
}

export function parseSimulateArgs(argv: readonly string[]): SimulateArgs {
  const args: SimulateArgs = { prosumers: 20, intervals: 4, ledger: 'embedded', seed: '1', help: false };
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
        break;
      case '--ledger': {
        const v = value();
        if (v !== 'embedded' && v !== 'fabric') throw new UsageError(`--ledger must be embedded or fabric, got '${v}'`);
        args.ledger = v;
        break;
      }
      case '--seed':
        args.seed = value();
        break;
      case '--url':
        args.url = value();
        break;
      case '--keys':
        args.keysFile = value();
        break;
      case '--data-dir':
        args.dataDir = value();
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
  return args;
}
