/**
 * The Ledger port's one retry policy (gateway/src/ledger/retry-policy.ts) on the embedded adapter, as on Fabric
 * (test/gateway/fabric-adapter/retry-table.test.ts): a transaction that loses an MVCC conflict is retried from a new
 * proposal; a chaincode refusal never is.
 */
import { EmbeddedLedger } from '../../../gateway/src/ledger/embedded/adapter';
import { ChaincodeError, TransactionInvalidError } from '../../../gateway/src/ledger/errors';
import type { ConflictInfo, RetryInfo, RetryPolicy } from '../../../gateway/src/ledger/retry-policy';
import { A, B, networkOptions } from '../../fabric-embedded/support';

async function open(retry: Partial<RetryPolicy>, hooks: { retries: RetryInfo[]; conflicts: ConflictInfo[] }): Promise<EmbeddedLedger> {
  return EmbeddedLedger.open({
    network: networkOptions(),
    chaincode: 'kv',
    identities: [
      { label: 'a', mspId: A },
      { label: 'b', mspId: B },
    ],
    retry: { baseDelayMs: 1, ...retry },
    hooks: { onRetry: (i) => hooks.retries.push(i), onConflict: (i) => hooks.conflicts.push(i) },
  });
}

const increment = (identity: string, key: string) => ({ channel: 'ch', identity, fn: 'KV:Increment', args: [key] });

describe('EmbeddedLedger.submit applies the port retry policy', () => {
  it('retries the loser of two conflicting submits from a new proposal: both commit', async () => {
    const seen = { retries: [] as RetryInfo[], conflicts: [] as ConflictInfo[] };
    const ledger = await open({}, seen);
    try {
      const [one, two] = await Promise.all([ledger.submit(increment('a', 'ctr')), ledger.submit(increment('b', 'ctr'))]);
      expect(one.txId).not.toBe(two.txId);
      expect(Buffer.from(await ledger.evaluate({ channel: 'ch', identity: 'a', fn: 'KV:Get', args: ['ctr'] })).toString()).toBe('2');
      expect(seen.conflicts).toEqual([expect.objectContaining({ fn: 'KV:Increment', validationCode: 'MVCC_READ_CONFLICT' })]);
      expect(seen.retries).toEqual([expect.objectContaining({ fn: 'KV:Increment', step: 'commit', action: 'new-proposal', attempt: 1 })]);
      // The retried transaction is a new one: the conflicting txId stays invalid in its block.
      expect(ledger.runtime.txStatus('ch', seen.conflicts[0]!.txId)?.validationCode).toBe('MVCC_READ_CONFLICT');
    } finally {
      await ledger.close();
    }
  });

  it('tells the observer of each transaction started and of each one retried', async () => {
    const seen = { retries: [] as RetryInfo[], conflicts: [] as ConflictInfo[] };
    const ledger = await open({}, seen);
    try {
      const started: string[] = [];
      const retrying: string[] = [];
      const observer = { started: (p: { txId: string }) => void started.push(p.txId), retrying: (p: { txId: string }) => void retrying.push(p.txId) };
      const results = await Promise.all([ledger.submit(increment('a', 'obs'), observer), ledger.submit(increment('b', 'obs'), observer)]);
      expect(started).toHaveLength(3);
      expect(retrying).toEqual([seen.conflicts[0]!.txId]);
      expect(started).toEqual(expect.arrayContaining([...results.map((r) => r.txId), ...retrying]));
    } finally {
      await ledger.close();
    }
  });

  it('gives the conflict to the caller once the conflict budget is spent (conflictAttempts 1)', async () => {
    const seen = { retries: [] as RetryInfo[], conflicts: [] as ConflictInfo[] };
    const ledger = await open({ conflictAttempts: 1 }, seen);
    try {
      const outcomes = await Promise.allSettled([ledger.submit(increment('a', 'once')), ledger.submit(increment('b', 'once'))]);
      const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reason).toBeInstanceOf(TransactionInvalidError);
      expect((rejected[0]!.reason as TransactionInvalidError).isConflict).toBe(true);
      expect(seen.retries).toEqual([]);
    } finally {
      await ledger.close();
    }
  });

  it('never retries a chaincode refusal', async () => {
    const seen = { retries: [] as RetryInfo[], conflicts: [] as ConflictInfo[] };
    const ledger = await open({}, seen);
    try {
      await expect(ledger.submit({ channel: 'ch', identity: 'a', fn: 'KV:NoSuchFunction', args: [] })).rejects.toBeInstanceOf(ChaincodeError);
      expect(seen.retries).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});
