/**
 * Chaincode events of one channel as the port's LedgerEvent stream, inside a reconnect loop: a transient failure
 * (peer restarted, network blip) reopens the stream from the last delivered position with backoff, so the consumer
 * sees neither a gap nor a duplicate.
 *
 * Positions: Fabric's chaincode event service does not say where in its block a transaction sits, so `txIndex` is the
 * event's ordinal among the chaincode events of its block (Fabric keeps at most one chaincode event per transaction,
 * so this follows transaction order). It is stable because every (re)connection starts at a block boundary
 * (`startBlock`, never `afterTransactionId`) and the peer delivers a block's events in block order.
 */
import type { ChaincodeEvent, CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { LedgerUnavailableError } from '../errors';
import type { EventStream, LedgerEvent } from '../port';
import { isAfter, laterOf, type CheckpointStore, type EventPosition } from './checkpoint-store';

export interface ReconnectInfo {
  readonly channel: string;
  readonly attempt: number;
  readonly fromBlock: number | undefined;
  readonly error: unknown;
}

export interface ReconnectingEventsOptions {
  readonly channel: string;
  readonly chaincode: string;
  /** Opens the peer's chaincode event stream at a block (inclusive). */
  readonly open: (startBlock: number) => Promise<CloseableAsyncIterable<ChaincodeEvent>>;
  /** The block to start at when neither startBlock nor a position is given: the next block to be committed. */
  readonly currentHeight: () => Promise<number>;
  readonly startBlock?: number;
  readonly after?: EventPosition;
  /** Persists the delivered position; its stored position wins when it is further along than `after`. */
  readonly checkpoint?: CheckpointStore;
  readonly isTransient: (err: unknown) => boolean;
  readonly mapError: (err: unknown) => Error;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Consecutive failed (re)connections tolerated before the stream fails; unbounded when undefined. */
  readonly maxReconnects?: number;
  readonly onReconnect?: (info: ReconnectInfo) => void;
  /** Called once when the stream ends for any reason (closed, consumer left, failed). */
  readonly onEnd?: () => void;
}

export function reconnectingEvents(options: ReconnectingEventsOptions): EventStream {
  let closed = false;
  let closedFromOutside = false;
  let current: CloseableAsyncIterable<ChaincodeEvent> | undefined;
  let wake: (() => void) | undefined;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function* run(): AsyncGenerator<LedgerEvent> {
    let position = laterOf(options.after, options.checkpoint?.load());
    let startBlock: number | undefined = position ? Math.max(position.blockNumber, options.startBlock ?? 0) : options.startBlock;
    let failures = 0;
    while (!closed) {
      let failure: unknown;
      try {
        // Pinning "now" to a block number keeps a reconnect before the first event from skipping what was missed.
        if (startBlock === undefined) startBlock = await options.currentHeight();
        current = await options.open(startBlock);
        if (closed) break;
        let block = -1;
        let index = 0;
        for await (const raw of current) {
          const blockNumber = Number(raw.blockNumber);
          index = blockNumber === block ? index + 1 : 0;
          block = blockNumber;
          failures = 0;
          const here = { blockNumber, txIndex: index };
          if (position && !isAfter(here, position)) continue;
          position = here;
          startBlock = blockNumber;
          let handled = false;
          try {
            yield {
              channel: options.channel,
              chaincode: raw.chaincodeName,
              blockNumber,
              txIndex: index,
              txId: raw.transactionId,
              name: raw.eventName,
              payload: raw.payload,
            };
            handled = true;
          } finally {
            // Handled: the consumer asked for the next event, or left its loop itself. A close() from outside may
            // interrupt handling, so that event stays unsaved and is delivered again next time (at least once).
            if (handled || !closedFromOutside) options.checkpoint?.save(here);
          }
        }
        failure = new LedgerUnavailableError(`chaincode event stream on ${options.channel} ended`);
      } catch (err) {
        if (closed) break;
        if (!options.isTransient(err)) throw options.mapError(err);
        failure = err;
      } finally {
        current?.close();
        current = undefined;
      }
      if (closed) break;
      failures++;
      if (options.maxReconnects !== undefined && failures > options.maxReconnects) {
        throw new LedgerUnavailableError(`chaincode event stream on ${options.channel} failed ${failures} times in a row`, failure);
      }
      options.onReconnect?.({ channel: options.channel, attempt: failures, fromBlock: startBlock, error: failure });
      await pause(Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (failures - 1)));
    }
  }

  async function* guarded(): AsyncGenerator<LedgerEvent> {
    try {
      yield* run();
    } finally {
      closed = true;
      options.onEnd?.();
    }
  }

  const iterator = guarded();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: () => {
      if (closed) return;
      closed = true;
      closedFromOutside = true;
      current?.close();
      wake?.();
      void iterator.return(undefined).catch(() => undefined);
    },
  };
}
