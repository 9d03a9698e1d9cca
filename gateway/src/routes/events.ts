import type { Handlers, OperationContext } from '../http/operations';
import type { EventStreamOptions, LedgerEvent } from '../ledger/port';
import { decodeResult } from '../submits/submit-service';
import { callerOf, type RouteDeps } from './support';

const HEARTBEAT_MS = 15_000;

export function eventId(event: { blockNumber: number; txIndex: number }): string {
  return `${event.blockNumber}.${event.txIndex}`;
}

/** Where a stream starts: after the client's last event, at a requested block, or at the ledger's head. */
async function startOptions(deps: RouteDeps, ctx: OperationContext, channel: string): Promise<EventStreamOptions> {
  const last = ctx.headers['last-event-id'] ?? (ctx.query.lastEventId as string | undefined);
  const identity = callerOf(ctx).identity;
  if (last) {
    const [blockNumber, txIndex] = last.split('.').map(Number);
    return { startBlock: blockNumber, after: { blockNumber, txIndex }, identity };
  }
  if (ctx.query.fromBlock !== undefined) return { startBlock: Number(ctx.query.fromBlock), identity };
  return { startBlock: await deps.gateway.ledger().blockHeight(channel), identity };
}

export function eventRoutes(deps: RouteDeps): Handlers {
  return {
    streamEvents: async (ctx) => {
      const channel = String(ctx.query.channel ?? 'energy');
      const names = ctx.query.names ? new Set(String(ctx.query.names).split(',')) : undefined;
      const ledger = deps.gateway.ledger();
      // Opening the stream first lets a refusal (e.g. an org outside the channel) still answer as JSON.
      const stream = ledger.events(channel, await startOptions(deps, ctx, channel));
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
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      const close = () => {
        if (!open) return;
        open = false;
        clearInterval(heartbeat);
        stream.close();
        deps.gateway.streams.delete(close);
        res.end();
      };
      deps.gateway.streams.add(close);
      req.on('close', close);
      try {
        for await (const event of stream as AsyncIterable<LedgerEvent>) {
          if (!open) break;
          if (names && !names.has(event.name)) continue;
          const id = eventId(event);
          const data = {
            id,
            channel: event.channel,
            blockNumber: event.blockNumber,
            txIndex: event.txIndex,
            txId: event.txId,
            name: event.name,
            payload: decodeResult(event.payload),
          };
          res.write(`id: ${id}\nevent: ${event.name}\ndata: ${JSON.stringify(data)}\n\n`);
          deps.gateway.metrics.events.inc({ channel });
        }
      } catch (err) {
        ctx.log.warn({ err }, 'event stream ended with an error');
        if (open) res.write(`event: error\ndata: ${JSON.stringify({ message: 'event stream interrupted; reconnect with Last-Event-ID' })}\n\n`);
      } finally {
        close();
      }
      return undefined;
    },
  };
}
