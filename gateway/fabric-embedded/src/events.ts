/**
 * Chaincode event delivery: events of valid transactions only, read from committed blocks, so a listener can start
 * at any block number and then follows new blocks as they commit.
 */
import type { Block } from './block';

export interface ChaincodeEventRecord {
  channel: string;
  chaincode: string;
  blockNumber: number;
  txIndex: number;
  txId: string;
  eventName: string;
  payload: Buffer;
}

export type EventStream = AsyncIterable<ChaincodeEventRecord> & { close(): void };

export interface BlockSource {
  readonly channel: string;
  height(): number;
  blockAt(n: number): Block;
  /** Resolves when the height grows beyond `height` or the source closes (false). */
  waitForHeight(height: number): Promise<boolean>;
}

export function eventsOf(block: Block, channel: string, chaincode?: string): ChaincodeEventRecord[] {
  const out: ChaincodeEventRecord[] = [];
  block.transactions.forEach((tx, txIndex) => {
    if (tx.validationCode !== 'VALID' || !tx.event) return;
    if (chaincode && tx.chaincode !== chaincode) return;
    out.push({
      channel,
      chaincode: tx.chaincode,
      blockNumber: block.number,
      txIndex,
      txId: tx.txId,
      eventName: tx.event.eventName,
      payload: Buffer.from(tx.event.payload, 'base64'),
    });
  });
  return out;
}

export function eventStream(source: BlockSource, fromBlock: number, chaincode?: string): EventStream {
  let closed = false;
  let wakeClosed: (() => void) | undefined;
  const closedSignal = new Promise<false>((resolve) => (wakeClosed = () => resolve(false)));
  async function* generate(): AsyncGenerator<ChaincodeEventRecord> {
    let next = Math.max(0, Math.floor(fromBlock));
    while (!closed) {
      if (next < source.height()) {
        for (const event of eventsOf(source.blockAt(next), source.channel, chaincode)) {
          if (closed) return;
          yield event;
        }
        next++;
        continue;
      }
      const grew = await Promise.race([source.waitForHeight(next), closedSignal]);
      if (!grew) return;
    }
  }
  const iterator = generate();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: () => {
      if (closed) return;
      closed = true;
      wakeClosed?.();
    },
  };
}
