import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { GatewayMetrics } from '../../gateway/src/http/metrics';
import { CommitUnknownError } from '../../gateway/src/ledger/errors';
import type { PendingSubmit, SubmitResult, TransactionLookup } from '../../gateway/src/ledger/port';
import { SubmitService } from '../../gateway/src/submits/submit-service';
import { ScriptedLedger } from '../gateway/support/scripted-ledger';

/**
 * Review of issue 13: a gateway restarted after a pending submit's deadline re-sent the signed transaction once more
 * on resume, and then, the settle time (deadline + settle) being long past, fenced and looked it up at once. A copy
 * handed over after the deadline is exactly what the settle time is there to let arrive: the doc promises that past
 * the deadline "this gateway no longer sends it". Nothing may be re-sent at or after the deadline.
 */
class OrdererDownLedger extends ScriptedLedger {
  resentAt: number[] = [];
  override async startSubmit(request: Parameters<ScriptedLedger['startSubmit']>[0]): Promise<PendingSubmit> {
    const pending = await super.startSubmit(request);
    // The orderer never confirmed it (SubmitUnconfirmed): no commit status to ask, only the envelope to re-send.
    return { ...pending, commitState: new Uint8Array(), envelope: Buffer.from(`signed:${pending.txId}`) };
  }
  override async commitStatus(pending: PendingSubmit): Promise<SubmitResult> {
    if (pending.channel === 'energy' && !this.fenceTxIds.has(pending.txId)) throw new CommitUnknownError(pending.txId);
    return { txId: pending.txId, blockNumber: 7, payload: pending.payload };
  }
  fenceTxIds = new Set<string>();
  override async submit(request: Parameters<ScriptedLedger['submit']>[0]): Promise<SubmitResult> {
    if (request.fn === TX.Governance.GetConfig.name) return { txId: 'fence', blockNumber: 8, payload: Buffer.from('{}') };
    return super.submit(request);
  }
  async resend(pending: PendingSubmit): Promise<PendingSubmit> {
    this.resentAt.push(Date.now());
    return pending;
  }
  async lookupTransaction(): Promise<TransactionLookup> {
    return { status: 'not-found' };
  }
}

describe('review 13: re-sending after the deadline', () => {
  it('a submit resumed after its deadline is never re-sent, only fenced and looked up', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-review13-resend-'));
    try {
      const ledger = new OrdererDownLedger();
      const make = () => new SubmitService({ ledger: () => ledger, dataDir: dir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }), submitDeadlineMs: 150, submitSettleMs: 20 });
      const before = make();
      const tx = { channel: 'energy', identity: 'utility-admin', fn: TX.Tokens.Transfer.name, args: ['{}'] };
      const started = Date.now();
      const pending = await before.submit({ tx, fingerprint: 'a', respondAsync: true });
      await before.drain(); // the gateway stops before the deadline
      await new Promise((r) => setTimeout(r, 400)); // … and starts again well after it
      ledger.resentAt.length = 0;
      const after = make();
      await after.resumePending();
      const status = await after.status(pending.txId, 'utility-admin');
      expect(status?.status).toBe('failed');
      expect(ledger.resentAt.filter((t) => t >= started + 150)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
