/**
 * The clock transaction timestamps come from (the proposal's `new Date()`). Only `Date` is faked: timers, I/O and the
 * runtime's block cutting keep running in real time. Metering starts at a meter's commissioning, so a suite that
 * submits readings for past intervals commissions its meters "back then" with `atTime`.
 */
export function setClock(ms: number): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  jest.setSystemTime(ms);
}

export function restoreClock(): void {
  jest.useRealTimers();
}

/** Runs `fn` with transaction time `ms`, then returns to real time (also when `fn` throws). */
export async function atTime<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  setClock(ms);
  try {
    return await fn();
  } finally {
    restoreClock();
  }
}

export const DAY_MS = 24 * 3600_000;
