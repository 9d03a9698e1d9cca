/**
 * fabric-shim's and fabric-contract-api's loggers, made to skip disabled levels before any work.
 *
 * Both libraries log through winston with a format (timestamp, metadata, colours, padding, a JSON rendering of every
 * argument) attached to the logger itself. winston runs that format for every call — `logger.debug(...)` included —
 * and only then lets the transport drop the line by level, so the level setting (CORE_CHAINCODE_LOGGING_LEVEL, or
 * `ctx.logging.setLevel`) decides what is printed but not what is paid: about 4–6 µs per call on the bench machine
 * whatever the level (`node` microbenchmark in docs/performance.md). The stub logs at debug on every state call
 * (getState, putPrivateData, ...) and the peer handler around each of its messages, so a batch of 500 readings paid
 * for thousands of formatted-then-dropped lines on each endorsing peer.
 *
 * Each level method of those loggers is wrapped so that it asks winston's own `isLevelEnabled` first (the logger's
 * current level against its transports, the same test the transport applies): what is printed does not change, at any
 * level, including levels changed later with `ctx.logging.setLevel`. Nothing is patched on disk and no state of the
 * ledger is involved. Loaded first by the chaincode's entry point (index.ts), so it runs in the chaincode process on a
 * Fabric network (fabric-chaincode-node) and wherever the contracts are loaded in-process.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

interface WinstonLogger {
  levels: Record<string, number>;
  isLevelEnabled(level: string): boolean;
  [method: string]: unknown;
}

interface LoggerModule {
  getLogger(name: string): WinstonLogger;
}

/** The loggers fabric-shim 2.5 and fabric-contract-api 2.5 create at load, by the names their modules give them. */
const SHIM_LOGGERS = [
  'lib/stub.js',
  'lib/handler.js',
  'lib/iterators.js',
  'lib/chaincode.js',
  'lib/server.js',
  'contracts-spi/chaincodefromcontract.js',
  'contracts-spi/datamarshall.js',
  'contracts-spi/bootstrap.js',
];
const CONTRACT_API_LOGGERS = [
  './lib/jsontransactionserializer.js',
  './lib/contract.js',
  './lib/annotations/default.js',
  './lib/annotations/info.js',
  './lib/annotations/object.js',
  './lib/annotations/transaction.js',
];

const GUARDED = Symbol.for('obe.levelGuarded');

/** Wraps a winston logger's level methods so that a disabled level returns before winston formats anything. */
export function guardLevels(logger: WinstonLogger): void {
  if (logger[GUARDED as unknown as string]) return;
  for (const level of Object.keys(logger.levels)) {
    const method = logger[level];
    if (typeof method !== 'function') continue;
    logger[level] = function guarded(this: unknown, ...args: unknown[]): unknown {
      return logger.isLevelEnabled(level) ? (method as (...a: unknown[]) => unknown).apply(logger, args) : logger;
    };
  }
  logger[GUARDED as unknown as string] = true;
}

function guardModule(moduleId: string, names: readonly string[]): void {
  let loggers: LoggerModule;
  try {
    loggers = require(moduleId) as LoggerModule;
  } catch {
    return; // a library version without this module: nothing to guard
  }
  for (const name of names) guardLevels(loggers.getLogger(name));
}

guardModule('fabric-shim/lib/logger', SHIM_LOGGERS);
guardModule('fabric-contract-api/lib/logger', CONTRACT_API_LOGGERS);
