/**
 * @obe/fabric-embedded: an embedded Hyperledger Fabric network, OBE's development and test ledger. Contracts run
 * through fabric-shim's own dispatcher and stub against a peer's semantics (snapshot reads, MVCC and phantom
 * validation, private data collections, per-org endorsement, hash-chained fsynced blocks). See docs/embedded-runtime.md.
 *
 * Boundary: this file is the package's only entry; everything outside imports `@obe/fabric-embedded`, never a file
 * under src/. The package imports nothing of OBE (no gateway, no chaincode): it knows Fabric, not OBE.
 * test/architecture/embedded-runtime-boundary.test.ts guards both directions.
 */
export { EmbeddedFabric } from './embedded-fabric';
export type { ChaincodeSpec, ChannelSpec, EndorsedTx, RuntimeOptions, TxRequest, TxResult } from './embedded-fabric';
export type { Identity, IdentityOptions } from './identity';
export { FABRIC_ATTRS_OID } from './identity';
export { loadCollections, implicitCollectionName, collectionConfigSchema, collectionsConfigSchema, type CollectionConfig, type CollectionDefinition } from './collections';
export type { Block, BlockTransaction } from './block';
export { verifyBlock } from './block';
export type { ChaincodeEventRecord, EventStream } from './events';
export type { TxRwSet, KVRead, KVWrite, RangeQueryInfo, RangeReadsSummary, CollectionHashedRwSet, HashedRead, HashedWrite } from './rwset';
export type { Version } from './state';
export {
  EndorseError,
  EndorsementMismatchError,
  LedgerCorruptedError,
  RuntimeUsageError,
  TxValidationError,
  type ValidationCode,
} from './errors';
