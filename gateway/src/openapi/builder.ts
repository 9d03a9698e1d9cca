/**
 * Small helpers to write the OpenAPI document compactly and uniformly: every operation gets the same error
 * responses, every submit the same Idempotency-Key/Prefer headers and 202 answer. The document they produce is
 * what the gateway serves, validates requests and responses against, and binds handlers by (operationId).
 */

export type Schema = Record<string, unknown>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

export const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
/**
 * Every number in the API is bounded on both sides: a schema that names no bound gets the safe-integer range, so
 * nothing past ±(2^53−1) (where integers stop being exact) or infinite ever reaches a handler or the chaincode. A
 * test fails on any integer or number schema of the served document without both bounds.
 */
export const SAFE_MAX = Number.MAX_SAFE_INTEGER;
function bounded(type: 'integer' | 'number', extra: Schema): Schema {
  return {
    type,
    ...(extra.minimum === undefined && extra.exclusiveMinimum === undefined ? { minimum: -SAFE_MAX } : {}),
    ...(extra.maximum === undefined && extra.exclusiveMaximum === undefined ? { maximum: SAFE_MAX } : {}),
    ...extra,
  };
}
export const int = (extra: Schema = {}): Schema => bounded('integer', extra);
export const num = (extra: Schema = {}): Schema => bounded('number', extra);
export const bool = (extra: Schema = {}): Schema => ({ type: 'boolean', ...extra });
export const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: 'array', items, ...extra });
/** A closed object: every listed property is required unless named in `optional`. */
export function obj(properties: Record<string, Schema>, optional: readonly string[] = [], extra: Schema = {}): Schema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false, ...extra };
}
/** An object the chaincode owns the shape of: documented fields, more allowed (the ledger may add fields). */
export function record(properties: Record<string, Schema>, required: readonly string[] = [], extra: Schema = {}): Schema {
  return { type: 'object', properties, ...(required.length ? { required: [...required] } : {}), additionalProperties: true, ...extra };
}
export const anyJson: Schema = { description: 'Any JSON value' };

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface QueryParam {
  schema: Schema;
  required?: boolean;
  description?: string;
}

export interface OperationSpec {
  operationId: string;
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description?: string;
  pathParams?: Record<string, Schema>;
  query?: Record<string, QueryParam>;
  headerParams?: Record<string, QueryParam>;
  body?: Schema;
  /** The body may be left out (an empty request body); when sent, it must match `body`. */
  bodyOptional?: boolean;
  /** Plain read: the 200 body. */
  response?: Schema;
  /** A ledger submit: 200 SubmitResponse whose `result` follows this schema, or 202 with a status URL. */
  submit?: { result: Schema };
  /** Error statuses this operation can answer besides 400/401/503 (which all authenticated operations can). */
  errors?: readonly number[];
  /** No API key needed. */
  public?: boolean;
  /** Streams text/event-stream instead of JSON. */
  stream?: boolean;
  /**
   * The catalogued transaction whose answer this operation returns (`Contract:Function`), and how: as is, a page of
   * its list, or one answer per item (see openapi/catalogue.ts `answers`); served as `x-obe-tx`/`x-obe-view`, which
   * the catalogue agreement test reads.
   */
  tx?: string;
  txView?: TxView;
}

export type TxView = 'result' | 'page' | 'each' | 'page-each';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (INVALID_ARGUMENT, MALFORMED_JSON, BAD_REQUEST)',
  401: 'Missing or unknown API key (UNAUTHENTICATED)',
  403: 'The identity may not do this (FORBIDDEN)',
  404: 'No such record (NOT_FOUND)',
  409: 'Conflicts with the ledger state (CONFLICT), kept conflicting with concurrent updates (MVCC_CONFLICT), or invalidated at commit (TRANSACTION_INVALID)',
  413: 'Request body too large (PAYLOAD_TOO_LARGE)',
  415: 'Request body is not application/json (UNSUPPORTED_MEDIA_TYPE)',
  422: 'A business rule forbids it (RULE_VIOLATION), or an Idempotency-Key was reused with a different request (IDEMPOTENCY_KEY_REUSED)',
  429: 'Too many requests from this API key or address, too many failed authentications from this address, or too many open event streams (RATE_LIMITED); see Retry-After',
  503: 'The ledger is unavailable or still starting (LEDGER_UNAVAILABLE)',
};

function errorResponse(status: number): Schema {
  return { description: ERROR_DESCRIPTIONS[status] ?? 'Error', content: { 'application/json': { schema: ref('Error') } } };
}

function toParameter(name: string, location: 'path' | 'query' | 'header', schema: Schema, required: boolean, description?: string): Schema {
  return { name, in: location, required, schema, ...(description ? { description } : {}) };
}

/** The OpenAPI operation object (and its path) for one spec. */
export function operation(spec: OperationSpec): { path: string; method: Method; value: Schema } {
  const parameters: Schema[] = [];
  for (const [name, schema] of Object.entries(spec.pathParams ?? {})) parameters.push(toParameter(name, 'path', schema, true));
  for (const [name, q] of Object.entries(spec.query ?? {})) parameters.push(toParameter(name, 'query', q.schema, q.required ?? false, q.description));
  for (const [name, h] of Object.entries(spec.headerParams ?? {})) parameters.push(toParameter(name, 'header', h.schema, h.required ?? false, h.description));
  const responses: Record<string, Schema> = {};
  if (spec.stream) {
    responses['200'] = { description: 'Server-Sent Events stream', content: { 'text/event-stream': { schema: str() } } };
  } else if (spec.submit) {
    parameters.push(
      toParameter('Idempotency-Key', 'header', str({ pattern: '^[A-Za-z0-9_.:-]{1,128}$' }), false,
        'Retrying with the same key returns the first result and never submits a second transaction. The same key with a different request is refused with 422 IDEMPOTENCY_KEY_REUSED.'),
      toParameter('Prefer', 'header', str({ maxLength: 200 }), false,
        '`respond-async` answers 202 once the transaction is endorsed and ordered, with a status URL to follow its commit.'),
    );
    responses['200'] = {
      description: 'Committed: transaction id, block and the chaincode result',
      content: { 'application/json': { schema: { allOf: [ref('SubmitResponse'), { type: 'object', properties: { result: spec.submit.result } }] } } },
    };
    responses['202'] = {
      description:
        'Accepted (Prefer: respond-async, or a commit that could not be confirmed in time): endorsed and handed to the orderer, commit pending; follow the Location/statusUrl, which always ends committed or failed',
      content: { 'application/json': { schema: ref('SubmitAccepted') } },
    };
  } else {
    responses['200'] = { description: 'OK', content: { 'application/json': { schema: spec.response ?? anyJson } } };
  }
  const statuses = new Set<number>(spec.public ? [400, 429] : [400, 401, 429, 503]);
  if (spec.body) {
    statuses.add(413);
    statuses.add(415);
  }
  if (spec.submit) {
    statuses.add(409);
    statuses.add(422);
  }
  for (const status of spec.errors ?? []) statuses.add(status);
  for (const status of [...statuses].sort()) responses[String(status)] = errorResponse(status);

  const value: Schema = {
    operationId: spec.operationId,
    tags: [spec.tag],
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body ? { requestBody: { required: !spec.bodyOptional, content: { 'application/json': { schema: spec.body } } } } : {}),
    responses,
    ...(spec.public ? { security: [] } : {}),
    ...(spec.submit ? { 'x-obe-submit': true } : {}),
    ...(spec.stream ? { 'x-obe-stream': true } : {}),
    ...(spec.tx ? { 'x-obe-tx': spec.tx, 'x-obe-view': spec.txView ?? 'result' } : {}),
  };
  return { path: spec.path, method: spec.method, value };
}

export function paths(specs: readonly OperationSpec[]): Record<string, Record<string, Schema>> {
  const out: Record<string, Record<string, Schema>> = {};
  for (const spec of specs) {
    const { path, method, value } = operation(spec);
    out[path] ??= {};
    if (out[path][method]) throw new Error(`duplicate operation ${method.toUpperCase()} ${path}`);
    out[path][method] = value;
  }
  return out;
}
