/**
 * The gateway's configuration onto the ledger layer: which ledger, the identities an embedded one issues (the demo
 * set when the config file names none), the one retry policy's conflict budget (OBE_SUBMIT_ATTEMPTS), and the
 * metrics and logs its retries feed.
 */
import type { Logger } from 'pino';
import type { GatewayConfig, GatewayFile } from './config';
import { defaultIdentities } from './demo/identities';
import type { GatewayMetrics } from './http/metrics';
import { openLedger as openLedgerOf } from './ledger/factory';
import type { FabricLedgerHooks } from './ledger/fabric';
import type { Ledger } from './ledger/port';

/** Counters and log lines for the ledger's retries, conflicts and event stream reconnections. */
export function ledgerHooks(logger: Logger, metrics?: GatewayMetrics): FabricLedgerHooks {
  return {
    onRetry: (info) => {
      metrics?.retries.inc({ fn: info.fn });
      logger.info({ fn: info.fn, step: info.step, attempt: info.attempt, txId: info.txId, reason: info.reason }, 'ledger call retried');
    },
    onConflict: (info) => metrics?.mvccConflicts.inc({ fn: info.fn }),
    onReconnect: (info) => logger.warn({ info }, 'Fabric event stream reconnecting'),
  };
}

/** Opens the ledger OBE_LEDGER names: the in-process embedded network (default) or a real Fabric network. */
export function openLedger(config: GatewayConfig, file: GatewayFile, logger: Logger, metrics?: GatewayMetrics): Promise<Ledger> {
  return openLedgerOf({
    kind: config.ledger,
    dataDir: config.dataDir,
    identities: file.identities ?? defaultIdentities(),
    retry: { conflictAttempts: config.submitAttempts },
    hooks: ledgerHooks(logger, metrics),
    logger,
  });
}
