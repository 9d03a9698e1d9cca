/**
 * Test support for the chaincode: OBE's network on the embedded runtime (ObeNet, from
 * gateway/src/ledger/embedded/obe-net.ts, where the benchmarks reach it too), and the assertions every chaincode
 * suite uses on its refusals. Every chaincode suite starts from here.
 */
import { errorCodeOf, type ErrorCode } from '../../../chaincode/src/common/errors';
import type { ObeNet } from '../../../gateway/src/ledger/embedded/obe-net';

export * from '../../../gateway/src/ledger/embedded/obe-net';

/** The stable error code a rejected call carried, or 'OK' if it succeeded. */
export async function outcome(call: Promise<unknown>): Promise<ErrorCode | 'OK' | 'UNCODED'> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    return errorCodeOf(String((err as Error).message)) ?? 'UNCODED';
  }
}

/**
 * Asserts that a submit is refused with `code` (and a message matching `pattern`) and that no block was added to any
 * channel, i.e. nothing at all was written.
 */
export async function expectRefused(net: ObeNet, call: () => Promise<unknown>, code: ErrorCode, pattern?: RegExp | string): Promise<Error> {
  const before = net.heights();
  let caught: unknown;
  try {
    await call();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof Error)) throw new Error(`expected a refusal with [${code}], but the call succeeded`);
  expect(errorCodeOf(caught.message)).toBe(code);
  if (pattern !== undefined) expect(caught.message).toMatch(pattern);
  expect(net.heights()).toEqual(before);
  return caught;
}
