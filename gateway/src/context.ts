import pino, { type Logger } from 'pino';
import { DEFAULT_LIMITS, readGatewayFile, writeFileAtomic, type ConfiguredIdentity, type GatewayFile, type GatewayLimits, type StoredApiKey } from './config';
import { defaultIdentities } from './demo/identities';
import { ApiKeyFile, ApiKeyStore, newApiKey } from './http/auth';
import { GatewayMetrics } from './http/metrics';
import { LedgerUnavailableError } from './ledger/errors';
import type { Ledger } from './ledger/port';
import type { OperatorStatus } from './operator-agent/agent';
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
  /** The gateway's data directory (idempotency records, pending submits, the certificate export key), if it has one. */
  readonly dataDir: string | undefined;
  readonly limits: GatewayLimits;
  keys: ApiKeyStore;
  readonly #keysFile: ApiKeyFile | undefined;
  readonly #configFile: string | undefined;
  state: GatewayState = 'starting';
  /** The market operator agent, when this gateway runs one (GET /api/v1/operator/status reads it). */
  operatorAgent: { status(): OperatorStatus } | undefined;
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
    this.#configFile = options.keysFile;
    this.bodyLimit = options.bodyLimit ?? '1mb';
    this.demoKeysFile = options.demoKeysFile;
    this.dataDir = options.dataDir;
    this.submits = options.dataDir
      ? new SubmitService({
          ledger: () => this.ledger(),
          dataDir: options.dataDir,
          metrics: this.metrics,
          logger: this.logger,
          idempotencyRetentionMs: this.limits.idempotencyRetentionHours * 3600_000,
          submitDeadlineMs: this.limits.submitDeadlineSeconds * 1000,
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

  /**
   * Issues an API key for a ledger identity and makes it valid at once. With a config file, only the key's hash is
   * written to it (with the identity, so an embedded ledger issues it again on the next start); without one (tests),
   * the in-memory store takes it. The key itself is returned to be handed out once, and never kept.
   */
  issueKey(identity: ConfiguredIdentity): { key: string; keyId: string } {
    const { key, stored } = newApiKey(identity.label);
    this.#editKeys((file) => {
      file.apiKeys.push(stored);
      if (this.#ledger?.kind !== 'embedded') return; // a Fabric gateway's identities are its connection config's
      const identities = (file.identities ??= defaultIdentities());
      if (!identities.some((i) => i.label === identity.label)) identities.push({ label: identity.label, mspId: identity.mspId });
    }, (keys) => [...keys, stored]);
    return { key, keyId: stored.id };
  }

  /** Revokes every key `match` selects, at once (the key store reloads, their event streams end); answers their ids. */
  revokeKeys(match: (key: StoredApiKey) => boolean): string[] {
    const revoked = this.currentKeys().entries().filter(match).map((k) => k.id);
    if (!revoked.length) return [];
    const ids = new Set(revoked);
    this.#editKeys((file) => {
      file.apiKeys = file.apiKeys.filter((k) => !ids.has(k.id));
    }, (keys) => keys.filter((k) => !ids.has(k.id)));
    if (!this.#keysFile) this.closeStreamsOf(revoked);
    return revoked;
  }

  /**
   * Forgets identities of an erased participant on this gateway (docs/privacy-and-erasure.md): the ledger drops them
   * (wallet entry, certificate and key) and, with a config file, an embedded gateway's identity list loses them, so no
   * label here maps to the erased pseudonym any more. Answers the labels forgotten.
   */
  async forgetIdentities(labels: readonly string[], forget: (label: string) => Promise<boolean>): Promise<string[]> {
    const forgotten: string[] = [];
    for (const label of labels) if (await forget(label)) forgotten.push(label);
    const gone = new Set(labels);
    if (this.#configFile && this.#keysFile && gone.size > 0) {
      this.#editKeys((file) => {
        if (file.identities) file.identities = file.identities.filter((i) => !gone.has(i.label));
      }, (keys) => keys);
    }
    return forgotten;
  }

  /** One read-modify-write of the config file (synchronous: no other edit of this process interleaves), then a reload. */
  #editKeys(editFile: (file: GatewayFile) => void, editMemory: (keys: StoredApiKey[]) => StoredApiKey[]): void {
    if (this.#configFile && this.#keysFile) {
      const file = readGatewayFile(this.#configFile) ?? { apiKeys: [] };
      editFile(file);
      writeFileAtomic(this.#configFile, `${JSON.stringify(file, null, 2)}\n`);
      this.#keysFile.reload();
      this.keys = this.#keysFile.store;
      return;
    }
    this.keys = new ApiKeyStore(editMemory(this.keys.entries()));
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
