import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import { createApp } from '../app';
import { AuditRelay } from '../audit-relay/relay';
import { DEFAULT_LIMITS, limitsFromEnv, loadConfig, type ConfiguredIdentity } from '../config';
import { GatewayContext } from '../context';
import { DEMO_MARKET_INTEGRITY, INITIAL_ORG_ROLES } from '../demo/seed';
import { TX } from '@obe/chaincode';
import { call } from '../ledger/call';
import { ChaincodeError } from '../ledger/errors';
import { ApiKeyStore } from '../http/auth';
import { GatewayMetrics } from '../http/metrics';
import { ledgerHooks } from '../open-ledger';
import { defaultIdentities } from '../demo/identities';
import { openLedger } from '../ledger/factory';
import type { Ledger } from '../ledger/port';
import { loadOrCreateGatewayFile } from '../setup';

/**
 * A gateway on the embedded ledger, started in this process on a loopback port, for `npm run simulate` and the
 * benchmarks: the same app, config file, API keys and governance bootstrap as `npm start`, without the demo seed,
 * so the caller decides which identities exist. The HTTP path is real; nothing is short-circuited. With
 * `fabricConfig` the same gateway runs on a real Fabric network (`npm run simulate -- --ledger fabric`).
 */
export interface EmbeddedGatewayOptions {
  readonly dataDir: string;
  /** Identities issued on the first start of this data dir (ignored when its config file exists). */
  readonly identities: () => ConfiguredIdentity[];
  readonly logLevel?: string;
  /**
   * Governance fields of the energy channel's first configuration, e.g. `{ intervalMinutes: 1, gateClosureMinutes: 0 }`
   * (the interval length cannot change after InitConfig). Ignored when the data dir's channel is configured already.
   */
  readonly governance?: Readonly<Record<string, number>>;
  /**
   * A real Fabric network instead of the embedded ledger: its connection config (network/native/generated/connection.json).
   * The identities are then the connection config's; the network's own governance stays as its scripts set it.
   */
  readonly fabricConfig?: string;
}

export interface EmbeddedGateway {
  readonly url: string;
  readonly ledger: Ledger;
  /** API keys by identity label, read from the data dir's demo-api-keys.json. */
  readonly keys: Readonly<Record<string, string>>;
  readonly context: GatewayContext;
  close(): Promise<void>;
}

/** The grid operator's admin configures both channels once; CONFLICT means an earlier start did it. */
async function initGovernance(ledger: Ledger, energyFields: Readonly<Record<string, number>>): Promise<void> {
  for (const channel of ['energy', 'audit']) {
    if (!ledger.channels().includes(channel)) continue;
    const config = { orgs: INITIAL_ORG_ROLES[channel], tokenIssuerMspId: 'GridOperatorMSP', ...(channel === 'energy' ? energyFields : {}) };
    try {
      await call(ledger, TX.Governance.InitConfig, { identity: 'gridoperator-admin', channel }, [config], { pseudonymKey: crypto.randomBytes(32).toString('base64url') });
    } catch (err) {
      if (!(err instanceof ChaincodeError && err.code === 'CONFLICT')) throw err;
    }
  }
}

/**
 * The dashboard in front of the API: gateway/public at `/` and Chart.js from node_modules at
 * `/vendor/chart.umd.min.js` (the same path gateway/public/vendor links to), so a simulation or benchmark gateway
 * shows its data in a browser whatever the API app itself mounts.
 */
function withDashboard(api: express.Express): express.Express {
  const outer = express();
  outer.disable('x-powered-by');
  outer.use('/vendor', express.static(path.dirname(require.resolve('chart.js')), { index: false }));
  outer.use(express.static(path.resolve(__dirname, '../../public'), { index: 'index.html' }));
  outer.use(api);
  return outer;
}

export function readApiKeys(file: string): Record<string, string> {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { key: string }>;
  return Object.fromEntries(Object.entries(parsed).map(([label, entry]) => [label, entry.key]));
}

export async function startEmbeddedGateway(options: EmbeddedGatewayOptions): Promise<EmbeddedGateway> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const fabric = options.fabricConfig !== undefined;
  const config = loadConfig({
    OBE_DATA_DIR: options.dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: options.logLevel ?? 'silent',
    OBE_DEMO: 'off',
    ...(fabric ? { OBE_LEDGER: 'fabric' } : {}),
  });
  const logger = pino({ level: config.logLevel });
  const { file, demoKeysFile } = loadOrCreateGatewayFile(config.configFile, config.dataDir, true, options.identities);
  if (!demoKeysFile) throw new Error(`no demo-api-keys.json in ${config.dataDir}: start from an empty data dir`);
  // One set of metrics for the ledger's retries and the API's requests and submits.
  const metrics = new GatewayMetrics();
  const ledger = await openLedger({
    kind: config.ledger,
    dataDir: config.dataDir,
    identities: file.identities ?? defaultIdentities(),
    retry: { conflictAttempts: config.submitAttempts },
    hooks: ledgerHooks(logger, metrics),
    logger,
    env: fabric ? { ...process.env, OBE_FABRIC_CONFIG: options.fabricConfig } : process.env,
  });
  const context = new GatewayContext({
    metrics,
    logger,
    keys: new ApiKeyStore(file.apiKeys),
    dataDir: path.join(config.dataDir, 'gateway'),
    bodyLimit: '8mb',
    // The load generator's own loopback gateway: request rate limits off unless OBE_RATE_LIMIT=on (stream caps stay).
    limits: limitsFromEnv(process.env, { ...DEFAULT_LIMITS, rateLimit: false }),
    demoKeysFile,
    ledger,
  });
  try {
    // Non-delivery priced and offers backed by deposits, as in the demo (docs/adr/0011); the simulator funds households.
    if (!fabric) await initGovernance(ledger, { ...DEMO_MARKET_INTEGRITY, ...(options.governance ?? {}) });
  } catch (err) {
    await ledger.close();
    throw err;
  }
  // The grid operator's audit relay anchors each settlement on the audit channel, as under `npm start`.
  const relay = file.relayIdentity ? new AuditRelay({ ledger, identity: file.relayIdentity, dataDir: config.dataDir, logger }) : undefined;
  relay?.start();
  const app = withDashboard(createApp(context));
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    ledger,
    keys: readApiKeys(demoKeysFile),
    context,
    async close() {
      context.closeStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await context.submits?.drain();
      await relay?.stop();
      await ledger.close();
    },
  };
}
