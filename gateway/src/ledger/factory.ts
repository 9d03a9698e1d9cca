import path from 'node:path';
import type { Logger } from 'pino';
import { EmbeddedLedger, type EmbeddedIdentitySpec } from './embedded/adapter';
import { obeNetwork } from './embedded/obe-network';
import type { FabricLedgerHooks } from './fabric';
import type { Ledger } from './port';
import type { RetryPolicy } from './retry-policy';

/**
 * What opening a ledger needs, in the ledger's own terms: the gateway maps its configuration onto this
 * (gateway/src/open-ledger.ts), so this layer never reads the gateway's config, demo data or metrics.
 */
export interface OpenLedgerOptions {
  readonly kind: 'embedded' | 'fabric';
  /** The gateway's data directory: the embedded ledger lives in `<dataDir>/ledger`, Fabric checkpoints in `<dataDir>/checkpoints`. */
  readonly dataDir: string;
  /** Identities the embedded ledger issues; a Fabric ledger's come from its connection config. */
  readonly identities: readonly EmbeddedIdentitySpec[];
  /** The port's retry policy, the same on both adapters; on Fabric, OBE_FABRIC_* variables override it. */
  readonly retry?: Partial<RetryPolicy>;
  /** Retry and conflict observers (both adapters); event stream reconnections (Fabric). */
  readonly hooks?: FabricLedgerHooks;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
}

/** Opens the in-process embedded network or a real Fabric network. */
export async function openLedger(options: OpenLedgerOptions): Promise<Ledger> {
  const { logger, env = process.env } = options;
  if (options.kind === 'embedded') {
    // (Loaded with the module, before the server listens: a long synchronous module load after /healthz answers
    // would leave the process deaf to signals for seconds.)
    const ledger = await EmbeddedLedger.open({
      network: obeNetwork(),
      dataDir: path.join(options.dataDir, 'ledger'),
      identities: options.identities,
      retry: options.retry,
      hooks: options.hooks,
    });
    logger.info({ identities: ledger.identities().length, channels: ledger.channels() }, 'embedded Fabric network open');
    return ledger;
  }
  // Loaded only when asked for, so the embedded default never loads gRPC.
  const { createFabricLedger, fabricSettingsFromEnv } = await import('./fabric');
  const ledger = createFabricLedger({
    dataDir: options.dataDir,
    env,
    retry: { ...options.retry, ...fabricSettingsFromEnv(env).retry },
    hooks: options.hooks,
  });
  logger.info({ identities: ledger.identities().length, channels: ledger.channels() }, 'Fabric network configured');
  return ledger;
}
