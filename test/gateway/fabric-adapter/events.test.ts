/**
 * Chaincode events through the adapter's reconnect loop: positions, resume after a disconnect with no gap and no
 * duplicate, and a persisted checkpoint that survives a restart.
 */
import './support/native-esm';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ChaincodeError, LedgerUnavailableError } from '../../../gateway/src/ledger/errors';
import type { EventStream, LedgerEvent } from '../../../gateway/src/ledger/port';
import type { ReconnectInfo } from '../../../gateway/src/ledger/fabric';
import {
  chainInfo,
  evaluateResponse,
  eventsRequest,
  eventsResponse,
  serverStream,
  serviceError,
  type MockGatewayTransport,
} from './support/mock-transport';
import { harness, tempDir, writeNetwork, type Network } from './support/fixtures';

async function take(stream: EventStream, count: number): Promise<LedgerEvent[]> {
  const events: LedgerEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

const brief = (events: readonly LedgerEvent[]) => events.map((e) => `${e.blockNumber}.${e.txIndex}:${e.txId}`);
const starts = (t: MockGatewayTransport) => t.callsOf('chaincodeEvents').map((c) => eventsRequest(c.request).startBlock);
const unavailable = () => serviceError(grpc.status.UNAVAILABLE, 'Connection dropped');

const block5 = eventsResponse(5, [
  { txId: 'tx-a', name: 'AssetRegistered', payload: '{"id":"a1"}' },
  { txId: 'tx-b', name: 'OrderPlaced' },
]);
const block6 = eventsResponse(6, [{ txId: 'tx-c', name: 'SettlementCompleted' }]);
const block7 = eventsResponse(7, [{ txId: 'tx-d', name: 'OrderPlaced' }]);

let network: Network;
beforeEach(async () => {
  network = await writeNetwork(tempDir('obe-fabric-events-'));
});

describe('chaincode events', () => {
  it('become LedgerEvents positioned by block and order within the block, requested from the start block', async () => {
    const h = harness(network);
    h.transport().onEvents(() => serverStream([block5, block6]));
    const stream = h.ledger.events('energy', { startBlock: 5 });
    const events = await take(stream, 3);
    expect(events[0]).toEqual({
      channel: 'energy',
      chaincode: 'obe',
      blockNumber: 5,
      txIndex: 0,
      txId: 'tx-a',
      name: 'AssetRegistered',
      payload: expect.any(Uint8Array),
    });
    expect(Buffer.from(events[0]!.payload).toString()).toBe('{"id":"a1"}');
    expect(brief(events)).toEqual(['5.0:tx-a', '5.1:tx-b', '6.0:tx-c']);
    expect(eventsRequest(h.transport().callsOf('chaincodeEvents')[0]!.request)).toEqual({
      startBlock: 5,
      afterTxId: '',
      chaincode: 'obe',
      channel: 'energy',
    });
    await h.ledger.close();
  });

  it('start at the current height when no start is given, so a reconnect before the first event misses nothing', async () => {
    const h = harness(network);
    h.transport().on('evaluate', () => ({ response: evaluateResponse(chainInfo(7)) }));
    h.transport().onEvents(() => serverStream([unavailable()]), () => serverStream([block7]));
    const events = await take(h.ledger.events('energy'), 1);
    expect(brief(events)).toEqual(['7.0:tx-d']);
    expect(starts(h.transport())).toEqual([7, 7]);
    await h.ledger.close();
  });

  it('honour `after`: resuming after a delivered event skips it and everything before it', async () => {
    const h = harness(network);
    h.transport().onEvents(() => serverStream([block5, block6]));
    const events = await take(h.ledger.events('energy', { startBlock: 5, after: { blockNumber: 5, txIndex: 0 } }), 2);
    expect(brief(events)).toEqual(['5.1:tx-b', '6.0:tx-c']);
    expect(starts(h.transport())).toEqual([5]);
    await h.ledger.close();
  });

  it('resume after a disconnect from the last delivered block with no gap and no duplicate', async () => {
    const reconnects: ReconnectInfo[] = [];
    const h = harness(network, { hooks: { onReconnect: (i) => reconnects.push(i) } });
    // The peer drops the stream after block 6; reopened at block 6 it sends block 6 again, then block 7.
    h.transport().onEvents(() => serverStream([block5, block6, unavailable()]), () => serverStream([block6, block7]));
    const events = await take(h.ledger.events('energy', { startBlock: 5 }), 4);
    expect(brief(events)).toEqual(['5.0:tx-a', '5.1:tx-b', '6.0:tx-c', '7.0:tx-d']);
    expect(starts(h.transport())).toEqual([5, 6]);
    expect(eventsRequest(h.transport().callsOf('chaincodeEvents')[1]!.request).afterTxId).toBe('');
    expect(reconnects).toEqual([expect.objectContaining({ channel: 'energy', attempt: 1, fromBlock: 6 })]);
    await h.ledger.close();
  });

  it('resume inside a block: events of that block already delivered are not delivered again', async () => {
    const h = harness(network);
    const firstHalf = eventsResponse(5, [{ txId: 'tx-a', name: 'A' }]);
    h.transport().onEvents(() => serverStream([firstHalf, unavailable()]), () => serverStream([block5, block6]));
    const events = await take(h.ledger.events('energy', { startBlock: 5 }), 3);
    expect(brief(events)).toEqual(['5.0:tx-a', '5.1:tx-b', '6.0:tx-c']);
    await h.ledger.close();
  });

  it('reconnect when the peer ends the stream, and give up after the configured consecutive failures', async () => {
    const h = harness(network, { events: { baseDelayMs: 1, maxDelayMs: 2, maxReconnects: 2 } });
    h.transport().onEvents(() => serverStream([block5], { endAfter: true }), () => serverStream([unavailable()]));
    const stream = h.ledger.events('energy', { startBlock: 5 });
    const seen: LedgerEvent[] = [];
    const err = await (async () => {
      for await (const event of stream) seen.push(event);
    })().catch((e: unknown) => e);
    expect(brief(seen)).toEqual(['5.0:tx-a', '5.1:tx-b']);
    expect(err).toBeInstanceOf(LedgerUnavailableError);
    expect(starts(h.transport())).toEqual([5, 5, 5]);
    await h.ledger.close();
  });

  it('fail at once, without reconnecting, when the peer refuses the stream', async () => {
    const h = harness(network);
    h.transport('localhost:9051').onEvents(() => serverStream([serviceError(grpc.status.PERMISSION_DENIED, 'access denied for [event]')]));
    const err = await take(h.ledger.events('audit', { startBlock: 0, identity: 'utility-admin' }), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChaincodeError);
    expect((err as ChaincodeError).code).toBe('FORBIDDEN');
    expect(h.transport('localhost:9051').count('chaincodeEvents')).toBe(1);
    await h.ledger.close();
  });

  it('close() cancels the gRPC stream and ends the iteration', async () => {
    const h = harness(network);
    const live = serverStream([block5]);
    h.transport().onEvents(() => live);
    const stream = h.ledger.events('energy', { startBlock: 5 });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ txId: 'tx-a' });
    await iterator.next();
    const pending = iterator.next();
    stream.close();
    expect((await pending).done).toBe(true);
    expect(live.cancelled).toBe(true);
    await h.ledger.close();
  });
});

describe('a persisted checkpoint', () => {
  it('resumes after the last handled event across a restart, with no gap and no duplicate', async () => {
    const transports = new Map<string, MockGatewayTransport>();
    const first = harness(network, { transports });
    first.transport().onEvents(() => serverStream([block5, block6]));
    const before = await take(first.ledger.events('energy', { startBlock: 5, checkpointName: 'relay' }), 2);
    expect(brief(before)).toEqual(['5.0:tx-a', '5.1:tx-b']);
    await first.ledger.close();
    const file = path.join(network.dir, 'data', 'checkpoints', 'energy.relay.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ blockNumber: 5, txIndex: 1 });

    // Restart: the peer replays from the checkpoint's block.
    const second = harness(network, { transports });
    second.transport().onEvents(() => serverStream([block5, block6, block7]));
    const after = await take(second.ledger.events('energy', { checkpointName: 'relay' }), 2);
    expect(brief(after)).toEqual(['6.0:tx-c', '7.0:tx-d']);
    expect(starts(second.transport()).at(-1)).toBe(5);
    await second.ledger.close();
  });

  it('delivers an event again when the stream was closed from outside while it was being handled (at least once)', async () => {
    const h = harness(network);
    h.transport().onEvents(() => serverStream([block5]));
    const stream = h.ledger.events('energy', { startBlock: 5, checkpointName: 'sse' });
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ txId: 'tx-a' });
    expect((await iterator.next()).value).toMatchObject({ txId: 'tx-b' });
    stream.close(); // shutdown while tx-b is still being handled
    await new Promise((resolve) => setImmediate(resolve));
    const file = path.join(network.dir, 'data', 'checkpoints', 'energy.sse.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ blockNumber: 5, txIndex: 0 });
    await h.ledger.close();
  });

  it('refuses checkpoint names that could leave the checkpoint directory', async () => {
    const h = harness(network);
    expect(() => h.ledger.events('energy', { checkpointName: '../../etc/passwd' })).toThrow(/checkpoint name/);
    await h.ledger.close();
  });
});
