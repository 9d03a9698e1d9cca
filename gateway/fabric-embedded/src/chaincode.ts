/**
 * Runs contract classes as a peer's chaincode container does: fabric-shim's own ChaincodeFromContract dispatcher
 * (routing, @Transaction/@Param marshalling, the metadata transaction, JSON serializers as bootstrap.js sets them
 * up) driving fabric-shim's own ChaincodeStub, whose handler is this runtime's simulator. Each org's peer gets its
 * own dispatcher instance, as each peer runs its own chaincode process.
 */
import type { Contract } from 'fabric-contract-api';
import type { Proposal } from './proposal';
import { ChaincodeFromContract, defaultSerializers, quietShimLogs, ShimChaincodeStub, type ChaincodeFromContractInstance, type ShimPeerHandler } from './shim-internals';

export interface ExecutionResult {
  status: number;
  message: string;
  payload: Buffer;
  event?: { eventName: string; payload: Buffer };
}

interface ShimEvent {
  getEventName(): string;
  getPayload_asU8(): Uint8Array;
}

/** fabric-shim's ChaincodeStub, answering getMspID() for the peer it runs on (a peer sets CORE_PEER_LOCALMSPID). */
class PeerStub extends ShimChaincodeStub {
  readonly #peerMspId: string;
  constructor(handler: ShimPeerHandler, proposal: Proposal, peerMspId: string) {
    super(handler, proposal.channel, proposal.txId, proposal.input, proposal.signedProposal);
    this.#peerMspId = peerMspId;
  }
  override getMspID(): string {
    return this.#peerMspId;
  }
}

quietShimLogs();

export class ChaincodeContainer {
  readonly #dispatcher: ChaincodeFromContractInstance;

  constructor(name: string, contracts: readonly (typeof Contract)[]) {
    // ChaincodeFromContract appends its system contract to the array it is given: hand it a copy.
    this.#dispatcher = new ChaincodeFromContract([...contracts], defaultSerializers(), {}, name, '1.0');
  }

  async execute(proposal: Proposal, handler: ShimPeerHandler, peerMspId: string): Promise<ExecutionResult> {
    const stub = new PeerStub(handler, proposal, peerMspId);
    const response = await this.#dispatcher.Invoke(stub);
    const shimEvent = (stub as unknown as { chaincodeEvent?: ShimEvent }).chaincodeEvent;
    const status = response?.status ?? 500;
    return {
      status,
      message: response?.message ?? (response ? '' : 'Calling chaincode Invoke() has not called success or error.'),
      payload: Buffer.from(response?.payload ?? []),
      event: shimEvent ? { eventName: shimEvent.getEventName(), payload: Buffer.from(shimEvent.getPayload_asU8() ?? []) } : undefined,
    };
  }
}
