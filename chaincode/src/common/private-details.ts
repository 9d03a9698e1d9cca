import type { Context } from 'fabric-contract-api';
import { readPrivateJson } from './state';

/**
 * Public records with a private counterpart (orders, awards, settlements, token balances): who may see the
 * counterpart, and reading it where the answering peer may not hold it. Domain-neutral: a viewer is anything with a
 * pseudonym and roles (participants/participant.ts's ActingParticipant is one).
 */
export interface Viewer {
  readonly pseudonym: string;
  readonly effectiveRoles: readonly string[];
}

/** Whether the viewer is an oversight role (the market operator or the regulator), who see every private part. */
export function isOverseer(viewer: Viewer): boolean {
  return viewer.effectiveRoles.includes('MARKET_OPERATOR') || viewer.effectiveRoles.includes('REGULATOR');
}

/** Private parts of orders and awards are shown to their owner, the market operator and the regulator only. */
export function maySeePrivate(caller: Viewer, owner: string): boolean {
  return caller.pseudonym === owner || isOverseer(caller);
}

/**
 * The two ways a Fabric peer refuses a private read for lack of membership, worded as Fabric 2.5 words them:
 * the creator's org is not a member of a memberOnlyRead collection (core/chaincode/handler.go), or the answering
 * peer's org is not a member and so holds only the hash (ledger ErrPvtdataNotAvailable; also a member peer that has
 * not reconciled the data yet). Either way this peer cannot show the details; any other failure is a real error.
 */
const NOT_READABLE_HERE = [/tx creator does not have read access permission on privatedata/, /private data matching public hash version is not available/];

function isPrivateReadRefusal(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return NOT_READABLE_HERE.some((pattern) => pattern.test(message));
}

/** A private read that yields undefined where membership forbids it; every other error propagates. */
export async function tryPrivate<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (isPrivateReadRefusal(err)) return undefined;
    throw err;
  }
}

/** A public record whose private counterpart sits under the same key in the owner's collection. */
export interface OwnedRecord {
  readonly owner: string;
  readonly collection: string;
}

/**
 * The view every market and settlement query returns: `{[label]: record}`, plus `details` (the private counterpart)
 * when the caller may see it (see maySeePrivate) and the answering peer holds it.
 */
export async function withPrivateDetails<R extends OwnedRecord>(
  ctx: Context,
  caller: Viewer,
  label: string,
  record: R,
  /** The private counterpart's key in the record's collection, or how to read it when it is part of a larger record. */
  keyOrRead: string | (() => Promise<unknown>),
): Promise<Record<string, unknown>> {
  const read = typeof keyOrRead === 'string' ? () => readPrivateJson<unknown>(ctx, record.collection, keyOrRead) : keyOrRead;
  const details = maySeePrivate(caller, record.owner) ? await tryPrivate(read) : undefined;
  return details === undefined ? { [label]: record } : { [label]: record, details };
}

/**
 * A public aggregate plus, for an oversight viewer (when the answering peer holds it), `details`: its full private
 * counterpart, e.g. the totals the small-group rule withholds from everyone else. No viewer (the caller is not a
 * registered participant) sees the public aggregate only.
 */
export async function withOversightDetails<R extends object>(viewer: Viewer | undefined, record: R, read: () => Promise<unknown>): Promise<R | (R & { details: unknown })> {
  if (viewer === undefined || !isOverseer(viewer)) return record;
  const details = await tryPrivate(read);
  return details === undefined ? record : { ...record, details };
}
