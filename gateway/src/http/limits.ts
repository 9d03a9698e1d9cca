import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Options } from 'express-rate-limit';
import type { GatewayLimits } from '../config';
import type { GatewayContext } from '../context';
import type { Caller } from './auth';
import { errorBody, HttpError } from './errors';

/**
 * Abuse limits of the HTTP API (defaults and env names in config.ts, GatewayLimits; described in
 * docs/security-model.md). express-rate-limit counts requests in fixed windows in memory, per gateway process:
 * - per client address: every request but the probes (/healthz, /readyz, /metrics);
 * - per API key: every request that presents a valid key;
 * - failed authentications per address: once an address has had `authFailuresPerAddress` 401 answers in a window,
 *   every further request from it that does not present a valid key gets 429 instead of 401 until the window ends.
 *   Valid keys keep working (they are 256-bit random, so the failures cannot be guessing them; blocking them would
 *   let anyone sharing an address lock its users out).
 * Every refusal is 429 RATE_LIMITED in the JSON error format with Retry-After (seconds).
 */

export type LimitScope = 'address' | 'key' | 'auth-failures' | 'event-streams';

/** The client address a limit counts: IPv4 as is, IPv6 by /56 (one customer's network), per express `trust proxy`. */
export function clientAddress(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

export function rateLimited(scope: LimitScope, retryAfterSeconds: number, message: string): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new HttpError(429, 'RATE_LIMITED', message, { scope, retryAfterSeconds: seconds }, { 'Retry-After': String(seconds) });
}

function sendRateLimited(gateway: GatewayContext, scope: LimitScope, req: Request, res: Response, message: string): void {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const seconds = reset ? (reset.getTime() - Date.now()) / 1000 : 1;
  const err = rateLimited(scope, seconds, message);
  gateway.metrics.rateLimited.inc({ scope });
  for (const [name, value] of Object.entries(err.headers ?? {})) res.set(name, value);
  res.status(429).json(errorBody(err, String(req.id ?? '')));
}

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);

function baseOptions(windowSeconds: number): Partial<Options> {
  return {
    windowMs: windowSeconds * 1000,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // The key generators below already apply ipKeyGenerator; trust proxy is the operator's explicit choice.
    validate: { trustProxy: false, xForwardedForHeader: false, keyGeneratorIpFallback: false },
  };
}

/** Per client address: mounted before everything but the probes. */
export function addressLimiter(gateway: GatewayContext, limits: GatewayLimits): RequestHandler {
  if (!limits.rateLimit) return (_req, _res, next) => next();
  return rateLimit({
    ...baseOptions(limits.windowSeconds),
    limit: limits.perAddress,
    keyGenerator: (req) => clientAddress(req),
    skip: (req) => PROBES.has(req.path),
    handler: (req, res) =>
      sendRateLimited(gateway, 'address', req, res, `more than ${limits.perAddress} requests in ${limits.windowSeconds} s from this address; retry later`),
  });
}

/**
 * Resolves the caller from the Authorization header once, before the per-key limit (which needs the key id). An
 * unknown or malformed key is left for the operation to refuse with 401 (a public operation ignores the header).
 */
export function resolveCaller(gateway: GatewayContext): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    if (header !== undefined) {
      try {
        res.locals.caller = gateway.currentKeys().authenticate(header) satisfies Caller;
      } catch {
        res.locals.caller = undefined;
      }
    }
    next();
  };
}

/** Per API key: counts the requests of callers that presented a valid key. */
export function keyLimiter(gateway: GatewayContext, limits: GatewayLimits): RequestHandler {
  if (!limits.rateLimit) return (_req, _res, next) => next();
  return rateLimit({
    ...baseOptions(limits.windowSeconds),
    limit: limits.perKey,
    keyGenerator: (_req, res) => `key:${(res.locals.caller as Caller).keyId}`,
    skip: (_req, res) => res.locals.caller === undefined,
    handler: (req, res) =>
      sendRateLimited(gateway, 'key', req, res, `more than ${limits.perKey} requests in ${limits.windowSeconds} s with this API key; retry later`),
  });
}

/** Failed authentications per address: counted as each 401 answer finishes; checked before authenticating. */
export class AuthFailures {
  readonly #store = new MemoryStore();
  readonly #limits: GatewayLimits;

  constructor(limits: GatewayLimits) {
    this.#limits = limits;
    this.#store.init({ windowMs: limits.authFailureWindowSeconds * 1000 } as Options);
  }

  /** Counts the request's answer if it is a 401. */
  watch(): RequestHandler {
    return (req, res, next) => {
      if (this.#limits.rateLimit) {
        res.once('finish', () => {
          if (res.statusCode === 401) void this.#store.increment(clientAddress(req));
        });
      }
      next();
    };
  }

  /** Throws 429 when the request's address has used up its failed authentications (callers with a valid key pass). */
  async check(req: Request): Promise<void> {
    if (!this.#limits.rateLimit) return;
    const info = await this.#store.get(clientAddress(req));
    if (info && info.totalHits >= this.#limits.authFailuresPerAddress) {
      throw rateLimited(
        'auth-failures',
        ((info.resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000,
        `too many failed authentications from this address (${this.#limits.authFailuresPerAddress} in ${this.#limits.authFailureWindowSeconds} s); retry later`,
      );
    }
  }
}

/** Deepest nesting of arrays and objects a JSON request body may have; no operation's schema needs more than a few levels. */
export const MAX_JSON_DEPTH = 32;

/** The nesting depth of a parsed JSON value, measured without recursion (a depth bomb must not overflow the stack here). */
export function jsonDepth(value: unknown, stopAt = Infinity): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    const level = depth + 1;
    if (level > max) max = level;
    if (max > stopAt) return max;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, level]);
  }
  return max;
}

/**
 * Refuses JSON bodies nested deeper than MAX_JSON_DEPTH (400) before anything walks them: a 1 MB body can nest 500,000
 * levels, and recursive code (JSON.stringify, canonical JSON, validation) would overflow the stack on it.
 */
export function rejectDeepJson(): RequestHandler {
  return (req, _res, next) => {
    if (req.body !== undefined && jsonDepth(req.body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
      next(new HttpError(400, 'INVALID_ARGUMENT', `invalid request: the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`));
      return;
    }
    next();
  };
}
