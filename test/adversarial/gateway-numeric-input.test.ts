import { startChildGateway, type Answer, type ChildGateway } from './support/child';
import { startHarness, type Harness } from '../gateway/support/harness';
import { http } from '../gateway/support/http';

/**
 * Issue #12, defect 11: numeric request input that is not a finite, bounded integer. Ajv's coerceTypes turned
 * "Infinity" and "1e309" into ±Infinity, which passed minimum/maximum, and routes looped on Number(query.x): any API key
 * hung the gateway (wholesale results spun forever, retail intervals grew to 4.5 GB and aborted), `offset=Infinity`
 * answered 500, `pageSize=Infinity` returned everything and `fromBlock=Infinity` opened a stream that never delivers.
 *
 * The gateway runs in a child process: a request that hangs it is a request that times out (5 s), never a hung run.
 */
jest.setTimeout(60_000);

const REFUSED = ['Infinity', '-Infinity', '1e309', 'NaN', '-0', '9007199254740993', '1e3', '0x10', ' 5', '5.0', '+5', '05', ''];

function expectRefused(res: { status: number; body: unknown; text?: string }, what: string): void {
  if (res.status !== 400) throw new Error(`${what}: expected 400 INVALID_ARGUMENT, got ${res.status} ${(res.text ?? JSON.stringify(res.body)).slice(0, 200)}`);
  expect((res.body as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
}

async function answerOrTimeout(gw: ChildGateway, url: string, key: string): Promise<Answer | 'timed out'> {
  try {
    return await gw.request('GET', url, { key, timeoutMs: 5000 });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return 'timed out';
    throw err;
  }
}

describe('requests that hung the gateway (each against a gateway of its own)', () => {
  for (const url of ['/api/v1/wholesale/results?count=Infinity', '/api/v1/retail/intervals?count=Infinity', '/api/v1/retail/intervals?count=1e309']) {
    it(`${url} is a 400 within 5 s, and the gateway answers afterwards`, async () => {
      const gw = await startChildGateway();
      try {
        const key = gw.keys['consumer-01'];
        const res = await answerOrTimeout(gw, url, key);
        if (res === 'timed out') throw new Error(`${url} got no answer within 5 s: the gateway hangs`);
        expectRefused(res, url);
        const after = await answerOrTimeout(gw, '/api/v1/me', key);
        expect(after === 'timed out' ? after : after.status).toBe(200);
      } finally {
        await gw.stop();
      }
    });
  }
});

describe('every numeric parameter is a canonical, bounded decimal integer', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(() => h?.close());

  const get = (url: string, headers: Record<string, string> = {}) => http(h.app).get(url).set(h.auth('consumer-01')).set(headers).timeout(5000);

  it('offset=Infinity is a 400, not a 500', async () => {
    expectRefused(await get('/api/v1/retail/intervals?offset=Infinity'), 'retail offset=Infinity');
    expectRefused(await get('/api/v1/wholesale/results?offset=Infinity'), 'wholesale offset=Infinity');
    expectRefused(await get('/api/v1/wholesale/results?offset=-Infinity'), 'wholesale offset=-Infinity');
  });

  it('pageSize=Infinity is a 400, not every item', async () => {
    expectRefused(await get('/api/v1/wholesale/results?pageSize=Infinity'), 'pageSize=Infinity');
    expectRefused(await get('/api/v1/registry/participants?pageSize=1e309'), 'pageSize=1e309');
  });

  it('fromBlock=Infinity (or past the head) is a 400, not a stream that never delivers', async () => {
    for (const fromBlock of ['Infinity', '1e309', '9007199254740993', '999999999999']) {
      const res = await answerOrStreamStatus(h, `/api/v1/events?fromBlock=${fromBlock}`);
      expect([fromBlock, res.status]).toEqual([fromBlock, 400]);
    }
  });

  it('a Last-Event-ID past the ledger head is a 400', async () => {
    const res = await answerOrStreamStatus(h, '/api/v1/events', { 'Last-Event-ID': '999999999999999.0' });
    expect(res.status).toBe(400);
  });

  // A guard, not a reproduction: bodies were already refused before the fix (Ajv without coercion); strictNumbers keeps it so.
  it('a JSON body number past 2^53 or Infinity (1e309) is a 400', async () => {
    const to = h.pseudonyms['consumer-01'];
    for (const amount of ['1e309', '-1e309', '9007199254740993', '1e300']) {
      const res = await http(h.app)
        .post('/api/v1/tokens/mint')
        .set(h.auth('gridoperator-admin'))
        .set('Content-Type', 'application/json')
        .send(`{"account":"${to}","amount":${amount}}`);
      expect([amount, res.status, res.body.error?.code]).toEqual([amount, 400, 'INVALID_ARGUMENT']);
    }
  });

  it('every integer and number schema of /openapi.json has a lower and an upper bound', async () => {
    const doc = (await http(h.app).get('/openapi.json')).body as unknown;
    const unbounded: string[] = [];
    const walk = (node: unknown, where: string) => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => walk(n, `${where}/${i}`));
        return;
      }
      if (!node || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      if (types.includes('integer') || types.includes('number')) {
        const low = schema.minimum ?? schema.exclusiveMinimum;
        const high = schema.maximum ?? schema.exclusiveMaximum;
        const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER;
        if (!finite(low) || !finite(high)) unbounded.push(where);
      }
      for (const [k, v] of Object.entries(schema)) walk(v, `${where}/${k}`);
    };
    walk(doc, '#');
    expect(unbounded).toEqual([]);
  });
});

describe('every non-canonical spelling of a number is refused (against a gateway of its own: on a gateway that parses them, some hang it)', () => {
  let gw: ChildGateway;
  beforeAll(async () => {
    gw = await startChildGateway();
  }, 60_000);
  afterAll(() => gw?.stop());

  it('on count, offset, pageSize and a path integer, each answered within 5 s', async () => {
    const key = gw.keys['consumer-01'];
    const get = async (url: string) => {
      const res = await answerOrTimeout(gw, url, key);
      if (res === 'timed out') throw new Error(`${url} got no answer within 5 s: the gateway hangs`);
      return res;
    };
    for (const value of REFUSED) {
      const v = encodeURIComponent(value);
      expectRefused(await get(`/api/v1/retail/intervals?count=${v}`), `count=${JSON.stringify(value)}`);
      expectRefused(await get(`/api/v1/retail/intervals?offset=${v}`), `offset=${JSON.stringify(value)}`);
      expectRefused(await get(`/api/v1/registry/participants?pageSize=${v}`), `pageSize=${JSON.stringify(value)}`);
      expectRefused(await get(`/api/v1/metering/zones/z1/totals/${v === '' ? '%20' : v}`), `intervalStart=${JSON.stringify(value)}`);
    }
    expectRefused(await get('/api/v1/retail/intervals?count=2&count=3'), 'a repeated parameter');
    expect((await get('/api/v1/retail/intervals?count=5&offset=-2')).status).toBe(200);
  });
});

/** The status of a GET that may open an event stream (whose body never ends). */
function answerOrStreamStatus(h: Harness, url: string, headers: Record<string, string> = {}): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const server = h.app.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      fetch(`http://127.0.0.1:${port}${url}`, { headers: { ...h.auth('consumer-01'), ...headers }, signal: AbortSignal.timeout(5000) })
        .then(async (res) => {
          await res.body?.cancel();
          resolve({ status: res.status });
        }, reject)
        .finally(() => {
          server.closeAllConnections();
          server.close();
        });
    });
  });
}
