/**
 * Imported first by every network CLI, before anything that loads the chaincode package. These CLIs reach the
 * gateway's public entry, which loads the chaincode's contract classes, and fabric-contract-api logs every decorator
 * at info level to stdout as they load: that would bury the scripts' own messages and corrupt what a CLI prints as
 * its result (fabric-call-cli's stdout is the transaction's payload, parsed by the live Fabric suites).
 *
 * Set unconditionally: an inherited CORE_CHAINCODE_LOGGING_LEVEL may be one fabric-contract-api wrote back itself
 * in winston's spelling ('fatal' after setLevel('CRITICAL')), which its own mapping then reads as 'info'.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'CRITICAL';

export {};
