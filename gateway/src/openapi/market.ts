import { arr, int, record, str, type Schema } from './builder';

/** Schemas and parameters shared by the retail and wholesale segments (and settlement/audit). */

export const intervalParam = str({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  maxLength: 40,
  description: 'Delivery interval, named by its start (ISO 8601, e.g. 2026-11-23T21:15:00.000Z); must align to the governed interval length',
});
export const zoneParam = str({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$', description: 'Zone: a feeder or microgrid (wholesale: SYSTEM)' });
export const orderIdParam = str({ pattern: '^[0-9a-f]{64}$', description: 'Order id (the placing transaction id)' });
export const saltField = str({
  minLength: 16,
  maxLength: 256,
  description: 'Salt for the on-chain commitment; travels in the transient map. The gateway generates one when omitted.',
});
const pseudonym = str({ pattern: '^p-[0-9a-f]{40}$' });

export const marketSchemas: Record<string, Schema> = {
  PublicOrder: record(
    {
      orderId: str(),
      market: str({ enum: ['RETAIL', 'WHOLESALE'] }),
      zone: str(),
      interval: str(),
      owner: pseudonym,
      ownerMsp: str(),
      side: str({ enum: ['BUY', 'SELL'] }),
      submittedAt: int(),
      status: str({ enum: ['OPEN', 'CANCELLED'] }),
      collection: str(),
      commitment: str({ description: 'SHA-256 of the canonical private order (salted)' }),
    },
    ['orderId', 'owner', 'side'],
    { description: 'What the channel sees of an order: a salted commitment, never price or quantity' },
  ),
  PrivateOrder: record(
    {
      orderId: str(),
      side: str(),
      blocks: arr(record({ price: int(), quantityWh: int() })),
      meterIds: arr(str()),
      assetId: { anyOf: [str(), { enum: [null] }] },
    },
    ['orderId'],
    { description: 'Private order body: visible to its owner, the market operator and the regulator only' },
  ),
  OrderView: record({ order: { $ref: '#/components/schemas/PublicOrder' }, details: { $ref: '#/components/schemas/PrivateOrder' } }, ['order']),
  CurveView: record({ curve: { $ref: '#/components/schemas/PublicOrder' }, details: { $ref: '#/components/schemas/PrivateOrder' } }, ['curve']),
  MarketResult: record(
    {
      market: str(),
      zone: str(),
      interval: str(),
      price: { anyOf: [int(), { enum: [null] }], description: 'Uniform clearing price per kWh; null when nothing cleared' },
      volumeWh: { anyOf: [int(), { enum: [null] }], description: 'Traded Wh; null when fewer than k (governance minPublicGroupSize) distinct participants were awarded on a side' },
      value: { anyOf: [int(), { enum: [null] }], description: 'price × volume; null like volumeWh' },
      suppressed: { type: 'boolean', description: 'True when volume and value are withheld by the small-group rule' },
      details: { type: 'object', description: 'Market operator and regulator only: the full result' },
      buyOrders: int(),
      sellOrders: int(),
      awardedBuyOrders: int(),
      awardedSellOrders: int(),
      clearedAt: str(),
      clearingTxId: str(),
    },
    ['market', 'zone', 'interval', 'volumeWh'],
  ),
  PublicAward: record({ orderId: str(), owner: pseudonym, ownerMsp: str(), side: str(), collection: str(), commitment: str() }, ['orderId', 'owner']),
  PrivateAward: record(
    { orderId: str(), owner: str(), side: str(), price: int(), quantityWh: int(), amount: int(), meterIds: arr(str()) },
    ['orderId'],
    { description: 'Award details: visible to the counterparties, the market operator and the regulator only' },
  ),
  AwardView: record({ award: { $ref: '#/components/schemas/PublicAward' }, details: { $ref: '#/components/schemas/PrivateAward' } }, ['award']),
  SettlementSummary: record(
    {
      market: str(),
      zone: str(),
      interval: str(),
      price: { anyOf: [int(), { enum: [null] }] },
      merkleRoot: str(),
      recordCount: int(),
      readingsComplete: { type: 'boolean' },
      settledAt: str(),
      settlementTxId: str(),
      suppressed: arr(str(), { description: 'Totals withheld (null) because fewer than k distinct participants contribute on a side they cover' }),
      details: { type: 'object', description: 'Market operator and regulator only: every total' },
    },
    ['market', 'zone', 'interval', 'merkleRoot', 'recordCount'],
  ),
  PublicSettledRecord: record({ orderId: str(), owner: str(), collection: str(), leafHash: str(), index: int() }, ['orderId', 'leafHash']),
  SettledRecordView: record({ record: { $ref: '#/components/schemas/PublicSettledRecord' }, details: { type: 'object' } }, ['record']),
  IntervalInfo: record(
    { interval: str(), startsAt: str(), endsAt: str(), gateClosesAt: str(), phase: str({ enum: ['OPEN', 'GATE_CLOSED', 'DELIVERY', 'DELIVERED'] }) },
    ['interval', 'startsAt', 'endsAt', 'gateClosesAt', 'phase'],
  ),
};
