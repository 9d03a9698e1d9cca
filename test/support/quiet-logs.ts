/**
 * jest setupFiles: a test run shows test results, not library logs. fabric-contract-api logs every decorator at info
 * level as contract classes load, fabric-shim every refused transaction at error level, and a gateway built from the
 * environment logs every request; the failures that matter reach the report through assertions.
 *
 * Levels are set through each library's own switch and only when the run has not chosen one:
 * OBE_TEST_LOG=<pino level> (e.g. `OBE_TEST_LOG=info npx jest test/gateway`) shows the gateway's and the chaincode's
 * logs at that level, and an explicit CORE_CHAINCODE_LOGGING_LEVEL or LOG_LEVEL still wins.
 */
const FABRIC_LEVELS: Record<string, string> = { trace: 'DEBUG', debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR', fatal: 'CRITICAL' };

const requested = process.env.OBE_TEST_LOG;
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= (requested && FABRIC_LEVELS[requested]) || 'CRITICAL';
process.env.LOG_LEVEL ??= requested || 'silent';
