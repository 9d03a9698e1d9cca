import type { Context } from 'fabric-contract-api';
import { parseJson } from '../common/canonical-json';

/**
 * Every value under a composite-key prefix, in key order, with its key.
 *
 * fabric-shim's iterator fails with a TypeError (`reading 'getResultbytes'`) when a peer answers "more results" and
 * then sends an empty page. A Fabric peer never does that (it only says "more" once it holds the next result), but
 * the embedded runtime currently does when a range holds an exact multiple of its 100-result page, so that one
 * failure is read as the end of the range. Any other error propagates.
 */
export async function readRange<T>(ctx: Context, objectType: string, attributes: string[]): Promise<{ key: string; value: T }[]> {
  const out: { key: string; value: T }[] = [];
  const iterator = await ctx.stub.getStateByPartialCompositeKey(objectType, attributes);
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof iterator.next>>;
      try {
        next = await iterator.next();
      } catch (err) {
        if (err instanceof TypeError && err.message.includes('getResultbytes')) break;
        throw err;
      }
      if (next.done) break;
      out.push({ key: next.value.key, value: parseJson<T>(next.value.value) });
    }
  } finally {
    await iterator.close();
  }
  return out;
}
