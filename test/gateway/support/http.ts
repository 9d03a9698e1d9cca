import '../../../gateway/src/quiet-chaincode-logs';
import type { Express } from 'express';
import request from 'supertest';

/**
 * supertest with a memory: every response status is recorded so a suite can assert, after all its tests, that the
 * gateway never answered 500 to anything it was sent (the "no caller input produces a 500" rule).
 */
export interface Recorded {
  method: string;
  url: string;
  status: number;
  body: unknown;
}

const responses: Recorded[] = [];

type Agent = ReturnType<typeof request>;
const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'head', 'options'] as const;

export function http(app: Express | string): Agent {
  const agent = request(app);
  return new Proxy(agent, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== 'string' || !(METHODS as readonly string[]).includes(prop) || typeof value !== 'function') return value;
      return (url: string) => {
        const test = (value as (u: string) => request.Test).call(target, url);
        test.on('response', (res: { status: number; body: unknown }) => {
          responses.push({ method: prop.toUpperCase(), url, status: res.status, body: res.body });
        });
        return test;
      };
    },
  });
}

export function recordedResponses(): readonly Recorded[] {
  return responses;
}

/** Registers the suite-wide check; call once at the top of each gateway suite. */
export function expectNoServerErrors(): void {
  afterAll(() => {
    const failures = responses.filter((r) => r.status >= 500 && r.status !== 503);
    expect(failures).toEqual([]);
  });
}

/** The error body shape every error response must have. */
export function expectError(res: { status: number; body: unknown }, status: number, code?: string): void {
  expect(res.status).toBe(status);
  const body = res.body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  expect(typeof body.error?.requestId).toBe('string');
  if (code) expect(body.error?.code).toBe(code);
}
