import fs from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import pino, { type Logger } from 'pino';
import { createApp } from './app';
import { AuditRelay } from './audit-relay/relay';
import type { GatewayConfig } from './config';
import { GatewayContext } from './context';
import { CONSUMER_COUNT, PROSUMER_COUNT, consumerLabel, defaultIdentities, prosumerLabel } from './demo/identities';
import { DEMO_MARKET_INTEGRITY, DEMO_TIMING, initGovernance, seedDemo } from './demo/seed';
import { startDemoClaims, type DemoClaims } from './demo/certificate-claims';
import { ApiKeyStore } from './http/auth';
import { GatewayMetrics } from './http/metrics';
import { createHttpServer } from './http/server';
import { openLedger } from './open-ledger';
import type { Ledger } from './ledger/port';
import { loadOrCreateGatewayFile } from './setup';
import { neighbourhoodKeysFrom } from './neighbourhood-sim/keys';
import { startLiveSimulation, type LiveSimulation } from './neighbourhood-sim/run';
import { OperatorAgent } from './operator-agent/agent';

/** How long shutdown waits for the demo simulation's running interval before leaving it (its submits still drain). */
const SIMULATION_STOP_GRACE_MS = 2000;

export interface RunningGateway {
  url: string;
  port: number;
  gateway: GatewayContext;
  demoKeysFile: string | undefined;
  /** The HTTP server (timeouts and header limits in http/server.ts). */
  server: Server;
  /** Resolves once the ledger is open (and, on a first embedded start, governance configured and the demo seeded). */
  ready: Promise<void>;
  /** Graceful stop: no new connections, event streams ended, in-flight submits finished, then the ledger closed. */
  stop(): Promise<void>;
}

/**
 * Starts the gateway: listens at once (so /healthz answers), then opens the ledger — on the embedded ledger, creating
 * the orgs, channels and chaincode on the first start, configuring governance and seeding the demo neighbourhood —
 * and starts the grid operator's audit relay. `npm start` runs this from server.ts; tests run it in-process.
 */
export async function startGateway(config: GatewayConfig, logger: Logger = pino({ level: config.logLevel })): Promise<RunningGateway> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const embedded = config.ledger === 'embedded';
  const { file, demoKeysFile } = loadOrCreateGatewayFile(config.configFile, config.dataDir, embedded, defaultIdentities);

  const gateway = new GatewayContext({
    logger,
    metrics: new GatewayMetrics({ defaultMetrics: true }),
    keys: new ApiKeyStore(file.apiKeys),
    dataDir: path.join(config.dataDir, 'gateway'),
    bodyLimit: config.bodyLimit,
    demoKeysFile: embedded && config.demo ? demoKeysFile : undefined,
    keysFile: config.configFile,
    limits: config.limits,
  });
  const server = createHttpServer(createApp(gateway, { trustProxy: config.trustProxy }), logger).listen(config.port, config.host);
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
  let live: LiveSimulation | undefined;
  let agent: OperatorAgent | undefined;
  let claims: DemoClaims | undefined;
  const ready = (async () => {
    const opened = await openLedger(config, file, logger, gateway.metrics);
    ledger = opened;
    // Governance first: the API is ready only once the channels are usable. A fresh demo runs on short intervals.
    if (embedded) {
      const demoTiming = config.demo && config.initialGovernance.intervalMinutes === undefined;
      // The demo also prices non-delivery and locks offer deposits (docs/adr/0011); its households are funded.
      const integrity = config.demo ? DEMO_MARKET_INTEGRITY : {};
      await initGovernance(opened, demoTiming ? { ...integrity, ...DEMO_TIMING, ...config.initialGovernance } : { ...integrity, ...config.initialGovernance });
    }
    if (abort.signal.aborted) return;
    gateway.attachLedger(opened);
    // Every submit still pending when the gateway stopped is driven to committed or failed (a few at a time).
    void gateway.submits?.resumePending();
    if (embedded && config.demo) {
      // A failed demo seed leaves a working gateway (the next start continues the seed); it must not stop the relay.
      await seedDemo(opened, { dataDir: config.dataDir, logger, signal: abort.signal }).catch((err: unknown) => {
        if (!abort.signal.aborted) logger.error({ err }, 'seeding the demo neighbourhood failed; it continues on the next start');
      });
    }
    if (config.auditRelay && file.relayIdentity && opened.identities().some((i) => i.label === file.relayIdentity)) {
      relay = new AuditRelay({ ledger: opened, identity: file.relayIdentity, dataDir: config.dataDir, logger });
      relay.start();
    }
    if (abort.signal.aborted) return;
    // The market operator agent clears, settles and publishes zone totals for the operator's org (see operator-agent/).
    const operatorIdentity = file.operatorIdentity ?? file.relayIdentity;
    const hasOperator = operatorIdentity !== undefined && opened.identities().some((i) => i.label === operatorIdentity);
    const agentOn = config.operatorAgent ?? (embedded ? config.demo : hasOperator);
    if (agentOn && hasOperator) {
      const duties = config.operatorDuties ?? {};
      agent = new OperatorAgent({
        ledger: opened,
        identity: operatorIdentity,
        dataDir: config.dataDir,
        logger: logger.child({ component: 'operator-agent' }),
        registry: gateway.metrics.registry,
        ...(duties.certificates === undefined ? {} : { certificates: duties.certificates }),
        ...(duties.wholesaleHorizonMinutes === undefined ? {} : { wholesaleHorizonMs: duties.wholesaleHorizonMinutes * 60_000 }),
      });
      agent.start();
      gateway.operatorAgent = agent;
    } else if (agentOn) {
      logger.error({ operatorIdentity }, 'OBE_OPERATOR_AGENT is on but the gateway has no market operator identity (operatorIdentity or relayIdentity in its config file); the agent does not run');
    }
    if (embedded && config.demo && demoKeysFile) {
      // The demo neighbourhood's households (meters with device keys, PV, batteries) trade interval after interval
      // through this gateway's own API, as a utility's systems would.
      const keys = neighbourhoodKeysFrom(JSON.parse(fs.readFileSync(demoKeysFile, 'utf8')) as Record<string, { key: string; mspId: string }>);
      live = startLiveSimulation({
        url: `http://127.0.0.1:${port}`,
        keys,
        seed: 'obe-demo',
        prosumers: PROSUMER_COUNT,
        consumers: CONSUMER_COUNT,
        dataDir: config.dataDir,
        // The agent clears, settles and publishes zone totals; the households only order and report readings.
        operator: agent ? 'agent' : 'self',
        onError: (err) => logger.warn({ err }, 'the demo simulation stopped'),
      });
      // The households claim the green certificates they received with their energy against their own import.
      const households = [...Array.from({ length: PROSUMER_COUNT }, (_, i) => prosumerLabel(i + 1)), ...Array.from({ length: CONSUMER_COUNT }, (_, i) => consumerLabel(i + 1))];
      claims = startDemoClaims({ ledger: opened, identities: households.filter((label) => opened.identities().some((i) => i.label === label)), logger: logger.child({ component: 'demo-claims' }) });
    }
    logger.info(
      { url, docs: `${url}docs/`, openapi: `${url}openapi.json`, demoApiKeys: demoKeysFile ?? '(none: keys from OBE_CONFIG)' },
      'OBE gateway ready',
    );
  })();
  const settled = ready.catch((err: unknown) => {
    logger.error({ err }, 'the ledger could not be opened; /readyz stays 503');
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new connections, finishing in-flight submits');
      abort.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      gateway.closeStreams();
      server.closeIdleConnections();
      await settled;
      if (live) await Promise.race([live.stop(), new Promise((r) => setTimeout(r, SIMULATION_STOP_GRACE_MS).unref())]);
      await claims?.stop();
      await agent?.stop();
      await relay?.stop();
      await gateway.submits?.drain();
      gateway.state = 'stopping';
      await closed;
      await ledger?.close();
      logger.info('stopped');
    })());

  return { url, port, gateway, demoKeysFile, server, ready, stop };
}
