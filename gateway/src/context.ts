import pino, { type Logger } from 'pino';
import { ApiKeyStore } from './http/auth';
import { HttpError } from './http/errors';
import { GatewayMetrics } from './http/metrics';
import type { Ledger } from './ledger/port';
import { SubmitService } from './submits/submit-service';

export type GatewayState = 'starting' | 'ready' | 'stopping';

export interface GatewayContextOptions {
  logger?: Logger;
  metrics?: GatewayMetrics;
  keys?: ApiKeyStore;
  /** Where idempotency records and pending submits live; without it submits answer 503. */
  dataDir?: string;
  submitAttempts?: number;
  bodyLimit?: string;
  ledger?: Ledger;
  /** demo-api-keys.json of an embedded demo gateway; served to the dashboard's "view as". */
  demoKeysFile?: string;
}

/**
 * What the HTTP layer depends on. The ledger is attached once it has started, so the process can answer /healthz
 * (and 503 with a clear code elsewhere) while the embedded network is still being created.
 */
export class GatewayContext {
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly bodyLimit: string;
  readonly submits: SubmitService | undefined;
  readonly demoKeysFile: string | undefined;
  keys: ApiKeyStore;
  state: GatewayState = 'starting';
  /** Closers of open event streams, so shutdown can end them (they would keep the server open forever). */
  readonly streams = new Set<() => void>();
  #ledger: Ledger | undefined;

  constructor(options: GatewayContextOptions = {}) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.metrics = options.metrics ?? new GatewayMetrics();
    this.keys = options.keys ?? new ApiKeyStore();
    this.bodyLimit = options.bodyLimit ?? '1mb';
    this.demoKeysFile = options.demoKeysFile;
    this.submits = options.dataDir
      ? new SubmitService({
          ledger: () => this.ledger(),
          dataDir: options.dataDir,
          metrics: this.metrics,
          logger: this.logger,
          attempts: options.submitAttempts ?? 3,
        })
      : undefined;
    if (options.ledger) this.attachLedger(options.ledger);
  }

  attachLedger(ledger: Ledger): void {
    this.#ledger = ledger;
    this.state = 'ready';
  }

  get hasLedger(): boolean {
    return this.#ledger !== undefined;
  }

  /** The ledger, or 503 LEDGER_UNAVAILABLE while it is starting or after shutdown began. */
  ledger(): Ledger {
    if (!this.#ledger || this.state === 'starting') {
      throw new HttpError(503, 'LEDGER_UNAVAILABLE', 'the ledger is still starting; retry shortly');
    }
    return this.#ledger;
  }

  closeStreams(): void {
    for (const close of [...this.streams]) close();
  }

  requireSubmits(): SubmitService {
    if (!this.submits) throw new HttpError(503, 'LEDGER_UNAVAILABLE', 'submits are not configured on this gateway');
    return this.submits;
  }
}
