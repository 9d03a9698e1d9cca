import './quiet-chaincode-logs';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { createApp } from './app';
import { AuditRelay } from './audit-relay/relay';
import { loadConfig } from './config';
import { GatewayContext } from './context';
import { initGovernance, seedDemo } from './demo/seed';
import { defaultIdentities } from './demo/identities';
import { ApiKeyStore } from './http/auth';
import { GatewayMetrics } from './http/metrics';
import { openLedger } from './ledger/factory';
import type { Ledger } from './ledger/port';
import { loadOrCreateGatewayFile } from './setup';

/**
 * `npm start`: listen at once (so /healthz answers), then open the ledger — on the embedded ledger, creating the orgs,
 * channels and chaincode on the first start and seeding the demo neighbourhood — and keep running until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  fs.mkdirSync(config.dataDir, { recursive: true });
  const embedded = config.ledger === 'embedded';
  const { file, demoKeysFile } = loadOrCreateGatewayFile(config.configFile, config.dataDir, embedded, defaultIdentities);

  const gateway = new GatewayContext({
    logger,
    metrics: new GatewayMetrics({ defaultMetrics: true }),
    keys: new ApiKeyStore(file.apiKeys),
    dataDir: path.join(config.dataDir, 'gateway'),
    submitAttempts: config.submitAttempts,
    bodyLimit: config.bodyLimit,
    demoKeysFile: embedded && config.demo ? demoKeysFile : undefined,
  });
  const app = createApp(gateway);
  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host}:${port}/`;
  logger.info({ url, dataDir: config.dataDir, ledger: config.ledger }, 'OBE gateway listening; opening the ledger');

  const abort = new AbortController();
  let ledger: Ledger | undefined;
  let relay: AuditRelay | undefined;
  const starting = (async () => {
    const opened = await openLedger(config, file, logger, gateway.metrics);
    ledger = opened;
    if (abort.signal.aborted) return;
    gateway.attachLedger(opened);
    gateway.submits?.resumePending();
    if (embedded) await initGovernance(opened);
    if (embedded && config.demo) await seedDemo(opened, { dataDir: config.dataDir, logger, signal: abort.signal });
    if (config.auditRelay && file.relayIdentity && opened.identities().some((i) => i.label === file.relayIdentity)) {
      relay = new AuditRelay({ ledger: opened, identity: file.relayIdentity, dataDir: config.dataDir, logger });
      relay.start();
    }
    if (abort.signal.aborted) return;
    logger.info(
      { url, docs: `${url}docs/`, openapi: `${url}openapi.json`, demoApiKeys: demoKeysFile ?? '(none: keys from OBE_CONFIG)' },
      'OBE gateway ready',
    );
    if (process.stdout.isTTY) {
      process.stdout.write(`\nOBE gateway ready\n  dashboard  ${url}\n  API docs   ${url}docs/\n  API keys   ${demoKeysFile ?? config.configFile}\n\n`);
    }
  })().catch((err: unknown) => {
    gateway.state = 'starting';
    logger.error({ err }, 'the ledger could not be opened; /readyz stays 503');
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new connections, finishing in-flight submits');
    abort.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    gateway.closeStreams();
    server.closeIdleConnections();
    await starting;
    await relay?.stop();
    await gateway.submits?.drain();
    gateway.state = 'stopping';
    await closed;
    await ledger?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
