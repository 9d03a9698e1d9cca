/**
 * Signed transaction proposals encoded with Fabric's own protobuf messages, so fabric-shim's stub decodes the creator,
 * timestamp, transient map and binding from them as it does on a peer. The transaction ID is computed as Fabric
 * computes it: hex SHA-256 of nonce || serialized creator.
 */
import { createHash, randomBytes, sign } from 'node:crypto';
import { common, msp, peer } from '@hyperledger/fabric-protos';
import { privateKeyObject, type Identity } from './identity';
import { ProtoTimestampClass, type ProtoTimestamp } from './shim-internals';

export interface Proposal {
  txId: string;
  channel: string;
  chaincode: string;
  args: Buffer[];
  /** Client's timestamp from the channel header; identical for every endorser. */
  timestamp: Date;
  signedProposal: peer.SignedProposal;
  input: peer.ChaincodeInput;
}

export interface ProposalRequest {
  channel: string;
  chaincode: string;
  identity: Identity;
  fn: string;
  args: readonly string[];
  transient?: Record<string, Uint8Array | string>;
}

export function serializedIdentity(identity: Identity): Uint8Array {
  const sid = new msp.SerializedIdentity();
  sid.setMspid(identity.mspId);
  sid.setIdBytes(Buffer.from(identity.certificate, 'utf8'));
  return sid.serializeBinary();
}

export function createProposal(req: ProposalRequest, now: Date = new Date()): Proposal {
  const creator = serializedIdentity(req.identity);
  const nonce = randomBytes(24);
  const txId = createHash('sha256').update(nonce).update(creator).digest('hex');

  const channelHeader = new common.ChannelHeader();
  channelHeader.setType(common.HeaderType.ENDORSER_TRANSACTION);
  channelHeader.setVersion(0);
  channelHeader.setTimestamp(ProtoTimestampClass.fromDate(now) as unknown as Parameters<common.ChannelHeader['setTimestamp']>[0]);
  channelHeader.setChannelId(req.channel);
  channelHeader.setTxId(txId);
  channelHeader.setEpoch(0);

  const signatureHeader = new common.SignatureHeader();
  signatureHeader.setCreator(creator);
  signatureHeader.setNonce(nonce);

  const header = new common.Header();
  header.setChannelHeader(channelHeader.serializeBinary());
  header.setSignatureHeader(signatureHeader.serializeBinary());

  const args = [Buffer.from(req.fn, 'utf8'), ...req.args.map((a) => Buffer.from(a, 'utf8'))];
  const input = new peer.ChaincodeInput();
  input.setArgsList(args);
  const chaincodeId = new peer.ChaincodeID();
  chaincodeId.setName(req.chaincode);
  const spec = new peer.ChaincodeSpec();
  spec.setType(peer.ChaincodeSpec.Type.NODE);
  spec.setChaincodeId(chaincodeId);
  spec.setInput(input);
  const invocation = new peer.ChaincodeInvocationSpec();
  invocation.setChaincodeSpec(spec);

  const payload = new peer.ChaincodeProposalPayload();
  payload.setInput(invocation.serializeBinary());
  const transientMap = payload.getTransientmapMap();
  for (const [k, v] of Object.entries(req.transient ?? {})) {
    transientMap.set(k, typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v));
  }

  const proposal = new peer.Proposal();
  proposal.setHeader(header.serializeBinary());
  proposal.setPayload(payload.serializeBinary());
  const proposalBytes = proposal.serializeBinary();

  const signedProposal = new peer.SignedProposal();
  signedProposal.setProposalBytes(proposalBytes);
  signedProposal.setSignature(sign('sha256', proposalBytes, privateKeyObject(req.identity)));

  return { txId, channel: req.channel, chaincode: req.chaincode, args, timestamp: now, signedProposal, input };
}

export function timestampOf(ts: ProtoTimestamp): Date {
  return ts.toDate();
}
