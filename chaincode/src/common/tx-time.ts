import type { Context } from 'fabric-contract-api';

/**
 * The transaction's own timestamp in milliseconds. Chaincode never reads the clock: every endorser must compute the
 * same result, and the proposal timestamp is the one value they all share.
 */
export function txTimeMs(ctx: Context): number {
  const ts = ctx.stub.getTxTimestamp();
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds.toString());
  return seconds * 1000 + Math.floor(ts.nanos / 1e6);
}

export function txTimeIso(ctx: Context): string {
  return new Date(txTimeMs(ctx)).toISOString();
}
