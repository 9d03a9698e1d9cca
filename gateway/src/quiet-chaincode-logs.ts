/**
 * fabric-contract-api logs every decorator at info level when the contract classes load, which would bury the
 * gateway's own JSON logs. Imported first by the entry points; an explicit CORE_CHAINCODE_LOGGING_LEVEL still wins.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'warning';
