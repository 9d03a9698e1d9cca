import '../../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TX } from '@obe/chaincode';
import { call } from '../../../gateway/src/ledger/call';
import type { OperatorAgent } from '../../../gateway/src/operator-agent/agent';
import { startDemoClaims } from '../../../gateway/src/demo/certificate-claims';
import { INTERVAL_MS as I, logger, until, useAgentHarness, type TradingZone as Zone } from './support/agent-harness';

/**
 * The operator agent's certificate duties (gateway/src/operator-agent/certificate-duty.ts) on an embedded ledger:
 * it issues the green certificates of an interval before it settles it, so the buyer receives them with the
 * payment; a second instance neither issues twice nor fails; it seals each zone-interval once the claim window has
 * passed; the switch turns the duties off; an org that may not issue settles without issuing. Time is the faked
 * `Date`, moved past gate closure and the interval's end (support/agent-harness.ts). Governance: 15-minute
 * intervals, gate closure 5 minutes before.
 */
const h = useAgentHarness(['consumer-01']);
const { advance, agent, tradingZone, readings } = h;

/** Runs a zone through gate closure, the interval's end and its readings until the agents settled it. */
async function cycle(z: Zone) {
  advance(z.start - 5 * 60_000 + 6000);
  await until('clearing', () => call(h.ledger, TX.RetailMarket.GetResult, { identity: 'regulator-admin' }, [{ zone: z.zone, interval: z.interval }]));
  advance(z.start + I + 1000);
  await readings(z);
  return until('settlement', () => call(h.ledger, TX.Settlement.GetSettlement, { identity: 'regulator-admin' }, [{ market: 'RETAIL', zone: z.zone, interval: z.interval }]));
}

const certificates = (z: Zone) => call(h.ledger, TX.Certificates.ListCertificates, { identity: 'regulator-admin' }, [{ zone: z.zone, interval: z.interval }]);
const lotsOf = async (identity: string, z: Zone) => call(h.ledger, TX.Certificates.ListMyLots, { identity }, [{ zone: z.zone, interval: z.interval }]);
const metric = async (a: OperatorAgent, action: string, outcome: string) =>
  (await a.metrics.actions.get()).values.filter((v) => v.labels.action === action && v.labels.outcome === outcome).reduce((s, v) => s + v.value, 0);

describe('operator agent: certificate duties', () => {
  it('issues before settling: the buyer receives the certificate with the payment and claims it against its import', async () => {
    // skewMs 5 s: the issue job is not due before 5 s after the interval's end, the settlement is due at the end and
    // passes once the readings are in (1 s after): only the settlement's own issuance step can issue in time.
    const a = agent({ skewMs: 5000 });
    a.start();
    const z = await tradingZone('cert-a');
    const settled = await cycle(z);
    const issued = await certificates(z);
    expect(issued).toHaveLength(1);
    expect(issued[0]).toMatchObject({ assetId: z.pv, meterId: z.sellerMeter, issuerMspId: 'GridOperatorMSP' });
    expect(Date.parse(issued[0].issuedAt)).toBeLessThanOrEqual(Date.parse(settled.settledAt as string));
    // The settlement moved the seller's lot to the buyer: the buyer holds 1000 Wh, the seller nothing.
    const bought = await lotsOf('consumer-01', z);
    expect(bought.map((l) => l.details.quantityWh)).toEqual([1000]);
    expect(await lotsOf('prosumer-01', z)).toEqual([]);
    expect(a.status().certificates).toMatchObject({ enabled: true, mayIssue: true, totals: { issued: 1, already: 0 } });
    expect(a.status().totals.failures).toBe(0);
    expect(await metric(a, 'issue', 'done')).toBe(1);
    expect((await a.metrics.mayIssue.get()).values[0].value).toBe(1);

    // The demo households' claim step: the buyer retires the lot against its own import; its green share is 100 %.
    const claims = startDemoClaims({ ledger: h.ledger, identities: ['consumer-01', 'prosumer-01'], logger, tickMs: 60_000 });
    try {
      await until('claim', async () => ((await claims.pass()) > 0 || claims.claimed() > 0 ? true : undefined));
    } finally {
      await claims.stop();
    }
    expect(await lotsOf('consumer-01', z)).toEqual([]);
    const score = await call(h.ledger, TX.Certificates.GetMatchingScore, { identity: 'consumer-01' }, [{ meterId: z.buyerMeter, from: z.interval, to: new Date(z.start + I).toISOString(), resolution: 'INTERVAL' }]);
    expect(score.total).toMatchObject({ importedWh: 1000, claimedWh: 1000, scorePermille: 1000 });
  }, 60_000);

  it('two agents: the certificate is issued once, the interval settled once, no failure', async () => {
    const [a, b] = [agent(), agent()];
    a.start();
    b.start();
    const z = await tradingZone('cert-b');
    await cycle(z);
    expect(await certificates(z)).toHaveLength(1);
    expect((await lotsOf('consumer-01', z)).map((l) => l.details.quantityWh)).toEqual([1000]);
    await new Promise((r) => setTimeout(r, 500));
    const [sa, sb] = [a.status(), b.status()];
    expect(sa.totals.failures + sb.totals.failures).toBe(0);
    const issued = (s: typeof sa) => (s.certificates.enabled ? s.certificates.totals.issued : 0);
    expect(issued(sa) + issued(sb)).toBe(1);
  }, 60_000);

  it('switched off (certificates: false): settles without issuing; the status says so', async () => {
    const a = agent({ certificates: false });
    a.start();
    const z = await tradingZone('cert-c');
    await cycle(z);
    expect(await certificates(z)).toEqual([]);
    expect(a.status().certificates).toEqual({ enabled: false });
    expect(a.status().pending).toMatchObject({ issue: 0, seal: 0 });
    expect(await metric(a, 'issue', 'done')).toBe(0);
  }, 60_000);

  it('seals each zone-interval once the claim window has passed; a second instance finds it sealed; the cursor survives a restart', async () => {
    await call(h.ledger, TX.Governance.UpdateConfig, { identity: 'gridoperator-admin', channel: 'energy' }, [{ certificateClaimWindowMinutes: 1 }]);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-agent-certs-'));
    const a = agent({ dataDir });
    a.start();
    const z = await tradingZone('cert-d');
    await cycle(z);
    expect(await certificates(z)).toHaveLength(1);
    await expect(call(h.ledger, TX.Certificates.GetSeal, { identity: 'regulator-admin' }, [{ zone: z.zone, interval: z.interval }])).rejects.toThrow(/NOT_FOUND/);
    advance(z.start + I + 60_000 + 2000); // the window (1 minute after the interval) has passed
    const seal = await until('seal', () => call(h.ledger, TX.Certificates.GetSeal, { identity: 'regulator-admin' }, [{ zone: z.zone, interval: z.interval }]));
    expect(seal.certificates).toBe(1);
    await until('seal recorded', async () => (a.status().recent.some((r) => r.action === 'seal' && r.zone === z.zone && r.outcome === 'done') ? true : undefined));
    await until('cursor saved', async () => (fs.existsSync(path.join(dataDir, 'operator-certificates.json')) ? true : undefined));
    expect(a.status().recent.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(a.status().totals.failures).toBe(0);
    await a.stop();

    // A second instance starting from the saved cursor: nothing left to seal for that interval, no failure.
    const cursor = Date.parse((JSON.parse(fs.readFileSync(path.join(dataDir, 'operator-certificates.json'), 'utf8')) as { sealedBefore: string }).sealedBefore);
    expect(cursor).toBeGreaterThan(z.start);
    const b = agent({ dataDir });
    b.start();
    await new Promise((r) => setTimeout(r, 800));
    expect(b.status().certificates).toMatchObject({ enabled: true, totals: { sealed: 0 } });
    expect(b.status().totals.failures).toBe(0);

    // And one without the cursor looks back, finds the seal there, and counts it as already done.
    const c = agent();
    c.start();
    await until('already sealed seen', async () => ((await metric(c, 'seal', 'already')) > 0 ? true : undefined));
    expect(c.status().totals.failures).toBe(0);
    expect(c.status().certificates).toMatchObject({ totals: { sealed: 0 } });
  }, 60_000);

  it('an org that may not issue (governance certificateIssuerMspId elsewhere) settles without issuing and says why', async () => {
    await call(h.ledger, TX.Governance.UpdateConfig, { identity: 'gridoperator-admin', channel: 'energy' }, [{ certificateIssuerMspId: 'UtilityMSP', certificateClaimWindowMinutes: 7 * 1440 }]);
    const a = agent();
    a.start();
    const z = await tradingZone('cert-e');
    await cycle(z);
    expect(await certificates(z)).toEqual([]);
    const status = a.status();
    expect(status.certificates).toMatchObject({ enabled: true, mayIssue: false });
    expect(status.certificates.enabled && status.certificates.reason).toMatch(/UtilityMSP/);
    expect(await metric(a, 'issue', 'not_issuer')).toBeGreaterThanOrEqual(1);
    expect(status.totals.failures).toBe(0);
  }, 60_000);
});
