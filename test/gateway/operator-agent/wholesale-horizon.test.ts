import '../../../gateway/src/quiet-chaincode-logs';
import crypto from 'node:crypto';
import { TX } from '@obe/chaincode';
import { loadConfig } from '../../../gateway/src/config';
import { call } from '../../../gateway/src/ledger/call';
import { until, useAgentHarness } from './support/agent-harness';

/**
 * The agent's wholesale horizon (docs/demand-response.md, Coupling): by default it clears a wholesale interval when
 * delivery starts, after the residual gate, so a retailer's residual placed between retail clearing (5 minutes
 * before) and the start enters wholesale and clears there. Governance: 15-minute intervals, gate closure 5 minutes.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const salt = () => crypto.randomBytes(24).toString('base64url');

const h = useAgentHarness(['consumer-01', 'utility-admin']);
const { advance, agent } = h;

async function asset(owner: string, assetId: string, type: string, segment: string, zone: string, capacityKw: number): Promise<string> {
  await call(h.ledger, TX.Registry.RegisterAsset, { identity: owner }, [{ assetId, type, segment, zone, capacityKw, devicePublicKey: h.devicePem } as never]);
  await call(h.ledger, TX.Registry.CommissionAsset, { identity: 'gridoperator-admin' }, [{ assetId }]);
  await call(h.ledger, TX.Registry.ActivateAsset, { identity: owner }, [{ assetId }]);
  return assetId;
}

describe('operator agent: wholesale horizon', () => {
  it('reads OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES and OBE_OPERATOR_CERTIFICATES', () => {
    expect(loadConfig({}).operatorDuties).toEqual({});
    expect(loadConfig({ OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES: '120', OBE_OPERATOR_CERTIFICATES: 'off' }).operatorDuties).toEqual({ wholesaleHorizonMinutes: 120, certificates: false });
    expect(() => loadConfig({ OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES: '-1' })).toThrow(/OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES must be an integer from 0 to 2160/);
    expect(() => loadConfig({ OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES: '1.5' })).toThrow(/OBE_OPERATOR_WHOLESALE_HORIZON_MINUTES/);
    expect(() => loadConfig({ OBE_OPERATOR_CERTIFICATES: 'maybe' })).toThrow(/OBE_OPERATOR_CERTIFICATES must be 'on' or 'off'/);
  });

  it('default: wholesale clears at delivery start, so a residual placed after retail clearing enters and clears', async () => {
    const day = Math.floor(h.now() / DAY) * DAY + 2 * DAY;
    const start = day + 10 * HOUR;
    const interval = new Date(start).toISOString();
    const zone = 'wh-a';
    const gen = await asset('generator-1', 'gen-wh-a', 'generator', 'wholesale', 'SYSTEM', 100_000);
    const sellerMeter = await asset('prosumer-01', 'meter-wh-a-1', 'meter', 'retail', zone, 50);
    const buyerMeter = await asset('consumer-01', 'meter-wh-a-2', 'meter', 'retail', zone, 50);
    const pv = await asset('prosumer-01', 'pv-wh-a-1', 'pv', 'retail', zone, 50);
    advance(day - 13 * HOUR); // before the day-ahead gate
    await call(h.ledger, TX.WholesaleMarket.SubmitCurve, { identity: 'generator-1' }, [{ interval }], { curve: { side: 'SUPPLY', assetId: gen, blocks: [{ price: 15, quantityWh: 5000 }], salt: salt() } } as never);
    advance(start - HOUR);
    await call(h.ledger, TX.RetailMarket.PlaceOrder, { identity: 'prosumer-01' }, [{ zone, interval }], { order: { side: 'SELL', price: 10, quantityWh: 1000, assetId: pv, meterId: sellerMeter, salt: salt() } } as never);
    await call(h.ledger, TX.RetailMarket.PlaceOrder, { identity: 'consumer-01' }, [{ zone, interval }], { order: { side: 'BUY', price: 20, quantityWh: 3000, meterId: buyerMeter, salt: salt() } } as never);

    const a = agent();
    a.start();
    advance(start - 5 * 60_000 + 2000); // retail gate closure has passed: the agent clears retail, not wholesale
    await until('retail clearing', () => call(h.ledger, TX.RetailMarket.GetResult, { identity: 'regulator-admin' }, [{ zone, interval }]));
    await new Promise((r) => setTimeout(r, 500));
    await expect(call(h.ledger, TX.WholesaleMarket.GetResult, { identity: 'regulator-admin' }, [{ interval }])).rejects.toThrow(/NOT_FOUND/);

    // The retailer enters its households' unmatched 2000 Wh before the interval starts.
    advance(start - 60_000);
    const residual = await call(h.ledger, TX.MarketCoupling.SubmitResidual, { identity: 'utility-admin' }, [{ interval, zones: [zone] }], { residual: { blocks: [{ price: 30, quantityWh: 2000 }], salt: salt() } } as never);
    expect(residual).toMatchObject({ side: 'BUY' });
    await new Promise((r) => setTimeout(r, 500));
    await expect(call(h.ledger, TX.WholesaleMarket.GetResult, { identity: 'regulator-admin' }, [{ interval }])).rejects.toThrow(/NOT_FOUND/);

    advance(start + 2000); // delivery started: residuals are closed, the agent clears wholesale with the residual in it
    const result = await until('wholesale clearing', () => call(h.ledger, TX.WholesaleMarket.GetResult, { identity: 'regulator-admin' }, [{ interval }]));
    expect(result).toMatchObject({ buyOrders: 1, sellOrders: 1, awardedBuyOrders: 1, awardedSellOrders: 1 });
    expect(result.price).toBeGreaterThanOrEqual(15); // between the supply's 15 and the residual's 30
    expect(result.price).toBeLessThanOrEqual(30);
    expect(a.status().totals.failures).toBe(0);
  }, 60_000);

  it('a horizon clears wholesale that long before delivery (here before retail gate closure, so no residual could enter)', async () => {
    const day = Math.floor(h.now() / DAY) * DAY + 2 * DAY;
    const start = day + 10 * HOUR;
    const interval = new Date(start).toISOString();
    advance(day - 13 * HOUR);
    await call(h.ledger, TX.WholesaleMarket.SubmitCurve, { identity: 'generator-1' }, [{ interval }], { curve: { side: 'SUPPLY', assetId: 'gen-wh-a', blocks: [{ price: 15, quantityWh: 5000 }], salt: salt() } } as never);
    const a = agent({ wholesaleHorizonMs: 2 * HOUR });
    a.start();
    advance(start - 2 * HOUR + 2000);
    await until('wholesale clearing 2 h ahead', () => call(h.ledger, TX.WholesaleMarket.GetResult, { identity: 'regulator-admin' }, [{ interval }]));
  }, 60_000);
});
