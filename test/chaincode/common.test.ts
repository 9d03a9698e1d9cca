import { z } from 'zod';
import type { Context } from 'fabric-contract-api';
import { readJsonByPrefix } from '../../chaincode/src/common/state';
import { canonicalJson, errorCodeOf, NotFoundError, parseJsonArg, parseWith, InvalidArgumentError } from '../../chaincode/src/common';

describe('canonical JSON', () => {
  it('sorts keys at every depth, so equal values give equal bytes', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('refuses values that are not JSON', () => {
    expect(() => canonicalJson(undefined)).toThrow('cannot be represented as JSON');
  });
});

describe('typed errors', () => {
  it('carry a stable code that survives being wrapped by a peer', () => {
    const err = new NotFoundError("asset 'm1' does not exist");
    expect(err.code).toBe('NOT_FOUND');
    expect(errorCodeOf(`chaincode response 500, ${err.message}`)).toBe('NOT_FOUND');
    expect(errorCodeOf('some other failure')).toBeUndefined();
  });
});

describe('argument validation', () => {
  const schema = z.object({ id: z.string().min(1), kw: z.number().int().positive() });

  it('returns the parsed value when valid', () => {
    expect(parseWith(schema, { id: 'a', kw: 5 })).toEqual({ id: 'a', kw: 5 });
  });

  it('names every bad field', () => {
    let caught: unknown;
    try {
      parseWith(schema, { id: '', kw: -1 }, 'asset');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as Error).message).toMatch(/^\[INVALID_ARGUMENT\] invalid asset: id: .*; kw: /);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseJsonArg(schema, '{nope', 'asset')).toThrow('[INVALID_ARGUMENT] invalid asset: not valid JSON');
  });
});

describe('a range read', () => {
  /** A fabric-shim-shaped iterator over `values`; counts close() calls (each one a gRPC round trip on a real peer). */
  const ctxOver = (values: string[]) => {
    const calls = { close: 0 };
    let i = 0;
    const iterator = {
      next: async () => (i < values.length ? { value: { key: `k${i}`, value: Buffer.from(values[i++]) }, done: false } : { done: true }),
      close: async () => {
        calls.close++;
      },
    };
    const ctx = { stub: { getStateByPartialCompositeKey: async () => iterator } } as unknown as Context;
    return { ctx, calls };
  };

  it('read to the end costs no close round trip: the peer drops an exhausted iterator itself', async () => {
    const { ctx, calls } = ctxOver(['{"a":1}', '{"a":2}']);
    await expect(readJsonByPrefix(ctx, 't', [])).resolves.toEqual([
      { key: 'k0', value: { a: 1 } },
      { key: 'k1', value: { a: 2 } },
    ]);
    expect(calls.close).toBe(0);
  });

  it('left before the end (a value that does not parse) is closed, and the error reaches the caller', async () => {
    const { ctx, calls } = ctxOver(['{"a":1}', 'not json', '{"a":3}']);
    await expect(readJsonByPrefix(ctx, 't', [])).rejects.toThrow();
    expect(calls.close).toBe(1);
  });
});
