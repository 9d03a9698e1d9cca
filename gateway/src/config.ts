import path from 'node:path';

/** Gateway configuration from the environment; later issues add the config file and ledger selection. */
export interface GatewayConfig {
  port: number;
  host: string;
  dataDir: string;
  ledger: 'embedded' | 'fabric';
  logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer from 0 to 65535, got '${env.PORT}'`);
  }
  const ledger = env.OBE_LEDGER ?? 'embedded';
  if (ledger !== 'embedded' && ledger !== 'fabric') {
    throw new Error(`OBE_LEDGER must be 'embedded' or 'fabric', got '${ledger}'`);
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: path.resolve(env.OBE_DATA_DIR ?? '.obe-data'),
    ledger,
    logLevel: env.LOG_LEVEL ?? 'info',
  };
}
