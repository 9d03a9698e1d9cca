import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { GatewayMetrics } from '../../gateway/src/http/metrics';
import { ChaincodeError, CommitUnknownError } from '../../gateway/src/ledger/errors';
import type { LedgerIdentity, PendingSubmit, SubmitResult, TransactionLookup } from '../../gateway/src/ledger/port';
import { SubmitService } from '../../gateway/src/submits/submit-service';
import { ScriptedLedger } from '../gateway/support/scripted-ledger';

/**
 * Review of issue 13: SUBMIT_EXPIRED ("safe to resubmit") must never be reported while ordering is not shown live.
 * The fence is submitted as the pending record's identity; when that identity is refused at endorsement (its label is
 * gone from this gateway, or its org's peers refuse it), the refusal proves nothing about ordering. It used to count as
 * "fenced", so with the orderer down the payment was declared expired, and the travelling copy could commit later.
 */
class OrdererDownLedger extends ScriptedLedger {
  ordered = false;
  fenceOk = false;
  /** Identities whose proposals the ledger refuses outright (e.g. the label was removed from this gateway). */
  refused = new Set<string>();
  fences: string[] = [];
  lookups = 0;
  override identities(): readonly LedgerIdentity[] {
    return [
      { label: 'utility-admin', mspId: 'UtilityMSP' },
      { label: 'other-member', mspId: 'UtilityMSP' },
    ];
  }
  override async startSubmit(request: Parameters<ScriptedLedger['startSubmit']>[0]): Promise<PendingSubmit> {
    if (this.refused.has(request.identity)) throw new ChaincodeError(`[FORBIDDEN] identity ${request.identity} refused`);
    const pending = await super.startSubmit(request);
    if (request.fn === TX.Governance.GetConfig.name) this.fences.push(pending.txId);
    return { ...pending, envelope: Buffer.from(`signed:${pending.txId}`) };
  }
  override async commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
    if (this.fences.includes(pending.txId) ? !this.fenceOk : !this.ordered) throw new CommitUnknownError(pending.txId);
    return { txId: pending.txId, blockNumber: 42, payload: pending.payload };
  }
  async resend(pending: PendingSubmit): Promise<PendingSubmit> {
    return pending;
  }
  async lookupTransaction(): Promise<TransactionLookup> {
    this.lookups++;
    return this.ordered ? { status: 'committed', blockNumber: 42 } : { status: 'not-found' };
  }
}

describe('review 13: the submit fence', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-review13-fence-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a fence refused for the submitter identity while ordering is down does not make the submit SUBMIT_EXPIRED', async () => {
    const ledger = new OrdererDownLedger();
    const tx = { channel: 'energy', identity: 'utility-admin', fn: TX.Tokens.Transfer.name, args: ['{}'] };
    const submits = new SubmitService({ ledger: () => ledger, dataDir: dir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }), submitDeadlineMs: 100, submitSettleMs: 20 });
    const pending = await submits.submit({ tx, fingerprint: 'a', respondAsync: true });
    ledger.refused.add('utility-admin'); // e.g. the participant's label was removed; the orderer is still down
    await new Promise((r) => setTimeout(r, 700));
    expect((await submits.status(pending.txId, 'utility-admin'))?.status).toBe('pending');
    expect(ledger.lookups).toBe(0);
    // Ordering is live again (a fence by another identity of the gateway commits): the outcome is then known.
    ledger.fenceOk = true;
    ledger.ordered = true; // the copy that was still travelling got in
    let status = await submits.status(pending.txId, 'utility-admin');
    for (let i = 0; status?.status === 'pending' && i < 20; i++) status = await submits.status(pending.txId, 'utility-admin');
    expect(status?.status).toBe('committed');
    await submits.drain();
  });
});

/** Two orgs, each with its own peer: a fence seen committed on one org's peer says nothing about the other's. */
class TwoPeersLedger extends OrdererDownLedger {
  override identities(): readonly LedgerIdentity[] {
    return [
      { label: 'utility-admin', mspId: 'UtilityMSP' },
      { label: 'grid-admin', mspId: 'GridOperatorMSP' },
    ];
  }
  fencedBy: string[] = [];
  override async startSubmit(request: Parameters<ScriptedLedger['startSubmit']>[0]): Promise<PendingSubmit> {
    if (request.fn === TX.Governance.GetConfig.name && this.fenceOk) this.fencedBy.push(request.identity);
    return super.startSubmit(request);
  }
}

describe('review 13: the fence is per peer (org), not per channel', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-review13-fence2-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("a submit of one org is checked only after a fence committed through its own org's peer", async () => {
    const ledger = new TwoPeersLedger();
    const submits = new SubmitService({ ledger: () => ledger, dataDir: dir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }), submitDeadlineMs: 100, submitSettleMs: 20 });
    const a = await submits.submit({ tx: { channel: 'energy', identity: 'grid-admin', fn: TX.Tokens.Transfer.name, args: ['{}'] }, fingerprint: 'a', respondAsync: true });
    const b = await submits.submit({ tx: { channel: 'energy', identity: 'utility-admin', fn: TX.Tokens.Transfer.name, args: ['{}'] }, fingerprint: 'b', respondAsync: true });
    await new Promise((r) => setTimeout(r, 600)); // both past deadline and settle time, ordering down: no fence commits
    expect((await submits.status(a.txId, 'grid-admin'))?.status).toBe('pending');
    ledger.fenceOk = true; // ordering is back: the next fence commits, on the peer of the org that sent it
    for (const [txId, who] of [[a.txId, 'grid-admin'], [b.txId, 'utility-admin']] as const) {
      let status = await submits.status(txId, who);
      for (let i = 0; status?.status === 'pending' && i < 20; i++) status = await submits.status(txId, who);
      expect(status?.status).toBe('failed');
    }
    expect(new Set(ledger.fencedBy)).toEqual(new Set(['grid-admin', 'utility-admin']));
    await submits.drain();
  });
});
