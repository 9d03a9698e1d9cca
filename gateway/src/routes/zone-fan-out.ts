import { HttpError } from '../http/errors';
import { MAX_ZONE_INTERVALS } from '../openapi/schemas';

/**
 * Routes that read one ledger record per zone and interval (zone totals, clearing results) refuse a request whose
 * count × zones would exceed MAX_ZONE_INTERVALS: one HTTP request must not turn into thousands of evaluations.
 */
export function checkZoneFanOut(count: number, zones: number): void {
  if (count * zones > MAX_ZONE_INTERVALS) {
    throw new HttpError(
      400,
      'INVALID_ARGUMENT',
      `invalid request: ${count} intervals × ${zones} zones is more than ${MAX_ZONE_INTERVALS} zone totals; ask for fewer intervals (query.count) or one zone (query.zone)`,
    );
  }
}
