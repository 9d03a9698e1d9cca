/**
 * The gateway's public entry for tools outside it (the network scripts in network/lib): what they may use without
 * reaching into the gateway's internals. The lint rule in eslint.config.mjs lets network/lib import only this file.
 */
export { loadConfig, type ConfiguredIdentity, type GatewayConfig } from './config';
export { createGatewayFile } from './setup';
/** The Fabric connection config's one parser (the network scripts write the file, the Fabric adapter reads it). */
export { connectionConfigSchema, type IdentityEntry, type PeerEntry } from './ledger/fabric/connection-config';
