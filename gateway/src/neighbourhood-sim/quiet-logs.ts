/**
 * fabric-contract-api logs every decorator at info level, and every refused transaction at error level, when the
 * contract classes run in-process (embedded ledger). Imported first by the simulator and benchmark entry points so
 * their terminal output stays readable (a refused transaction still reaches the caller as an HTTP error); an
 * explicit CORE_CHAINCODE_LOGGING_LEVEL still wins.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';

export {};
