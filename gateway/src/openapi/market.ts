import { TX } from '@obe/chaincode';
import { record, str, type Schema } from './builder';
import { field } from './catalogue';

/** Schemas and parameters shared by the retail and wholesale segments (and settlement/audit). */

/**
 * The gateway narrows the interval the chaincode takes (any text it can parse, up to 40 characters) to an ISO 8601
 * start, so a malformed one is a 400 before any ledger call.
 */
export const intervalParam = str({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
  maxLength: 40,
  description: 'Delivery interval, named by its start (ISO 8601, e.g. 2026-11-23T21:15:00.000Z); must align to the governed interval length',
});
export const zoneParam = { ...field(TX.RetailMarket.GetOrder.args[0], 'zone'), description: 'Zone: a feeder or microgrid (wholesale: SYSTEM)' };
export const orderIdParam = { ...field(TX.RetailMarket.GetOrder.args[0], 'orderId'), description: 'Order id (the placing transaction id)' };
export const saltField = {
  ...field(TX.RetailMarket.PlaceOrder.transient.shape.order, 'salt'),
  description: 'Salt for the on-chain commitment; travels in the transient map. The gateway generates one when omitted.',
};

/** Gateway-only: the interval listing is computed from governance, not read from a transaction. */
export const marketSchemas: Record<string, Schema> = {
  IntervalInfo: record(
    { interval: str(), startsAt: str(), endsAt: str(), gateClosesAt: str(), phase: str({ enum: ['OPEN', 'GATE_CLOSED', 'DELIVERY', 'DELIVERED'] }) },
    ['interval', 'startsAt', 'endsAt', 'gateClosesAt', 'phase'],
  ),
};
