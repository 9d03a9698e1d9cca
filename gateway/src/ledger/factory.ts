import path from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig, GatewayFile } from '../config';
import { defaultIdentities } from '../demo/identities';
import type { GatewayMetrics } from '../http/metrics';
import { EmbeddedLedger } from './embedded/adapter';
import { obeNetwork } from './embedded/obe-network';
import type { Ledger } from './port';

/** Opens the ledger OBE_LEDGER names: the in-process embedded network (default) or a real Fabric network. */
export async function openLedger(config: GatewayConfig, file: GatewayFile, logger: Logger, metrics?: GatewayMetrics): Promise<Ledger> {
  if (config.ledger === 'embedded') {
    // (Loaded with the module, before the server listens: a long synchronous module load after /healthz answers
    // would leave the process deaf to signals for seconds.)
    const ledger = await EmbeddedLedger.open({
      network: obeNetwork(),
      dataDir: path.join(config.dataDir, 'ledger'),
      identities: file.identities ?? defaultIdentities(),
    });
    logger.info({ identities: ledger.identities().length, channels: ledger.channels() }, 'embedded Fabric network open');
    return ledger;
  }
  // Loaded only when asked for, so the embedded default never loads gRPC.
  const { createFabricLedger } = await import('./fabric');
  const ledger = createFabricLedger({
    dataDir: config.dataDir,
    env: process.env,
    hooks: {
      onRetry: (info) => {
        metrics?.retries.inc({ fn: info.fn });
        logger.info({ fn: info.fn, step: info.step, attempt: info.attempt, reason: info.reason }, 'Fabric call retried');
      },
      onConflict: (info) => metrics?.mvccConflicts.inc({ fn: info.fn }),
      onReconnect: (info) => logger.warn({ info }, 'Fabric event stream reconnecting'),
    },
  });
  logger.info({ identities: ledger.identities().length, channels: ledger.channels() }, 'Fabric network configured');
  return ledger;
}
