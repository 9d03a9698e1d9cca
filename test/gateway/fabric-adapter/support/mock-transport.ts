/**
 * The gRPC boundary, mocked as fabric-gateway's own node tests mock it: a client whose makeUnaryRequest /
 * makeServerStreamRequest are scripted per Gateway service method. Requests and call options are recorded so a test
 * can check what reached the wire (txIds, endorsing orgs, deadlines, start blocks).
 */
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import type { GrpcClient } from '@hyperledger/fabric-gateway';
import { protos } from '../../../../gateway/src/ledger/fabric/protos';

// The answers themselves live beside the adapter, shared with the client-cost benchmark (scripts/bench/adapter-overhead.ts).
export { commitStatusResponse, endorseResponse, submitResponse } from '../../../../gateway/src/ledger/fabric/testing/gateway-responses';

export const METHODS = {
  evaluate: '/gateway.Gateway/Evaluate',
  endorse: '/gateway.Gateway/Endorse',
  submit: '/gateway.Gateway/Submit',
  commitStatus: '/gateway.Gateway/CommitStatus',
  chaincodeEvents: '/gateway.Gateway/ChaincodeEvents',
} as const;
export type Method = keyof typeof METHODS;

export interface RecordedCall {
  readonly method: Method;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly request: any;
  readonly options: grpc.CallOptions;
  readonly at: number;
}

export type UnaryOutcome = { error: grpc.ServiceError } | { response: unknown };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type UnaryHandler = (request: any) => UnaryOutcome | Promise<UnaryOutcome>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type StreamHandler = (request: any) => MockServerStream;

export interface MockServerStream extends AsyncIterable<unknown> {
  cancel(): void;
}

const anyPb = createRequire(require.resolve('@hyperledger/fabric-gateway'))('google-protobuf/google/protobuf/any_pb') as {
  Any: new () => { setTypeUrl(url: string): void; setValue(value: Uint8Array): void };
};

const METHOD_NAMES = new Map<string, Method>(Object.entries(METHODS).map(([k, v]) => [v, k as Method]));

export class MockGatewayTransport {
  readonly calls: RecordedCall[] = [];
  closed = false;
  readonly #unary = new Map<Method, UnaryHandler[]>();
  #streams: StreamHandler[] = [];

  constructor(readonly endpoint = 'mock:7051') {}

  /** Scripts the next calls of a method: each handler answers one call, the last one every call after. */
  on(method: Exclude<Method, 'chaincodeEvents'>, ...handlers: UnaryHandler[]): this {
    this.#unary.set(method, handlers);
    return this;
  }

  onEvents(...handlers: StreamHandler[]): this {
    this.#streams = handlers;
    return this;
  }

  count(method: Method): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  callsOf(method: Method): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  asGrpcClient(): GrpcClient {
    return this as unknown as GrpcClient;
  }

  makeUnaryRequest<Req, Res>(
    path: string,
    _serialize: (value: Req) => Buffer,
    _deserialize: (value: Buffer) => Res,
    argument: Req,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<Res>,
  ): grpc.ClientUnaryCall {
    const method = METHOD_NAMES.get(path);
    if (!method || method === 'chaincodeEvents') throw new Error(`no unary mock for ${path}`);
    if (this.closed) {
      setImmediate(() => callback(serviceError(grpc.status.UNAVAILABLE, 'Channel has been shut down'), undefined));
      return {} as grpc.ClientUnaryCall;
    }
    this.calls.push({ method, request: argument, options, at: Date.now() });
    const handlers = this.#unary.get(method) ?? [];
    const index = this.count(method) - 1;
    const handler = handlers[Math.min(index, handlers.length - 1)];
    if (!handler) throw new Error(`no scripted answer for ${method}`);
    void Promise.resolve(handler(argument)).then((outcome) => {
      setImmediate(() => {
        if ('error' in outcome) callback(outcome.error, undefined);
        else callback(null, outcome.response as Res);
      });
    });
    return {} as grpc.ClientUnaryCall;
  }

  makeServerStreamRequest<Req>(
    path: string,
    _serialize: (value: Req) => Buffer,
    _deserialize: (value: Buffer) => unknown,
    argument: Req,
    options: grpc.CallOptions,
  ): MockServerStream {
    if (path !== METHODS.chaincodeEvents) throw new Error(`no stream mock for ${path}`);
    this.calls.push({ method: 'chaincodeEvents', request: argument, options, at: Date.now() });
    const index = this.count('chaincodeEvents') - 1;
    const handler = this.#streams[Math.min(index, this.#streams.length - 1)];
    if (!handler) throw new Error('no scripted chaincode event stream');
    return handler(argument);
  }

  makeBidiStreamRequest(): never {
    throw new Error('block event streams are not used by the adapter');
  }

  waitForReady(_deadline: grpc.Deadline, callback: (error?: Error) => void): void {
    callback();
  }

  getChannel(): never {
    throw new Error('no channel in the mock transport');
  }

  close(): void {
    this.closed = true;
  }
}

export interface PeerErrorDetail {
  readonly mspId: string;
  readonly address: string;
  readonly message: string;
}

/** A gRPC ServiceError as grpc-js delivers it, with the Fabric Gateway's ErrorDetail list in the status details. */
export function serviceError(code: grpc.status, message: string, details: readonly PeerErrorDetail[] = []): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (details.length > 0) {
    const status = new protos.google.rpc.Status();
    status.setCode(code);
    status.setMessage(message);
    status.setDetailsList(
      details.map((d) => {
        const detail = new protos.gateway.ErrorDetail();
        detail.setAddress(d.address);
        detail.setMspId(d.mspId);
        detail.setMessage(d.message);
        const any = new anyPb.Any();
        any.setTypeUrl('type.googleapis.com/gateway.ErrorDetail');
        any.setValue(detail.serializeBinary());
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        return any as any;
      }),
    );
    metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  }
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${message}`), { code, details: message, metadata });
}

/** How the Fabric Gateway reports a chaincode that returned an error (status 500) on every endorsing peer. */
export function chaincodeRefusal(message: string, operation: 'endorse' | 'evaluate' = 'endorse'): grpc.ServiceError {
  const detail = { mspId: 'GridOperatorMSP', address: 'peer0.gridoperator.obe.local:7051', message: `chaincode response 500, ${message}` };
  return operation === 'endorse'
    ? serviceError(grpc.status.ABORTED, 'failed to endorse transaction, see attached details for more info', [detail])
    : serviceError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: ${detail.message}`, [detail]);
}

export function evaluateResponse(result: Uint8Array): unknown {
  const response = new protos.peer.Response();
  response.setStatus(200);
  response.setPayload(result);
  const evaluate = new protos.gateway.EvaluateResponse();
  evaluate.setResult(response);
  return evaluate;
}

export function chainInfo(height: number): Uint8Array {
  const info = new protos.common.BlockchainInfo();
  info.setHeight(height);
  return info.serializeBinary();
}

export interface EventSpec {
  readonly txId: string;
  readonly name: string;
  readonly payload?: string;
}

export function eventsResponse(blockNumber: number, events: readonly EventSpec[], chaincode = 'obe'): unknown {
  const response = new protos.gateway.ChaincodeEventsResponse();
  response.setBlockNumber(blockNumber);
  response.setEventsList(
    events.map((e) => {
      const event = new protos.peer.ChaincodeEvent();
      event.setChaincodeId(chaincode);
      event.setTxId(e.txId);
      event.setEventName(e.name);
      event.setPayload(Buffer.from(e.payload ?? `{"tx":"${e.txId}"}`));
      return event;
    }),
  );
  return response;
}

/** A server stream that sends `items` (an Error item fails the stream there) and then, unless it failed, stays open until cancelled. */
export function serverStream(items: readonly unknown[], options: { endAfter?: boolean } = {}): MockServerStream & { cancelled: boolean } {
  let release: (() => void) | undefined;
  const state = {
    cancelled: false,
    cancel(): void {
      state.cancelled = true;
      release?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<unknown> {
      for (const item of items) {
        await new Promise((resolve) => setImmediate(resolve));
        if (state.cancelled) throw serviceError(grpc.status.CANCELLED, 'Cancelled on client');
        if (item instanceof Error) throw item;
        yield item;
      }
      if (options.endAfter) return;
      await new Promise<void>((resolve) => {
        release = resolve;
        if (state.cancelled) resolve();
      });
      throw serviceError(grpc.status.CANCELLED, 'Cancelled on client');
    },
  };
  return state;
}

// Decoders for what reached the wire.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function commitStatusTxId(request: any): string {
  return protos.gateway.CommitStatusRequest.deserializeBinary(request.getRequest_asU8()).getTransactionId();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function eventsRequest(request: any): { startBlock: number | undefined; afterTxId: string; chaincode: string; channel: string } {
  const decoded = protos.gateway.ChaincodeEventsRequest.deserializeBinary(request.getRequest_asU8());
  const start = decoded.getStartPosition();
  return {
    startBlock: start?.hasSpecified() ? start.getSpecified()!.getNumber() : undefined,
    afterTxId: decoded.getAfterTransactionId(),
    chaincode: decoded.getChaincodeId(),
    channel: decoded.getChannelId(),
  };
}

/** The chaincode invocation inside a signed proposal: function and arguments, transient keys, chaincode name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function proposalOf(request: any): { chaincode: string; args: string[]; transient: Record<string, string> } {
  const signed = request.getProposedTransaction();
  const proposal = protos.peer.Proposal.deserializeBinary(signed.getProposalBytes_asU8());
  const payload = protos.peer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const spec = protos.peer.ChaincodeInvocationSpec.deserializeBinary(payload.getInput_asU8()).getChaincodeSpec()!;
  const transient: Record<string, string> = {};
  payload.getTransientmapMap().forEach((value: Uint8Array | string, key: string) => {
    transient[key] = Buffer.from(value as Uint8Array).toString('utf8');
  });
  return {
    chaincode: spec.getChaincodeId()!.getName(),
    args: spec.getInput()!.getArgsList_asU8().map((a: Uint8Array) => Buffer.from(a).toString('utf8')),
    transient,
  };
}
