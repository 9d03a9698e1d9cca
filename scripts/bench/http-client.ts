import http from 'node:http';

/** What the gateway answers for a submit that committed (200); a 202 answers `{ status: 'pending', txId }` instead. */
export interface CommittedAnswer<T> {
  readonly txId: string;
  readonly blockNumber: number;
  readonly result: T;
}

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
  readonly #timeoutMs: number;

  /** `timeoutMs`: a request whose connection stays silent this long fails instead of stalling the benchmark. */
  constructor(baseUrl: string, maxSockets = 256, timeoutMs = 120_000) {
    const url = new URL(baseUrl);
    this.#host = url.hostname;
    this.#port = Number(url.port || 80);
    this.#timeoutMs = timeoutMs;
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
      // race Node's http documentation describes). Only where a second copy cannot count twice: a read, or a submit
      // under an Idempotency-Key; a plain submit fails instead of perhaps being submitted twice.
      const replayable = method === 'GET' || Object.keys(headers).some((name) => name.toLowerCase() === 'idempotency-key');
      if (replayable && (err as { reusedSocket?: boolean; code?: string }).reusedSocket && (err as { code?: string }).code === 'ECONNRESET') {
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
      req.setTimeout(this.#timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${this.#timeoutMs} ms`)));
      req.on('error', (err: Error) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end(payload);
    });
  }

  /**
   * POSTs a ledger submit and answers it only once committed: a 202 (the gateway still following the transaction) is
   * an error here, so that a transaction whose outcome is unknown never counts as a fast success.
   */
  async submitCommitted<T>(path: string, headers: Record<string, string>, body: unknown): Promise<CommittedAnswer<T>> {
    const answer = await this.request<Partial<CommittedAnswer<T>> | undefined>('POST', path, headers, body);
    if (typeof answer?.blockNumber !== 'number') throw new Error(`POST ${path}: not committed when answered: ${JSON.stringify(answer).slice(0, 200)}`);
    return answer as CommittedAnswer<T>;
  }

  close(): void {
    this.#agent.destroy();
  }
}
