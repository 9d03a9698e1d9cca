/**
 * One retail interval cleared and settled on the native Fabric network, each as one VALID transaction, by the bench
 * piece that measures the 10,000-order case (scripts/bench/fabric-settlement.ts) on a small book: every household
 * identity places its share, the market operator clears once the gate has closed and settles once the interval has
 * ended and every meter has reported. Needs a network with short intervals (npm run test:fabric uses 1 minute).
 * Skips without Fabric.
 */
import { fabricClearingSettlement } from '../../scripts/bench/fabric-settlement';
import { CONNECTION_FILE, describeLive } from './support/live';

describeLive('clearing and settling one retail interval on the native Fabric network', () => {
  it('clears 200 orders and settles them, each one VALID transaction', async () => {
    const result = (await fabricClearingSettlement({ quick: true, orders: 200, configFile: CONNECTION_FILE, log: () => undefined })) as {
      intervalMinutes: number;
      clearing: { validationCode: string; awardedOrders: number; volumeWh: number; rwset?: { publicWrites: number }; blockBytes?: number };
      settlement: { validationCode: string; rwset?: { publicWrites: number } };
      bothValid: boolean;
    };
    expect(result.intervalMinutes).toBeLessThanOrEqual(5);
    expect(result.clearing.validationCode).toBe('VALID');
    expect(result.clearing.awardedOrders).toBeGreaterThan(0);
    expect(result.clearing.volumeWh).toBeGreaterThan(0);
    expect(result.clearing.rwset?.publicWrites).toBeGreaterThan(0);
    expect(result.clearing.blockBytes).toBeGreaterThan(0);
    expect(result.settlement.validationCode).toBe('VALID');
    expect(result.settlement.rwset?.publicWrites).toBeGreaterThan(0);
    expect(result.bothValid).toBe(true);
  }, 15 * 60_000);
});
