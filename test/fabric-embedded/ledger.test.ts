/**
 * docs/embedded-runtime.md, rules 6–9: events, identities, per-org endorsement, blocks (hash chain, persistence,
 * restart, torn and corrupted files) and several channels.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import * as x509 from '@peculiar/x509';
import {
  EmbeddedFabric,
  EndorseError,
  EndorsementMismatchError,
  LedgerCorruptedError,
  TxValidationError,
  verifyBlock,
  type ChaincodeEventRecord,
} from '@obe/fabric-embedded';
import { KvContract } from './fixtures/kv-contract';
import { A, B, C, Net, networkOptions, rejection } from './support';

/** Reads events until one satisfies `until`. */
async function eventsUntil(net: Net, fromBlock: number, until: (e: ChaincodeEventRecord) => boolean): Promise<ChaincodeEventRecord[]> {
  const stream = net.fabric.events('ch', { fromBlock, chaincode: 'kv' });
  const seen: ChaincodeEventRecord[] = [];
  try {
    for await (const e of stream) {
      seen.push(e);
      if (until(e)) break;
    }
  } finally {
    stream.close();
  }
  return seen;
}

describe('with one network', () => {
  let net: Net;
  beforeAll(async () => {
    net = await Net.start();
  });
  afterAll(() => net.close());

  describe('§3.6 events', () => {
    test('one event per transaction, the last setEvent wins, with block number and transaction id', async () => {
      const r = await net.submit(A, 'Emit', ['Named', 'payload-1']);
      const [event] = await eventsUntil(net, r.blockNumber, () => true);
      expect(event).toEqual({ channel: 'ch', chaincode: 'kv', blockNumber: r.blockNumber, txIndex: r.txIndex, txId: r.txId, eventName: 'Named', payload: Buffer.from('payload-1') });
    });

    test('an event of an invalid transaction is never delivered', async () => {
      const start = net.fabric.height('ch');
      const [t1, t2] = await Promise.all([net.fabric.endorse(net.req(A, 'EmitAndIncrement', ['ev/ctr'])), net.fabric.endorse(net.req(B, 'EmitAndIncrement', ['ev/ctr']))]);
      expect(t1.event?.eventName).toBe('Incremented');
      const outcomes = await Promise.allSettled([net.fabric.commit(t1), net.fabric.commit(t2)]);
      const invalid = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')?.reason as TxValidationError;
      expect(invalid.validationCode).toBe('MVCC_READ_CONFLICT');
      const marker = await net.submit(A, 'Emit', ['Marker', 'end']);
      const seen = await eventsUntil(net, start, (e) => e.txId === marker.txId);
      expect(seen.map((e) => e.txId)).not.toContain(invalid.txId);
      expect(seen.filter((e) => e.eventName === 'Incremented')).toHaveLength(1);
    });

    test('events replay from any block and then follow new blocks', async () => {
      const first = await net.submit(A, 'Emit', ['Replay', 'one']);
      await net.submit(A, 'Emit', ['Replay', 'two']);
      const stream = net.fabric.events('ch', { fromBlock: first.blockNumber });
      const iterator = stream[Symbol.asyncIterator]();
      expect((await iterator.next()).value.payload.toString()).toBe('one');
      expect((await iterator.next()).value.payload.toString()).toBe('two');
      const pending = iterator.next();
      await net.submit(A, 'Emit', ['Replay', 'three']);
      expect((await pending).value.payload.toString()).toBe('three');
      stream.close();
      expect((await iterator.next()).done).toBe(true);
    });
  });

  describe('§3.7 identities', () => {
    test('X.509 from the org CA with Fabric CA attributes, read by ctx.clientIdentity as on a peer', async () => {
      const who = JSON.parse(await net.evaluate(A, 'WhoAmI', [], { transient: { t: 'x' } }));
      // The enrolment ID (CN) is random and meaningless; the label `user-<MSP>` stays off-chain.
      const enrollmentId = who.enrollmentId as string;
      expect(enrollmentId).toMatch(/^id-[0-9a-f]{32}$/);
      expect(who).toMatchObject({
        id: `x509::/CN=${enrollmentId}/OU=client/O=${A}::/CN=ca.${A.toLowerCase()}/O=${A}`,
        mspId: A,
        role: 'tester',
        enrollmentId,
        type: 'client',
        isAdmin: false,
        peerMspId: A,
        channel: 'ch',
        creatorMsp: A,
        hasSignedProposal: true,
        transient: ['t'],
      });
      expect(who.txId).toMatch(/^[0-9a-f]{64}$/);
      expect(who.binding).toMatch(/^[0-9a-f]{64}$/);
      const cert = new x509.X509Certificate(net.users[A].certificate);
      const ca = new x509.X509Certificate(await net.fabric.caCertificate(A));
      expect(await cert.verify({ publicKey: ca.publicKey, signatureOnly: true })).toBe(true);
      const ext = cert.getExtension('1.2.3.4.5.6.7.8.1');
      expect(JSON.parse(Buffer.from(ext!.value).toString())).toEqual({ attrs: { 'hf.Affiliation': '', 'hf.EnrollmentID': enrollmentId, 'hf.Type': 'client', role: 'tester' } });
    });

    test('admins carry OU=admin; the same name gives the same identity', async () => {
      const admin = await net.fabric.identity(B, 'admin-b', { admin: true });
      expect(new x509.X509Certificate(admin.certificate).subject).toContain('OU=admin');
      expect(JSON.parse(await net.evaluate(B, 'WhoAmI', [], { identity: admin })).isAdmin).toBe(true);
      expect(await net.fabric.identity(B, 'admin-b', { admin: true })).toEqual(admin);
    });

    test('an identity the org CA did not issue is refused', async () => {
      const other = await EmbeddedFabric.start(networkOptions());
      try {
        const stranger = await other.identity(A, `user-${A}`);
        const err = await rejection(net.fabric.evaluate({ ...net.req(A, 'Get', ['x']), identity: stranger }));
        expect(err).toBeInstanceOf(EndorseError);
        expect(err.message).toMatch(/certificate signed by unknown authority/);
      } finally {
        await other.close();
      }
    });
  });

  describe('§3.8 endorsement', () => {
    test('a contract writing Date.now()/Math.random() fails endorsement when two orgs endorse', async () => {
      const err = await rejection(net.submit(A, 'Clock', [], { endorsingOrgs: [A, B] }));
      expect(err).toBeInstanceOf(EndorsementMismatchError);
      expect(err.message).toMatch(/ProposalResponsePayloads do not match: .*read-write set/);
      expect(await net.evaluate(A, 'Get', ['clock'])).toBe('');
    });

    test('a key-level endorsement policy replaces the chaincode policy for that key', async () => {
      await net.submit(A, 'PutWithKeyPolicy', ['sbe/k', C], { endorsingOrgs: [A, B] });
      const err = (await rejection(net.submit(A, 'Put', ['sbe/k', 'by-a-and-b'], { endorsingOrgs: [A, B] }))) as TxValidationError;
      expect(err.validationCode).toBe('ENDORSEMENT_POLICY_FAILURE');
      await expect(net.submit(C, 'Put', ['sbe/k', 'by-c'], { endorsingOrgs: [C] })).resolves.toBeDefined();
      expect(await net.evaluate(A, 'Get', ['sbe/k'])).toBe('by-c');
      // keys without a key-level policy still need the chaincode's MAJORITY
      expect(((await rejection(net.submit(C, 'Put', ['sbe/other', 'x'], { endorsingOrgs: [C] }))) as TxValidationError).validationCode).toBe(
        'ENDORSEMENT_POLICY_FAILURE',
      );
    });

    test('each endorsing org executes with its own private data view', async () => {
      await net.submit(A, 'PvtPut', ['aOpen', 'view'], { transient: { value: 'only-on-a' }, endorsingOrgs: [A, B] });
      // B's peer only has the hash: an endorsement set including B cannot read the value.
      const err = await rejection(net.submit(A, 'PvtCopy', ['aOpen', 'view', 'copy'], { endorsingOrgs: [A, B] }));
      expect(err.message).toMatch(/private data matching public hash version is not available/);
    });
  });

  describe('§3.9 blocks', () => {
    test('blocks are hash-chained and carry validation codes', async () => {
      const height = net.fabric.height('ch');
      expect(height).toBeGreaterThan(3);
      for (let n = 0; n < height; n++) {
        const block = net.fabric.block('ch', n);
        expect(verifyBlock(block, n, n ? net.fabric.block('ch', n - 1).hash : '')).toBeUndefined();
        for (const tx of block.transactions) expect(tx.validationCode).toMatch(/^[A-Z_]+$/);
      }
      const tampered = net.fabric.block('ch', 1);
      tampered.transactions[0].args = ['forged'];
      expect(verifyBlock(tampered, 1, net.fabric.block('ch', 0).hash)).toMatch(/data hash/);
    });
  });
});

describe('persistence', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-runtime-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('restart keeps every block, the state, private data, identities and events', async () => {
    const first = await Net.start({ dataDir: dir });
    const txIds: string[] = [];
    for (let i = 0; i < 5; i++) txIds.push((await first.submit(A, 'Put', [`keep/${i}`, `v${i}`])).txId);
    await first.submit(A, 'PvtPut', ['abOnly', 'kept'], { transient: { value: 'still-here' } });
    await first.submit(A, 'Emit', ['Kept', 'e']);
    const height = first.fabric.height('ch');
    const blocks = Array.from({ length: height }, (_, n) => first.fabric.block('ch', n));
    const cert = first.users[A].certificate;
    await first.close();

    const second = await Net.start({ dataDir: dir });
    try {
      expect(second.users[A].certificate).toBe(cert);
      expect(second.fabric.height('ch')).toBe(height);
      for (let n = 0; n < height; n++) expect(second.fabric.block('ch', n)).toEqual(blocks[n]);
      for (const txId of txIds) expect(second.fabric.txStatus('ch', txId)?.validationCode).toBe('VALID');
      expect(await second.evaluate(A, 'Get', ['keep/4'])).toBe('v4');
      expect(await second.evaluate(B, 'PvtGet', ['abOnly', 'kept'])).toBe('still-here');
      expect(second.fabric.privateData(C, 'ch', 'kv', 'abOnly', 'kept')).toBeUndefined();
      const [event] = await eventsUntil(second, 0, (e) => e.eventName === 'Kept');
      expect(event).toBeDefined();
      const next = await second.submit(A, 'Put', ['keep/after', 'x']);
      expect(next.blockNumber).toBe(height);
    } finally {
      await second.close();
    }
  });

  test('a truncated last block record is detected, reported and dropped; the rest verifies', async () => {
    const first = await Net.start({ dataDir: dir });
    for (let i = 0; i < 3; i++) await first.submit(A, 'Put', [`t/${i}`, 'x']);
    const height = first.fabric.height('ch');
    await first.close();
    const file = path.join(dir, 'channels', 'ch', 'blocks.log');
    const size = fs.statSync(file).size;
    fs.truncateSync(file, size - 10);

    const warnings: string[] = [];
    const second = await Net.start({ dataDir: dir, onWarning: (m) => warnings.push(m) });
    try {
      expect(second.fabric.height('ch')).toBe(height - 1);
      expect(warnings.join('\n')).toMatch(/dropped a torn last block record/);
      expect(second.fabric.warnings()).toEqual(warnings);
      expect(await second.evaluate(A, 'Get', ['t/1'])).toBe('x');
      expect(await second.evaluate(A, 'Get', ['t/2'])).toBe('');
      const next = await second.submit(A, 'Put', ['t/again', 'y']);
      expect(next.blockNumber).toBe(height - 1);
    } finally {
      await second.close();
    }
  });

  test('a corrupted block before the last one refuses to start', async () => {
    const first = await Net.start({ dataDir: dir });
    for (let i = 0; i < 3; i++) await first.submit(A, 'Put', [`c/${i}`, 'x']);
    await first.close();
    const file = path.join(dir, 'channels', 'ch', 'blocks.log');
    const bytes = fs.readFileSync(file);
    bytes[40] ^= 0xff; // inside the first record's payload
    fs.writeFileSync(file, bytes);
    await expect(EmbeddedFabric.start(networkOptions({ dataDir: dir }))).rejects.toBeInstanceOf(LedgerCorruptedError);
  });

  test('a data directory in use by a live process is refused', async () => {
    const first = await EmbeddedFabric.start(networkOptions({ dataDir: dir }));
    try {
      await expect(EmbeddedFabric.start(networkOptions({ dataDir: dir }))).rejects.toThrow(/in use/);
    } finally {
      await first.close();
    }
  });
});

test('chaincode that never answers times out as on a peer, and the ledger keeps committing', async () => {
  const net = await Net.start({ executeTimeoutMs: 300 });
  try {
    const err = await rejection(net.submit(A, 'Hang'));
    expect(err).toBeInstanceOf(EndorseError);
    expect(err.message).toBe('timeout expired while executing transaction');
    await expect(net.submit(A, 'Put', ['after-hang', 'x'])).resolves.toMatchObject({ blockNumber: 0 });
  } finally {
    await net.close();
  }
});

test('several channels keep separate ledgers', async () => {
  const fabric = await EmbeddedFabric.start({
    orgs: [{ mspId: A }, { mspId: B }, { mspId: C }],
    channels: [
      { name: 'one', orgs: [A, B, C], chaincodes: [{ name: 'kv', contracts: [KvContract] }] },
      { name: 'two', orgs: [A, C], chaincodes: [{ name: 'kv', contracts: [KvContract], endorsementPolicy: "OR('OrgAMSP.member')" }] },
    ],
  });
  try {
    const a = await fabric.identity(A, 'a');
    const b = await fabric.identity(B, 'b');
    await fabric.submit({ channel: 'two', chaincode: 'kv', identity: a, fn: 'KV:Put', args: ['k', 'two'] });
    expect(fabric.height('two')).toBe(1);
    expect(fabric.height('one')).toBe(0);
    expect((await fabric.evaluate({ channel: 'one', chaincode: 'kv', identity: a, fn: 'KV:Get', args: ['k'] })).toString()).toBe('');
    const err = await rejection(fabric.evaluate({ channel: 'two', chaincode: 'kv', identity: b, fn: 'KV:Get', args: ['k'] }));
    expect(err.message).toBe(`access denied: channel [two] creator org [${B}]`);
  } finally {
    await fabric.close();
  }
});
