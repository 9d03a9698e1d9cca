import { anyJson, arr, int, obj, str, type Schema } from './builder';

/** Schemas shared by every segment. */
export const commonSchemas: Record<string, Schema> = {
  Error: obj({
    error: obj(
      {
        code: str({ description: 'Stable machine-readable code, e.g. INVALID_ARGUMENT, FORBIDDEN, RULE_VIOLATION' }),
        message: str(),
        details: anyJson,
        requestId: str({ description: 'Also sent as the X-Request-Id header and logged' }),
      },
      ['details'],
    ),
  }),
  SubmitResponse: obj({
    txId: str({ pattern: '^[0-9a-f]{64}$' }),
    blockNumber: int({ minimum: 0 }),
    result: anyJson,
  }),
  SubmitAccepted: obj({
    txId: str(),
    status: str({ enum: ['pending'] }),
    statusUrl: str(),
  }),
  SubmitStatus: obj(
    {
      txId: str(),
      status: str({ enum: ['pending', 'committed', 'failed'] }),
      blockNumber: int({ minimum: 0 }),
      result: anyJson,
      error: obj({ code: str(), message: str(), status: int() }),
    },
    ['blockNumber', 'result', 'error'],
  ),
  Bookmark: str({ maxLength: 2048, description: 'Opaque bookmark from the previous page; omit for the first page' }),
  Health: obj({ status: str({ enum: ['ok'] }) }),
  Ready: obj(
    {
      status: str({ enum: ['ready', 'starting', 'unavailable'] }),
      ledger: str(),
      channels: { type: 'object', additionalProperties: obj({ height: int({ minimum: 0 }) }) },
      message: str(),
    },
    ['ledger', 'channels', 'message'],
  ),
};

/** A page of a list: items plus the bookmark of the next page (absent on the last). */
export function page(item: Schema): Schema {
  return obj({ items: arr(item), bookmark: str(), count: int({ minimum: 0 }) }, ['bookmark', 'count']);
}

export const pageQuery = {
  pageSize: { schema: int({ minimum: 1, maximum: 200, default: 50 }), description: 'Items per page (1–200, default 50)' },
  bookmark: { schema: str({ maxLength: 2048 }), description: 'Bookmark returned with the previous page' },
};

/**
 * Most per-zone, per-interval ledger reads one chart request (zone aggregates, clearing results) may fan out to:
 * a day of 15-minute intervals for two zones. Above it the request is a 400 that says so.
 */
export const MAX_ZONE_INTERVALS = 192;
