/**
 * Review R2 of #16: the buyer's local-match hint. A buy award's local Wh (charged the lower local fee) is
 * min(bought, sold) on its feeder given out in priority order, so it tells the buyer how much its feeder's sellers
 * sold: on a feeder with one seller, a lone neighbour's own award (test/chaincode/grid/grid.test.ts had 1500 + 500 + 0
 * local Wh from one seller's 2000). With `minLocalGroupSize` k (the clearing passes governance minPublicGroupSize),
 * a feeder's Wh are local only where its awarded buyers and its awarded sellers are each at least k distinct owners.
 */
import fc from 'fast-check';
import { clearInterval, ClearingInputError, type ClearingOrder } from '../../chaincode/src/market/clearing';

const ordersArb = fc
  .array(
    fc.record({
      side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
      price: fc.integer({ min: 0, max: 20 }),
      quantity: fc.integer({ min: 1, max: 300 }),
      seq: fc.integer({ min: 0, max: 5 }),
      node: fc.option(fc.constantFrom('f1', 'f2'), { nil: undefined }),
      owner: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5'),
    }),
    { maxLength: 16 },
  )
  .map((list) => list.map((o, i): ClearingOrder => ({ ...o, id: `o${String(i).padStart(2, '0')}` })));

const fee = { perKwh: 3, localPerKwh: 1 };

describe('review R2: the local fee and the small-group rule', () => {
  it('a lone seller on the feeder gives its buyers no local Wh (k = 3); k = 1 is the rule without the option', () => {
    const orders: ClearingOrder[] = [
      { id: 's', side: 'SELL', price: 10, quantity: 2000, seq: 0, node: 'fb', owner: 'seller' },
      { id: 'b1', side: 'BUY', price: 40, quantity: 1500, seq: 0, node: 'fb', owner: 'b1' },
      { id: 'b2', side: 'BUY', price: 40, quantity: 1500, seq: 0, node: 'fb', owner: 'b2' },
      { id: 'b3', side: 'BUY', price: 40, quantity: 1500, seq: 0, node: 'fb', owner: 'b3' },
    ];
    const guarded = clearInterval(orders, { fee: { ...fee, minLocalGroupSize: 3 } });
    expect(guarded.awards.filter((a) => a.side === 'BUY').map((a) => a.localWh)).toEqual([0, 0]);
    expect(clearInterval(orders, { fee: { ...fee, minLocalGroupSize: 1 } })).toEqual(clearInterval(orders, { fee }));
    expect(clearInterval(orders, { fee }).awards.filter((a) => a.side === 'BUY').map((a) => a.localWh)).toEqual([1500, 500]);
  });

  it('for random books: local Wh only on feeders with ≥ k awarded buyers and ≥ k awarded sellers; fees exact; nothing else changes', () => {
    fc.assert(
      fc.property(ordersArb, fc.integer({ min: 1, max: 4 }), (orders, k) => {
        const guarded = clearInterval(orders, { fee: { ...fee, minLocalGroupSize: k } });
        const plain = clearInterval(orders, { fee });
        const byId = new Map(orders.map((o) => [o.id, o]));
        const ownersOn = (node: string, side: 'BUY' | 'SELL') => new Set(guarded.awards.filter((a) => a.side === side && byId.get(a.id)!.node === node).map((a) => byId.get(a.id)!.owner)).size;
        for (const award of guarded.awards.filter((a) => a.side === 'BUY')) {
          const node = byId.get(award.id)!.node;
          if (award.localWh! > 0) {
            expect(node).toBeDefined();
            expect(ownersOn(node!, 'BUY')).toBeGreaterThanOrEqual(k);
            expect(ownersOn(node!, 'SELL')).toBeGreaterThanOrEqual(k);
          }
          expect(award.fee).toBe(award.localWh! * fee.localPerKwh + (award.quantity - award.localWh!) * fee.perKwh);
        }
        // Only the fee split differs: price, volume and quantities are the clearing's.
        const strip = (r: typeof plain) => ({ ...r, fees: undefined, awards: r.awards.map(({ fee: _f, localWh: _l, ...a }) => a) });
        expect(strip(guarded)).toEqual(strip(plain));
        expect(guarded.fees!).toBeGreaterThanOrEqual(plain.fees!);
      }),
      { numRuns: 600 },
    );
  });

  it('refuses a k below 1 or not an integer', () => {
    for (const minLocalGroupSize of [0, -1, 1.5, Number.NaN]) expect(() => clearInterval([], { fee: { ...fee, minLocalGroupSize } })).toThrow(ClearingInputError);
  });
});
