import { protos } from '../protos';

/**
 * What a peer's Gateway service answers, built as Fabric builds it, for stand-ins of the gRPC boundary: the adapter's
 * unit tests (test/gateway/fabric-adapter/support/mock-transport.ts) and the client-cost benchmark
 * (scripts/bench/adapter-overhead.ts). Not used by the gateway itself.
 */

/** The prepared transaction Endorse returns: the chaincode's result (status 200) wrapped as Fabric wraps it. */
export function endorseResponse(channel: string, result: Uint8Array): InstanceType<typeof protos.gateway.EndorseResponse> {
  const response = new protos.peer.Response();
  response.setStatus(200);
  response.setPayload(result);
  const action = new protos.peer.ChaincodeAction();
  action.setResponse(response);
  const responsePayload = new protos.peer.ProposalResponsePayload();
  responsePayload.setExtension$(action.serializeBinary());
  const endorsed = new protos.peer.ChaincodeEndorsedAction();
  endorsed.setProposalResponsePayload(responsePayload.serializeBinary());
  const actionPayload = new protos.peer.ChaincodeActionPayload();
  actionPayload.setAction(endorsed);
  const txAction = new protos.peer.TransactionAction();
  txAction.setPayload(actionPayload.serializeBinary());
  const transaction = new protos.peer.Transaction();
  transaction.setActionsList([txAction]);
  const channelHeader = new protos.common.ChannelHeader();
  channelHeader.setChannelId(channel);
  const header = new protos.common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  const payload = new protos.common.Payload();
  payload.setHeader(header);
  payload.setData(transaction.serializeBinary());
  const envelope = new protos.common.Envelope();
  envelope.setPayload(payload.serializeBinary());
  const endorse = new protos.gateway.EndorseResponse();
  endorse.setPreparedTransaction(envelope);
  return endorse;
}

export const submitResponse = (): InstanceType<typeof protos.gateway.SubmitResponse> => new protos.gateway.SubmitResponse();

/** TxValidationCode: 0 VALID, 10 ENDORSEMENT_POLICY_FAILURE, 11 MVCC_READ_CONFLICT, 12 PHANTOM_READ_CONFLICT. */
export function commitStatusResponse(code: number, blockNumber: number): InstanceType<typeof protos.gateway.CommitStatusResponse> {
  const response = new protos.gateway.CommitStatusResponse();
  response.setResult(code as never);
  response.setBlockNumber(blockNumber);
  return response;
}
