import { randomUUID } from 'node:crypto';

/**
 * A small client of the gateway's REST API for the simulator and the benchmarks: bearer API key, JSON bodies,
 * an Idempotency-Key on every submit (so a retried request never becomes a second transaction), and typed errors
 * carrying the gateway's stable error code.
 */
export class GatewayHttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly path: string) {
    super(`${status} ${code}: ${message} (${path})`);
    this.name = 'GatewayHttpError';
  }
}

export interface SubmitAnswer<T = unknown> {
  readonly txId: string;
  readonly blockNumber: number;
  readonly result: T;
}

export class GatewayClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, timeoutMs = 60_000) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
  }

  async request<T>(method: string, path: string, apiKey: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new GatewayHttpError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? text.slice(0, 200), `${method} ${path}`);
    }
    return json as T;
  }

  get<T>(path: string, apiKey?: string): Promise<T> {
    return this.request<T>('GET', path, apiKey);
  }

  /**
   * A ledger submit (POST/PUT/DELETE) with a fresh Idempotency-Key unless the caller gives one; `null` sends none
   * (the gateway then keeps no idempotency record, e.g. to measure its plain submit path).
   */
  submit<T = unknown>(
    method: 'POST' | 'PUT' | 'DELETE',
    path: string,
    apiKey: string,
    body?: unknown,
    idempotencyKey: string | null = randomUUID(),
  ): Promise<SubmitAnswer<T>> {
    return this.request<SubmitAnswer<T>>(method, path, apiKey, body, idempotencyKey === null ? {} : { 'Idempotency-Key': idempotencyKey });
  }

  /** Reads every page of a bookmark-paginated list. */
  async list<T>(path: string, apiKey: string, pageSize = 200): Promise<T[]> {
    const items: T[] = [];
    let bookmark: string | undefined;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.get<{ items: T[]; bookmark?: string }>(
        `${path}${sep}pageSize=${pageSize}${bookmark ? `&bookmark=${encodeURIComponent(bookmark)}` : ''}`,
        apiKey,
      );
      items.push(...page.items);
      bookmark = page.items.length > 0 ? page.bookmark : undefined;
    } while (bookmark);
    return items;
  }
}

/** Runs `task` over `items` with at most `limit` in flight, preserving result order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
