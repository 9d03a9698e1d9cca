import fs from 'node:fs';
import path from 'node:path';

/** Gateway configuration: process settings from the environment, keys and identities from one config file. */
export interface GatewayConfig {
  port: number;
  host: string;
  dataDir: string;
  ledger: 'embedded' | 'fabric';
  logLevel: string;
  /** The gateway config file (API keys, identities); OBE_CONFIG or <dataDir>/gateway.json. */
  configFile: string;
  /** Largest accepted JSON request body. */
  bodyLimit: string;
  /** Attempts for a submit whose transaction lost an MVCC/phantom conflict (a new proposal each time). */
  submitAttempts: number;
  /** Seeds the demo neighbourhood on the first embedded start unless OBE_DEMO=off. */
  demo: boolean;
  /** Runs the grid operator's audit relay unless OBE_AUDIT_RELAY=off. */
  auditRelay: boolean;
  /**
   * OBE_OPERATOR_AGENT=on|off: the market operator agent (gateway/src/operator-agent). Unset: on for the embedded
   * demo, on for a Fabric gateway whose identities include the market operator's, off otherwise.
   */
  operatorAgent?: boolean;
  /**
   * The operator agent's duties (gateway/src/operator-agent, docs/operations.md): OBE_OPERATOR_CERTIFICATES=on|off
   * (issue certificates before settling, seal after the claim window; default on) and
   * OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES (clear a wholesale interval this long before delivery; default 0).
   */
  operatorDuties?: { certificates?: boolean; wholesaleHorizonMinutes?: number };
  /**
   * Market timing written into governance on the first embedded start (OBE_INTERVAL_MINUTES, OBE_GATE_CLOSURE_MINUTES);
   * absent: the chaincode's defaults (15 and 5). The interval length cannot change after that first configuration.
   */
  initialGovernance: { intervalMinutes?: number; gateClosureMinutes?: number; settlementDeadlineMinutes?: number };
  /** Abuse limits: rate limits, event stream caps, replay depth (see GatewayLimits and docs/security-model.md). */
  limits: GatewayLimits;
  /** Express `trust proxy` (OBE_TRUST_PROXY): which X-Forwarded-For hops to believe for the client address; off by default. */
  trustProxy: boolean | number | string;
}

/**
 * What one caller may cost the gateway. Rate limits count requests in fixed windows, per API key and per client
 * address; failed authentications have their own, much smaller budget per address. Over a limit: 429 RATE_LIMITED
 * with Retry-After. Event streams are capped per key and overall, and may replay only so far back.
 */
export interface GatewayLimits {
  /** OBE_RATE_LIMIT (on|off): the request rate limits below; the stream caps and the replay depth always apply. */
  rateLimit: boolean;
  /** OBE_RATE_LIMIT_WINDOW_SECONDS: length of a rate-limit window. */
  windowSeconds: number;
  /** OBE_RATE_LIMIT_PER_KEY: requests per window per API key. */
  perKey: number;
  /** OBE_RATE_LIMIT_PER_ADDRESS: requests per window per client address (all keys and anonymous requests from it). */
  perAddress: number;
  /** OBE_AUTH_FAILURES_PER_ADDRESS: failed authentications (401) per address per auth window before every authenticated request from it gets 429. */
  authFailuresPerAddress: number;
  /** OBE_AUTH_FAILURE_WINDOW_SECONDS. */
  authFailureWindowSeconds: number;
  /** OBE_SSE_STREAMS_PER_KEY: concurrent event streams per API key. */
  streamsPerKey: number;
  /** OBE_SSE_STREAMS_TOTAL: concurrent event streams on the gateway. */
  streamsTotal: number;
  /** OBE_SSE_MAX_REPLAY_BLOCKS: how many blocks behind the head a stream may start (fromBlock, Last-Event-ID). */
  maxReplayBlocks: number;
  /** OBE_CURVE_ORDER_READS: private order reads one curves request may make (the market operator's view takes one). */
  curveOrderReads: number;
  /** OBE_KEY_RELOAD_MS: how often, at most, the config file is checked for added and revoked API keys. */
  keyReloadMs: number;
  /** OBE_IDEMPOTENCY_RETENTION_HOURS: how long an Idempotency-Key's record is kept (a key reused later is a new request). */
  idempotencyRetentionHours: number;
  /**
   * OBE_SUBMIT_DEADLINE_SECONDS: how long a submit whose commit is unknown is followed (the same signed transaction
   * re-sent) before it is checked one last time and reported failed, safe to resubmit (docs/api.md).
   */
  submitDeadlineSeconds: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  rateLimit: true,
  windowSeconds: 60,
  perKey: 1200,
  perAddress: 3000,
  authFailuresPerAddress: 50,
  authFailureWindowSeconds: 300,
  streamsPerKey: 5,
  streamsTotal: 200,
  maxReplayBlocks: 10_000,
  curveOrderReads: 200,
  keyReloadMs: 1000,
  idempotencyRetentionHours: 24,
  submitDeadlineSeconds: 180,
};

/** The limits from the environment, each defaulting to DEFAULT_LIMITS (or to `defaults` where given). */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env, defaults: GatewayLimits = DEFAULT_LIMITS): GatewayLimits {
  const n = (name: string, fallback: number, min: number, max: number) => intFromEnv(env, name, fallback, min, max);
  return {
    rateLimit: env.OBE_RATE_LIMIT === undefined ? defaults.rateLimit : switchFromEnv(env, 'OBE_RATE_LIMIT'),
    windowSeconds: n('OBE_RATE_LIMIT_WINDOW_SECONDS', defaults.windowSeconds, 1, 86_400),
    perKey: n('OBE_RATE_LIMIT_PER_KEY', defaults.perKey, 1, 100_000_000),
    perAddress: n('OBE_RATE_LIMIT_PER_ADDRESS', defaults.perAddress, 1, 100_000_000),
    authFailuresPerAddress: n('OBE_AUTH_FAILURES_PER_ADDRESS', defaults.authFailuresPerAddress, 1, 1_000_000),
    authFailureWindowSeconds: n('OBE_AUTH_FAILURE_WINDOW_SECONDS', defaults.authFailureWindowSeconds, 1, 86_400),
    streamsPerKey: n('OBE_SSE_STREAMS_PER_KEY', defaults.streamsPerKey, 1, 10_000),
    streamsTotal: n('OBE_SSE_STREAMS_TOTAL', defaults.streamsTotal, 1, 100_000),
    maxReplayBlocks: n('OBE_SSE_MAX_REPLAY_BLOCKS', defaults.maxReplayBlocks, 0, 1_000_000_000),
    curveOrderReads: n('OBE_CURVE_ORDER_READS', defaults.curveOrderReads, 1, 100_000),
    keyReloadMs: n('OBE_KEY_RELOAD_MS', defaults.keyReloadMs, 0, 3_600_000),
    idempotencyRetentionHours: n('OBE_IDEMPOTENCY_RETENTION_HOURS', defaults.idempotencyRetentionHours, 1, 24 * 366),
    submitDeadlineSeconds: n('OBE_SUBMIT_DEADLINE_SECONDS', defaults.submitDeadlineSeconds, 5, 86_400),
  };
}

function trustProxyFromEnv(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'off' || raw === 'false') return false;
  // Trusting every hop would make the leftmost X-Forwarded-For entry, which the caller writes, its address for the
  // rate limits: name how many proxies there are, or their addresses.
  if (raw === 'on' || raw === 'true') {
    throw new Error(`OBE_TRUST_PROXY=${raw} would trust every X-Forwarded-For hop, which callers write; give the number of proxies (e.g. 1) or their addresses`);
  }
  if (/^[0-9]{1,2}$/.test(raw)) return Number(raw);
  return raw;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  const value = raw === undefined ? fallback : /^(0|-?[1-9][0-9]{0,15})$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function switchFromEnv(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(raw)) {
    throw new Error(`${name} must be 'on' or 'off', got '${env[name]}'`);
  }
  return raw === 'on' || raw === 'true' || raw === '1';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const port = intFromEnv(env, 'PORT', 3000, 0, 65535);
  const ledger = env.OBE_LEDGER ?? 'embedded';
  if (ledger !== 'embedded' && ledger !== 'fabric') {
    throw new Error(`OBE_LEDGER must be 'embedded' or 'fabric', got '${ledger}'`);
  }
  const dataDir = path.resolve(env.OBE_DATA_DIR ?? '.obe-data');
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    ledger,
    logLevel: env.LOG_LEVEL ?? 'info',
    configFile: path.resolve(env.OBE_CONFIG ?? path.join(dataDir, 'gateway.json')),
    bodyLimit: env.OBE_BODY_LIMIT ?? '1mb',
    submitAttempts: intFromEnv(env, 'OBE_SUBMIT_ATTEMPTS', 3, 1, 10),
    demo: switchFromEnv(env, 'OBE_DEMO'),
    auditRelay: switchFromEnv(env, 'OBE_AUDIT_RELAY'),
    ...(env.OBE_OPERATOR_AGENT === undefined ? {} : { operatorAgent: switchFromEnv(env, 'OBE_OPERATOR_AGENT') }),
    operatorDuties: {
      ...(env.OBE_OPERATOR_CERTIFICATES === undefined ? {} : { certificates: switchFromEnv(env, 'OBE_OPERATOR_CERTIFICATES') }),
      ...(env.OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES === undefined ? {} : { wholesaleHorizonMinutes: intFromEnv(env, 'OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES', 0, 0, 2160) }),
    },
    initialGovernance: {
      ...(env.OBE_INTERVAL_MINUTES === undefined ? {} : { intervalMinutes: intFromEnv(env, 'OBE_INTERVAL_MINUTES', 15, 1, 1440) }),
      ...(env.OBE_GATE_CLOSURE_MINUTES === undefined ? {} : { gateClosureMinutes: intFromEnv(env, 'OBE_GATE_CLOSURE_MINUTES', 5, 0, 1439) }),
    },
    limits: limitsFromEnv(env),
    trustProxy: trustProxyFromEnv(env.OBE_TRUST_PROXY),
  };
}

/** One API key as stored: only its SHA-256, never the key itself. */
export interface StoredApiKey {
  /** Short public id, used in logs and metrics instead of the key. */
  id: string;
  /** `sha256:<hex>` of the key text. */
  hash: string;
  /** Label of the ledger identity the key acts as. */
  identity: string;
}

/** An identity the embedded ledger creates from its org CA; a Fabric connection profile lists its own. */
export interface ConfiguredIdentity {
  label: string;
  mspId: string;
  admin?: boolean;
}

/** The gateway config file. */
export interface GatewayFile {
  apiKeys: StoredApiKey[];
  identities?: ConfiguredIdentity[];
  /** Orgs whose gateway this is; the audit relay runs for an org that anchors attestations. */
  relayIdentity?: string;
  /** The market operator identity the operator agent acts as; default relayIdentity. */
  operatorIdentity?: string;
}

export class ConfigFileError extends Error {
  constructor(file: string, problem: string) {
    super(`gateway config ${file}: ${problem}`);
    this.name = 'ConfigFileError';
  }
}

export function readGatewayFile(file: string): GatewayFile | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigFileError(file, `not valid JSON (${(err as Error).message})`);
  }
  const value = parsed as Partial<GatewayFile>;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.apiKeys)) {
    throw new ConfigFileError(file, 'expected an object with an apiKeys array');
  }
  for (const key of value.apiKeys) {
    if (typeof key?.id !== 'string' || typeof key.identity !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(String(key.hash))) {
      throw new ConfigFileError(file, 'each apiKeys entry needs id, identity and hash "sha256:<64 hex>"');
    }
  }
  return value as GatewayFile;
}

/** Writes a file atomically (temp file, fsync, rename); lives in common/ so the ledger layer uses it without config. */
export { writeFileAtomic } from './common/atomic-file';
