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
  headerNames: string[];
  body?: ValidateFunction;
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

function newAjv(coerce: boolean, components: Json): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: coerce, useDefaults: coerce, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addVocabulary(['example']);
  for (const [name, schema] of Object.entries(components)) {
    ajv.addSchema(absolutise(schema) as Json, SCHEMA_BASE + name);
  }
  return ajv;
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
  logger: Logger;
}

/**
 * Compiles every operation of the document and mounts it on the router. Throws if a handler is missing. Returns the
 * methods each path allows, for 405 answers.
 */
export function bindOperations(router: Router, options: BindOptions): (path: string) => string[] {
  const components = ((options.document.components as Json | undefined)?.schemas ?? {}) as Json;
  const coercing = newAjv(true, components);
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
      const compiled = compileOperation(id, method, path, op, coercing, strict, options.document);
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
    headerNames: parameters.filter((p) => p.in === 'header').map((p) => String(p.name).toLowerCase()),
    body: bodySchema ? strict.compile(absolutise(bodySchema.schema) as Json) : undefined,
    responses,
  };
}

async function run(op: Operation, handler: OperationHandler, req: Request, res: Response, options: BindOptions): Promise<void> {
  const requestId = String(req.id ?? '');
  const caller = op.secured ? options.keys().authenticate(req.get('authorization')) : undefined;
  const problems: { field: string; problem: string }[] = [];

  const params: Json = { ...(req.params as Json) };
  if (op.params && !op.params(params)) problems.push(...describe(op.params.errors, 'path'));
  const query: Json = { ...(req.query as Json) };
  if (op.query && !op.query(query)) problems.push(...describe(op.query.errors, 'query'));
  const headers: Record<string, string | undefined> = {};
  for (const name of op.headerNames) {
    const value = req.get(name);
    if (value !== undefined) headers[name] = value;
  }
  if (op.headers && !op.headers(headers)) problems.push(...describe(op.headers.errors, 'header'));
  let body: unknown = undefined;
  if (op.body) {
    if (req.body === undefined) {
      const type = req.get('content-type');
      if (type && !req.is('application/json')) {
        throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json');
      }
      problems.push({ field: 'body', problem: 'a JSON request body is required' });
    } else {
      body = req.body;
      if (!op.body(body)) problems.push(...describe(op.body.errors, 'body'));
    }
  }
  if (problems.length) {
    throw new HttpError(400, 'INVALID_ARGUMENT', `invalid request: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`, { problems });
  }
  res.locals.caller = caller;

  const result = await handler({ operationId: op.id, caller, params, query, headers, body, requestId, log: req.log, req, res });
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
