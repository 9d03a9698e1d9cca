import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NextFunction, Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import type { ApiKeyStore, Caller } from './auth';
import { HttpError } from './errors';

/**
 * Binds handlers to the operations of the OpenAPI document by operationId. The document decides the method, the
 * path, what is authenticated and what a valid request and response look like; handlers see only validated input.
 */

export interface OperationContext {
  readonly operationId: string;
  /** Present for every authenticated operation. */
  readonly caller: Caller | undefined;
  readonly params: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  /** Declared header parameters, by lower-case name. */
  readonly headers: Record<string, string | undefined>;
  readonly body: unknown;
  readonly requestId: string;
  readonly log: Logger;
  /** For streaming operations only. */
  readonly req: Request;
  readonly res: Response;
}

export interface OperationResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A handler returns its result, or `undefined` once it has answered itself (streams). */
export type OperationHandler = (ctx: OperationContext) => Promise<OperationResult | undefined>;
export type Handlers = Record<string, OperationHandler>;

type Json = Record<string, unknown>;

interface Operation {
  id: string;
  method: string;
  path: string;
  secured: boolean;
  params?: ValidateFunction;
  query?: ValidateFunction;
  headers?: ValidateFunction;
  /** Numeric and boolean parameters per location, converted from canonical text before validation. */
  scalars: Record<'path' | 'query' | 'header', Record<string, Scalar>>;
  headerNames: string[];
  body?: ValidateFunction;
  /** False when the operation's request body may be left out. */
  bodyRequired: boolean;
  responses: Map<number, ValidateFunction>;
}

const SCHEMA_BASE = 'https://obe.local/schemas/';

/** Rewrites document-local refs to absolute ids so operation schemas compile on their own. */
function absolutise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(absolutise);
  if (value && typeof value === 'object') {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/') ? SCHEMA_BASE + v.slice(21) : absolutise(v);
    }
    return out;
  }
  return value;
}

/**
 * One Ajv per use. None coerces types: Ajv's `coerceTypes` turns "Infinity", "1e309", "0x10" or " 5" into numbers
 * (and with allErrors lets ±Infinity pass minimum/maximum), so parameters are converted by `coerceParameters` below,
 * which accepts canonical decimal text only. `strictNumbers` refuses NaN and ±Infinity wherever a number is expected
 * (a JSON body can carry 1e309, which JSON.parse reads as Infinity). `defaults` fills parameter defaults, so handlers
 * read typed values.
 */
function newAjv(defaults: boolean, components: Json): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictNumbers: true, coerceTypes: false, useDefaults: defaults, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addVocabulary(['example']);
  for (const [name, schema] of Object.entries(components)) {
    ajv.addSchema(absolutise(schema) as Json, SCHEMA_BASE + name);
  }
  return ajv;
}

/** Longest numeric parameter text looked at (a safe integer has at most 16 digits and a sign). */
const MAX_PARAMETER_TEXT = 32;
const CANONICAL_INTEGER = /^(0|-?[1-9][0-9]*)$/;
const CANONICAL_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

type Scalar = 'integer' | 'number' | 'boolean';

/** The scalar type a parameter schema asks for, following one component `$ref`; undefined for strings and the rest. */
function scalarType(schema: Json | undefined, components: Json): Scalar | undefined {
  if (!schema) return undefined;
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) return scalarType(components[ref.slice(21)] as Json | undefined, components);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.includes('integer')) return 'integer';
  if (types.includes('number')) return 'number';
  if (types.includes('boolean')) return 'boolean';
  return undefined;
}

/**
 * Path, query and header parameters arrive as text. A numeric parameter is converted only from its canonical decimal
 * form: integers as `0` or an optional `-` and digits without leading zeros, within ±(2^53−1); numbers additionally
 * with a `.` fraction. Refused (400): `Infinity`, `NaN`, `1e3`, `0x10`, ` 5`, `+5`, `05`, `5.0` for an integer, `-0`,
 * 2^53+1, repeated parameters. Booleans are `true` or `false`. Everything else stays as sent for the schema to judge.
 */
export function coerceParameters(values: Json, types: Record<string, Scalar>, where: string): { field: string; problem: string }[] {
  const problems: { field: string; problem: string }[] = [];
  for (const [name, type] of Object.entries(types)) {
    const raw = values[name];
    if (raw === undefined) continue;
    const field = `${where}.${name}`;
    if (typeof raw !== 'string') {
      problems.push({ field, problem: `must be a single ${type}` });
      continue;
    }
    if (type === 'boolean') {
      if (raw === 'true' || raw === 'false') values[name] = raw === 'true';
      else problems.push({ field, problem: 'must be true or false' });
      continue;
    }
    const pattern = type === 'integer' ? CANONICAL_INTEGER : CANONICAL_NUMBER;
    const value = raw.length <= MAX_PARAMETER_TEXT && pattern.test(raw) ? Number(raw) : NaN;
    const ok = type === 'integer' ? Number.isSafeInteger(value) : Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER;
    if (!ok || Object.is(value, -0)) {
      problems.push({
        field,
        problem:
          type === 'integer'
            ? 'must be a decimal integer (digits with an optional leading -, no exponent, sign + or leading zeros) from -9007199254740991 to 9007199254740991'
            : 'must be a finite decimal number (digits, optional - and .fraction, no exponent)',
      });
      continue;
    }
    values[name] = value;
  }
  return problems;
}

function describe(errors: ErrorObject[] | null | undefined, where: string): { field: string; problem: string }[] {
  return (errors ?? []).map((e) => {
    const field = `${where}${e.instancePath.replace(/\//g, '.')}`;
    const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : '';
    return { field, problem: `${e.message ?? 'invalid'}${extra}` };
  });
}

function toExpressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export interface BindOptions {
  document: Json;
  handlers: Handlers;
  keys: () => ApiKeyStore;
  /** Runs before a secured operation authenticates a caller that presented no valid key (the failed-auth limit). */
  beforeAuthenticate?: (req: Request) => Promise<void>;
  logger: Logger;
}

/**
 * Compiles every operation of the document and mounts it on the router. Throws if a handler is missing. Returns the
 * methods each path allows, for 405 answers.
 */
export function bindOperations(router: Router, options: BindOptions): (path: string) => string[] {
  const components = ((options.document.components as Json | undefined)?.schemas ?? {}) as Json;
  const parameters = newAjv(true, components);
  const strict = newAjv(false, components);
  const paths = options.document.paths as Record<string, Record<string, Json>>;
  const seen = new Set<string>();

  // Express matches in registration order: literal segments must win over parameters (`/assets/{id}/transfer`
  // before `/assets/{id}/{action}`), so paths with fewer parameters are mounted first.
  const params = (path: string) => (path.match(/\{/g) ?? []).length;
  const ordered = Object.entries(paths).sort(([a], [b]) => params(a) - params(b));
  for (const [path, item] of ordered) {
    for (const [method, op] of Object.entries(item)) {
      if (op['x-obe-builtin']) continue;
      const id = String(op.operationId);
      const handler = options.handlers[id];
      if (!handler) throw new Error(`no handler for operation ${id}`);
      seen.add(id);
      const compiled = compileOperation(id, method, path, op, parameters, strict, options.document);
      (router as unknown as Record<string, (p: string, h: (req: Request, res: Response, next: NextFunction) => void) => void>)[method](
        toExpressPath(path),
        (req, res, next) => {
          run(compiled, handler, req, res, options).catch(next);
        },
      );
    }
  }
  for (const id of Object.keys(options.handlers)) {
    if (!seen.has(id)) throw new Error(`handler ${id} has no operation in the OpenAPI document`);
  }
  const templates = Object.entries(paths).map(([path, item]) => ({
    pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[A-Za-z0-9_]+\\?\}/g, '[^/]+')}$`),
    methods: Object.keys(item).map((m) => m.toUpperCase()),
  }));
  return (path) => [...new Set(templates.filter((t) => t.pattern.test(path)).flatMap((t) => t.methods))];
}

function compileOperation(id: string, method: string, path: string, op: Json, coercing: Ajv, strict: Ajv, document: Json): Operation {
  const parameters = (op.parameters ?? []) as Json[];
  const components = ((document.components as Json | undefined)?.schemas ?? {}) as Json;
  const scalars: Operation['scalars'] = { path: {}, query: {}, header: {} };
  for (const p of parameters) {
    const type = scalarType(p.schema as Json | undefined, components);
    const location = p.in as keyof Operation['scalars'];
    if (type && scalars[location]) scalars[location][location === 'header' ? String(p.name).toLowerCase() : String(p.name)] = type;
  }
  const group = (location: string) => {
    const ps = parameters.filter((p) => p.in === location);
    if (!ps.length) return undefined;
    const properties: Json = {};
    const required: string[] = [];
    for (const p of ps) {
      const name = location === 'header' ? String(p.name).toLowerCase() : String(p.name);
      properties[name] = absolutise(p.schema);
      if (p.required) required.push(name);
    }
    return coercing.compile({ type: 'object', properties, required, additionalProperties: location === 'header' });
  };
  const bodySchema = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
  const bodyRequired = (op.requestBody as Json | undefined)?.required !== false;
  const responses = new Map<number, ValidateFunction>();
  for (const [status, response] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
    const schema = ((response.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
    if (schema) responses.set(Number(status), strict.compile(absolutise(schema) as Json));
  }
  const globalSecurity = (document.security ?? []) as unknown[];
  const security = (op.security ?? globalSecurity) as unknown[];
  return {
    id,
    method,
    path,
    secured: security.length > 0,
    params: group('path'),
    query: group('query') ?? coercing.compile({ type: 'object', additionalProperties: false }),
    headers: group('header'),
    scalars,
    headerNames: parameters.filter((p) => p.in === 'header').map((p) => String(p.name).toLowerCase()),
    body: bodySchema ? strict.compile(absolutise(bodySchema.schema) as Json) : undefined,
    bodyRequired,
    responses,
  };
}

async function run(op: Operation, handler: OperationHandler, req: Request, res: Response, options: BindOptions): Promise<void> {
  const requestId = String(req.id ?? '');
  let caller: Caller | undefined;
  if (op.secured) {
    caller = res.locals.caller as Caller | undefined;
    if (!caller) {
      await options.beforeAuthenticate?.(req);
      caller = options.keys().authenticate(req.get('authorization'));
    }
  }
  const problems: { field: string; problem: string }[] = [];

  const params: Json = { ...(req.params as Json) };
  const paramProblems = coerceParameters(params, op.scalars.path, 'path');
  problems.push(...paramProblems);
  if (!paramProblems.length && op.params && !op.params(params)) problems.push(...describe(op.params.errors, 'path'));
  const query: Json = { ...(req.query as Json) };
  const queryProblems = coerceParameters(query, op.scalars.query, 'query');
  problems.push(...queryProblems);
  if (!queryProblems.length && op.query && !op.query(query)) problems.push(...describe(op.query.errors, 'query'));
  const headers: Json = {};
  for (const name of op.headerNames) {
    const value = req.get(name);
    if (value !== undefined) headers[name] = value;
  }
  const headerProblems = coerceParameters(headers, op.scalars.header, 'header');
  problems.push(...headerProblems);
  if (!headerProblems.length && op.headers && !op.headers(headers)) problems.push(...describe(op.headers.errors, 'header'));
  let body: unknown = undefined;
  if (op.body) {
    if (req.body === undefined) {
      const type = req.get('content-type');
      if (type && !req.is('application/json')) {
        throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json');
      }
      if (op.bodyRequired) problems.push({ field: 'body', problem: 'a JSON request body is required' });
    } else {
      body = req.body;
      if (!op.body(body)) problems.push(...describe(op.body.errors, 'body'));
    }
  }
  if (problems.length) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `invalid request: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`, { problems });
  }
  res.locals.caller = caller;

  const result = await handler({
    operationId: op.id,
    caller,
    params,
    query,
    headers: headers as Record<string, string | undefined>,
    body,
    requestId,
    // The request's logger is made on first use (http/request-log.ts): most handlers never log.
    get log() {
      return req.log;
    },
    req,
    res,
  });
  if (!result) return;
  const validate = op.responses.get(result.status);
  if (!validate) {
    req.log.error({ operationId: op.id, status: result.status }, 'handler answered a status the OpenAPI document does not declare');
    throw new HttpError(500, 'INTERNAL', 'internal error: undeclared response status');
  }
  if (!validate(result.body)) {
    req.log.error({ operationId: op.id, errors: validate.errors }, 'response failed OpenAPI validation');
    throw new HttpError(500, 'INTERNAL', 'internal error: the response did not match the API contract');
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) res.set(name, value);
  res.status(result.status).json(result.body);
}
