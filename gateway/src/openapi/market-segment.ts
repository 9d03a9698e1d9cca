import { TX, type TxEntry } from '@obe/chaincode';
import { type OperationSpec, type QueryParam, type Schema } from './builder';
import { answers } from './catalogue';
import { orderIdParam } from './market';
import { pageQuery } from './schemas';

/**
 * The retail and wholesale segments have the same operations over different transactions: place (or submit) an
 * order (curve), read and cancel it, clear the interval, read the result and the awards, settle and read the
 * settlement. One builder makes both from a segment description; what differs is only data (paths, names, wording,
 * and the catalogue entries called).
 */
export interface MarketSegment {
  tag: 'retail' | 'wholesale';
  /** Operation id infix: `Retail`, `Wholesale`. */
  name: string;
  /** What one order is called: `Order`, `Curve`. */
  noun: string;
  /** The verb of placing one: `place`, `submit`. */
  placeVerb: string;
  /** Path of one interval's book (with the slot's path parameters) and the slot's parameters. */
  base: string;
  slot: Record<string, Schema>;
  /** Where new orders are posted, and their body (public slot plus private fields). */
  placePath: string;
  placeBody: Schema;
  txs: {
    place: TxEntry;
    list: TxEntry;
    get: TxEntry;
    cancel: TxEntry;
    clear: TxEntry;
    result: TxEntry;
    awards: TxEntry;
    award: TxEntry;
  };
  /** Recent results (for charts). */
  results: { summary: string; description?: string; query: Record<string, QueryParam> };
  /** Whether one settled record can be read through this segment. */
  settlementRecord: boolean;
  text: {
    place: string;
    placeDescription: string;
    list: string;
    get: string;
    cancel: string;
    clear: string;
    result: string;
    awards: string;
    myAwards: string;
    settle: string;
    settleDescription?: string;
    records: string;
  };
}

export function marketSegmentOperations(m: MarketSegment): OperationSpec[] {
  const op = (id: string, method: OperationSpec['method'], path: string, summary: string, rest: Partial<OperationSpec>): OperationSpec => ({
    operationId: id,
    method,
    path,
    tag: m.tag,
    summary,
    ...rest,
  });
  const one = { ...m.slot, orderId: orderIdParam };
  const nouns = `${m.name}${m.noun}s`;
  const ops: OperationSpec[] = [
    op(`list${m.name}Results`, 'get', `/api/v1/${m.tag}/results`, m.results.summary, {
      ...(m.results.description ? { description: m.results.description } : {}),
      query: { ...m.results.query, ...pageQuery },
      ...answers(m.txs.result, 'page-each'),
    }),
    op(`${m.placeVerb}${m.name}${m.noun}`, 'post', m.placePath, m.text.place, {
      description: m.text.placeDescription,
      body: m.placeBody,
      ...answers(m.txs.place),
      errors: [403, 404],
    }),
    op(`list${nouns}`, 'get', `${m.base}/${m.noun.toLowerCase()}s`, m.text.list, { pathParams: m.slot, query: pageQuery, ...answers(m.txs.list, 'page') }),
    op(`get${m.name}${m.noun}`, 'get', `${m.base}/${m.noun.toLowerCase()}s/{orderId}`, m.text.get, { pathParams: one, ...answers(m.txs.get), errors: [403, 404] }),
    op(`cancel${m.name}${m.noun}`, 'delete', `${m.base}/${m.noun.toLowerCase()}s/{orderId}`, m.text.cancel, { pathParams: one, ...answers(m.txs.cancel), errors: [403, 404] }),
    op(`clear${m.name}Interval`, 'post', `${m.base}/clear`, m.text.clear, { pathParams: m.slot, ...answers(m.txs.clear), errors: [403, 404] }),
    op(`get${m.name}Result`, 'get', `${m.base}/result`, m.text.result, { pathParams: m.slot, ...answers(m.txs.result), errors: [404] }),
    op(`list${m.name}Awards`, 'get', `${m.base}/awards`, m.text.awards, { pathParams: m.slot, query: pageQuery, ...answers(m.txs.awards, 'page') }),
    op(`listMy${m.name}Awards`, 'get', `${m.base}/my-awards`, m.text.myAwards, { pathParams: m.slot, ...answers(m.txs.award, 'each'), errors: [403] }),
    op(`get${m.name}Award`, 'get', `${m.base}/awards/{orderId}`, 'One award; `details` only for counterparties, the market operator and the regulator', {
      pathParams: one,
      ...answers(m.txs.award),
      errors: [403, 404],
    }),
    op(`settle${m.name}Interval`, 'post', `${m.base}/settle`, m.text.settle, {
      ...(m.text.settleDescription ? { description: m.text.settleDescription } : {}),
      pathParams: m.slot,
      ...answers(TX.Settlement.SettleInterval),
      errors: [403, 404],
    }),
    op(`get${m.name}Settlement`, 'get', `${m.base}/settlement`, 'Public settlement totals and Merkle root', {
      pathParams: m.slot,
      ...answers(TX.Settlement.GetSettlement),
      errors: [404],
    }),
    op(`list${m.name}SettlementRecords`, 'get', `${m.base}/settlement/records`, m.text.records, {
      pathParams: m.slot,
      query: pageQuery,
      ...answers(TX.Settlement.ListRecords, 'page'),
    }),
  ];
  if (m.settlementRecord) {
    ops.push(
      op(`get${m.name}SettlementRecord`, 'get', `${m.base}/settlement/records/{orderId}`, 'One settled record; `details` only for counterparties, the market operator and the regulator', {
        pathParams: one,
        ...answers(TX.Settlement.GetRecord),
        errors: [403, 404],
      }),
    );
  }
  return ops;
}
