/**
 * chaincode/src/shim-logging.ts: loading the chaincode makes fabric-shim's and fabric-contract-api's loggers skip a
 * disabled level before winston formats the line, and changes nothing about what an enabled level prints — also
 * after the level changes at run time (as `ctx.logging.setLevel` does).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import '@obe/chaincode';

interface Info {
  message: unknown;
  level: string;
}
interface TestLogger {
  level: string;
  silent: boolean;
  format: { transform(info: Info, opts?: unknown): unknown };
  debug(...args: unknown[]): unknown;
  info(...args: unknown[]): unknown;
  error(...args: unknown[]): unknown;
}

const shimLogger = (name: string) => (require('fabric-shim/lib/logger') as { getLogger(n: string): TestLogger }).getLogger(name);
const apiLogger = (name: string) => (require('fabric-contract-api/lib/logger') as { getLogger(n: string): TestLogger }).getLogger(name);

describe.each([
  ['fabric-shim stub', () => shimLogger('lib/stub.js')],
  ['fabric-shim handler', () => shimLogger('lib/handler.js')],
  ['fabric-contract-api serializer', () => apiLogger('./lib/jsontransactionserializer.js')],
])('%s logger', (_name, get) => {
  test('a disabled level is not formatted; an enabled one is formatted as before', () => {
    const logger = get();
    const saved = { level: logger.level, silent: logger.silent };
    const transform = jest.spyOn(logger.format, 'transform');
    try {
      logger.silent = false;
      logger.level = 'info';
      logger.debug('getState called with key:%s', 'k1');
      expect(transform).not.toHaveBeenCalled();
      logger.info('committed %s', 'tx1');
      expect(transform).toHaveBeenCalledTimes(1);
      // The line as the library's format makes it (colours, padding), at winston's own level.
      const line = transform.mock.results[0].value as Info & Record<symbol, string>;
      expect([line[Symbol.for('level')], String(line.message).trim()]).toEqual(['info', 'committed %s']);

      // Levels changed later are honoured: debug now passes, and 'fatal' (CRITICAL) passes nothing, as winston would.
      logger.level = 'debug';
      logger.debug('getState called with key:%s', 'k2');
      expect(transform).toHaveBeenCalledTimes(2);
      logger.level = 'fatal';
      logger.error('refused');
      expect(transform).toHaveBeenCalledTimes(2);
    } finally {
      transform.mockRestore();
      logger.level = saved.level;
      logger.silent = saved.silent;
    }
  });
});
