import { createApp } from '../../gateway/src/app';
import { GatewayContext } from '../../gateway/src/context';
import { ApiKeyStore, newApiKey } from '../../gateway/src/http/auth';
import { expectError, expectNoServerErrors, http } from './support/http';

expectNoServerErrors();

describe('the HTTP application without a ledger', () => {
  const key = newApiKey('utility-admin');
  const app = createApp(new GatewayContext({ keys: new ApiKeyStore([key.stored]) }));

  it('serves the OpenAPI document, with every operation named and every error typed', async () => {
    const res = await http(app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const ids: string[] = [];
    for (const item of Object.values(res.body.paths as Record<string, Record<string, { operationId: string }>>)) {
      for (const op of Object.values(item)) ids.push(op.operationId);
    }
    expect(ids).toEqual(expect.arrayContaining(['getHealth', 'getReadiness', 'getSubmitStatus']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('serves the docs page and swagger-ui from the package, not a CDN', async () => {
    const page = await http(app).get('/docs/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('vendor/swagger-ui-bundle.js');
    expect(page.text).not.toMatch(/https?:\/\//);
    const bundle = await http(app).get('/docs/vendor/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await http(app).get('/docs')).status).toBe(301);
  });

  it('serves the dashboard at /', async () => {
    const page = await http(app).get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect((await http(app).get('/vendor/chart.umd.min.js')).status).toBe(200);
  });

  it('answers 401 with a JSON error for a missing, malformed or unknown key', async () => {
    expectError(await http(app).get('/api/v1/me'), 401, 'UNAUTHENTICATED');
    expectError(await http(app).get('/api/v1/me').set('Authorization', 'Basic abc'), 401, 'UNAUTHENTICATED');
    expectError(await http(app).get('/api/v1/me').set('Authorization', 'Bearer obe_nope'), 401, 'UNAUTHENTICATED');
  });

  it('answers 503 LEDGER_UNAVAILABLE while the ledger is starting, and /readyz says so', async () => {
    expectError(await http(app).get('/api/v1/me').set('Authorization', `Bearer ${key.key}`), 503, 'LEDGER_UNAVAILABLE');
    const ready = await http(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('starting');
  });

  it('answers 404 ROUTE_NOT_FOUND for an unknown route and echoes a request id', async () => {
    const res = await http(app).get('/api/v1/nothing-here').set('X-Request-Id', 'abc-123');
    expectError(res, 404, 'ROUTE_NOT_FOUND');
    expect(res.body.error.requestId).toBe('abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('answers 405 METHOD_NOT_ALLOWED with an Allow header for a known path and another method', async () => {
    const res = await http(app).patch('/api/v1/tokens/transfers');
    expectError(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow).toBe('POST');
    const asset = await http(app).put('/api/v1/registry/assets/pv-1');
    expectError(asset, 405, 'METHOD_NOT_ALLOWED');
    expect(asset.headers.allow).toBe('GET');
  });

  it('validates path parameters from the document before anything else runs', async () => {
    const res = await http(app).get('/api/v1/submits/not%20valid!').set('Authorization', `Bearer ${key.key}`);
    expectError(res, 400, 'INVALID_ARGUMENT');
    expect(res.body.error.details.problems[0].field).toBe('path.txId');
  });

  it('exposes request counts by route template on /metrics', async () => {
    await http(app).get('/healthz');
    const res = await http(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/obe_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.text).toContain('obe_http_request_duration_seconds_bucket');
    expect(res.text).toContain('obe_submits_total');
  });
});
