import fc from 'fast-check';
import { clearInterval, ClearingInputError, compareBuyPriority, compareSellPriority, type ClearingLimits, type ClearingOrder } from '../../../chaincode/src/market/clearing';

/**
 * Clearing under operating envelopes (node caps, a total cap) and with a network fee. The optimality check is a
 * brute force: for every integer price, every integer allocation of the eligible orders that respects the caps and
 * balances — the largest such volume is what a solver of the small LP "maximise traded volume under the limits at one
 * uniform price" finds (its constraint matrix is totally unimodular, so the integer optimum is the LP optimum).
 */

const NODES = ['f1', 'f2', 'f3'] as const;
const nodeArb = fc.option(fc.constantFrom(...NODES), { nil: undefined });

const smallOrdersArb = fc
  .array(
    fc.record({ side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'), price: fc.integer({ min: 0, max: 6 }), quantity: fc.integer({ min: 1, max: 4 }), seq: fc.integer({ min: 0, max: 3 }), node: nodeArb }),
    { maxLength: 6 },
  )
  .map((list) => list.map((o, i): ClearingOrder => ({ ...o, id: `o${i}` })));

const capArb = fc.option(fc.integer({ min: 0, max: 6 }), { nil: null });
const limitsArb: fc.Arbitrary<ClearingLimits> = fc.record({
  nodes: fc.record({ f1: fc.record({ importWh: capArb, exportWh: capArb }), f2: fc.record({ importWh: capArb, exportWh: capArb }) }),
  total: fc.record({ importWh: capArb, exportWh: capArb }),
  totalNode: fc.constant('zone-1'),
});

const bigOrdersArb = fc
  .array(
    fc.record({ side: fc.constantFrom<'BUY' | 'SELL'>('BUY', 'SELL'), price: fc.integer({ min: 0, max: 60 }), quantity: fc.integer({ min: 1, max: 5000 }), seq: fc.integer({ min: 0, max: 20 }), node: nodeArb }),
    { maxLength: 40 },
  )
  .map((list) => list.map((o, i): ClearingOrder => ({ ...o, id: `o${String(i).padStart(3, '0')}` })));

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

/** Caps a set of per-order quantities must respect on one side. */
function capsOk(orders: readonly ClearingOrder[], qty: readonly number[], limits: ClearingLimits, field: 'importWh' | 'exportWh'): boolean {
  const total = limits.total?.[field];
  if (total !== undefined && total !== null && sum([...qty]) > total) return false;
  for (const [node, limit] of Object.entries(limits.nodes ?? {})) {
    const cap = limit[field];
    if (cap === null) continue;
    if (sum(orders.map((o, i) => (o.node === node ? qty[i] : 0))) > cap) return false;
  }
  return true;
}

/** Every achievable total on one side at one price: the sums of allocations within quantities and caps. */
function achievable(orders: readonly ClearingOrder[], limits: ClearingLimits, field: 'importWh' | 'exportWh'): Set<number> {
  const out = new Set<number>();
  const qty = orders.map(() => 0);
  const walk = (i: number): void => {
    if (i === orders.length) {
      if (capsOk(orders, qty, limits, field)) out.add(sum(qty));
      return;
    }
    for (let q = 0; q <= orders[i].quantity; q++) {
      qty[i] = q;
      walk(i + 1);
    }
    qty[i] = 0;
  };
  walk(0);
  return out;
}

/** The largest volume any uniform price can trade under the limits (brute force, see the module comment). */
function bruteForceVolume(orders: readonly ClearingOrder[], limits: ClearingLimits, fee = 0): number {
  let best = 0;
  for (let p = 0; p <= 8; p++) {
    const buys = achievable(orders.filter((o) => o.side === 'BUY' && o.price - fee >= p && o.price >= fee), limits, 'importWh');
    const sells = achievable(orders.filter((o) => o.side === 'SELL' && o.price <= p), limits, 'exportWh');
    for (const v of buys) if (sells.has(v) && v > best) best = v;
  }
  return best;
}

function awardedOn(result: ReturnType<typeof clearInterval>, orders: readonly ClearingOrder[], side: 'BUY' | 'SELL', node?: string): number {
  const nodeOf = new Map(orders.map((o) => [o.id, o.node]));
  return sum(result.awards.filter((a) => a.side === side && (node === undefined || nodeOf.get(a.id) === node)).map((a) => a.quantity));
}

describe('clearInterval under operating envelopes', () => {
  it('is optimal under the limits: the volume equals the brute-force optimum over every price and allocation', () => {
    fc.assert(
      fc.property(smallOrdersArb, limitsArb, (orders, limits) => {
        const result = clearInterval(orders, { limits });
        expect(result.volume).toBe(bruteForceVolume(orders, limits));
      }),
      { numRuns: 400 },
    );
  });

  it('never exceeds a limit, trades at one price within every limit, and balances', () => {
    fc.assert(
      fc.property(bigOrdersArb, fc.record({ f1: fc.record({ importWh: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }), exportWh: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }) }) }), (orders, nodes) => {
        const limits: ClearingLimits = { nodes, total: { importWh: 60_000, exportWh: null }, totalNode: 'zone-1' };
        const result = clearInterval(orders, { limits });
        const byId = new Map(orders.map((o) => [o.id, o]));
        if (nodes.f1.importWh !== null) expect(awardedOn(result, orders, 'BUY', 'f1')).toBeLessThanOrEqual(nodes.f1.importWh);
        if (nodes.f1.exportWh !== null) expect(awardedOn(result, orders, 'SELL', 'f1')).toBeLessThanOrEqual(nodes.f1.exportWh);
        expect(awardedOn(result, orders, 'BUY')).toBeLessThanOrEqual(60_000);
        expect(awardedOn(result, orders, 'BUY')).toBe(result.volume);
        expect(awardedOn(result, orders, 'SELL')).toBe(result.volume);
        for (const award of result.awards) {
          const order = byId.get(award.id)!;
          expect(award.price).toBe(result.price);
          if (order.side === 'BUY') expect(order.price).toBeGreaterThanOrEqual(award.price);
          else expect(order.price).toBeLessThanOrEqual(award.price);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result as without limits when no limit can bind (caps at least every node’s whole quantity)', () => {
    fc.assert(
      fc.property(bigOrdersArb, fc.integer({ min: 0, max: 1000 }), (orders, slack) => {
        const onNode = (node: string | undefined, side: 'BUY' | 'SELL') => sum(orders.filter((o) => o.side === side && (node === undefined || o.node === node)).map((o) => o.quantity));
        const nodes = Object.fromEntries(NODES.map((n) => [n, { importWh: onNode(n, 'BUY') + slack, exportWh: onNode(n, 'SELL') + slack }]));
        const limits: ClearingLimits = { nodes, total: { importWh: onNode(undefined, 'BUY') + slack, exportWh: onNode(undefined, 'SELL') + slack }, totalNode: 'z' };
        const plain = clearInterval(orders);
        const limited = clearInterval(orders, { limits });
        expect(limited.binding).toEqual([]);
        const { binding: _binding, ...rest } = limited;
        expect(rest).toEqual(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('curtails by price priority within limits: a better-ranked order is short only where its node’s cap is used up', () => {
    fc.assert(
      fc.property(bigOrdersArb, fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 0, max: 8000 }), (orders, importCap, exportCap) => {
        const limits: ClearingLimits = { nodes: { f1: { importWh: importCap, exportWh: exportCap } } };
        const result = clearInterval(orders, { limits });
        if (result.price === null) return;
        const awarded = new Map(result.awards.map((a) => [a.id, a.quantity]));
        for (const side of ['BUY', 'SELL'] as const) {
          const eligible = orders
            .filter((o) => o.side === side && (side === 'BUY' ? o.price >= result.price! : o.price <= result.price!))
            .sort(side === 'BUY' ? compareBuyPriority : compareSellPriority);
          const cap = side === 'BUY' ? importCap : exportCap;
          const f1Full = awardedOn(result, orders, side, 'f1') === cap;
          eligible.forEach((better, i) => {
            if ((awarded.get(better.id) ?? 0) === better.quantity) return;
            for (const worse of eligible.slice(i + 1)) {
              if ((awarded.get(worse.id) ?? 0) > 0) {
                // Only the cap of the better order's node can have stopped it while a worse one still got volume.
                expect(better.node).toBe('f1');
                expect(f1Full).toBe(true);
                expect(worse.node).not.toBe('f1');
              }
            }
          });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('caps a binding export limit on one feeder at midday, deterministically, and reports it', () => {
    // Three PV sellers on feeder f1 (cheap), one on f2; four buyers with no feeder cap. f1 may export 5000 Wh.
    const orders: ClearingOrder[] = [
      { id: 'pv-a', side: 'SELL', price: 5, quantity: 3000, seq: 1, node: 'f1' },
      { id: 'pv-b', side: 'SELL', price: 6, quantity: 3000, seq: 2, node: 'f1' },
      { id: 'pv-c', side: 'SELL', price: 6, quantity: 3000, seq: 3, node: 'f1' },
      { id: 'pv-d', side: 'SELL', price: 12, quantity: 3000, seq: 4, node: 'f2' },
      { id: 'b1', side: 'BUY', price: 20, quantity: 4000, seq: 1, node: 'f2' },
      { id: 'b2', side: 'BUY', price: 18, quantity: 4000, seq: 2, node: 'f2' },
    ];
    const free = clearInterval(orders);
    expect(free.volume).toBe(8000);
    expect(free.awards.filter((a) => a.side === 'SELL').map((a) => a.id)).toEqual(['pv-a', 'pv-b', 'pv-c']);

    const limits: ClearingLimits = { nodes: { f1: { importWh: null, exportWh: 5000 } }, totalNode: 'zone-1' };
    const capped = clearInterval(orders, { limits });
    expect(capped.volume).toBe(8000);
    expect(capped.binding).toEqual([{ node: 'f1', direction: 'EXPORT', limitWh: 5000 }]);
    const sells = capped.awards.filter((a) => a.side === 'SELL').map((a) => [a.id, a.quantity]);
    // Price priority within the limit: pv-a in full, pv-b up to the cap, pv-c curtailed to 0; pv-d (f2) fills the rest.
    expect(sells).toEqual([
      ['pv-a', 3000],
      ['pv-b', 2000],
      ['pv-d', 3000],
    ]);
    expect(capped.price).toBeGreaterThanOrEqual(12);
    // Deterministic: the same result for the orders in any order.
    expect(clearInterval([...orders].reverse(), { limits })).toEqual(capped);
    // A limit at the exported volume does not bind and changes nothing.
    const loose = clearInterval(orders, { limits: { nodes: { f1: { importWh: null, exportWh: 9000 } } } });
    const { binding, ...rest } = loose;
    expect(binding).toEqual([]);
    expect(rest).toEqual(free);
  });

  it('caps the whole zone with a total limit and reports it under the zone’s node', () => {
    const orders: ClearingOrder[] = [
      { id: 's1', side: 'SELL', price: 1, quantity: 100, seq: 1 },
      { id: 'b1', side: 'BUY', price: 9, quantity: 100, seq: 1 },
    ];
    const result = clearInterval(orders, { limits: { total: { importWh: 40, exportWh: null }, totalNode: 'zone-1' } });
    expect(result.volume).toBe(40);
    expect(result.binding).toEqual([{ node: 'zone-1', direction: 'IMPORT', limitWh: 40 }]);
    expect(clearInterval(orders, { limits: { total: { importWh: 0, exportWh: null } } }).volume).toBe(0);
  });

  it('refuses malformed limits and fees', () => {
    expect(() => clearInterval([], { limits: { nodes: { f: { importWh: -1, exportWh: null } } } })).toThrow(ClearingInputError);
    expect(() => clearInterval([], { limits: { total: { importWh: 1.5, exportWh: null } } })).toThrow(ClearingInputError);
    expect(() => clearInterval([], { fee: { perKwh: 3, localPerKwh: 4 } })).toThrow(ClearingInputError);
    expect(() => clearInterval([], { fee: { perKwh: -1, localPerKwh: 0 } })).toThrow(ClearingInputError);
  });
});

describe('clearInterval with a network fee', () => {
  const feeArb = fc.integer({ min: 0, max: 20 }).chain((perKwh) => fc.record({ perKwh: fc.constant(perKwh), localPerKwh: fc.integer({ min: 0, max: perKwh }) }));

  it('conserves value: Σ buyers pay = Σ sellers receive + the DSO fee, exactly; no buyer pays beyond its limit', () => {
    fc.assert(
      fc.property(bigOrdersArb, feeArb, (orders, fee) => {
        const result = clearInterval(orders, { fee });
        const byId = new Map(orders.map((o) => [o.id, o]));
        const buys = result.awards.filter((a) => a.side === 'BUY');
        const sells = result.awards.filter((a) => a.side === 'SELL');
        const paid = buys.reduce((s, a) => s + BigInt(a.amount) + BigInt(a.fee!), 0n);
        const received = sells.reduce((s, a) => s + BigInt(a.amount), 0n);
        expect(paid).toBe(received + BigInt(result.fees!));
        for (const a of buys) {
          const order = byId.get(a.id)!;
          // What the bid escrowed (limit × quantity) covers the energy and the fee.
          expect(BigInt(a.amount) + BigInt(a.fee!)).toBeLessThanOrEqual(BigInt(order.price) * BigInt(a.quantity));
          expect(a.fee).toBe(fee.localPerKwh * a.localWh! + fee.perKwh * (a.quantity - a.localWh!));
          expect(Number.isSafeInteger(a.fee)).toBe(true);
        }
        for (const a of sells) expect(a.fee).toBeUndefined();
      }),
      { numRuns: 400 },
    );
  });

  it('is optimal given the fee: the volume is the brute-force optimum with each bid reduced by the fee', () => {
    fc.assert(
      fc.property(smallOrdersArb, limitsArb, fc.integer({ min: 0, max: 3 }), (orders, limits, perKwh) => {
        const result = clearInterval(orders, { limits, fee: { perKwh, localPerKwh: 0 } });
        expect(result.volume).toBe(bruteForceVolume(orders, limits, perKwh));
      }),
      { numRuns: 300 },
    );
  });

  it('charges the local rate on energy matched within the buyer’s own feeder', () => {
    const orders: ClearingOrder[] = [
      { id: 's-f1', side: 'SELL', price: 10, quantity: 600, seq: 1, node: 'f1' },
      { id: 's-f2', side: 'SELL', price: 10, quantity: 400, seq: 2, node: 'f2' },
      { id: 'b-f1', side: 'BUY', price: 30, quantity: 1000, seq: 1, node: 'f1' },
    ];
    const result = clearInterval(orders, { fee: { perKwh: 5, localPerKwh: 1 } });
    const buy = result.awards.find((a) => a.id === 'b-f1')!;
    expect(buy.quantity).toBe(1000);
    expect(buy.localWh).toBe(600);
    expect(buy.fee).toBe(600 * 1 + 400 * 5);
    expect(result.fees).toBe(2600);
    // A bid that cannot cover the fee takes no part.
    expect(clearInterval([orders[0], { id: 'b', side: 'BUY', price: 4, quantity: 10, seq: 1 }], { fee: { perKwh: 5, localPerKwh: 0 } }).volume).toBe(0);
  });
});
