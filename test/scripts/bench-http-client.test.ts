/**
 * The benchmarks' HTTP client (scripts/bench/http-client.ts): what it counts as a committed submit, and when it sends a
 * request twice. A 202 (the gateway still following the transaction) or an error must never count as a fast success,
 * and a plain submit must never be sent twice.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BenchHttpClient } from '../../scripts/bench/http-client';

describe('bench HTTP client', () => {
  let server: http.Server;
  let url: string;
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  const received: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    received.length = 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const json = (status: number, body: unknown) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  it('answers a committed submit, sending the JSON body and the headers given', async () => {
    answer = json(200, { txId: 't1', blockNumber: 7, result: { accepted: 3 } });
    const client = new BenchHttpClient(url);
    try {
      await expect(client.submitCommitted('/api/v1/metering/readings', { authorization: 'Bearer k' }, { readings: [1, 2, 3] })).resolves.toEqual({
        txId: 't1',
        blockNumber: 7,
        result: { accepted: 3 },
      });
      expect(received).toEqual([expect.objectContaining({ method: 'POST', url: '/api/v1/metering/readings', body: '{"readings":[1,2,3]}', headers: expect.objectContaining({ authorization: 'Bearer k', 'content-type': 'application/json' }) })]);
    } finally {
      client.close();
    }
  });

  it('refuses a 202 (pending) and an error status instead of counting them as done', async () => {
    const client = new BenchHttpClient(url);
    try {
      answer = json(202, { txId: 't2', status: 'pending', statusUrl: '/api/v1/submits/t2' });
      await expect(client.submitCommitted('/x', {}, {})).rejects.toThrow(/not committed when answered/);
      answer = json(409, { error: { code: 'CONFLICT', message: 'no' } });
      await expect(client.submitCommitted('/x', {}, {})).rejects.toThrow(/^409 POST \/x/);
    } finally {
      client.close();
    }
  });

  it('gives up on a connection that stays silent', async () => {
    answer = () => undefined; // never answers
    const client = new BenchHttpClient(url, 4, 200);
    try {
      await expect(client.request('POST', '/slow', {}, {})).rejects.toThrow(/no answer in 200 ms/);
    } finally {
      client.close();
    }
  });

  it('sends a plain submit once when its kept-alive connection is reset, and a keyed one again', async () => {
    // A request on a kept-alive connection is reset unanswered, as when the server closes an idle connection just as
    // the request goes out on it; a request on a new connection is answered.
    const seen = new WeakSet<object>();
    answer = (req, res) => {
      if (seen.has(req.socket)) req.socket.destroy();
      else {
        seen.add(req.socket);
        json(200, { txId: 't', blockNumber: 1, result: {} })(req, res);
      }
    };
    const client = new BenchHttpClient(url, 1);
    try {
      await client.submitCommitted('/warm', {}, {});
      await expect(client.submitCommitted('/plain', {}, {})).rejects.toMatchObject({ code: 'ECONNRESET' });
      await client.submitCommitted('/warm', {}, {});
      await expect(client.submitCommitted('/keyed', { 'idempotency-key': 'abc' }, {})).resolves.toMatchObject({ blockNumber: 1 });
      expect(received.map((r) => r.url)).toEqual(['/warm', '/plain', '/warm', '/keyed', '/keyed']);
    } finally {
      client.close();
    }
  });
});
