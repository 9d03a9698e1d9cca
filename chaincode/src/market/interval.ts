/**
 * Delivery intervals: the parsing lives in common/interval.ts (certificates name intervals the same way and sit
 * below the market domain); this module keeps the market's import path.
 */
export * from '../common/interval';
