import http from 'node:http';

/**
 * The benchmarks' HTTP client of the REST gateway: node:http over a keep-alive Agent, JSON in and out, nothing else.
 * The benchmark clients run in the gateway's own process (or on its machine), so what they cost is counted against
 * the gateway; the global fetch (undici behind WHATWG streams, an AbortSignal per request) costs 250–600 µs of CPU a
 * request more than this on the bench machine, which is the client's cost, not the gateway's.
 */
export class BenchHttpClient {
  readonly #agent: http.Agent;
  readonly #host: string;
  readonly #port: number;

  constructor(baseUrl: string, maxSockets = 256) {
    const url = new URL(baseUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
    // Idle connections are dropped after 4 s, before the server's keep-alive timeout (5 s by default) closes them.
    this.#agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: 4_000 });
  }

  /** Sends a JSON request and answers the parsed JSON body; rejects on a status outside 2xx with the status and body. */
  async request<T>(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    try {
      return await this.#send<T>(method, path, headers, payload);
    } catch (err) {
      // The server closed an idle kept-alive connection as this request went out on it: sent again on a new one (the
      // race Node's http documentation describes; the request never reached the server).
      if ((err as { reusedSocket?: boolean; code?: string }).reusedSocket && (err as { code?: string }).code === 'ECONNRESET') {
        return this.#send<T>(method, path, headers, payload);
      }
      throw err;
    }
  }

  #send<T>(method: string, path: string, headers: Record<string, string>, payload: Buffer | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          agent: this.#agent,
          host: this.#host,
          port: this.#port,
          method,
          path,
          headers: { accept: 'application/json', ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 299) {
              reject(new Error(`${status} ${method} ${path}: ${text.slice(0, 300)}`));
              return;
            }
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('error', (err: Error) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
