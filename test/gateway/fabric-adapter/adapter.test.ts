/** The adapter's wiring: deadlines, endorsing orgs, transient data, evaluate, block height, connections, close. */
import './support/native-esm';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ChaincodeError, LedgerUnavailableError } from '../../../gateway/src/ledger/errors';
import { createFabricLedger, fabricSettingsFromEnv } from '../../../gateway/src/ledger/fabric';
import {
  chainInfo,
  chaincodeRefusal,
  commitStatusResponse,
  endorseResponse,
  evaluateResponse,
  proposalOf,
  serviceError,
  submitResponse,
  MockGatewayTransport,
  type RecordedCall,
} from './support/mock-transport';
import { harness, writeNetwork, type Network } from './support/fixtures';

import { TX } from '@obe/chaincode';
function happyPeer(t: MockGatewayTransport): void {
  t.on('endorse', () => ({ response: endorseResponse('energy', Buffer.from('done')) }))
    .on('submit', () => ({ response: submitResponse() }))
    .on('commitStatus', () => ({ response: commitStatusResponse(0, 3) }))
    .on('evaluate', () => ({ response: evaluateResponse(Buffer.from('{"balance":5}')) }));
}

/** The deadline a call carried, as milliseconds after the call was made. */
function deadlineAfterCall(call: RecordedCall): number {
  const deadline = call.options.deadline;
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return at - call.at;
}

let network: Network;
beforeAll(async () => {
  network = await writeNetwork();
});

describe('deadlines', () => {
  it('every call type carries its own configured deadline', async () => {
    const deadlines = { evaluateMs: 1_111, endorseMs: 2_222, submitMs: 3_333, commitStatusMs: 4_444 };
    const h = harness(network, { script: happyPeer, deadlines });
    await h.ledger.submit({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Transfer', args: ['x'] });
    await h.ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' });
    const peer = h.transport();
    const observed = {
      evaluateMs: deadlineAfterCall(peer.callsOf('evaluate')[0]!),
      endorseMs: deadlineAfterCall(peer.callsOf('endorse')[0]!),
      submitMs: deadlineAfterCall(peer.callsOf('submit')[0]!),
      commitStatusMs: deadlineAfterCall(peer.callsOf('commitStatus')[0]!),
    };
    for (const [name, expected] of Object.entries(deadlines)) {
      const value = observed[name as keyof typeof observed];
      expect(value).toBeGreaterThan(expected - 1_000);
      expect(value).toBeLessThanOrEqual(expected);
    }
    await h.ledger.close();
  });

  it('can be set from OBE_FABRIC_* variables when the app creates the ledger, and bad values are refused clearly', async () => {
    const peer = new MockGatewayTransport();
    happyPeer(peer);
    const ledger = createFabricLedger({
      configFile: network.file,
      dataDir: path.join(network.dir, 'data'),
      env: { OBE_FABRIC_EVALUATE_TIMEOUT_MS: '1500' },
      grpcClientFactory: () => peer.asGrpcClient(),
    });
    await ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' });
    const ms = deadlineAfterCall(peer.callsOf('evaluate')[0]!);
    expect(ms).toBeGreaterThan(500);
    expect(ms).toBeLessThanOrEqual(1_500);
    await ledger.close();
    expect(() => fabricSettingsFromEnv({ OBE_FABRIC_ENDORSE_TIMEOUT_MS: 'soon' })).toThrow(
      "OBE_FABRIC_ENDORSE_TIMEOUT_MS must be an integer from 100 to 600000, got 'soon'",
    );
    expect(fabricSettingsFromEnv({ OBE_FABRIC_CONFLICT_ATTEMPTS: '5' })).toEqual({ deadlines: {}, retry: { conflictAttempts: 5 } });
  });

  it('uses sensible defaults when none are configured', async () => {
    const h = harness(network, { script: happyPeer });
    await h.ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' });
    const ms = deadlineAfterCall(h.transport().callsOf('evaluate')[0]!);
    expect(ms).toBeGreaterThan(5_000);
    expect(ms).toBeLessThanOrEqual(10_000);
    await h.ledger.close();
  });
});

describe('proposals', () => {
  it('carry the function, arguments, transient data and the requested endorsing orgs; submit echoes no private data', async () => {
    const h = harness(network, { script: happyPeer });
    const pending = await h.ledger.startSubmit({
      channel: 'energy',
      identity: 'utility-admin',
      fn: TX.Metering.SubmitReadings.name,
      args: ['batch-1', '{"n":2}'],
      transient: { readings: Buffer.from('{"kwh":[1,2]}'), salt: Buffer.from('s3cret') },
      endorsingOrgs: ['UtilityMSP', 'GridOperatorMSP'],
    });
    const endorse = h.transport('localhost:9051').callsOf('endorse')[0]!.request;
    expect(endorse.getEndorsingOrganizationsList()).toEqual(['UtilityMSP', 'GridOperatorMSP']);
    expect(endorse.getChannelId()).toBe('energy');
    expect(proposalOf(endorse)).toEqual({
      chaincode: 'obe',
      args: [TX.Metering.SubmitReadings.name, 'batch-1', '{"n":2}'],
      transient: { readings: '{"kwh":[1,2]}', salt: 's3cret' },
    });
    const submitted = h.transport('localhost:9051').callsOf('submit')[0]!.request;
    expect(Buffer.from(submitted.getPreparedTransaction().serializeBinary()).includes(Buffer.from('s3cret'))).toBe(false);
    expect(Buffer.from(pending.commitState).includes(Buffer.from('s3cret'))).toBe(false);
    await h.ledger.close();
  });

  it('leave the endorsing orgs to the Fabric Gateway when the request names none', async () => {
    const h = harness(network, { script: happyPeer });
    await h.ledger.submit({ channel: 'energy', identity: 'gridoperator-admin', fn: TX.Registry.RegisterAsset.name });
    expect(h.transport().callsOf('endorse')[0]!.request.getEndorsingOrganizationsList()).toEqual([]);
    await h.ledger.close();
  });
});

describe('evaluate', () => {
  it('returns the chaincode result without ordering anything', async () => {
    const h = harness(network, { script: happyPeer });
    const result = await h.ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance', args: ['p1'] });
    expect(Buffer.from(result).toString()).toBe('{"balance":5}');
    expect([h.transport().count('endorse'), h.transport().count('submit')]).toEqual([0, 0]);
    await h.ledger.close();
  });

  it('maps a chaincode refusal to ChaincodeError with its code, and an unreachable peer to LedgerUnavailableError', async () => {
    const h = harness(network, { script: happyPeer });
    const request = { channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' };
    h.transport().on('evaluate', () => ({ error: chaincodeRefusal('[FORBIDDEN] only the owner may read', 'evaluate') }));
    await expect(h.ledger.evaluate(request)).rejects.toMatchObject({
      constructor: ChaincodeError,
      code: 'FORBIDDEN',
      message: '[FORBIDDEN] only the owner may read',
    });
    h.transport().on('evaluate', () => ({ error: serviceError(grpc.status.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:7051') }));
    await expect(h.ledger.evaluate(request)).rejects.toBeInstanceOf(LedgerUnavailableError);
    await h.ledger.close();
  });

  it('maps access-control refusals by the peer to FORBIDDEN, and a chaincode missing on the peer to LedgerUnavailableError', async () => {
    const h = harness(network, { script: happyPeer });
    const request = { channel: 'audit', identity: 'gridoperator-admin', fn: TX.Audit.GetAttestation.name };
    h.transport().on('evaluate', () => ({ error: serviceError(grpc.status.PERMISSION_DENIED, 'access denied') }));
    await expect(h.ledger.evaluate(request)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    h.transport().on('evaluate', () => ({ error: serviceError(grpc.status.NOT_FOUND, 'chaincode obe not found') }));
    await expect(h.ledger.evaluate(request)).rejects.toBeInstanceOf(LedgerUnavailableError);
    await h.ledger.close();
  });

  it("maps a peer that has not joined the channel (the caller's org is not a member) to FORBIDDEN, not unavailable", async () => {
    const h = harness(network, { script: happyPeer });
    const request = { channel: 'audit', identity: 'gridoperator-admin', fn: TX.Audit.ListAttestations.name };
    // What a Fabric 2.5 peer gateway answers when its peer is not on the channel (seen on a native network).
    h.transport().on('evaluate', () => ({ error: serviceError(grpc.status.UNAVAILABLE, 'failed to get config for channel [audit]') }));
    const refused = h.ledger.evaluate(request);
    await expect(refused).rejects.toBeInstanceOf(ChaincodeError);
    await expect(refused).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining("member of channel 'audit'") });
    await h.ledger.close();
  });
});

describe('identities, channels and connections', () => {
  it('lists the configured identities and channels', async () => {
    const h = harness(network);
    expect(h.ledger.kind).toBe('fabric');
    expect(h.ledger.channels()).toEqual(['energy', 'audit']);
    expect(h.ledger.identities()).toEqual([
      { label: 'gridoperator-admin', mspId: 'GridOperatorMSP' },
      { label: 'utility-admin', mspId: 'UtilityMSP' },
      { label: 'regulator-admin', mspId: 'RegulatorMSP' },
      { label: 'gridoperator-user1', mspId: 'GridOperatorMSP' },
    ]);
    await h.ledger.close();
  });

  it('dials lazily, each identity through its own org peer, one shared client per endpoint', async () => {
    const h = harness(network, { transports: new Map(), script: happyPeer });
    expect(h.dials).toEqual([]);
    const query = (identity: string) => h.ledger.evaluate({ channel: 'energy', identity, fn: 'Token:Balance' });
    await query('gridoperator-admin');
    await query('gridoperator-user1');
    await query('gridoperator-admin');
    await query('regulator-admin');
    expect(h.dials).toEqual(['localhost:7051', 'localhost:11051']);
    expect(h.transport('localhost:7051').count('evaluate')).toBe(3);
    expect(h.transport('localhost:11051').count('evaluate')).toBe(1);
    await h.ledger.close();
  });

  it('refuses an unknown identity (UNAUTHENTICATED) and an unconfigured channel (NOT_FOUND) before dialling', async () => {
    const h = harness(network, { script: happyPeer });
    await expect(h.ledger.evaluate({ channel: 'energy', identity: 'nobody', fn: 'Token:Balance' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(h.ledger.submit({ channel: 'retail', identity: 'gridoperator-admin', fn: 'Token:Balance' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(() => h.ledger.events('retail')).toThrow(ChaincodeError);
    expect(h.dials).toEqual([]);
    await h.ledger.close();
  });
});

describe('blockHeight', () => {
  it('asks qscc GetChainInfo for the channel and decodes the height', async () => {
    const h = harness(network);
    h.transport().on('evaluate', () => ({ response: evaluateResponse(chainInfo(42)) }));
    expect(await h.ledger.blockHeight('energy')).toBe(42);
    const request = h.transport().callsOf('evaluate')[0]!.request;
    expect(proposalOf(request)).toMatchObject({ chaincode: 'qscc', args: ['GetChainInfo', 'energy'] });
    await h.ledger.close();
  });

  it('falls back to another org when the first one is not on the channel', async () => {
    const h = harness(network);
    h.transport('localhost:7051').on('evaluate', () => ({ error: serviceError(grpc.status.PERMISSION_DENIED, 'access denied: not a channel member') }));
    h.transport('localhost:9051').on('evaluate', () => ({ response: evaluateResponse(chainInfo(9)) }));
    expect(await h.ledger.blockHeight('audit')).toBe(9);
    expect(await h.ledger.blockHeight('audit')).toBe(9);
    // The org that answered is asked first next time.
    expect(h.transport('localhost:7051').count('evaluate')).toBe(1);
    expect(h.transport('localhost:9051').count('evaluate')).toBe(2);
    await h.ledger.close();
  });

  it('reports unreachable peers as LedgerUnavailableError with the first failure (readiness fails)', async () => {
    const h = harness(network, {
      script: (t) => t.on('evaluate', () => ({ error: serviceError(grpc.status.UNAVAILABLE, `No connection established to ${t.endpoint}`) })),
    });
    const err = await h.ledger.blockHeight('energy').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerUnavailableError);
    expect((err as Error).message).toContain('localhost:7051');
    expect(h.dials).toEqual(['localhost:7051', 'localhost:9051', 'localhost:11051']);
    await h.ledger.close();
  });
});

describe('close', () => {
  it('lets an in-flight call finish, then closes the gRPC clients and refuses new calls', async () => {
    const h = harness(network, { script: happyPeer });
    let answer: (() => void) | undefined;
    h.transport().on('evaluate', () => new Promise((resolve) => {
      answer = () => resolve({ response: evaluateResponse(Buffer.from('late')) });
    }));
    const inFlight = h.ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' });
    await new Promise((resolve) => setImmediate(resolve));
    const closing = h.ledger.close();
    expect(h.transport().closed).toBe(false);
    answer!();
    expect(Buffer.from(await inFlight).toString()).toBe('late');
    await closing;
    expect(h.transport().closed).toBe(true);
    await expect(h.ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' })).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect(() => h.ledger.events('energy')).toThrow(LedgerUnavailableError);
  });

  it('fails a call still running after the grace period with LedgerUnavailableError, then closes the clients', async () => {
    const h = harness(network, { script: happyPeer, closeGraceMs: 20 });
    h.transport().on('evaluate', () => new Promise(() => undefined));
    const inFlight = h.ledger.evaluate({ channel: 'energy', identity: 'gridoperator-admin', fn: 'Token:Balance' });
    const outcome = inFlight.catch((e: unknown) => e);
    await new Promise((resolve) => setImmediate(resolve));
    await h.ledger.close();
    expect(await outcome).toBeInstanceOf(LedgerUnavailableError);
    expect(h.transport().closed).toBe(true);
  });
});
