import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { TX } from '@obe/chaincode';
import { GatewayMetrics } from '../../gateway/src/http/metrics';
import type { PendingSubmit } from '../../gateway/src/ledger/port';
import { SubmitService } from '../../gateway/src/submits/submit-service';
import { ScriptedLedger } from '../gateway/support/scripted-ledger';

/**
 * Review of issue 13: every followed submit now stores its whole signed envelope (to re-send it), and the record of
 * <data>/submits is never pruned. Once the submit has an outcome nothing re-sends it, yet the envelope stayed on disk
 * in every committed and failed record for ever. (The records themselves are still not pruned: see the report.)
 */
class EnvelopeLedger extends ScriptedLedger {
  override async startSubmit(request: Parameters<ScriptedLedger['startSubmit']>[0]): Promise<PendingSubmit> {
    const pending = await super.startSubmit(request);
    return { ...pending, envelope: Buffer.alloc(4096, 1) };
  }
}

describe('review 13: what a finished submit keeps on disk', () => {
  it('drops the signed envelope once the submit has an outcome', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-review13-persist-'));
    try {
      const ledger = new EnvelopeLedger();
      const submits = new SubmitService({ ledger: () => ledger, dataDir: dir, metrics: new GatewayMetrics(), logger: pino({ level: 'silent' }) });
      const tx = { channel: 'energy', identity: 'utility-admin', fn: TX.Tokens.Transfer.name, args: ['{}'] };
      const sync = await submits.submit({ tx, fingerprint: 'a' });
      const async = await submits.submit({ tx, fingerprint: 'b', respondAsync: true });
      let status = await submits.status(async.txId, 'utility-admin');
      for (let i = 0; status?.status === 'pending' && i < 20; i++) status = await submits.status(async.txId, 'utility-admin');
      expect(status?.status).toBe('committed');
      await submits.drain();
      const records = fs.readdirSync(path.join(dir, 'submits')).filter((f) => f.endsWith('.json'))
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, 'submits', f), 'utf8')) as Record<string, unknown>);
      expect(records.length).toBeGreaterThanOrEqual(1);
      expect(records.map((r) => r.txId)).toContain(async.txId);
      void sync;
      for (const r of records) expect(r).not.toHaveProperty('envelope');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
