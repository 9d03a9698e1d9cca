/* global TextDecoder, AbortController */
/**
 * Server-Sent Events over fetch: EventSource cannot send an Authorization header, and the gateway authenticates
 * every stream by API key. Resumes after a dropped connection with Last-Event-ID, as EventSource would.
 */
export function followEvents(url, apiKey, { onEvent, onState }) {
  const controller = new AbortController();
  let lastEventId;
  let stopped = false;

  async function connect() {
    while (!stopped) {
      try {
        onState('connecting');
        const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${apiKey}` };
        if (lastEventId) headers['Last-Event-ID'] = lastEventId;
        const response = await fetch(url, { headers, signal: controller.signal });
        if (response.status === 403) {
          onState('forbidden');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState('live');
        await readStream(response.body, (message) => {
          if (message.id) lastEventId = message.id;
          if (message.data) {
            try {
              onEvent(message.event || 'message', JSON.parse(message.data));
            } catch {
              onEvent(message.event || 'message', { raw: message.data });
            }
          }
        });
      } catch (error) {
        if (stopped) return;
        onState('reconnecting');
        console.warn('event stream interrupted', error && error.message);
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }

  connect();
  return {
    close() {
      stopped = true;
      controller.abort();
    },
  };
}

async function readStream(body, onMessage) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let split;
    while ((split = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, split);
      buffer = buffer.slice(split).replace(/^\r?\n\r?\n/, '');
      onMessage(parseBlock(block));
    }
  }
}

function parseBlock(block) {
  const message = { data: '' };
  for (const line of block.split(/\r?\n/)) {
    if (!line || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') message.data += (message.data ? '\n' : '') + value;
    else if (field === 'id') message.id = value;
    else if (field === 'event') message.event = value;
  }
  return message;
}
