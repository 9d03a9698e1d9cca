/**
 * docs/embedded-runtime.md, rules 5 and 8: private data collections (membership, memberOnlyRead/Write, hashes, purge,
 * blockToLive, implicit org collections, transient map) and endorsement policies at collection level.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { EndorseError, TxValidationError } from '@obe/fabric-embedded';
import { A, B, C, Net, rejection } from './support';

let net: Net;
beforeAll(async () => {
  net = await Net.start();
});
afterAll(() => net.close());

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function put(org: string, collection: string, key: string, value: string, extra: { endorsingOrgs?: string[] } = {}) {
  return net.submit(org, 'PvtPut', [collection, key], { transient: { value }, ...extra });
}

test('private values reach member orgs only; blocks carry hashes, never the value', async () => {
  const r = await put(A, 'abOnly', 'p1', 'secret-one');
  expect(net.fabric.privateData(A, 'ch', 'kv', 'abOnly', 'p1')?.toString()).toBe('secret-one');
  expect(net.fabric.privateData(B, 'ch', 'kv', 'abOnly', 'p1')?.toString()).toBe('secret-one');
  expect(net.fabric.privateData(C, 'ch', 'kv', 'abOnly', 'p1')).toBeUndefined();
  const block = JSON.stringify(net.fabric.block('ch', r.blockNumber));
  expect(block).not.toContain('secret-one');
  expect(block).not.toContain(Buffer.from('secret-one').toString('base64'));
  const tx = net.fabric.block('ch', r.blockNumber).transactions[r.txIndex];
  expect(tx.rwset.collections[0].hashedWrites[0]).toMatchObject({ keyHash: sha256('p1'), valueHash: sha256('secret-one'), isDelete: false });
  const blocksFile = fs.readFileSync(path.join(net.fabric.dataDir, 'channels', 'ch', 'blocks.log'));
  expect(blocksFile.includes(Buffer.from('secret-one'))).toBe(false);
});

test('a non-member org reading a memberOnlyRead collection fails as on a peer', async () => {
  await put(A, 'abOnly', 'p2', 'v');
  const err = await rejection(net.evaluate(C, 'PvtGet', ['abOnly', 'p2']));
  expect(err).toBeInstanceOf(EndorseError);
  expect(err.message).toMatch(/^GET_STATE failed: transaction ID: [0-9a-f]{64}: tx creator does not have read access permission on privatedata in chaincodeName:kv collectionName: abOnly$/);
});

test('a non-member org writing a memberOnlyWrite collection fails', async () => {
  const err = await rejection(put(C, 'abOnly', 'p3', 'v'));
  expect(err.message).toMatch(/PUT_STATE failed: .*tx creator does not have write access permission on privatedata in chaincodeName:kv collectionName: abOnly$/);
});

test('a peer without the private data answers "private data matching public hash version is not available"', async () => {
  const r = await put(A, 'aOpen', 'o1', 'open-secret', { endorsingOrgs: [A, B] });
  // C's client may read (memberOnlyRead is false) but C's peer only holds the hash.
  const err = await rejection(net.evaluate(C, 'PvtGet', ['aOpen', 'o1']));
  expect(err.message).toMatch(
    new RegExp(`private data matching public hash version is not available\\. Public hash version = \\{BlockNum: ${r.blockNumber}, TxNum: ${r.txIndex}\\}, Private data version = <nil>$`),
  );
  // ...and A's peer, which holds it, answers the same client.
  expect(await net.evaluate(C, 'PvtGet', ['aOpen', 'o1'], { org: A })).toBe('open-secret');
});

test('getPrivateDataHash is visible to every org', async () => {
  await put(B, 'abOnly', 'h1', 'hash-me');
  expect(await net.evaluate(C, 'PvtHash', ['abOnly', 'h1'])).toBe(sha256('hash-me'));
  expect(await net.evaluate(C, 'PvtHash', ['abOnly', 'missing'])).toBe('');
});

test('purge removes the value from every peer, the hash, and the files on disk', async () => {
  await put(A, 'abOnly', 'purge-me', 'to-be-purged-value');
  const file = path.join(net.fabric.dataDir, 'channels', 'ch', `private-${A}.log`);
  const encoded = Buffer.from('to-be-purged-value').toString('base64');
  expect(fs.readFileSync(file).includes(Buffer.from(encoded))).toBe(true);
  await net.submit(A, 'PvtPurge', ['abOnly', 'purge-me']);
  expect(net.fabric.privateData(A, 'ch', 'kv', 'abOnly', 'purge-me')).toBeUndefined();
  expect(net.fabric.privateData(B, 'ch', 'kv', 'abOnly', 'purge-me')).toBeUndefined();
  expect(await net.evaluate(A, 'PvtHash', ['abOnly', 'purge-me'])).toBe('');
  expect(await net.evaluate(A, 'PvtGet', ['abOnly', 'purge-me'])).toBe('');
  expect(fs.readFileSync(file).includes(Buffer.from(encoded))).toBe(false);
});

test('purge removes every version of its key from disk, and only that key: other history stays, as on a peer', async () => {
  const file = path.join(net.fabric.dataDir, 'channels', 'ch', `private-${A}.log`);
  const onDisk = (value: string) => fs.readFileSync(file).includes(Buffer.from(Buffer.from(value).toString('base64')));
  await put(A, 'abOnly', 'hist-kept', 'kept-version-one');
  await put(A, 'abOnly', 'hist-kept', 'kept-version-two');
  await put(A, 'abOnly', 'hist-purged', 'purged-version-one');
  await put(A, 'abOnly', 'hist-purged', 'purged-version-two');
  await net.submit(A, 'PvtPurge', ['abOnly', 'hist-purged']);
  expect(onDisk('purged-version-one')).toBe(false);
  expect(onDisk('purged-version-two')).toBe(false);
  // Fabric keeps an overwritten version in its private data store; only purge and expiry remove history.
  expect(onDisk('kept-version-one')).toBe(true);
  expect(onDisk('kept-version-two')).toBe(true);
  // A key written again after its purge is held again.
  await put(A, 'abOnly', 'hist-purged', 'after-the-purge');
  expect(net.fabric.privateData(B, 'ch', 'kv', 'abOnly', 'hist-purged')?.toString()).toBe('after-the-purge');
});

test('blockToLive: data committed in block n is gone once block n + blockToLive + 1 commits', async () => {
  const r = await put(A, 'shortLived', 'ttl', 'short');
  const n = r.blockNumber;
  let tick = 0;
  while (net.fabric.height('ch') < n + 3) {
    expect(net.fabric.privateData(A, 'ch', 'kv', 'shortLived', 'ttl')?.toString()).toBe('short');
    await net.submit(A, 'Put', [`ttl-tick-${tick++}`, 'x']);
  }
  expect(net.fabric.height('ch')).toBe(n + 3); // block n + 2 committed: still readable above; n + 3 = n + blockToLive + 1 below
  await net.submit(A, 'Put', [`ttl-tick-${tick++}`, 'x']);
  expect(net.fabric.privateData(A, 'ch', 'kv', 'shortLived', 'ttl')).toBeUndefined();
  expect(net.fabric.privateData(B, 'ch', 'kv', 'shortLived', 'ttl')).toBeUndefined();
  expect(await net.evaluate(A, 'PvtHash', ['shortLived', 'ttl'])).toBe('');
});

test('blockToLive: an expired version leaves the disk too', async () => {
  const file = path.join(net.fabric.dataDir, 'channels', 'ch', `private-${A}.log`);
  const encoded = Buffer.from(Buffer.from('expires-from-disk').toString('base64'));
  const r = await put(A, 'shortLived', 'ttl-disk', 'expires-from-disk');
  expect(fs.readFileSync(file).includes(encoded)).toBe(true);
  let tick = 0;
  while (net.fabric.height('ch') <= r.blockNumber + 3) await net.submit(A, 'Put', [`ttl-disk-tick-${tick++}`, 'x']);
  expect(net.fabric.privateData(A, 'ch', 'kv', 'shortLived', 'ttl-disk')).toBeUndefined();
  expect(fs.readFileSync(file).includes(encoded)).toBe(false);
});

test('implicit org collections hold data for their org only', async () => {
  await put(A, `_implicit_org_${A}`, 'mine', 'a-only');
  expect(net.fabric.privateData(A, 'ch', 'kv', `_implicit_org_${A}`, 'mine')?.toString()).toBe('a-only');
  expect(net.fabric.privateData(B, 'ch', 'kv', `_implicit_org_${A}`, 'mine')).toBeUndefined();
});

test('an undefined collection is refused with Fabric wording', async () => {
  const err = await rejection(put(A, 'nope', 'k', 'v'));
  expect(err.message).toMatch(/collection \[nope\] not defined in the collection config for chaincode \[kv\]$/);
});

test('the transient map is required input and never reaches the block', async () => {
  const err = await rejection(net.submit(A, 'PvtPut', ['abOnly', 'no-transient']));
  expect(err.message).toBe('[INVALID_ARGUMENT] transient value missing');
});

test('a collection endorsement policy picks its endorsers by default and is enforced at validation', async () => {
  const ok = await put(A, 'bothMustSign', 'both', 'v');
  expect(net.fabric.block('ch', ok.blockNumber).transactions[ok.txIndex].endorsers).toEqual([A, B]);
  const err = (await rejection(put(A, 'bothMustSign', 'both', 'v2', { endorsingOrgs: [A] }))) as TxValidationError;
  expect(err).toBeInstanceOf(TxValidationError);
  expect(err.validationCode).toBe('ENDORSEMENT_POLICY_FAILURE');
  expect(net.fabric.privateData(A, 'ch', 'kv', 'bothMustSign', 'both')?.toString()).toBe('v');
});

test('the default chaincode policy is MAJORITY of the channel orgs', async () => {
  const ok = await net.submit(C, 'Put', ['maj', '1']);
  const endorsers = net.fabric.block('ch', ok.blockNumber).transactions[ok.txIndex].endorsers;
  expect(endorsers).toHaveLength(2);
  expect(endorsers).toContain(C);
  const err = (await rejection(net.submit(C, 'Put', ['maj', '2'], { endorsingOrgs: [C] }))) as TxValidationError;
  expect(err.validationCode).toBe('ENDORSEMENT_POLICY_FAILURE');
  expect(await net.evaluate(A, 'Get', ['maj'])).toBe('1');
});

test('a changed private value invalidates a transaction that read it (hashed read MVCC)', async () => {
  await put(A, 'abOnly', 'src', 'first');
  const copy = await net.fabric.endorse(net.req(A, 'PvtCopy', ['abOnly', 'src', 'dst']));
  await put(B, 'abOnly', 'src', 'second');
  expect(((await rejection(net.fabric.commit(copy))) as TxValidationError).validationCode).toBe('MVCC_READ_CONFLICT');
  expect(net.fabric.privateData(A, 'ch', 'kv', 'abOnly', 'dst')).toBeUndefined();
});

test('private range queries return what the peer stores', async () => {
  await put(A, 'abOnly', 'rng-1', 'x');
  const keysA: string[] = JSON.parse(await net.evaluate(A, 'PvtRange', ['abOnly']));
  expect(keysA).toContain('rng-1');
  expect(keysA).toEqual([...keysA].sort());
});
