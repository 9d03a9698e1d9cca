import { int, str, type OperationSpec } from './builder';

export const EVENT_ID_PATTERN = '^[0-9]{1,15}\\.[0-9]{1,9}$';

export const eventOperations: OperationSpec[] = [
  {
    operationId: 'streamEvents',
    method: 'get',
    path: '/api/v1/events',
    tag: 'events',
    summary: 'Chaincode events as Server-Sent Events, resumable with Last-Event-ID',
    description:
      'Each event is sent as `id: <blockNumber>.<txIndex>`, `event: <chaincode event name>`, `data: {id, channel, blockNumber, txIndex, txId, name, payload}`. ' +
      'Reconnect with the `Last-Event-ID` header (EventSource does this by itself) or the `lastEventId` query parameter to receive every ' +
      'later event exactly once — also after a gateway restart, because the gateway replays the ledger\'s own event history from that block ' +
      'and keeps no cursor of its own. Without either, the stream starts at `fromBlock`, or with new blocks only. A comment line is sent every 15 s as a heartbeat.',
    query: {
      channel: { schema: str({ enum: ['energy', 'audit'], default: 'energy' }), description: 'Channel to follow (default energy)' },
      lastEventId: { schema: str({ pattern: EVENT_ID_PATTERN }), description: 'Resume after this event id' },
      fromBlock: { schema: int({ minimum: 0 }), description: 'Start with this block (inclusive) when not resuming' },
      names: { schema: str({ pattern: '^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*$', maxLength: 1000 }), description: 'Comma-separated event names to deliver (default all)' },
    },
    headerParams: {
      'Last-Event-ID': { schema: str({ pattern: EVENT_ID_PATTERN }), description: 'Resume after this event id (sent by EventSource on reconnect)' },
    },
    stream: true,
    errors: [403],
  },
];
