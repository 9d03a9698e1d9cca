import http from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Reads a Server-Sent Events stream until `count` events arrived (or the timeout), then disconnects. Uses a raw
 * HTTP request so the test sees exactly the bytes a browser's EventSource would.
 */
export function readEvents(url: string, headers: Record<string, string>, count: number, timeoutMs = 10_000): Promise<{ status: number; events: SseEvent[]; body?: string }> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, events, body }));
        return;
      }
      let buffer = '';
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: 200, events });
      };
      const timer = setTimeout(finish, timeoutMs);
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8');
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
          }
          if (event.data !== undefined) events.push(event);
          if (events.length >= count) finish();
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      reject(err);
    });
  });
}
