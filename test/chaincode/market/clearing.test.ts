import fc from 'fast-check';
import { clearInterval, ClearingInputError, type ClearingOrder, type ClearingResult } from '../../../chaincode/src/market/clearing';

const orderArb = fc.record({
  side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'),
  price: fc.integer({ min: 0, max: 60 }),
  quantity: fc.integer({ min: 1, max: 5000 }),
  seq: fc.integer({ min: 0, max: 20 }),
});
/** Any order set: unique ids, prices crowded into a small range so ties are frequent. */
const ordersArb = fc
  .array(orderArb, { maxLength: 40 })
  .map((list) => list.map((o, i): ClearingOrder => ({ ...o, id: `o${String(i).padStart(3, '0')}` })));

const demandAt = (orders: readonly ClearingOrder[], p: number): number =>
  orders.filter((o) => o.side === 'BUY' && o.price >= p).reduce((s, o) => s + o.quantity, 0);
const supplyAt = (orders: readonly ClearingOrder[], p: number): number =>
  orders.filter((o) => o.side === 'SELL' && o.price <= p).reduce((s, o) => s + o.quantity, 0);
const byId = (orders: readonly ClearingOrder[]) => new Map(orders.map((o) => [o.id, o]));
const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

describe('clearInterval — properties for any order set', () => {
  it('no buyer pays above its bid and no seller receives below its offer', () => {
    fc.assert(
      fc.property(ordersArb, (orders) => {
        const result = clearInterval(orders);
        const index = byId(orders);
        for (const award of result.awards) {
          const order = index.get(award.id)!;
          expect(award.price).toBe(result.price);
          expect(award.quantity).toBeGreaterThan(0);
          expect(award.quantity).toBeLessThanOrEqual(order.quantity);
          if (order.side === 'BUY') expect(order.price).toBeGreaterThanOrEqual(award.price);
          else expect(order.price).toBeLessThanOrEqual(award.price);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('trades the maximum volume possible at any price, and exactly that volume at the clearing price', () => {
    fc.assert(
      fc.property(ordersArb, (orders) => {
        const result = clearInterval(orders);
        // Brute force over every integer price, including ones between limits and beyond them.
        let best = 0;
        for (let p = 0; p <= 61; p++) best = Math.max(best, Math.min(demandAt(orders, p), supplyAt(orders, p)));
        expect(result.volume).toBe(best);
        if (result.price !== null) {
          expect(Math.min(demandAt(orders, result.price), supplyAt(orders, result.price))).toBe(result.volume);
        } else {
          expect(result.volume).toBe(0);
          expect(result.awards).toHaveLength(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('balances: bought volume = sold volume = result volume, paid = received = price × volume', () => {
    fc.assert(
      fc.property(ordersArb, (orders) => {
        const result = clearInterval(orders);
        const buys = result.awards.filter((a) => a.side === 'BUY');
        const sells = result.awards.filter((a) => a.side === 'SELL');
        expect(sum(buys.map((a) => a.quantity))).toBe(result.volume);
        expect(sum(sells.map((a) => a.quantity))).toBe(result.volume);
        expect(sum(buys.map((a) => a.amount))).toBe(sum(sells.map((a) => a.amount)));
        expect(sum(buys.map((a) => a.amount))).toBe(result.value);
        for (const a of result.awards) expect(a.amount).toBe(a.price * a.quantity);
        expect(result.buyOrders + result.sellOrders).toBe(orders.length);
      }),
      { numRuns: 500 },
    );
  });

  it('is independent of input order', () => {
    fc.assert(
      fc.property(
        ordersArb.chain((orders) => fc.tuple(fc.constant(orders), fc.shuffledSubarray(orders, { minLength: orders.length, maxLength: orders.length }))),
        ([orders, permuted]) => {
          expect(clearInterval(permuted)).toEqual(clearInterval(orders));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('respects priority: an eligible order is filled only when every better-ranked order on its side is filled in full', () => {
    const rank = (side: 'BUY' | 'SELL', a: ClearingOrder, b: ClearingOrder) =>
      (side === 'BUY' ? b.price - a.price : a.price - b.price) || a.seq - b.seq || (a.id < b.id ? -1 : 1);
    fc.assert(
      fc.property(ordersArb, (orders) => {
        const result: ClearingResult = clearInterval(orders);
        if (result.price === null) return;
        const filled = new Map(result.awards.map((a) => [a.id, a.quantity]));
        for (const side of ['BUY', 'SELL'] as const) {
          const eligible = orders
            .filter((o) => o.side === side && (side === 'BUY' ? o.price >= result.price! : o.price <= result.price!))
            .sort((a, b) => rank(side, a, b));
          let sawPartial = false;
          for (const order of eligible) {
            const q = filled.get(order.id) ?? 0;
            if (sawPartial) expect(q).toBe(0);
            if (q < order.quantity) sawPartial = true;
          }
          // No ineligible order on this side is filled.
          for (const o of orders.filter((x) => x.side === side && !eligible.includes(x))) expect(filled.has(o.id)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('clearInterval — worked example, checked by hand', () => {
  // Sellers S1 10/kWh 3000 Wh, S2 15/kWh 2000 Wh, S3 25/kWh 4000 Wh; buyers B1 30/kWh 2000 Wh, B2 20/kWh 2500 Wh,
  // B3 12/kWh 3000 Wh.
  //   p      10    12    15    20    25    30
  //   D(p) 7500  7500  4500  4500  2000  2000
  //   S(p) 3000  3000  5000  5000  9000  9000
  //   V(p) 3000  3000  4500  4500  2000  2000
  // Vmax = 4500 at 15 and 20, both with imbalance 500, so the price is (15 + 20) / 2 = 17 (floored from 17.5).
  // At 17: B1 and B2 buy in full (4500 Wh); S1 sells 3000 Wh in full, S2 the remaining 1500 Wh; B3 and S3 trade nothing.
  const orders: ClearingOrder[] = [
    { id: 'S1', side: 'SELL', price: 10, quantity: 3000, seq: 1 },
    { id: 'S2', side: 'SELL', price: 15, quantity: 2000, seq: 2 },
    { id: 'S3', side: 'SELL', price: 25, quantity: 4000, seq: 3 },
    { id: 'B1', side: 'BUY', price: 30, quantity: 2000, seq: 4 },
    { id: 'B2', side: 'BUY', price: 20, quantity: 2500, seq: 5 },
    { id: 'B3', side: 'BUY', price: 12, quantity: 3000, seq: 6 },
  ];

  it('clears at 17 per kWh, 4500 Wh, with the awards worked out above', () => {
    expect(clearInterval(orders)).toEqual({
      price: 17,
      volume: 4500,
      value: 76500,
      buyOrders: 3,
      sellOrders: 3,
      awards: [
        { id: 'B1', side: 'BUY', quantity: 2000, price: 17, amount: 34000 },
        { id: 'B2', side: 'BUY', quantity: 2500, price: 17, amount: 42500 },
        { id: 'S1', side: 'SELL', quantity: 3000, price: 17, amount: 51000 },
        { id: 'S2', side: 'SELL', quantity: 1500, price: 17, amount: 25500 },
      ],
    });
  });

  it('breaks a price tie by submission order, then by order id', () => {
    const tied: ClearingOrder[] = [
      { id: 'b', side: 'SELL', price: 10, quantity: 1000, seq: 5 },
      { id: 'a', side: 'SELL', price: 10, quantity: 1000, seq: 5 },
      { id: 'c', side: 'SELL', price: 10, quantity: 1000, seq: 1 },
      { id: 'X', side: 'BUY', price: 10, quantity: 1500, seq: 9 },
    ];
    const result = clearInterval(tied);
    expect(result.price).toBe(10);
    expect(result.awards.filter((a) => a.side === 'SELL').map((a) => [a.id, a.quantity])).toEqual([
      ['c', 1000],
      ['a', 500],
    ]);
  });

  it('trades nothing when the best bid is below the best offer, or one side is empty', () => {
    expect(clearInterval([orders[2], orders[5]])).toMatchObject({ price: null, volume: 0, awards: [] });
    expect(clearInterval(orders.filter((o) => o.side === 'SELL'))).toMatchObject({ price: null, volume: 0, sellOrders: 3, buyOrders: 0 });
    expect(clearInterval([])).toMatchObject({ price: null, volume: 0 });
  });

  it('refuses malformed orders instead of clearing them', () => {
    expect(() => clearInterval([...orders, { ...orders[0] }])).toThrow(ClearingInputError);
    expect(() => clearInterval([{ id: 'x', side: 'BUY', price: 1.5, quantity: 1, seq: 0 }])).toThrow(/price/);
    expect(() => clearInterval([{ id: 'x', side: 'BUY', price: 1, quantity: 0, seq: 0 }])).toThrow(/quantity/);
  });

  it('clears 10,000 orders in one call', () => {
    const many: ClearingOrder[] = [];
    for (let i = 0; i < 10000; i++) {
      // Deterministic spread of prices and quantities; no randomness needed.
      many.push({ id: `o${i}`, side: i % 2 ? 'BUY' : 'SELL', price: 50 + ((i * 7919) % 200), quantity: 100 + ((i * 104729) % 5000), seq: i });
    }
    const result = clearInterval(many);
    expect(result.volume).toBeGreaterThan(0);
    expect(result.buyOrders + result.sellOrders).toBe(10000);
  });
});
