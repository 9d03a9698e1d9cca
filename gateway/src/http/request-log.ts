import crypto from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: the caller's X-Request-Id when it is well-formed, else a random UUID; echoed in X-Request-Id. */
    id: string;
    /** A logger bound to this request ({ req: { id, method, url } }), made on first use. */
    log: Logger;
  }
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Only what identifies the request: never Authorization headers or bodies, so keys and private inputs stay out of the logs. */
function requestFields(req: Request): { id: string; method: string; url: string } {
  return { id: req.id, method: req.method, url: req.originalUrl ?? req.url };
}

/**
 * One structured log line per request when its answer is finished (or the connection closed first), at info for 2xx
 * and 3xx, warn for 4xx, error for 5xx other than 503: { req: { id, method, url }, caller, res: { statusCode, headers },
 * responseTime } with the message "request completed" ("request errored" with `err` for 5xx), as
 * pino-http wrote it (an event stream the client closed is logged when it closes). Written here rather than with pino-http, which made two or three child loggers for every request
 * whether anything logged through them or not: `req.log` is made only when a handler or the error handler logs.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      enumerable: false,
      get: () => (child ??= logger.child({ req: requestFields(req) })),
    });
    const started = Date.now();
    const done = (): void => {
      res.removeListener('finish', done);
      res.removeListener('close', done);
      const status = res.statusCode;
      const level = status >= 500 && status !== 503 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = {
        req: requestFields(req),
        caller: (res.locals.caller as { keyId?: string } | undefined)?.keyId,
        res: { statusCode: status, headers: res.getHeaders() },
        responseTime: Date.now() - started,
      };
      if (status >= 500) {
        line.err = new Error(`failed with status code ${status}`);
        logger[level](line, 'request errored');
      } else {
        logger[level](line, 'request completed');
      }
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
