import path from 'node:path';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { MAX_BATCH_TEXT_BYTES } from '@obe/chaincode';
import { GatewayContext } from './context';
import { errorBody, HttpError, toHttpError } from './http/errors';
import { addressLimiter, AuthFailures, keyLimiter, rejectDeepJson, resolveCaller } from './http/limits';
import { bindOperations } from './http/operations';
import { requestLog } from './http/request-log';
import { buildOpenApiDocument } from './openapi';
import { routeHandlers } from './routes';

export interface AppOptions {
  /** Express `trust proxy`: which X-Forwarded-For hops name the client address the rate limits count (default none). */
  trustProxy?: boolean | number | string;
}

/** Builds the Express application. Kept free of listening and process concerns so tests drive it with supertest. */
const METERING_BATCH_PATHS = ['/api/v1/metering/readings', '/api/v1/metering/profiles'];

export function createApp(gateway: GatewayContext = new GatewayContext(), options: AppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);
  // Query strings parse flat (name=value; a repeated name is an array, which numeric parameters refuse).
  app.set('query parser', 'simple');
  app.locals.gateway = gateway;
  const document = buildOpenApiDocument();

  app.use(requestLog(gateway.logger));
  app.use(metricsMiddleware(gateway));
  const authFailures = new AuthFailures(gateway.limits);
  app.use(addressLimiter(gateway, gateway.limits));
  app.use(authFailures.watch());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (!gateway.hasLedger || gateway.state !== 'ready') {
      res.status(503).json({ status: gateway.state === 'stopping' ? 'unavailable' : 'starting', ledger: 'none', channels: {} });
      return;
    }
    const ledger = gateway.ledger();
    try {
      const channels: Record<string, { height: number }> = {};
      for (const channel of ledger.channels()) channels[channel] = { height: await ledger.blockHeight(channel) };
      res.json({ status: 'ready', ledger: ledger.kind, channels });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', ledger: ledger.kind, channels: {}, message: (err as Error).message });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', gateway.metrics.registry.contentType).send(await gateway.metrics.registry.metrics());
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  app.get('/docs', (req, res, next) => {
    if (!req.path.endsWith('/')) {
      res.redirect(301, '/docs/');
      return;
    }
    next();
  });
  app.use('/docs/vendor', express.static(path.dirname(require.resolve('swagger-ui-dist/package.json')), { index: false }));
  app.use('/docs', express.static(path.resolve(__dirname, '../public/docs')));

  const api = express.Router();
  api.use(resolveCaller(gateway));
  api.use(keyLimiter(gateway, gateway.limits));
  // A head-end's batch may be as large as the chaincode accepts (10,000 readings, MAX_BATCH_TEXT_BYTES of text): a
  // general body limit below that would refuse with 413 a batch the ledger takes. Only for a caller with a valid key
  // (resolveCaller above): anyone else gets the general limit, so no anonymous request makes the gateway parse 8 MiB.
  // Parsed here, the general parser below leaves these bodies alone.
  const meteringBatchBody = express.json({ limit: MAX_BATCH_TEXT_BYTES, strict: false });
  api.use(METERING_BATCH_PATHS, (req: Request, res: Response, next: NextFunction) => (res.locals.caller ? meteringBatchBody(req, res, next) : next()));
  api.use(express.json({ limit: gateway.bodyLimit, strict: false }));
  api.use(rejectDeepJson());
  const allowedMethods = bindOperations(api, {
    document,
    handlers: routeHandlers({ gateway }),
    keys: () => gateway.currentKeys(),
    beforeAuthenticate: (req) => authFailures.check(req),
    logger: gateway.logger,
  });
  app.use(api);

  // The dashboard (gateway/public): static files, served by the gateway itself.
  app.use(express.static(path.resolve(__dirname, '../public'), { index: 'index.html' }));

  app.use((req: Request, res: Response, next: NextFunction) => {
    const allowed = allowedMethods(req.path);
    if (allowed.length) {
      res.set('Allow', allowed.join(', '));
      next(new HttpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; use ${allowed.join(', ')}`));
      return;
    }
    next(new HttpError(404, 'ROUTE_NOT_FOUND', `no route ${req.method} ${req.path}`));
  });
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const http = toHttpError(err);
    if (http.status >= 500 && http.status !== 503) req.log?.error({ err }, 'request failed');
    if (res.headersSent) {
      next(err);
      return;
    }
    for (const [name, value] of Object.entries(http.headers ?? {})) res.set(name, value);
    res.status(http.status).json(errorBody(http, String(req.id ?? '')));
  });
  return app;
}

/** Counts and times every request by its route template (never by raw URL, which would explode label cardinality). */
function metricsMiddleware(gateway: GatewayContext) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = gateway.metrics.latency.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.path.startsWith('/docs') ? '/docs' : 'other';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      gateway.metrics.requests.inc(labels);
      end(labels);
    });
    next();
  };
}
