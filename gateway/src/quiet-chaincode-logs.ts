/**
 * fabric-contract-api logs every decorator at info level when the contract classes load, and every chaincode refusal
 * at error level, in its own text format: inside the gateway those would bury its JSON logs, where each refusal is
 * already logged once with its request id and status. Imported first by the entry points; an explicit
 * CORE_CHAINCODE_LOGGING_LEVEL still wins.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
