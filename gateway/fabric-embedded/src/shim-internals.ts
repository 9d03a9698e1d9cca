/**
 * The parts of fabric-shim a peer-connected chaincode uses internally and that this runtime reuses as they are:
 * the ChaincodeStub class, the contract dispatcher (ChaincodeFromContract), its query iterators, and the protobuf
 * Timestamp. They are plain JavaScript without published types, hence the narrow interfaces below.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
import type { ChaincodeStub } from 'fabric-shim';
import type { Contract } from 'fabric-contract-api';

/** What fabric-shim's stub and iterators call on their handler: the peer side of the chaincode protocol. */
export interface ShimPeerHandler {
  handleGetState(collection: string, key: string, channelId: string, txId: string): Promise<Buffer>;
  handlePutState(collection: string, key: string, value: Uint8Array, channelId: string, txId: string): Promise<unknown>;
  handleDeleteState(collection: string, key: string, channelId: string, txId: string): Promise<unknown>;
  handlePurgeState(collection: string, key: string, channelId: string, txId: string): Promise<unknown>;
  handlePutStateMetadata(collection: string, key: string, metakey: string, ep: Uint8Array, channelId: string, txId: string): Promise<unknown>;
  handleGetStateMetadata(collection: string, key: string, channelId: string, txId: string): Promise<Record<string, Uint8Array>>;
  handleGetPrivateDataHash(collection: string, key: string, channelId: string, txId: string): Promise<Buffer>;
  handleGetStateByRange(collection: string, startKey: string, endKey: string, channelId: string, txId: string, metadata?: Uint8Array): Promise<unknown>;
  handleQueryStateNext(id: string, channelId: string, txId: string): Promise<unknown>;
  handleQueryStateClose(id: string, channelId: string, txId: string): Promise<unknown>;
  handleGetQueryResult(collection: string, query: string, metadata: Uint8Array | null, channelId: string, txId: string): Promise<unknown>;
  handleGetHistoryForKey(key: string, channelId: string, txId: string): Promise<unknown>;
  handleInvokeChaincode(chaincodeName: string, args: string[], channelId: string, txId: string): Promise<unknown>;
}

export interface ChaincodeInputLike {
  getArgsList_asU8(): Uint8Array[];
}

export interface SignedProposalLike {
  getSignature(): Uint8Array | string;
  getProposalBytes(): Uint8Array | string;
}

export type ShimStubClass = new (
  handler: ShimPeerHandler,
  channelId: string,
  txId: string,
  input: ChaincodeInputLike,
  signedProposal: SignedProposalLike,
) => ChaincodeStub;

export const ShimChaincodeStub: ShimStubClass = require('fabric-shim/lib/stub');

export interface ShimResponse {
  status: number;
  message?: string;
  payload?: Uint8Array;
}

export interface ChaincodeFromContractInstance {
  Invoke(stub: ChaincodeStub): Promise<ShimResponse>;
}

export interface Serializers {
  transaction: string;
  serializers: Record<string, unknown>;
}

export const ChaincodeFromContract: new (
  contracts: (typeof Contract)[],
  serializers: Serializers,
  metadata?: Record<string, unknown>,
  title?: string,
  version?: string,
) => ChaincodeFromContractInstance = require('fabric-shim/lib/contract-spi/chaincodefromcontract');

/** What fabric-shim's bootstrap.js sets up when the contract module declares no serializers of its own. */
export function defaultSerializers(): Serializers {
  const { JSONSerializer } = require('fabric-contract-api') as { JSONSerializer: unknown };
  return { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
}

export interface QueryResponseLike {
  getId(): string;
}

type IteratorClass = new (handler: ShimPeerHandler, channelId: string, txId: string, response: QueryResponseLike) => unknown;
const iterators = require('fabric-shim/lib/iterators') as { StateQueryIterator: IteratorClass; HistoryQueryIterator: IteratorClass };
export const StateQueryIterator = iterators.StateQueryIterator;
export const HistoryQueryIterator = iterators.HistoryQueryIterator;

export interface ProtoTimestamp {
  getSeconds(): number;
  getNanos(): number;
  toDate(): Date;
}
const timestampModule = require('google-protobuf/google/protobuf/timestamp_pb') as { Timestamp: { fromDate(d: Date): ProtoTimestamp } };
export const ProtoTimestampClass = timestampModule.Timestamp;

/** fabric-shim logs every failed transaction at error level; a test run of expected failures should stay quiet. */
export function quietShimLogs(): void {
  if (process.env.CORE_CHAINCODE_LOGGING_LEVEL) return;
  const logger = require('fabric-shim/lib/logger') as { getLogger(name: string): { silent: boolean } };
  for (const name of ['contracts-spi/chaincodefromcontract.js', 'lib/stub.js', 'lib/iterators.js', 'contracts-spi/datamarshall.js']) {
    logger.getLogger(name).silent = true;
  }
}
