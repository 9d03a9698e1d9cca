import { HttpError } from '../http/errors';
import type { OperationContext } from '../http/operations';
import { intParam } from './params';

/**
 * Bookmark pagination for lists the chaincode returns whole: the bookmark is an opaque token of the next offset.
 * Callers treat it as opaque, so a later chaincode-side bookmark can replace it without an API change.
 */
export function paginate<T>(items: readonly T[], ctx: OperationContext): { items: T[]; count: number; bookmark?: string } {
  const pageSize = intParam(ctx.query, 'pageSize', 50);
  const raw = ctx.query.bookmark === undefined ? '' : String(ctx.query.bookmark);
  let offset = 0;
  if (raw) {
    const decoded = /^o([0-9]{1,9})$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!decoded) throw new HttpError(400, 'INVALID_ARGUMENT', 'invalid bookmark: use the bookmark returned with the previous page');
    offset = Number(decoded[1]);
  }
  const slice = items.slice(offset, offset + pageSize);
  const next = offset + slice.length;
  return {
    items: slice,
    count: slice.length,
    ...(next < items.length ? { bookmark: Buffer.from(`o${next}`, 'utf8').toString('base64url') } : {}),
  };
}
