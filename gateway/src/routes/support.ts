import { canonicalJson } from '@obe/chaincode';
import type { GatewayContext } from '../context';
import type { Caller } from '../http/auth';
import { HttpError } from '../http/errors';
import type { OperationContext, OperationResult } from '../http/operations';
import { decodeResult } from '../submits/submit-service';
import { intParam } from './params';

/** What every route module gets. */
export interface RouteDeps {
  gateway: GatewayContext;
}

export const CHANNEL_ENERGY = 'energy';
export const CHANNEL_AUDIT = 'audit';

export function callerOf(ctx: OperationContext): Caller {
  if (!ctx.caller) throw new HttpError(401, 'UNAUTHENTICATED', 'missing Authorization: Bearer <api key>');
  return ctx.caller;
}

export interface TxSpec {
  channel: string;
  fn: string;
  args?: readonly unknown[];
  /** Private inputs, moved out of the JSON body into the transient map (each value JSON-encoded). */
  transient?: Record<string, unknown>;
}

/** Chaincode arguments are strings: objects travel as JSON text, strings and numbers as themselves. */
function toArgs(args: readonly unknown[] = []): string[] {
  return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
}

function toTransient(transient: Record<string, unknown> | undefined): Record<string, Uint8Array> | undefined {
  if (!transient) return undefined;
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(transient)) {
    if (v === undefined) continue;
    out[k] = Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
  }
  return Object.keys(out).length ? out : undefined;
}

/** Evaluates a query as the caller's identity and returns the chaincode's decoded JSON answer. */
export async function evaluate(deps: RouteDeps, ctx: OperationContext, tx: TxSpec): Promise<unknown> {
  const payload = await deps.gateway.ledger().evaluate({
    channel: tx.channel,
    identity: callerOf(ctx).identity,
    fn: tx.fn,
    args: toArgs(tx.args),
    transient: toTransient(tx.transient),
  });
  return decodeResult(payload);
}

/**
 * The caller's request in canonical form (sorted keys, so a client that re-serialises the same body still matches):
 * an Idempotency-Key must come back with exactly this. The submit service stores only a keyed hash of it.
 */
function fingerprint(ctx: OperationContext): string {
  const request = JSON.parse(JSON.stringify([ctx.operationId, ctx.params, ctx.query, ctx.body ?? null])) as unknown;
  return canonicalJson(request);
}

export function statusUrl(txId: string): string {
  return `/api/v1/submits/${txId}`;
}

/**
 * Submits as the caller's identity and answers {txId, blockNumber, result}, or 202 with a status URL for
 * `Prefer: respond-async`. `mapResult` may trim the chaincode's answer; private inputs are never in it.
 */
export async function submit(deps: RouteDeps, ctx: OperationContext, tx: TxSpec, mapResult: (r: unknown) => unknown = (r) => r): Promise<OperationResult> {
  const respondAsync = /(^|[\s,;])respond-async($|[\s,;])/i.test(ctx.headers.prefer ?? '');
  const outcome = await deps.gateway.requireSubmits().submit({
    tx: {
      channel: tx.channel,
      identity: callerOf(ctx).identity,
      fn: tx.fn,
      args: toArgs(tx.args),
      transient: toTransient(tx.transient),
    },
    fingerprint: fingerprint(ctx),
    idempotencyKey: ctx.headers['idempotency-key'],
    respondAsync,
  });
  if (outcome.status === 'pending') {
    const url = statusUrl(outcome.txId);
    return {
      status: 202,
      body: { txId: outcome.txId, status: 'pending', statusUrl: url },
      headers: { Location: url, ...(respondAsync ? { 'Preference-Applied': 'respond-async' } : {}) },
    };
  }
  return { status: 200, body: { txId: outcome.txId, blockNumber: outcome.blockNumber, result: mapResult(outcome.result) } };
}

/** Pagination query → the chaincode's (pageSize, bookmark) arguments. */
export function pageArgs(ctx: OperationContext): [number, string] {
  return [intParam(ctx.query, 'pageSize', 50), String(ctx.query.bookmark ?? '')];
}
