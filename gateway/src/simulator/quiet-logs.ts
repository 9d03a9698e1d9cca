/**
 * fabric-contract-api logs every decorator at info level when the contract classes load in-process (embedded
 * ledger). Imported first by the simulator and benchmark entry points so their terminal output stays readable;
 * an explicit CORE_CHAINCODE_LOGGING_LEVEL still wins.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'WARNING';

export {};
