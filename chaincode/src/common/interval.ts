import { z } from 'zod';
import { InvalidArgumentError } from './errors';

/**
 * Delivery intervals are named by their start instant in canonical UTC ISO form (`2026-11-23T21:00:00.000Z`), so the
 * same interval always produces the same key whatever form the caller wrote it in.
 */
export const intervalText = z.string().min(1).max(40);

export interface DeliveryInterval {
  /** Canonical name: the start as `Date.toISOString()`. */
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
}

export function parseInterval(text: string, lengthMs: number): DeliveryInterval {
  const startMs = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(startMs)) throw new InvalidArgumentError(`invalid interval: '${text}' is not an ISO 8601 UTC timestamp`);
  if (startMs % lengthMs !== 0) {
    throw new InvalidArgumentError(`invalid interval: '${text}' is not the start of a ${lengthMs / 60000}-minute delivery interval`);
  }
  return { id: new Date(startMs).toISOString(), startMs, endMs: startMs + lengthMs };
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Start of the UTC day that contains `ms`. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
