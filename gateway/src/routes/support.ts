import { TX, canonicalJson, type TxArgs, type TxEntry, type TxResult, type TxTransient } from '@obe/chaincode';
import type { GatewayContext } from '../context';
import type { Caller } from '../http/auth';
import { HttpError } from '../http/errors';
import type { OperationContext, OperationResult } from '../http/operations';
import { txRequest, typedResult } from '../ledger/call';
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

/**
 * How a route calls one catalogued transaction: the channel where the entry leaves it open (Participants and
 * Governance run on every channel), the transient map (private inputs, moved out of the JSON body).
 */
export interface CallOptions<E extends TxEntry> {
  channel?: string;
  transient?: TxTransient<E>;
}

/** Evaluates a query as the caller's identity; the answer is typed by the entry's result schema (see ledger/call.ts). */
export async function evaluate<E extends TxEntry>(deps: RouteDeps, ctx: OperationContext, entry: E, args: TxArgs<E>, options: CallOptions<E> = {}): Promise<TxResult<E>> {
  const request = txRequest(entry, { identity: callerOf(ctx).identity, channel: options.channel }, args, options.transient);
  return typedResult(entry, decodeResult(await deps.gateway.ledger().evaluate(request)));
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
export async function submit<E extends TxEntry>(
  deps: RouteDeps,
  ctx: OperationContext,
  entry: E,
  args: TxArgs<E>,
  options: CallOptions<E> = {},
  mapResult: (r: TxResult<E>) => unknown = (r) => r,
): Promise<OperationResult> {
  const respondAsync = /(^|[\s,;])respond-async($|[\s,;])/i.test(ctx.headers.prefer ?? '');
  const outcome = await deps.gateway.requireSubmits().submit({
    tx: txRequest(entry, { identity: callerOf(ctx).identity, channel: options.channel }, args, options.transient),
    // Only a keyed submit compares fingerprints (submit-service.ts): without a key, the canonical copy of the body
    // would be made for nothing on every submit.
    fingerprint: ctx.headers['idempotency-key'] ? fingerprint(ctx) : '',
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
  return { status: 200, body: { txId: outcome.txId, blockNumber: outcome.blockNumber, result: mapResult(typedResult(entry, outcome.result)) } };
}

/** Pagination query → the chaincode's (pageSize, bookmark) arguments. */
export function pageArgs(ctx: OperationContext): [number, string] {
  return [intParam(ctx.query, 'pageSize', 50), String(ctx.query.bookmark ?? '')];
}

/**
 * The request body, typed as the operation's request schema describes it: the HTTP layer has validated it against
 * that schema (generated from the catalogue's argument schemas, see openapi/catalogue.ts) before the handler runs.
 */
export function body<T>(ctx: OperationContext): T {
  return ctx.body as T;
}

/** Path parameters, typed as the operation declares them (validated like the body). */
export function params<T>(ctx: OperationContext): T {
  return ctx.params as T;
}

/** Query parameters, typed as the operation declares them (validated like the body). */
export function query<T>(ctx: OperationContext): T {
  return ctx.query as T;
}

/** The zones a per-zone read covers: the one asked for, or every zone an asset is registered in (sorted). */
export async function zonesOf(deps: RouteDeps, ctx: OperationContext): Promise<string[]> {
  if (ctx.query.zone) return [String(ctx.query.zone)];
  const assets = await evaluate(deps, ctx, TX.Registry.ListAssets, [{}]);
  return [...new Set(assets.map((a) => a.zone))].sort();
}
