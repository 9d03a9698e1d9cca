import pino, { type Logger } from 'pino';
import { DEFAULT_LIMITS, type GatewayLimits } from './config';
import { ApiKeyFile, ApiKeyStore } from './http/auth';
import { GatewayMetrics } from './http/metrics';
import { LedgerUnavailableError } from './ledger/errors';
import type { Ledger } from './ledger/port';
import { SubmitService } from './submits/submit-service';

export type GatewayState = 'starting' | 'ready' | 'stopping';

export interface GatewayContextOptions {
  logger?: Logger;
  metrics?: GatewayMetrics;
  keys?: ApiKeyStore;
  /** Where idempotency records and pending submits live; without it submits answer 503. */
  dataDir?: string;
  bodyLimit?: string;
  ledger?: Ledger;
  /** demo-api-keys.json of an embedded demo gateway; served to the dashboard's "view as". */
  demoKeysFile?: string;
  /** The config file the keys came from: re-read on change, so added and revoked keys apply without a restart. */
  keysFile?: string;
  /** Abuse limits; unset fields take DEFAULT_LIMITS (rate limits on). */
  limits?: Partial<GatewayLimits>;
}

/** An open event stream: who holds it and how to end it. */
interface OpenStream {
  keyId: string;
  close: () => void;
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
  readonly limits: GatewayLimits;
  keys: ApiKeyStore;
  readonly #keysFile: ApiKeyFile | undefined;
  state: GatewayState = 'starting';
  /** Closers of open event streams, so shutdown can end them (they would keep the server open forever). */
  readonly streams = new Set<() => void>();
  readonly #openStreams = new Set<OpenStream>();
  #ledger: Ledger | undefined;

  constructor(options: GatewayContextOptions = {}) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.metrics = options.metrics ?? new GatewayMetrics();
    this.keys = options.keys ?? new ApiKeyStore();
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#keysFile = options.keysFile
      ? new ApiKeyFile({
          file: options.keysFile,
          store: this.keys,
          checkMs: this.limits.keyReloadMs,
          logger: this.logger,
          onRevoked: (ids) => this.closeStreamsOf(ids),
        })
      : undefined;
    this.bodyLimit = options.bodyLimit ?? '1mb';
    this.demoKeysFile = options.demoKeysFile;
    this.submits = options.dataDir
      ? new SubmitService({
          ledger: () => this.ledger(),
          dataDir: options.dataDir,
          metrics: this.metrics,
          logger: this.logger,
          idempotencyRetentionMs: this.limits.idempotencyRetentionHours * 3600_000,
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

  /** The ledger, or LedgerUnavailableError (503 LEDGER_UNAVAILABLE) while it is starting or after shutdown began. */
  ledger(): Ledger {
    if (!this.#ledger || this.state === 'starting') {
      throw new LedgerUnavailableError('the ledger is still starting; retry shortly');
    }
    return this.#ledger;
  }

  /** The valid API keys now: re-read from the config file when it changed (at most every limits.keyReloadMs). */
  currentKeys(): ApiKeyStore {
    if (this.#keysFile) this.keys = this.#keysFile.current();
    return this.keys;
  }

  closeStreams(): void {
    for (const close of [...this.streams]) close();
  }

  /**
   * Takes an event stream slot for a key, or answers why not: at most limits.streamsPerKey streams per key and
   * limits.streamsTotal on the gateway. The returned function releases the slot.
   */
  openStream(keyId: string, close: () => void): { release: () => void } | { refused: 'key' | 'total' } {
    const mine = [...this.#openStreams].filter((s) => s.keyId === keyId).length;
    if (mine >= this.limits.streamsPerKey) return { refused: 'key' };
    if (this.#openStreams.size >= this.limits.streamsTotal) return { refused: 'total' };
    const entry = { keyId, close };
    this.#openStreams.add(entry);
    this.streams.add(close);
    return {
      release: () => {
        this.#openStreams.delete(entry);
        this.streams.delete(close);
      },
    };
  }

  /** Ends the event streams of revoked keys. */
  closeStreamsOf(keyIds: readonly string[]): void {
    const ids = new Set(keyIds);
    for (const s of [...this.#openStreams]) if (ids.has(s.keyId)) s.close();
  }

  get openStreamCount(): number {
    return this.#openStreams.size;
  }

  requireSubmits(): SubmitService {
    if (!this.submits) throw new LedgerUnavailableError('submits are not configured on this gateway');
    return this.submits;
  }
}
