/**
 * Issue 13, "submits always reach an outcome", at the adapter's gRPC boundary (mock transport, scripted per Gateway
 * method) and through the submit service on top of it: the orderer down at submit, a commit status that stays
 * unknown, a re-sent copy answered DUPLICATE_TXID, a peer unavailable or endorsing differently while it catches up,
 * and a gateway restarted mid-submit. What reached the wire (endorse/submit calls, their txIds and signed envelopes)
 * is the proof that nothing is ever endorsed twice and every re-send is the same signed transaction.
 */
import './support/native-esm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { GatewayMetrics } from '../../../gateway/src/http/metrics';
import { toHttpError } from '../../../gateway/src/http/errors';
import {
  CommitUnknownError,
  EndorsementMismatchError,
  LedgerUnavailableError,
  SubmitExpiredError,
  SubmitUnconfirmedError,
} from '../../../gateway/src/ledger/errors';
import { protos } from '../../../gateway/src/ledger/fabric/protos';
import { SubmitService, type PendingRecord } from '../../../gateway/src/submits/submit-service';
import { RecordStore } from '../../../gateway/src/submits/record-store';
import {
  commitStatusResponse,
  commitStatusTxId,
  endorseResponse,
  evaluateResponse,
  proposalOf,
  serviceError,
  submitResponse,
  type MockGatewayTransport,
  type UnaryOutcome,
} from './support/mock-transport';
import { harness, writeNetwork, type Network } from './support/fixtures';
import { TX } from '@obe/chaincode';

const VALID = 0;
const DUPLICATE_TXID = 9;
const MVCC_READ_CONFLICT = 11;

const tx = { channel: 'energy', identity: 'gridoperator-admin', fn: TX.Registry.RegisterAsset.name, args: ['{"id":"a1"}'] };

const ordererDown = (): UnaryOutcome => ({ error: serviceError(grpc.status.UNAVAILABLE, 'no orderer available: connection refused') });
const statusTimeout = (): UnaryOutcome => ({ error: serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded') });
const mismatch = (): UnaryOutcome => ({
  error: serviceError(grpc.status.ABORTED, 'failed to collect enough transaction endorsements, see attached details for more info', [
    { mspId: 'UtilityMSP', address: 'peer0.utility.obe.local:9051', message: 'ProposalResponsePayloads do not match (peer at height 41, others at 57)' },
  ]),
});

function happyPeer(t: MockGatewayTransport): void {
  t.on('endorse', () => ({ response: endorseResponse('energy', Buffer.from('{"id":"a1"}')) }))
    .on('submit', () => ({ response: submitResponse() }))
    .on('commitStatus', () => ({ response: commitStatusResponse(VALID, 7) }));
}

/** qscc on the peer: GetTransactionByID answers `code` (or "no such transaction" when undefined), GetBlockByTxID `block`. */
function qscc(t: MockGatewayTransport, code: number | undefined, block = 5): void {
  t.on('evaluate', (request) => {
    const { chaincode, args } = proposalOf(request);
    if (chaincode !== 'qscc') throw new Error(`unexpected evaluate of ${chaincode}`);
    const txId = args[2] ?? '';
    if (code === undefined) {
      const message = `chaincode response 500, Failed to get transaction with id ${txId}, error no such transaction ID [${txId}] in index`;
      return { error: serviceError(grpc.status.UNKNOWN, `evaluate call to endorser returned error: ${message}`, [{ mspId: 'GridOperatorMSP', address: 'peer0:7051', message }]) };
    }
    if (args[0] === 'GetTransactionByID') {
      const processed = new protos.peer.ProcessedTransaction();
      processed.setValidationcode(code);
      return { response: evaluateResponse(processed.serializeBinary()) };
    }
    const header = new protos.common.BlockHeader();
    header.setNumber(block);
    const b = new protos.common.Block();
    b.setHeader(header);
    return { response: evaluateResponse(b.serializeBinary()) };
  });
}

const submitted = (t: MockGatewayTransport) =>
  t.callsOf('submit').map((c) => {
    const envelope = c.request.getPreparedTransaction();
    return { txId: c.request.getTransactionId() as string, bytes: Buffer.from(envelope.serializeBinary()).toString('hex'), signed: envelope.getSignature_asU8().length > 0 };
  });
const endorsedTxIds = (t: MockGatewayTransport) => t.callsOf('endorse').map((c) => c.request.getTransactionId() as string);

let network: Network;
beforeAll(async () => {
  network = await writeNetwork();
});

describe('the orderer is down when the transaction is handed over', () => {
  it('startSubmit reports SubmitUnconfirmedError carrying the signed envelope (never "refused"); resend hands the same signed bytes over once the orderer is back', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('submit', ordererDown, () => ({ response: submitResponse() }));
    const err = await h.ledger.startSubmit(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitUnconfirmedError);
    expect(err).toBeInstanceOf(LedgerUnavailableError); // what an older caller expects of an unreachable orderer
    const pending = (err as SubmitUnconfirmedError).pending;
    expect(pending.commitState).toHaveLength(0);
    expect(pending.envelope!.length).toBeGreaterThan(0);

    const again = await h.ledger.resend!(pending);
    expect(again.txId).toBe(pending.txId);
    expect(again.commitState.length).toBeGreaterThan(0);
    const result = await h.ledger.commitStatus(again);
    expect(result).toMatchObject({ txId: pending.txId, blockNumber: 7 });

    const wire = submitted(h.transport());
    expect(wire).toHaveLength(2);
    expect(wire.every((w) => w.txId === pending.txId && w.signed)).toBe(true);
    expect(wire[1]!.bytes).toBe(wire[0]!.bytes); // the same signed transaction, byte for byte
    expect(h.transport().count('endorse')).toBe(1);
    await h.ledger.close();
  });

  it('commitStatus of a never-confirmed submit re-sends it first (no commit state yet), and stays unknown while the orderer is still down', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('submit', ordererDown);
    const pending = ((await h.ledger.startSubmit(tx).catch((e: unknown) => e)) as SubmitUnconfirmedError).pending;
    await expect(h.ledger.commitStatus(pending)).rejects.toBeInstanceOf(CommitUnknownError);
    h.transport().on('submit', () => ({ response: submitResponse() }));
    await expect(h.ledger.commitStatus(pending)).resolves.toMatchObject({ txId: pending.txId, blockNumber: 7 });
    expect(new Set(submitted(h.transport()).map((w) => w.txId))).toEqual(new Set([pending.txId]));
    expect(h.transport().count('endorse')).toBe(1);
    await h.ledger.close();
  });
});

describe('an orderer that answers but does not take the transaction (no Raft leader yet after a restart)', () => {
  it('is not an endorsement mismatch: the signed transaction is followed and re-sent, then commits', async () => {
    const h = harness(network, { script: happyPeer });
    const noLeader = (): UnaryOutcome => ({
      error: serviceError(grpc.status.ABORTED, 'received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft leader'),
    });
    h.transport().on('submit', noLeader, () => ({ response: submitResponse() }));
    const err = await h.ledger.startSubmit(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitUnconfirmedError);
    const pending = (err as SubmitUnconfirmedError).pending;
    await expect(h.ledger.commitStatus(pending)).resolves.toMatchObject({ txId: pending.txId, blockNumber: 7 });
    expect(h.transport().count('endorse')).toBe(1);
    await h.ledger.close();
  });
});

describe('a re-sent copy whose first copy already got in', () => {
  it('DUPLICATE_TXID is read as "the first one got in": its own status, from qscc, is the outcome (committed)', async () => {
    const h = harness(network, { script: happyPeer });
    const pending = await h.ledger.startSubmit(tx);
    h.transport().on('commitStatus', () => ({ response: commitStatusResponse(DUPLICATE_TXID, 9) }));
    qscc(h.transport(), VALID, 8);
    await expect(h.ledger.commitStatus(await h.ledger.resend!(pending))).resolves.toMatchObject({ txId: pending.txId, blockNumber: 8 });
    const lookups = h.transport().callsOf('evaluate').map((c) => proposalOf(c.request).args);
    expect(lookups).toEqual([
      ['GetTransactionByID', 'energy', pending.txId],
      ['GetBlockByTxID', 'energy', pending.txId],
    ]);
    await h.ledger.close();
  });

  it('…and an invalidated first copy is a final failure with its own validation code', async () => {
    const h = harness(network, { script: happyPeer });
    const pending = await h.ledger.startSubmit(tx);
    h.transport().on('commitStatus', () => ({ response: commitStatusResponse(DUPLICATE_TXID, 9) }));
    qscc(h.transport(), MVCC_READ_CONFLICT, 6);
    await expect(h.ledger.commitStatus(pending)).rejects.toMatchObject({ validationCode: 'MVCC_READ_CONFLICT', txId: pending.txId, blockNumber: 6 });
    await h.ledger.close();
  });

  it('lookupTransaction answers not-found for a txId the ledger does not hold', async () => {
    const h = harness(network, { script: happyPeer });
    const pending = await h.ledger.startSubmit(tx);
    qscc(h.transport(), undefined);
    await expect(h.ledger.lookupTransaction!(pending)).resolves.toEqual({ status: 'not-found' });
    await h.ledger.close();
  });
});

describe('a peer catching up after a restart', () => {
  it('ENDORSEMENT_MISMATCH is retried with the same proposal after a short wait, then commits (nothing ordered twice)', async () => {
    const h = harness(network, { script: happyPeer, retry: { endorseAttempts: 4, endorseBaseDelayMs: 5 } });
    h.transport().on('endorse', mismatch, mismatch, () => ({ response: endorseResponse('energy', Buffer.from('{"id":"a1"}')) }));
    const result = await h.ledger.submit(tx);
    const txIds = endorsedTxIds(h.transport());
    expect(txIds).toEqual([result.txId, result.txId, result.txId]);
    expect(h.transport().count('submit')).toBe(1);
    const calls = h.transport().callsOf('endorse');
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2); // waited before asking again
    await h.ledger.close();
  });

  it('a peer UNAVAILABLE or DEADLINE_EXCEEDED at endorse is retried the same way', async () => {
    const h = harness(network, { script: happyPeer, retry: { endorseAttempts: 4, endorseBaseDelayMs: 1 } });
    h.transport().on(
      'endorse',
      () => ({ error: serviceError(grpc.status.UNAVAILABLE, 'peer restarting') }),
      () => ({ error: serviceError(grpc.status.DEADLINE_EXCEEDED, 'endorsement timeout') }),
      mismatch,
      () => ({ response: endorseResponse('energy', Buffer.from('{"id":"a1"}')) }),
    );
    await expect(h.ledger.submit(tx)).resolves.toMatchObject({ blockNumber: 7 });
    expect(new Set(endorsedTxIds(h.transport())).size).toBe(1);
    await h.ledger.close();
  });

  it('a mismatch that persists past the budget is still ENDORSEMENT_MISMATCH (a non-deterministic chaincode is not hidden)', async () => {
    const h = harness(network, { script: happyPeer, retry: { endorseAttempts: 2, endorseBaseDelayMs: 1 } });
    h.transport().on('endorse', mismatch);
    await expect(h.ledger.submit(tx)).rejects.toBeInstanceOf(EndorsementMismatchError);
    expect(h.transport().count('submit')).toBe(0);
    await h.ledger.close();
  });
});

describe('the submit service on the Fabric adapter', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-outcomes-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const service = (ledger: () => import('../../../gateway/src/ledger/port').Ledger, metrics: GatewayMetrics, deadlineMs = 60_000) =>
    new SubmitService({ ledger, dataDir, metrics, logger: pino({ level: 'silent' }), submitDeadlineMs: deadlineMs, submitSettleMs: 20 });
  const storedRecords = () => new RecordStore<PendingRecord>(path.join(dataDir, 'submits')).all();
  const metric = async (metrics: GatewayMetrics, name: string) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;

  it('a synchronous submit whose handover to the orderer failed answers pending (not 503) and is re-sent until it commits', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('submit', ordererDown, ordererDown, () => ({ response: submitResponse() }));
    const metrics = new GatewayMetrics();
    const submits = service(() => h.ledger, metrics);
    const outcome = await submits.submit({ tx, fingerprint: 'a' });
    expect(outcome.status).toBe('pending');
    const [record] = storedRecords();
    expect(record).toMatchObject({ txId: outcome.txId, status: 'pending', commitState: '' });
    expect(record!.envelope!.length).toBeGreaterThan(0);
    expect(Date.parse(record!.deadlineAt!)).toBeGreaterThan(Date.now());
    const status = await submits.status(outcome.txId, tx.identity);
    expect(status).toMatchObject({ status: 'committed', blockNumber: 7 });
    expect(new Set(submitted(h.transport()).map((w) => w.bytes)).size).toBe(1);
    expect(h.transport().count('endorse')).toBe(1);
    expect(await metric(metrics, 'obe_submit_resends_total')).toBeGreaterThanOrEqual(1);
    expect(await metric(metrics, 'obe_submits_resolved_after_resend_total')).toBe(1);
    await submits.drain();
    await h.ledger.close();
  });

  it('a commit status that stays unknown is followed by re-sends; a DUPLICATE_TXID answer resolves it from the first copy', async () => {
    const h = harness(network, { script: happyPeer });
    h.transport().on('commitStatus', statusTimeout, statusTimeout, statusTimeout, statusTimeout, () => ({ response: commitStatusResponse(DUPLICATE_TXID, 12) }));
    qscc(h.transport(), VALID, 11);
    const submits = service(() => h.ledger, new GatewayMetrics());
    const outcome = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    expect(outcome.status).toBe('pending');
    let status = await submits.status(outcome.txId, tx.identity);
    for (let i = 0; status?.status === 'pending' && i < 20; i++) status = await submits.status(outcome.txId, tx.identity);
    expect(status).toMatchObject({ status: 'committed', blockNumber: 11 });
    expect(h.transport().count('submit')).toBeGreaterThanOrEqual(2);
    expect(new Set(submitted(h.transport()).map((w) => w.txId))).toEqual(new Set([outcome.txId]));
    await submits.drain();
    await h.ledger.close();
  });

  /** The orderer never takes this submit's copies (lost in a crash, refused while it restarts); later transactions it orders. */
  const losesFirstTransaction = (t: MockGatewayTransport) => {
    let lost: string | undefined;
    t.on('submit', (request) => {
      const txId = request.getTransactionId() as string;
      lost ??= txId;
      return txId === lost ? ordererDown() : { response: submitResponse() };
    });
  };

  it('the orderer loses the transaction: at the deadline, after a fence committed and with the txId absent from the ledger, the submit fails SUBMIT_EXPIRED (safe to resubmit)', async () => {
    const h = harness(network, { script: happyPeer });
    losesFirstTransaction(h.transport());
    qscc(h.transport(), undefined);
    const metrics = new GatewayMetrics();
    const submits = service(() => h.ledger, metrics, 400);
    const outcome = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    expect(outcome.status).toBe('pending');
    let status = await submits.status(outcome.txId, tx.identity);
    for (let i = 0; status?.status === 'pending' && i < 10; i++) status = await submits.status(outcome.txId, tx.identity);
    expect(status?.status).toBe('failed');
    expect(status?.error).toBeInstanceOf(SubmitExpiredError);
    expect(toHttpError(status!.error)).toMatchObject({ status: 409, code: 'SUBMIT_EXPIRED', details: { txId: outcome.txId, safeToResubmit: true } });
    // Re-sent until the deadline, then checked on the ledger once more before "safe" was said.
    expect(h.transport().count('submit')).toBeGreaterThanOrEqual(2);
    expect(h.transport().callsOf('evaluate').map((c) => proposalOf(c.request).args[0])).toContain('GetTransactionByID');
    // In wire order: the last copy of the pending transaction, then the fence (a read-only Governance:GetConfig) ordered
    // and committed, then the look at the ledger.
    const calls = h.transport().calls;
    const lastIndex = (match: (c: (typeof calls)[number]) => boolean) => calls.reduce((last, c, i) => (match(c) ? i : last), -1);
    const fenceEndorse = calls.find((c) => c.method === 'endorse' && proposalOf(c.request).args[0] === TX.Governance.GetConfig.name);
    expect(fenceEndorse).toBeDefined();
    const fenceTxId = fenceEndorse!.request.getTransactionId() as string;
    const lastCopy = lastIndex((c) => c.method === 'submit' && c.request.getTransactionId() === outcome.txId);
    const fenceCommitted = lastIndex((c) => c.method === 'commitStatus' && commitStatusTxId(c.request) === fenceTxId);
    const lastLookup = lastIndex((c) => c.method === 'evaluate');
    expect(lastCopy).toBeGreaterThanOrEqual(0);
    expect(fenceCommitted).toBeGreaterThan(lastCopy);
    expect(lastLookup).toBeGreaterThan(fenceCommitted);
    expect(await metric(metrics, 'obe_submits_expired_total')).toBe(1);
    await submits.drain();
    await h.ledger.close();
  });

  it('at the deadline, a txId that did get in (found by the final check) is committed, not failed', async () => {
    const h = harness(network, { script: happyPeer });
    losesFirstTransaction(h.transport());
    qscc(h.transport(), VALID, 21);
    const submits = service(() => h.ledger, new GatewayMetrics(), 200);
    const outcome = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    let status = await submits.status(outcome.txId, tx.identity);
    for (let i = 0; status?.status === 'pending' && i < 10; i++) status = await submits.status(outcome.txId, tx.identity);
    expect(status).toMatchObject({ status: 'committed', blockNumber: 21 });
    await submits.drain();
    await h.ledger.close();
  });

  it('a gateway restarted mid-submit resumes the pending record from disk and re-sends the stored signed transaction (same txId, never re-endorsed) until it commits', async () => {
    const transports = new Map<string, MockGatewayTransport>();
    const first = harness(network, { script: happyPeer, transports });
    first.transport().on('submit', ordererDown);
    const before = service(() => first.ledger, new GatewayMetrics());
    const outcome = await before.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-restart', respondAsync: true });
    expect(outcome.status).toBe('pending');
    const envelopes = submitted(first.transport());
    // The gateway stops (SIGTERM): followers stop where they are, the record stays pending on disk.
    await before.drain();
    await first.ledger.close();
    expect(storedRecords()).toEqual([expect.objectContaining({ txId: outcome.txId, status: 'pending' })]);

    // A new process; the orderer is back.
    const second = harness(network, { script: happyPeer, transports });
    second.transport().on('submit', () => ({ response: submitResponse() }));
    const endorsedBefore = second.transport().count('endorse');
    const after = service(() => second.ledger, new GatewayMetrics());
    await after.resumePending();
    expect(storedRecords()).toEqual([expect.objectContaining({ txId: outcome.txId, status: 'committed', blockNumber: 7 })]);
    expect(second.transport().count('endorse')).toBe(endorsedBefore);
    const wire = submitted(second.transport());
    expect(new Set(wire.map((w) => w.bytes))).toEqual(new Set([envelopes[0]!.bytes]));
    expect(commitStatusTxId(second.transport().callsOf('commitStatus').at(-1)!.request)).toBe(outcome.txId);
    // The same Idempotency-Key replays the outcome.
    await expect(after.submit({ tx, fingerprint: 'a', idempotencyKey: 'k-restart' })).resolves.toMatchObject({ status: 'committed', txId: outcome.txId });
    await after.drain();
    await second.ledger.close();
  });

  it('resumes many pending records after a restart, a bounded number at a time, each to committed or failed', async () => {
    const transports = new Map<string, MockGatewayTransport>();
    const first = harness(network, { script: happyPeer, transports });
    first.transport().on('submit', ordererDown);
    const before = service(() => first.ledger, new GatewayMetrics());
    const txIds: string[] = [];
    for (let i = 0; i < 12; i++) txIds.push((await before.submit({ tx, fingerprint: `r${i}`, respondAsync: true })).txId);
    await before.drain();
    await first.ledger.close();

    const second = harness(network, { script: happyPeer, transports });
    let inFlight = 0;
    let most = 0;
    second.transport().on('submit', async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return { response: submitResponse() };
    });
    // Every third one was invalidated (its first copy lost an MVCC conflict); the rest commit.
    let n = 0;
    second.transport().on('commitStatus', () => ({ response: commitStatusResponse(n++ % 3 === 2 ? MVCC_READ_CONFLICT : VALID, 30) }));
    const after = new SubmitService({ ledger: () => second.ledger, dataDir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }), resumeConcurrency: 3 });
    await after.resumePending();
    const records = storedRecords();
    expect(records).toHaveLength(12);
    expect(records.every((r) => r.status === 'committed' || r.status === 'failed')).toBe(true);
    expect(records.filter((r) => r.status === 'failed')).toHaveLength(4);
    expect(most).toBeLessThanOrEqual(3);
    await after.drain();
    await second.ledger.close();
  });
});
