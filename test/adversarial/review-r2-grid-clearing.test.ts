/**
 * Review R2 of #16 (operating envelopes in the clearing): "when no limit binds, price, volume and awards are those of
 * the clearing without envelopes". Before the fix a cap that curtailed no order could still move the price: the
 * capped demand D'(p) entered the imbalance tie-break at other candidate prices, so a DSO envelope reported as not
 * binding halved what a seller received. Property: for random books and random limits (with and without a fee), an
 * empty `binding` means the very result of the clearing without limits; a result that differs names a binding limit.
 */
import fc from 'fast-check';
import { clearInterval, type ClearingLimits, type ClearingOrder } from '../../chaincode/src/market/clearing';

const NODES = ['f1', 'f2', 'f3'] as const;

const ordersArb = fc
  .array(
    fc.record({
      side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
      price: fc.integer({ min: 0, max: 30 }),
      quantity: fc.integer({ min: 1, max: 200 }),
      seq: fc.integer({ min: 0, max: 5 }),
      node: fc.option(fc.constantFrom(...NODES), { nil: undefined }),
    }),
    { maxLength: 14 },
  )
  .map((list) => list.map((o, i): ClearingOrder => ({ ...o, id: `o${String(i).padStart(2, '0')}` })));

const capArb = fc.option(fc.integer({ min: 0, max: 800 }), { nil: null });
const limitArb = fc.record({ importWh: capArb, exportWh: capArb });
const limitsArb: fc.Arbitrary<ClearingLimits> = fc.record({
  nodes: fc.record({ f1: limitArb, f2: limitArb }),
  total: limitArb,
  totalNode: fc.constant('zone-1'),
});
const feeArb = fc.option(
  fc.integer({ min: 0, max: 6 }).chain((perKwh) => fc.integer({ min: 0, max: perKwh }).map((localPerKwh) => ({ perKwh, localPerKwh }))),
  { nil: undefined },
);

function withoutBinding(result: ReturnType<typeof clearInterval>) {
  const { binding: _binding, ...rest } = result;
  return rest;
}

describe('review R2: limits that bind nothing change nothing', () => {
  it('a feeder import cap that curtails no award does not move the price (was 10 → 5, binding [])', () => {
    const orders: ClearingOrder[] = [
      { id: 'a1', side: 'BUY', price: 5, quantity: 100, seq: 0, node: 'A' },
      { id: 'b2', side: 'BUY', price: 10, quantity: 50, seq: 0 },
      { id: 's1', side: 'SELL', price: 5, quantity: 50, seq: 0 },
      { id: 's2', side: 'SELL', price: 10, quantity: 30, seq: 0 },
    ];
    const plain = clearInterval(orders);
    const limited = clearInterval(orders, { limits: { nodes: { A: { importWh: 20, exportWh: null } }, totalNode: 'z' } });
    expect(plain.price).toBe(10);
    expect(limited.binding).toEqual([]);
    expect(withoutBinding(limited)).toEqual(plain);
  });

  it('for random books, limits and fees: binding empty ⇔ the result without limits', () => {
    fc.assert(
      fc.property(ordersArb, limitsArb, feeArb, (orders, limits, fee) => {
        const plain = clearInterval(orders, fee ? { fee } : undefined);
        const limited = clearInterval(orders, { limits, ...(fee ? { fee } : {}) });
        if (limited.binding!.length === 0) expect(withoutBinding(limited)).toEqual(plain);
        else expect(withoutBinding(limited)).not.toEqual(plain);
      }),
      { numRuns: 1500 },
    );
  });

  it('the result is the same whatever order the orders and node limits come in', () => {
    fc.assert(
      fc.property(ordersArb, limitsArb, fc.integer(), (orders, limits, seed) => {
        const shuffled = [...orders].sort((a, b) => ((a.id.charCodeAt(2) * 31 + seed) % 7) - ((b.id.charCodeAt(2) * 31 + seed) % 7));
        const reversedLimits: ClearingLimits = { ...limits, nodes: Object.fromEntries(Object.entries(limits.nodes ?? {}).reverse()) };
        expect(clearInterval(shuffled, { limits: reversedLimits })).toEqual(clearInterval(orders, { limits }));
      }),
      { numRuns: 300 },
    );
  });
});
