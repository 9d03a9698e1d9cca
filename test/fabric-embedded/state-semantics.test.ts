/**
 * docs/embedded-runtime.md, rules 1–4: snapshot reads, key and range rules, read-only query rules, MVCC and phantom
 * validation.
 * Each test fails on a lenient mock (one that reads its own writes, ignores versions or accepts every query).
 */
import { EndorseError, RuntimeUsageError, TxValidationError } from '@obe/fabric-embedded';
import { A, B, Net, rejection } from './support';

let net: Net;
beforeAll(async () => {
  net = await Net.start();
});
afterAll(() => net.close());

describe('bad use of the API', () => {
  test('malformed requests and unknown names get RuntimeUsageError, the ledger untouched', async () => {
    const height = net.fabric.height('ch');
    const base = net.req(A, 'Put', ['k', 'v']);
    await expect(net.fabric.submit({ ...base, fn: '' })).rejects.toBeInstanceOf(RuntimeUsageError);
    await expect(net.fabric.submit({ ...base, args: 'k' as unknown as string[] })).rejects.toBeInstanceOf(RuntimeUsageError);
    await expect(net.fabric.submit({ ...base, args: [1 as unknown as string] })).rejects.toBeInstanceOf(RuntimeUsageError);
    await expect(net.fabric.submit({ ...base, transient: { x: 5 as unknown as string } })).rejects.toBeInstanceOf(RuntimeUsageError);
    await expect(net.fabric.submit({ ...base, channel: 'nope' })).rejects.toThrow('channel nope does not exist');
    await expect(net.fabric.submit({ ...base, chaincode: 'nope' })).rejects.toThrow('chaincode nope is not defined on channel ch');
    await expect(net.fabric.submit({ ...base, endorsingOrgs: ['NopeMSP'] })).rejects.toThrow('endorsing org NopeMSP is not a member of channel ch');
    const unknownFn = await net.fabric.submit({ ...base, fn: 'KV:Nope' }).catch((e: Error) => e);
    expect(unknownFn).toBeInstanceOf(EndorseError);
    expect((unknownFn as Error).message).toBe("You've asked to invoke a function that does not exist: KV:Nope");
    expect(net.fabric.height('ch')).toBe(height);
  });
});

describe('§3.1 snapshot reads', () => {
  test('a transaction reading its own write sees the committed value; range queries do not see it either', async () => {
    await net.submit(A, 'Put', ['own/k', 'old']);
    const r = await net.submit(A, 'PutThenGet', ['own/new', 'v']);
    expect(JSON.parse(r.payload.toString())).toEqual({ read: '', range: expect.not.arrayContaining(['own/new']) });
    const again = await net.submit(A, 'PutThenGet', ['own/k', 'v2']);
    expect(JSON.parse(again.payload.toString()).read).toBe('old');
    // the last of two writes to one key wins
    expect(await net.evaluate(A, 'Get', ['own/k'])).toBe('v2-last');
  });

  test('putState of an empty value is a delete', async () => {
    await net.submit(A, 'Put', ['empty/k', 'x']);
    const endorsed = await net.fabric.endorse(net.req(A, 'PutEmpty', ['empty/k']));
    expect(endorsed.rwset.writes).toEqual([{ key: 'empty/k', isDelete: true }]);
    await net.fabric.commit(endorsed);
    expect(await net.evaluate(A, 'Get', ['empty/k'])).toBe('');
    const history = JSON.parse(await net.evaluate(A, 'History', ['empty/k']));
    expect(history.map((h: { isDelete: boolean }) => h.isDelete)).toEqual([true, false]); // newest first
  });

  test('every write is discarded when the transaction throws; the error is the chaincode message verbatim', async () => {
    const height = net.fabric.height('ch');
    const err = await rejection(net.submit(A, 'PutThenThrow', ['throw/k']));
    expect(err).toBeInstanceOf(EndorseError);
    expect(err.message).toBe('[CONFLICT] refused after writing throw/k');
    expect((err as EndorseError).status).toBe(500);
    expect(await net.evaluate(A, 'Get', ['throw/k'])).toBe('');
    expect(net.fabric.height('ch')).toBe(height);
  });

  test('evaluate orders nothing', async () => {
    const height = net.fabric.height('ch');
    await net.evaluate(A, 'Increment', ['eval/ctr']);
    expect(net.fabric.height('ch')).toBe(height);
    expect(await net.evaluate(A, 'Get', ['eval/ctr'])).toBe('');
  });
});

describe('§3.2 keys and ranges', () => {
  test('range results come in UTF-8 byte order, start inclusive, end exclusive', async () => {
    const keys = ['r/a', 'r/b', 'r/B', 'r/\u00e9', 'r/\ufffd', 'r/\u{1F600}', 'r/z'];
    for (const k of keys) await net.submit(A, 'Put', [k, '1']);
    expect(JSON.parse(await net.evaluate(A, 'Range', ['r/', 'r0']))).toEqual(['r/B', 'r/a', 'r/b', 'r/z', 'r/\u00e9', 'r/\ufffd', 'r/\u{1F600}']);
    expect(JSON.parse(await net.evaluate(A, 'Range', ['r/a', 'r/z']))).toEqual(['r/a', 'r/b']);
  });

  test('ranges of exactly one or several batches of 100 results return every key once', async () => {
    await net.submit(A, 'PutMany', ['b100/', '100']);
    await net.submit(A, 'PutMany', ['b250/', '250']);
    const hundred: string[] = JSON.parse(await net.evaluate(A, 'Range', ['b100/', 'b1000']));
    expect(hundred).toHaveLength(100);
    const many: string[] = JSON.parse(await net.evaluate(A, 'Range', ['b250/', 'b2500']));
    expect(new Set(many).size).toBe(250);
    expect(many[249]).toBe('b250/0249');
    // the counting transaction commits: its 250-read range query validates
    await expect(net.submit(A, 'CountRange', ['b250/', 'b2500', 'b250-count'])).resolves.toMatchObject({ payload: Buffer.from('250') });
  });

  test("'' bounds are open and composite keys stay out of simple-key ranges", async () => {
    await net.submit(A, 'PutComposite', ['asset', 'zone1', 'id1', 'one']);
    await net.submit(A, 'PutComposite', ['asset', 'zone1', 'id2', 'two']);
    await net.submit(A, 'PutComposite', ['asset', 'zone2', 'id3', 'three']);
    const all: string[] = JSON.parse(await net.evaluate(A, 'Range', ['', '']));
    expect(all.length).toBeGreaterThan(0);
    expect(all.some((k) => k.startsWith('\u0000'))).toBe(false);
    expect(JSON.parse(await net.evaluate(A, 'ListComposite', ['asset', 'zone1']))).toEqual([
      { objectType: 'asset', attributes: ['zone1', 'id1'], value: 'one' },
      { objectType: 'asset', attributes: ['zone1', 'id2'], value: 'two' },
    ]);
    expect(JSON.parse(await net.evaluate(A, 'ListComposite', ['asset', '']))).toHaveLength(3);
  });

  test('a simple-key range starting with \\x00 is rejected with the shim wording', async () => {
    const err = await rejection(net.evaluate(A, 'RangeFromNul'));
    expect(err.message).toBe('first character of the key [\u0000abc] contains a null character which is not allowed');
  });
});

describe('§3.3 read-only query rules', () => {
  beforeAll(async () => {
    for (const k of ['pg/1', 'pg/2', 'pg/3', 'pg/4', 'pg/5']) await net.submit(A, 'Put', [k, 'x']);
  });

  test('pagination returns pages with a bookmark and a fetched count', async () => {
    const first = JSON.parse(await net.evaluate(A, 'Page', ['pg/', 'pg0', '2', '']));
    expect(first).toEqual({ keys: ['pg/1', 'pg/2'], metadata: { bookmark: 'pg/3', fetchedRecordsCount: 2 } });
    const last = JSON.parse(await net.evaluate(A, 'Page', ['pg/', 'pg0', '2', 'pg/5']));
    expect(last).toEqual({ keys: ['pg/5'], metadata: { bookmark: '', fetchedRecordsCount: 1 } });
  });

  test('a write after a paginated query is refused as a peer refuses it', async () => {
    const err = await rejection(net.submit(A, 'PageThenWrite'));
    expect(err.message).toMatch(/^PUT_STATE failed: transaction ID: [0-9a-f]{64}: txid \[[0-9a-f]{64}\]: unsuppored transaction\. Transaction has already performed a paginated query\. Writes are not allowed$/);
  });

  test('a paginated query after a write is refused', async () => {
    const err = await rejection(net.submit(A, 'WriteThenPage'));
    expect(err.message).toMatch(/GET_STATE_BY_RANGE failed: .*Paginated queries are supported only in a read-only transaction$/);
  });

  test('a write after a private data range query is refused', async () => {
    const err = await rejection(net.submit(A, 'PvtRangeThenWrite', ['abOnly']));
    expect(err.message).toMatch(/PUT_STATE failed: .*Transaction has already performed queries on pvt data\. Writes are not allowed$/);
  });

  test('rich queries fail as on a LevelDB peer', async () => {
    const err = await rejection(net.evaluate(A, 'RichQuery'));
    expect(err.message).toMatch(/GET_QUERY_RESULT failed: .*ExecuteQuery not supported for leveldb$/);
  });
});

describe('§3.4 MVCC and phantom validation', () => {
  test('two increments simulated on the same snapshot: exactly one MVCC_READ_CONFLICT, recorded in the block, writing nothing', async () => {
    const [t1, t2] = await Promise.all([net.fabric.endorse(net.req(A, 'Increment', ['mvcc/ctr'])), net.fabric.endorse(net.req(B, 'Increment', ['mvcc/ctr']))]);
    const outcomes = await Promise.allSettled([net.fabric.commit(t1), net.fabric.commit(t2)]);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    const err = rejected[0].reason as TxValidationError;
    expect(err).toBeInstanceOf(TxValidationError);
    expect(err.validationCode).toBe('MVCC_READ_CONFLICT');
    expect(await net.evaluate(A, 'Get', ['mvcc/ctr'])).toBe('1');
    const status = net.fabric.txStatus('ch', err.txId);
    expect(status?.validationCode).toBe('MVCC_READ_CONFLICT');
    const block = net.fabric.block('ch', err.blockNumber);
    expect(block.transactions[status!.txIndex]).toMatchObject({ txId: err.txId, validationCode: 'MVCC_READ_CONFLICT' });
  });

  test('concurrent submits of one increment: the counter equals the number of valid transactions', async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => net.submit(i % 2 ? A : B, 'Increment', ['mvcc/many'])));
    const valid = outcomes.filter((o) => o.status === 'fulfilled').length;
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as TxValidationError).validationCode).toBe('MVCC_READ_CONFLICT');
    expect(valid).toBeGreaterThanOrEqual(1);
    expect(await net.evaluate(A, 'Get', ['mvcc/many'])).toBe(String(valid));
  });

  test('committing the same endorsement twice: the copy is DUPLICATE_TXID and the original stays valid', async () => {
    const tx = await net.fabric.endorse(net.req(A, 'Put', ['dup/k', '1']));
    const first = await net.fabric.commit(tx);
    const err = (await rejection(net.fabric.commit(tx))) as TxValidationError;
    expect(err.validationCode).toBe('DUPLICATE_TXID');
    expect(net.fabric.txStatus('ch', tx.txId)).toEqual({ validationCode: 'VALID', blockNumber: first.blockNumber, txIndex: first.txIndex });
  });

  test('an insert into a range read by a concurrent transaction yields PHANTOM_READ_CONFLICT', async () => {
    await net.submit(A, 'Put', ['ph/1', 'x']);
    const counting = await net.fabric.endorse(net.req(A, 'CountRange', ['ph/', 'ph0', 'ph-count']));
    await net.submit(B, 'Put', ['ph/2', 'y']);
    const err = (await rejection(net.fabric.commit(counting))) as TxValidationError;
    expect(err.validationCode).toBe('PHANTOM_READ_CONFLICT');
    expect(await net.evaluate(A, 'Get', ['ph-count'])).toBe('');
  });

  test('large range reads are kept as a digest and still catch phantoms', async () => {
    await net.submit(A, 'PutMany', ['big/', '120']);
    const counting = await net.fabric.endorse(net.req(A, 'CountRange', ['big/', 'big0', 'big-count']));
    expect(counting.rwset.rangeQueries[0]).toMatchObject({ reads: [], itrExhausted: true, readsSummary: { count: 120, lastKey: 'big/0119' } });
    await net.submit(B, 'Put', ['big/0050x', 'inserted']);
    expect(((await rejection(net.fabric.commit(counting))) as TxValidationError).validationCode).toBe('PHANTOM_READ_CONFLICT');
    const again = await net.fabric.endorse(net.req(A, 'CountRange', ['big/', 'big0', 'big-count']));
    await net.submit(B, 'Put', ['big1', 'outside']);
    await expect(net.fabric.commit(again)).resolves.toMatchObject({ payload: Buffer.from('121') });
  });

  test('a write outside the range read keeps the transaction valid', async () => {
    await net.submit(A, 'Put', ['ph2/b', 'x']);
    const counting = await net.fabric.endorse(net.req(A, 'CountRange', ['ph2/', 'ph2/m', 'ph2-count']));
    await net.submit(B, 'Put', ['ph2/z', 'outside']);
    await expect(net.fabric.commit(counting)).resolves.toMatchObject({ txId: counting.txId });
    expect(await net.evaluate(A, 'Get', ['ph2-count'])).toBe('1');
  });

  test('an update of a key a range returned is a phantom conflict too', async () => {
    await net.submit(A, 'Put', ['ph3/a', '1']);
    const counting = await net.fabric.endorse(net.req(A, 'CountRange', ['ph3/', 'ph30', 'ph3-count']));
    await net.submit(B, 'Put', ['ph3/a', '2']);
    expect(((await rejection(net.fabric.commit(counting))) as TxValidationError).validationCode).toBe('PHANTOM_READ_CONFLICT');
  });
});
