import { HttpError } from '../http/errors';
import { rateLimited } from '../http/limits';
import type { Handlers, OperationContext } from '../http/operations';
import type { EventStreamOptions, LedgerEvent } from '../ledger/port';
import { decodeResult } from '../submits/submit-service';
import { optionalIntParam } from './params';
import { callerOf, type RouteDeps } from './support';

const HEARTBEAT_MS = 15_000;

export function eventId(event: { blockNumber: number; txIndex: number }): string {
  return `${event.blockNumber}.${event.txIndex}`;
}

/** An event id as validated by EVENT_ID_PATTERN (`<block>.<txIndex>`, 1–15 and 1–9 digits): two safe integers. */
function parseEventId(id: string): { blockNumber: number; txIndex: number } {
  const match = /^([0-9]{1,15})\.([0-9]{1,9})$/.exec(id);
  if (!match) throw new HttpError(400, 'INVALID_ARGUMENT', 'invalid request: an event id is <blockNumber>.<txIndex>');
  return { blockNumber: Number(match[1]), txIndex: Number(match[2]) };
}

/**
 * Where a stream starts: after the client's last event, at a requested block, or at the ledger's head. A start past
 * the head would wait for blocks that may never come, and one more than limits.maxReplayBlocks behind it would replay
 * that much history for one caller: both are 400.
 */
async function startOptions(deps: RouteDeps, ctx: OperationContext, channel: string): Promise<EventStreamOptions> {
  const last = ctx.headers['last-event-id'] ?? (ctx.query.lastEventId as string | undefined);
  const identity = callerOf(ctx).identity;
  const height = await deps.gateway.ledger().blockHeight(channel);
  const checkStart = (startBlock: number, what: string) => {
    if (startBlock > height) {
      throw new HttpError(400, 'INVALID_ARGUMENT', `invalid request: ${what} ${startBlock} is past the ledger head (height ${height})`);
    }
    const max = deps.gateway.limits.maxReplayBlocks;
    if (height - startBlock > max) {
      throw new HttpError(400, 'INVALID_ARGUMENT', `invalid request: ${what} ${startBlock} would replay more than ${max} blocks; start at block ${height - max} or later`, {
        oldestStartBlock: height - max,
      });
    }
  };
  if (last) {
    const after = parseEventId(last);
    checkStart(after.blockNumber, 'Last-Event-ID block');
    return { startBlock: after.blockNumber, after, identity };
  }
  const fromBlock = optionalIntParam(ctx.query, 'fromBlock');
  if (fromBlock !== undefined) {
    checkStart(fromBlock, 'fromBlock');
    return { startBlock: fromBlock, identity };
  }
  return { startBlock: height, identity };
}

/** One SSE message: its `event:` name and its JSON `data`. */
export interface StreamMessage {
  readonly event: string;
  readonly data: unknown;
}

/**
 * Serves a channel's chaincode events as Server-Sent Events: the start (Last-Event-ID, lastEventId, fromBlock or the
 * head), the per-key and total stream limits, the heartbeat and the end on revocation or disconnect are the same for
 * every stream; `render` turns one ledger event into the messages to send (none: skip it), each with the event's id.
 */
export async function serveEventStream(
  deps: RouteDeps,
  ctx: OperationContext,
  channel: string,
  render: (event: LedgerEvent) => readonly StreamMessage[] | Promise<readonly StreamMessage[]>,
): Promise<undefined> {
  const ledger = deps.gateway.ledger();
  const { keyId } = callerOf(ctx);
  const start = await startOptions(deps, ctx, channel);
  let close = () => undefined as void;
  const slot = deps.gateway.openStream(keyId, () => close());
  if ('refused' in slot) {
    const limits = deps.gateway.limits;
    deps.gateway.metrics.rateLimited.inc({ scope: 'event-streams' });
    throw rateLimited(
      'event-streams',
      5,
      slot.refused === 'key'
        ? `this API key already has ${limits.streamsPerKey} open event streams; close one first`
        : `the gateway already serves ${limits.streamsTotal} event streams; retry later`,
    );
  }
  // Opening the stream first lets a refusal (e.g. an org outside the channel) still answer as JSON.
  let stream: ReturnType<typeof ledger.events>;
  try {
    stream = ledger.events(channel, start);
  } catch (err) {
    slot.release();
    throw err;
  }
  const { req, res } = ctx;
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  res.write('retry: 2000\n: connected\n\n');
  let open = true;
  const heartbeat = setInterval(() => {
    // A key revoked while its stream is open: the stream ends at the next heartbeat at the latest.
    if (!deps.gateway.currentKeys().has(keyId)) close();
    else res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  close = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    stream.close();
    slot.release();
    res.end();
  };
  req.on('close', close);
  // A client that left while the start was worked out (an await above) has already had its 'close': end now.
  if (res.destroyed || req.socket.destroyed) close();
  try {
    for await (const event of stream as AsyncIterable<LedgerEvent>) {
      if (!open) break;
      const id = eventId(event);
      for (const message of await render(event)) {
        res.write(`id: ${id}\nevent: ${message.event}\ndata: ${JSON.stringify(message.data)}\n\n`);
        deps.gateway.metrics.events.inc({ channel });
      }
    }
  } catch (err) {
    ctx.log.warn({ err }, 'event stream ended with an error');
    if (open) res.write(`event: error\ndata: ${JSON.stringify({ message: 'event stream interrupted; reconnect with Last-Event-ID' })}\n\n`);
  } finally {
    close();
  }
  return undefined;
}

export function eventRoutes(deps: RouteDeps): Handlers {
  return {
    streamEvents: async (ctx) => {
      const channel = String(ctx.query.channel ?? 'energy');
      const names = ctx.query.names ? new Set(String(ctx.query.names).split(',')) : undefined;
      return serveEventStream(deps, ctx, channel, (event) =>
        names && !names.has(event.name)
          ? []
          : [
              {
                event: event.name,
                data: {
                  id: eventId(event),
                  channel: event.channel,
                  blockNumber: event.blockNumber,
                  txIndex: event.txIndex,
                  txId: event.txId,
                  name: event.name,
                  payload: decodeResult(event.payload),
                },
              },
            ],
      );
    },
  };
}
