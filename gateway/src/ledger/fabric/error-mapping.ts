/**
 * Maps fabric-gateway failures onto the port's typed errors, by the step that failed. The Fabric Gateway service
 * reports a chaincode refusal as a gRPC error whose details carry each peer's message
 * (`chaincode response 500, [NOT_FOUND] ...`); the `[CODE]` the chaincode put there travels on in ChaincodeError.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitStatusError, GatewayError, type Status } from '@hyperledger/fabric-gateway';
import {
  ChaincodeError,
  CommitUnknownError,
  EndorsementMismatchError,
  LedgerError,
  LedgerUnavailableError,
  TransactionInvalidError,
} from '../errors';
import { validationCodeName } from './protos';
import type { Step } from '../retry-policy';


const CHAINCODE_RESPONSE = /chaincode response (\d+), ([\s\S]*)$/;
/**
 * A Fabric peer gateway answers UNAVAILABLE with this when its own peer has not joined the channel. The adapter
 * always talks to the caller's own org's peer, so it means the caller's org is not a member of that channel: a
 * refusal of the caller (403), not an outage to retry.
 */
const CHANNEL_NOT_JOINED = /failed to get config for channel \[?([^\]\s]+)\]?/;
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.CANCELLED,
  GrpcStatus.INTERNAL,
]);

/** True for gRPC outcomes that say "not reachable / not in time", not "refused". */
export function isTransientGrpcError(err: unknown): boolean {
  return err instanceof GatewayError && TRANSIENT_CODES.has(err.code);
}

/** The chaincode's own message from the error details (first peer that answered), if a chaincode refused. */
export function chaincodeMessageOf(err: GatewayError): string | undefined {
  for (const detail of err.details) {
    const match = CHAINCODE_RESPONSE.exec(detail.message);
    if (match) return match[2]!.trim();
  }
  const inMessage = CHAINCODE_RESPONSE.exec(err.message);
  return inMessage ? inMessage[2]!.trim() : undefined;
}

function txIdOf(err: unknown): string | undefined {
  const txId = (err as { transactionId?: unknown }).transactionId;
  return typeof txId === 'string' && txId.length > 0 ? txId : undefined;
}

function describe(err: GatewayError): string {
  const peers = err.details.map((d) => `${d.mspId}@${d.address}: ${d.message}`);
  return peers.length > 0 ? `${err.message} (${peers.join('; ')})` : err.message;
}

/** Maps an evaluate, endorse or submit failure. */
export function mapGatewayError(err: unknown, step: Step): Error {
  if (err instanceof LedgerError) return err;
  if (!(err instanceof GatewayError)) {
    return err instanceof Error ? err : new Error(String(err));
  }
  const txId = txIdOf(err);
  const chaincodeMessage = chaincodeMessageOf(err);
  if (chaincodeMessage !== undefined) return new ChaincodeError(chaincodeMessage, txId);
  const notJoined = CHANNEL_NOT_JOINED.exec(err.message) ?? CHANNEL_NOT_JOINED.exec(describe(err));
  if (notJoined) {
    return new ChaincodeError(`[FORBIDDEN] the caller's organisation is not a member of channel '${notJoined[1]}'`, txId);
  }
  if (TRANSIENT_CODES.has(err.code)) {
    return new LedgerUnavailableError(`Fabric ${step} failed: ${describe(err)}`, err);
  }
  if ((step === 'submit' || step === 'resend') && (err.code === GrpcStatus.ABORTED || err.code === GrpcStatus.FAILED_PRECONDITION)) {
    // The orderer answered but did not take the transaction (SERVICE_UNAVAILABLE while Raft elects a leader after a
    // restart, ...): nothing was ordered, and the same signed transaction is re-sent until the submit deadline.
    return new LedgerUnavailableError(`Fabric ${step} failed: ${describe(err)}`, err);
  }
  switch (err.code) {
    case GrpcStatus.PERMISSION_DENIED:
      return new ChaincodeError(`[FORBIDDEN] ${describe(err)}`, txId);
    case GrpcStatus.INVALID_ARGUMENT:
      return new ChaincodeError(`[INVALID_ARGUMENT] ${describe(err)}`, txId);
    case GrpcStatus.ABORTED:
    case GrpcStatus.FAILED_PRECONDITION:
      // No chaincode refused, yet no endorsement set was collected: peers disagreed or no policy could be met.
      return new EndorsementMismatchError(`Fabric ${step} failed: ${describe(err)}`, txId);
    default:
      // NOT_FOUND (channel or chaincode missing on the peer), UNIMPLEMENTED, UNKNOWN: the deployment, not the caller.
      return new LedgerUnavailableError(`Fabric ${step} failed: ${describe(err)}`, err);
  }
}

/**
 * A commit-status call that timed out or could not reach the peer leaves the outcome unknown, never failed: the
 * pending submit can resume. A refusal (e.g. another identity asking) is mapped like any other Gateway error.
 */
export function mapCommitStatusError(err: unknown, txId: string): Error {
  if (err instanceof CommitStatusError && TRANSIENT_CODES.has(err.code)) return new CommitUnknownError(txId, err);
  return mapGatewayError(err, 'commitStatus');
}

/** A committed-but-invalid transaction, named by its validation code (MVCC_READ_CONFLICT, ...). */
export function invalidTransaction(status: Status): TransactionInvalidError {
  return new TransactionInvalidError(validationCodeName(status.code), status.transactionId, Number(status.blockNumber));
}
