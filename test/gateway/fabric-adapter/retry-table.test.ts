/**
 * Each row of the retry table (gateway/src/ledger/retry-policy.ts) through the adapter, with the gRPC transport
 * mocked at the Gateway service boundary: what reached the wire (endorse/submit/commit-status calls and their txIds)
 * is the proof.
 */
import './support/native-esm';
import * as grpc from '@grpc/grpc-js';
import {
  ChaincodeError,
  CommitUnknownError,
  EndorsementMismatchError,
  LedgerUnavailableError,
  TransactionInvalidError,
} from '../../../gateway/src/ledger/errors';
import { CommitStateError, type ConflictInfo, type RetryInfo } from '../../../gateway/src/ledger/fabric';
import {
  chaincodeRefusal,
  commitStatusResponse,
  commitStatusTxId,
  endorseResponse,
  serviceError,
  submitResponse,
  type MockGatewayTransport,
} from './support/mock-transport';
import { harness, writeNetwork, type Network } from './support/fixtures';

import { TX } from '@obe/chaincode';
const VALID = 0;
const ENDORSEMENT_POLICY_FAILURE = 10;
const MVCC_READ_CONFLICT = 11;
const PHANTOM_READ_CONFLICT = 12;

const tx = { channel: 'energy', identity: 'gridoperator-admin', fn: TX.Registry.RegisterAsset.name, args: ['{"id":"a1"}'] };

function happyPeer(t: MockGatewayTransport): void {
  t.on('endorse', () => ({ response: endorseResponse('energy', Buffer.from('{"id":"a1"}')) }))
    .on('submit', () => ({ response: submitResponse() }))
    .on('commitStatus', () => ({ response: commitStatusResponse(VALID, 7) }));
}

const endorsedTxIds = (t: MockGatewayTransport) => t.callsOf('endorse').map((c) => c.request.getTransactionId() as string);
const submittedTxIds = (t: MockGatewayTransport) => t.callsOf('submit').map((c) => c.request.getTransactionId() as string);

let network: Network;
beforeAll(async () => {
  network = await writeNetwork();
});

describe('a valid transaction', () => {
  it('is endorsed, submitted and confirmed once, and returns the chaincode result and block', async () => {
    const h = harness(network, { script: happyPeer });
    const result = await h.ledger.submit(tx);
    const peer = h.transport();
    expect(Buffer.from(result.payload).toString()).toBe('{"id":"a1"}');
    expect(result.blockNumber).toBe(7);
    expect([peer.count('endorse'), peer.count('submit'), peer.count('commitStatus')]).toEqual([1, 1, 1]);
    expect(endorsedTxIds(peer)).toEqual([result.txId]);
    expect(commitStatusTxId(peer.callsOf('commitStatus')[0]!.request)).toBe(result.txId);
    await h.ledger.close();
  });
});

describe('chaincode errors are never retried', () => {
  it('maps the refusal to ChaincodeError carrying the chaincode [CODE] message, after exactly one endorse', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('endorse', () => ({ error: chaincodeRefusal('[NOT_FOUND] asset a9 is not registered') }));
    const err = await h.ledger.submit(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChaincodeError);
    expect((err as ChaincodeError).message).toBe('[NOT_FOUND] asset a9 is not registered');
    expect((err as ChaincodeError).code).toBe('NOT_FOUND');
    expect((err as ChaincodeError).txId).toMatch(/^[0-9a-f]{64}$/);
    expect(h.transport().count('endorse')).toBe(1);
    expect(h.transport().count('submit')).toBe(0);
    await h.ledger.close();
  });

  it('maps peers that keep disagreeing (no chaincode refusal) to EndorsementMismatchError after the endorse budget, never ordered', async () => {
    const h = harness(network, { script: happyPeer, retry: { endorseAttempts: 3, endorseBaseDelayMs: 1 } });
    const mismatch = { mspId: 'UtilityMSP', address: 'peer0.utility.obe.local:9051', message: 'ProposalResponsePayloads do not match' };
    h.transport().on('endorse', () => ({
      error: serviceError(grpc.status.ABORTED, 'failed to collect enough transaction endorsements, see attached details for more info', [mismatch]),
    }));
    await expect(h.ledger.submit(tx)).rejects.toBeInstanceOf(EndorsementMismatchError);
    expect(h.transport().count('endorse')).toBe(3);
    expect(new Set(endorsedTxIds(h.transport())).size).toBe(1);
    expect(h.transport().count('submit')).toBe(0);
    await h.ledger.close();
  });
});

describe.each([
  ['MVCC_READ_CONFLICT', MVCC_READ_CONFLICT],
  ['PHANTOM_READ_CONFLICT', PHANTOM_READ_CONFLICT],
])('%s', (name, code) => {
  it('is retried from a new proposal (new txId) with backoff and then succeeds', async () => {
    const retries: RetryInfo[] = [];
    const conflicts: ConflictInfo[] = [];
    const h = harness(network, {
      script: happyPeer,
      hooks: { onRetry: (i) => retries.push(i), onConflict: (i) => conflicts.push(i) },
    });
    h.transport().on('commitStatus', () => ({ response: commitStatusResponse(code, 7) }), () => ({ response: commitStatusResponse(VALID, 8) }));
    const result = await h.ledger.submit(tx);
    const peer = h.transport();
    const txIds = endorsedTxIds(peer);
    expect(txIds).toHaveLength(2);
    expect(new Set(txIds).size).toBe(2);
    expect(submittedTxIds(peer)).toEqual(txIds);
    expect(result).toMatchObject({ txId: txIds[1], blockNumber: 8 });
    expect(conflicts).toEqual([{ fn: tx.fn, channel: 'energy', txId: txIds[0], validationCode: name }]);
    expect(retries).toEqual([expect.objectContaining({ fn: tx.fn, step: 'commit', action: 'new-proposal', attempt: 1, txId: txIds[0] })]);
    await h.ledger.close();
  });

  it('gives up after the configured attempts with TransactionInvalidError naming the validation code', async () => {
    const conflicts: ConflictInfo[] = [];
    const h = harness(network, { script: happyPeer, retry: { conflictAttempts: 3 }, hooks: { onConflict: (i) => conflicts.push(i) } });
    h.transport().on('commitStatus', () => ({ response: commitStatusResponse(code, 9) }));
    const err = await h.ledger.submit(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionInvalidError);
    expect(err).toMatchObject({ validationCode: name, blockNumber: 9, isConflict: true });
    const txIds = endorsedTxIds(h.transport());
    expect(new Set(txIds).size).toBe(3);
    expect((err as TransactionInvalidError).txId).toBe(txIds[2]);
    expect(conflicts).toHaveLength(3);
    await h.ledger.close();
  });
});

describe('metrics hooks', () => {
  it('that throw do not fail the transaction they observe', async () => {
    const h = harness(network, {
      script: happyPeer,
      hooks: {
        onConflict: () => {
          throw new Error('metrics registry broken');
        },
        onRetry: () => {
          throw new Error('metrics registry broken');
        },
      },
    });
    h.transport().on('commitStatus', () => ({ response: commitStatusResponse(MVCC_READ_CONFLICT, 7) }), () => ({ response: commitStatusResponse(VALID, 8) }));
    await expect(h.ledger.submit(tx)).resolves.toMatchObject({ blockNumber: 8 });
    await h.ledger.close();
  });
});

describe('other validation failures', () => {
  it('are final: ENDORSEMENT_POLICY_FAILURE is reported after one transaction, not retried', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('commitStatus', () => ({ response: commitStatusResponse(ENDORSEMENT_POLICY_FAILURE, 4) }));
    await expect(h.ledger.submit(tx)).rejects.toMatchObject({ validationCode: 'ENDORSEMENT_POLICY_FAILURE', isConflict: false });
    expect(h.transport().count('endorse')).toBe(1);
    await h.ledger.close();
  });
});

describe('commit status timeouts', () => {
  it('report CommitUnknownError, and a later commitStatus (after a restart) resumes from the stored bytes without endorsing or submitting', async () => {
    const first = harness(network, { script: happyPeer });
    first.transport().on('commitStatus', () => ({ error: serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded') }));
    const pending = await first.ledger.startSubmit(tx);
    expect(pending).toMatchObject({ channel: 'energy', identity: 'gridoperator-admin' });
    expect(Buffer.from(pending.payload).toString()).toBe('{"id":"a1"}');
    const err = await first.ledger.commitStatus(pending).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommitUnknownError);
    expect((err as CommitUnknownError).txId).toBe(pending.txId);
    await first.ledger.close();

    // A new process: only the persisted PendingSubmit survives.
    const persisted = JSON.parse(JSON.stringify({ ...pending, payload: Buffer.from(pending.payload).toString('base64'), commitState: Buffer.from(pending.commitState).toString('base64') }));
    const second = harness(network, { script: happyPeer });
    second.transport().on('commitStatus', () => ({ response: commitStatusResponse(VALID, 12) }));
    const result = await second.ledger.commitStatus({
      ...persisted,
      payload: Buffer.from(persisted.payload, 'base64'),
      commitState: Buffer.from(persisted.commitState, 'base64'),
    });
    expect(result).toMatchObject({ txId: pending.txId, blockNumber: 12 });
    expect(Buffer.from(result.payload).toString()).toBe('{"id":"a1"}');
    const peer = second.transport();
    expect([peer.count('endorse'), peer.count('submit'), peer.count('commitStatus')]).toEqual([0, 0, 1]);
    expect(commitStatusTxId(peer.callsOf('commitStatus')[0]!.request)).toBe(pending.txId);
    await second.ledger.close();
  });

  it('within submit() are resumed from the same commit request (bounded), never re-endorsed', async () => {
    const retries: RetryInfo[] = [];
    const h = harness(network, { script: happyPeer, retry: { commitStatusAttempts: 3 }, hooks: { onRetry: (i) => retries.push(i) } });
    h.transport().on('commitStatus', () => ({ error: serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded') }));
    await expect(h.ledger.submit(tx)).rejects.toBeInstanceOf(CommitUnknownError);
    const peer = h.transport();
    expect([peer.count('endorse'), peer.count('submit'), peer.count('commitStatus')]).toEqual([1, 1, 3]);
    expect(new Set(peer.callsOf('commitStatus').map((c) => commitStatusTxId(c.request))).size).toBe(1);
    expect(retries.map((r) => r.action)).toEqual(['resume-commit', 'resume-commit']);
    await h.ledger.close();
  });

  it('treat an unreachable commit-status peer as unknown (resumable), but a refusal as a refusal', async () => {
    const h = harness(network, { script: happyPeer });
    const pending = await h.ledger.startSubmit(tx);
    h.transport().on('commitStatus', () => ({ error: serviceError(grpc.status.UNAVAILABLE, 'No connection established') }));
    await expect(h.ledger.commitStatus(pending)).rejects.toBeInstanceOf(CommitUnknownError);
    h.transport().on('commitStatus', () => ({ error: serviceError(grpc.status.PERMISSION_DENIED, 'requesting identity did not submit the transaction') }));
    await expect(h.ledger.commitStatus(pending)).rejects.toMatchObject({ constructor: ChaincodeError, code: 'FORBIDDEN' });
    expect(h.transport().count('endorse')).toBe(1);
    await h.ledger.close();
  });

  it('refuses commit state that belongs to another transaction', async () => {
    const h = harness(network, { script: happyPeer });
    const a = await h.ledger.startSubmit(tx);
    const b = await h.ledger.startSubmit(tx);
    await expect(h.ledger.commitStatus({ ...a, commitState: b.commitState })).rejects.toThrow(CommitStateError);
    await expect(h.ledger.commitStatus({ ...a, commitState: b.commitState })).rejects.toThrow(/belongs to transaction/);
    await expect(h.ledger.commitStatus({ ...a, commitState: Buffer.from('garbage') })).rejects.toThrow(/not a Fabric commit status request/);
    expect(h.transport().count('commitStatus')).toBe(0);
    await h.ledger.close();
  });
});

describe('an unavailable peer', () => {
  it('at endorse is retried with the same proposal (nothing ordered yet), then reported as LedgerUnavailableError', async () => {
    const h = harness(network, { script: happyPeer, retry: { endorseAttempts: 2 } });
    h.transport().on('endorse', () => ({ error: serviceError(grpc.status.UNAVAILABLE, 'No connection established') }));
    const err = await h.ledger.submit(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerUnavailableError);
    const txIds = endorsedTxIds(h.transport());
    expect(txIds).toHaveLength(2);
    expect(new Set(txIds).size).toBe(1);
    expect(h.transport().count('submit')).toBe(0);
    await h.ledger.close();
  });

  it('at endorse recovers when the peer comes back, with the original txId', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on(
      'endorse',
      () => ({ error: serviceError(grpc.status.DEADLINE_EXCEEDED, 'endorsement timeout expired while collecting first endorsement') }),
      () => ({ response: endorseResponse('energy', Buffer.from('ok')) }),
    );
    const result = await h.ledger.submit(tx);
    expect(endorsedTxIds(h.transport())).toEqual([result.txId, result.txId]);
    await h.ledger.close();
  });

  it('at submit is not retried: the orderer may already have the transaction', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('submit', () => ({ error: serviceError(grpc.status.UNAVAILABLE, 'orderer unreachable') }));
    await expect(h.ledger.submit(tx)).rejects.toBeInstanceOf(LedgerUnavailableError);
    expect([h.transport().count('endorse'), h.transport().count('submit')]).toEqual([1, 1]);
    await h.ledger.close();
  });
});
