import { RuleViolationError } from '../common/errors';

/**
 * A peer returns at most `ledger.state.totalQueryLimit` records from one range query (100 000 in
 * network/native/config/core.yaml) and drops the rest without an error. Erasure finds a participant's records by
 * scanning whole ranges (there is no index by owner), so a scan that reaches the limit may have missed some: the
 * erasure is refused rather than left incomplete (docs/privacy-and-erasure.md, Limits).
 */
export const ERASURE_SCAN_LIMIT = 100_000;

export function completeScan<T>(entries: readonly T[], what: string): readonly T[] {
  if (entries.length >= ERASURE_SCAN_LIMIT) {
    throw new RuleViolationError(`erasure cannot scan ${what}: ${entries.length} records reach the peer's query limit of ${ERASURE_SCAN_LIMIT}`, { reason: 'SCAN_LIMIT' });
  }
  return entries;
}
