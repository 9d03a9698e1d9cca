/**
 * A loopback grpc-js server implementing the Fabric Gateway service's unary methods over TLS, so the adapter's real
 * transport (TLS root cert, host override, wire encoding, deadlines, status details) is exercised end to end.
 */
import * as grpc from '@grpc/grpc-js';
import { protos } from '../../../../gateway/src/ledger/fabric/protos';
import type { TlsMaterial } from './fixtures';

interface Message {
  serializeBinary(): Uint8Array;
}

type Decoder = { deserializeBinary(bytes: Uint8Array): unknown };

function unary(path: string, request: Decoder, response: Decoder) {
  return {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: (m: Message) => Buffer.from(m.serializeBinary()),
    requestDeserialize: (b: Buffer) => request.deserializeBinary(b),
    responseSerialize: (m: Message) => Buffer.from(m.serializeBinary()),
    responseDeserialize: (b: Buffer) => response.deserializeBinary(b),
  };
}

const gatewayService = {
  Evaluate: unary('/gateway.Gateway/Evaluate', protos.gateway.EvaluateRequest, protos.gateway.EvaluateResponse),
  Endorse: unary('/gateway.Gateway/Endorse', protos.gateway.EndorseRequest, protos.gateway.EndorseResponse),
  Submit: unary('/gateway.Gateway/Submit', protos.gateway.SubmitRequest, protos.gateway.SubmitResponse),
  CommitStatus: unary('/gateway.Gateway/CommitStatus', protos.gateway.SignedCommitStatusRequest, protos.gateway.CommitStatusResponse),
} as unknown as grpc.ServiceDefinition;

export type Answer = { response: unknown } | { error: grpc.ServiceError };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PeerHandler = (request: any, call: grpc.ServerUnaryCall<unknown, unknown>) => Answer;

export interface LoopbackPeer {
  readonly port: number;
  readonly handlers: Partial<Record<'Evaluate' | 'Endorse' | 'Submit' | 'CommitStatus', PeerHandler>>;
  /** Deadlines the server saw, per method, as milliseconds left when the call arrived. */
  readonly deadlines: Record<string, number[]>;
  stop(): Promise<void>;
}

export async function startLoopbackPeer(tls: TlsMaterial): Promise<LoopbackPeer> {
  const server = new grpc.Server();
  const handlers: LoopbackPeer['handlers'] = {};
  const deadlines: Record<string, number[]> = {};
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const name of ['Evaluate', 'Endorse', 'Submit', 'CommitStatus'] as const) {
    implementation[name] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const deadline = call.getDeadline();
      const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
      (deadlines[name] ??= []).push(at - Date.now());
      const handler = handlers[name];
      if (!handler) {
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} not scripted` }, null);
        return;
      }
      const answer = handler(call.request, call);
      if ('error' in answer) callback(answer.error, null);
      else callback(null, answer.response);
    };
  }
  server.addService(gatewayService, implementation);
  const credentials = grpc.ServerCredentials.createSsl(
    Buffer.from(tls.caPem),
    [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }],
    false,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    port,
    handlers,
    deadlines,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
