import { priceSignals } from '../../gateway/src/routes/grid';

/** The price-signal format (docs/grid.md#price-signals) from the chaincode events it is made of. */
const bytes = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));
const meta = { txId: 'a'.repeat(64), blockNumber: 7 };
const I = '2026-12-01T12:00:00.000Z';

describe('price signals', () => {
  it('turns a tariff and an envelope publication into one signal per entry of the zone', () => {
    const tariffs = priceSignals({ ...meta, name: 'GridSignal', payload: bytes({ type: 'TARIFF', entries: [{ zone: 'z1', interval: I, feePerKwh: 3, localFeePerKwh: 1 }, { zone: 'z2', interval: I, feePerKwh: 9, localFeePerKwh: 0 }] }) }, 'z1', () => null);
    expect(tariffs).toEqual([{ event: 'price-signal', data: { version: 1, kind: 'TARIFF', zone: 'z1', interval: I, feePerKwh: 3, localFeePerKwh: 1, ...meta } }]);
    const envelopes = priceSignals({ ...meta, name: 'GridSignal', payload: bytes({ type: 'ENVELOPE', entries: [{ zone: 'z1', interval: I, nodeId: 'f1', importLimitWh: null, exportLimitWh: 2000 }] }) }, undefined, () => null);
    expect(envelopes[0].data).toEqual({ version: 1, kind: 'ENVELOPE', zone: 'z1', interval: I, nodeId: 'f1', importLimitWh: null, exportLimitWh: 2000, ...meta });
  });

  it('turns a retail clearing into a PRICE signal with the fee in force and the binding limits; ignores wholesale and other events', () => {
    const cleared = { market: 'RETAIL', zone: 'z1', interval: I, price: 28, binding: [{ node: 'f1', direction: 'EXPORT', limitWh: 2500 }] };
    const [signal] = priceSignals({ ...meta, name: 'MarketCleared', payload: bytes(cleared) }, 'z1', (zone, interval) => (zone === 'z1' && interval === I ? 4 : null));
    expect(signal.data).toEqual({ version: 1, kind: 'PRICE', zone: 'z1', interval: I, clearingPrice: 28, feePerKwh: 4, binding: cleared.binding, ...meta });
    expect(priceSignals({ ...meta, name: 'MarketCleared', payload: bytes({ ...cleared, price: null, binding: undefined }) }, undefined, () => null)[0].data).toMatchObject({ clearingPrice: null, feePerKwh: null, binding: [] });
    expect(priceSignals({ ...meta, name: 'MarketCleared', payload: bytes({ ...cleared, zone: 'z2' }) }, 'z1', () => null)).toEqual([]);
    expect(priceSignals({ ...meta, name: 'MarketCleared', payload: bytes({ market: 'WHOLESALE', interval: I, price: 50 }) }, undefined, () => null)).toEqual([]);
    expect(priceSignals({ ...meta, name: 'TokensMoved', payload: bytes({ type: 'TARIFF', entries: [] }) }, undefined, () => null)).toEqual([]);
    expect(priceSignals({ ...meta, name: 'GridSignal', payload: bytes({ type: 'OTHER', entries: [{ zone: 'z1', interval: I }] }) }, undefined, () => null)).toEqual([]);
  });
});
