import { TX } from '@obe/chaincode';
import { int, str, type OperationSpec } from './builder';
import { answers, bodyOf, field } from './catalogue';
import { EVENT_ID_PATTERN } from './events';
import { intervalParam } from './market';

/**
 * Grid services segment (`/api/v1/grid/...`): the Grid contract's topology, operating envelopes, network tariffs and
 * feeder loading, and the price-signal stream for devices (docs/grid.md). The DSO writes; every read is public.
 * Demand response lives under `/api/v1/grid/dr` (openapi/demand-response.ts).
 */

const base = '/api/v1/grid';
const zone = { ...field(TX.Grid.ListEnvelopes.args[0], 'zone'), description: 'Zone node id' };
const slot = { zone, interval: intervalParam };
const nodeId = { ...field(TX.Grid.RegisterGridNode.args[0], 'nodeId'), description: 'Grid node id' };
const assetId = { ...field(TX.Grid.AttachAsset.args[0], 'assetId'), description: 'Registry asset id (a meter or DER)' };

export const SIGNAL_EVENT = 'price-signal';

export const gridOperations: OperationSpec[] = [
  {
    operationId: 'registerGridNode',
    method: 'post',
    path: `${base}/nodes`,
    tag: 'grid',
    summary: 'Register a grid node (a DSO): a zone (substation/transformer zone) or a feeder in a zone',
    description:
      'A zone node is run by the DSO org that registered it: only a DSO of that org adds feeders to it, attaches its assets and publishes its envelopes and tariffs (403 otherwise). With governance requireRegisteredZones, an asset must name a registered zone node (docs/grid.md#topology).',
    body: bodyOf(TX.Grid.RegisterGridNode.args[0]),
    ...answers(TX.Grid.RegisterGridNode),
    errors: [403, 404],
  },
  {
    operationId: 'listGridNodes',
    method: 'get',
    path: `${base}/nodes`,
    tag: 'grid',
    summary: 'Grid nodes, optionally of one zone or kind',
    query: {
      zone: { schema: field(TX.Grid.ListGridNodes.args[0], 'zone'), description: 'Only nodes of this zone' },
      kind: { schema: field(TX.Grid.ListGridNodes.args[0], 'kind'), description: 'ZONE or FEEDER' },
    },
    ...answers(TX.Grid.ListGridNodes),
  },
  {
    operationId: 'getGridNode',
    method: 'get',
    path: `${base}/nodes/{nodeId}`,
    tag: 'grid',
    summary: 'One grid node',
    pathParams: { nodeId },
    ...answers(TX.Grid.GetGridNode),
    errors: [404],
  },
  {
    operationId: 'attachGridAsset',
    method: 'put',
    path: `${base}/attachments/{assetId}`,
    tag: 'grid',
    summary: "Attach (or move) a meter or DER to a feeder of its zone (a DSO); the previous attachment stays in the history",
    pathParams: { assetId },
    body: bodyOf(TX.Grid.AttachAsset.args[0], { pick: ['feeder'] }),
    ...answers(TX.Grid.AttachAsset),
    errors: [403, 404],
  },
  {
    operationId: 'getGridAttachment',
    method: 'get',
    path: `${base}/attachments/{assetId}`,
    tag: 'grid',
    summary: "An asset's feeder and attachment history",
    pathParams: { assetId },
    ...answers(TX.Grid.GetAttachment),
    errors: [404],
  },
  {
    operationId: 'listGridAttachments',
    method: 'get',
    path: `${base}/zones/{zone}/attachments`,
    tag: 'grid',
    summary: 'Attachments of a zone, optionally of one feeder',
    pathParams: { zone },
    query: { feeder: { schema: field(TX.Grid.ListAttachments.args[0], 'feeder'), description: 'Only this feeder' } },
    ...answers(TX.Grid.ListAttachments),
  },
  {
    operationId: 'publishEnvelopes',
    method: 'post',
    path: `${base}/envelopes`,
    tag: 'grid',
    summary: "Publish operating envelopes (a DSO): per node and interval, import and export limits in Wh, before the interval's gate closes",
    description:
      "A node is a feeder (limits the awards of orders whose meter was attached to it when the gate closed) or a zone (limits the whole zone). Only a DSO of the org that registered the node's zone publishes (403 otherwise). A republication before the gate replaces the limits (revision + 1).",
    body: bodyOf(TX.Grid.PublishEnvelopes.args[0]),
    ...answers(TX.Grid.PublishEnvelopes),
    errors: [403, 404],
  },
  {
    operationId: 'listEnvelopes',
    method: 'get',
    path: `${base}/zones/{zone}/intervals/{interval}/envelopes`,
    tag: 'grid',
    summary: "A zone's operating envelopes for one interval",
    pathParams: slot,
    ...answers(TX.Grid.ListEnvelopes),
  },
  {
    operationId: 'publishTariffs',
    method: 'post',
    path: `${base}/tariffs`,
    tag: 'grid',
    summary: "Publish network tariffs (a DSO): per zone and interval, the fee per kWh added to buyers' prices and the lower fee within one feeder",
    body: bodyOf(TX.Grid.PublishTariffs.args[0]),
    ...answers(TX.Grid.PublishTariffs),
    errors: [403, 404],
  },
  {
    operationId: 'getTariff',
    method: 'get',
    path: `${base}/zones/{zone}/intervals/{interval}/tariff`,
    tag: 'grid',
    summary: "A zone's network tariff for one interval",
    pathParams: slot,
    ...answers(TX.Grid.GetTariff),
    errors: [404],
  },
  {
    operationId: 'getFeederLoading',
    method: 'get',
    path: `${base}/zones/{zone}/intervals/{interval}/loading`,
    tag: 'grid',
    summary: 'Feeder loading vs envelope of a cleared interval: awarded Wh per node and direction, and which limits bound (small-group rule applies)',
    pathParams: slot,
    ...answers(TX.Grid.GetFeederLoading),
  },
  {
    operationId: 'streamGridSignals',
    method: 'get',
    path: `${base}/signals`,
    tag: 'grid',
    summary: 'Price signals for devices as Server-Sent Events: tariffs, envelopes and retail clearing prices, resumable with Last-Event-ID',
    description:
      `Each signal is sent as \`id: <blockNumber>.<txIndex>\`, \`event: ${SIGNAL_EVENT}\`, \`data: {version: 1, kind, zone, interval, …}\` ` +
      '(docs/grid.md#price-signals): kind TARIFF carries feePerKwh and localFeePerKwh; kind ENVELOPE nodeId, importLimitWh and exportLimitWh; ' +
      'kind PRICE the retail clearing price, the fee per kWh of that interval\'s tariff (null without one) and the public binding limits. ' +
      'Every signal of one transaction shares its id. Resume, start and heartbeat work as for /api/v1/events.',
    query: {
      zone: { schema: zone, description: 'Only signals of this zone (default: every zone)' },
      lastEventId: { schema: str({ pattern: EVENT_ID_PATTERN }), description: 'Resume after this event id' },
      fromBlock: { schema: int({ minimum: 0 }), description: 'Start with this block (inclusive) when not resuming' },
    },
    headerParams: {
      'Last-Event-ID': { schema: str({ pattern: EVENT_ID_PATTERN }), description: 'Resume after this event id (sent by EventSource on reconnect)' },
    },
    stream: true,
    errors: [403],
  },
];
