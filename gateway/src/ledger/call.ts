import type { TxArgs, TxEntry, TxResult, TxTransient } from '@obe/chaincode';
import type { Ledger, TransactionRequest } from './port';

/**
 * Calls a catalogued transaction through the Ledger port, typed end to end: the arguments and transient map are the
 * catalogue entry's schema inputs, the answer is its result schema's output. The function name, the submit/evaluate
 * choice and the channel (where the catalogue fixes one) come from the entry, so no caller spells a chaincode
 * function or casts its answer.
 *
 * Results are typed, not re-validated here. The chaincode builds them from the very schemas and interfaces the entry
 * names (a compile-time check in chaincode/src/catalogue/records.ts keeps those in step), and everything the HTTP API
 * returns is validated again by the OpenAPI response schemas, which are generated from the same zod schemas
 * (gateway/src/openapi/catalogue.ts). Parsing each answer with zod as well would walk every record on the hot paths
 * (the simulator and the bench read and clear books of 10,000 orders): measured on a list of 10,000 public orders,
 * zod's parse took 25–45 ms against 5–7 ms for the JSON.parse itself, for no check the HTTP layer does not already
 * make. `parseResult` is there for a caller that wants it.
 */

/** Who calls: the identity that signs, and the channel when the entry does not fix it (or to pick one it allows). */
export interface CallContext {
  readonly identity: string;
  readonly channel?: string;
  readonly endorsingOrgs?: readonly string[];
}

/** Chaincode arguments are strings: objects travel as JSON text, strings as themselves. */
export function encodeArgs(args: readonly unknown[]): string[] {
  return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
}

/** The transient map as bytes: a string value as its text, anything else as JSON; undefined entries are left out. */
export function encodeTransient(transient: Readonly<Record<string, unknown>> | undefined): Record<string, Uint8Array> | undefined {
  if (!transient) return undefined;
  const out: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(transient)) {
    if (v === undefined) continue;
    out[k] = Buffer.from(typeof v === 'string' ? v : JSON.stringify(v), 'utf8');
  }
  return Object.keys(out).length ? out : undefined;
}

/** The chaincode's answer: JSON when it is JSON, else the text (an empty answer is null). */
export function decodePayload(payload: Uint8Array): unknown {
  const text = Buffer.from(payload).toString('utf8');
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function channelOf(entry: TxEntry, who: CallContext): string {
  const fixed = entry.channels;
  if (who.channel !== undefined) {
    if (fixed && !fixed.includes(who.channel as never)) throw new Error(`${entry.name} runs on ${fixed.join(', ')}, not ${who.channel}`);
    return who.channel;
  }
  if (!fixed?.length) throw new Error(`${entry.name} runs on any channel: name one`);
  return fixed[0];
}

/** The port request for one call of a catalogued transaction (for the submit service, which submits it later). */
export function txRequest<E extends TxEntry>(entry: E, who: CallContext, args: TxArgs<E>, transient?: TxTransient<E>): TransactionRequest {
  return {
    channel: channelOf(entry, who),
    identity: who.identity,
    fn: entry.name,
    args: encodeArgs(args as readonly unknown[]),
    transient: encodeTransient(transient as Record<string, unknown> | undefined),
    ...(who.endorsingOrgs ? { endorsingOrgs: who.endorsingOrgs } : {}),
  };
}

/** A catalogued transaction's answer, typed by its entry (see the module comment for why it is not parsed). */
export function typedResult<E extends TxEntry>(_entry: E, value: unknown): TxResult<E> {
  return value as TxResult<E>;
}

/** The answer parsed by the entry's result schema: for callers that want the check (tests, tools). */
export function parseResult<E extends TxEntry>(entry: E, value: unknown): TxResult<E> {
  return entry.result.parse(value) as TxResult<E>;
}

/** Evaluates or submits (as the entry says) and returns the typed answer. */
export async function call<E extends TxEntry>(ledger: Ledger, entry: E, who: CallContext, args: TxArgs<E>, transient?: TxTransient<E>): Promise<TxResult<E>> {
  const request = txRequest(entry, who, args, transient);
  const payload = entry.kind === 'evaluate' ? await ledger.evaluate(request) : (await ledger.submit(request)).payload;
  return typedResult(entry, decodePayload(payload));
}

/** A ledger bound to the typed calls: `ledger.call(TX.Registry.GetAsset, { identity }, ['meter-1'])`. */
export interface CallingLedger {
  call<E extends TxEntry>(entry: E, who: CallContext, args: TxArgs<E>, transient?: TxTransient<E>): Promise<TxResult<E>>;
}

export function callingLedger(ledger: Ledger): CallingLedger {
  return { call: (entry, who, args, transient) => call(ledger, entry, who, args, transient) };
}
