/** Tunables of the Fabric adapter: code defaults, overridable from the environment for `OBE_LEDGER=fabric npm start`. */
import type { RetryPolicy } from '../retry-policy';

/** Per-call-type gRPC deadlines, in milliseconds from the moment each call starts. */
export interface FabricDeadlines {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitStatusMs: number;
}

export const DEFAULT_DEADLINES: FabricDeadlines = {
  evaluateMs: 10_000,
  endorseMs: 15_000,
  submitMs: 10_000,
  commitStatusMs: 30_000,
};

export interface FabricSettings {
  readonly deadlines: Partial<FabricDeadlines>;
  readonly retry: Partial<RetryPolicy>;
}

const ENV_DEADLINES: Record<keyof FabricDeadlines, string> = {
  evaluateMs: 'OBE_FABRIC_EVALUATE_TIMEOUT_MS',
  endorseMs: 'OBE_FABRIC_ENDORSE_TIMEOUT_MS',
  submitMs: 'OBE_FABRIC_SUBMIT_TIMEOUT_MS',
  commitStatusMs: 'OBE_FABRIC_COMMIT_STATUS_TIMEOUT_MS',
};

const ENV_RETRY: Partial<Record<keyof RetryPolicy, { name: string; max: number }>> = {
  conflictAttempts: { name: 'OBE_FABRIC_CONFLICT_ATTEMPTS', max: 10 },
  endorseAttempts: { name: 'OBE_FABRIC_ENDORSE_ATTEMPTS', max: 10 },
  commitStatusAttempts: { name: 'OBE_FABRIC_COMMIT_STATUS_ATTEMPTS', max: 10 },
};

function intFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

/** Only the variables that are set; unset ones keep the defaults. */
export function fabricSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): FabricSettings {
  const deadlines: Partial<Record<keyof FabricDeadlines, number>> = {};
  for (const [key, name] of Object.entries(ENV_DEADLINES) as [keyof FabricDeadlines, string][]) {
    const value = intFromEnv(env, name, 100, 600_000);
    if (value !== undefined) deadlines[key] = value;
  }
  const retry: Partial<Record<keyof RetryPolicy, number>> = {};
  for (const [key, spec] of Object.entries(ENV_RETRY) as [keyof RetryPolicy, { name: string; max: number }][]) {
    const value = intFromEnv(env, spec.name, 1, spec.max);
    if (value !== undefined) retry[key] = value;
  }
  return { deadlines, retry };
}
