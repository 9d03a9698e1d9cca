import '../../../gateway/src/quiet-chaincode-logs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TX } from '@obe/chaincode';
import { call } from '../../../gateway/src/ledger/call';
import { INTERVAL_MS as I, logger, until, useAgentHarness } from './support/agent-harness';

/**
 * The market operator agent on an embedded ledger: nothing in these tests clears or settles; the agent does it on
 * its own ticks, while the faked time moves past gate closure and the interval's end (support/agent-harness.ts).
 * Governance is the default: 15-minute intervals, gate closure 5 minutes before, settlement deadline one day.
 */
const h = useAgentHarness(['consumer-01']);
const { advance, agent, nextInterval, tradingZone, readings } = h;

const result = (zone: string, interval: string) => call(h.ledger, TX.RetailMarket.GetResult, { identity: 'regulator-admin' }, [{ zone, interval }]);
const settlement = (zone: string, interval: string) => call(h.ledger, TX.Settlement.GetSettlement, { identity: 'regulator-admin' }, [{ market: 'RETAIL', zone, interval }]);
const attestation = (zone: string, interval: string) =>
  call(h.ledger, TX.Audit.GetAttestation, { identity: 'regulator-admin', channel: 'audit' }, [{ sourceChannel: 'energy', market: 'RETAIL', zone, interval }]);

describe('market operator agent', () => {
  it('clears at gate closure, settles once the readings are in, publishes the zone total, and sees the attestation', async () => {
    const start = nextInterval();
    const interval = new Date(start).toISOString();
    const z = await tradingZone('agent-a', start);
    const { AuditRelay } = await import('../../../gateway/src/audit-relay/relay');
    const relay = new AuditRelay({ ledger: h.ledger, identity: 'gridoperator-admin', dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'obe-relay-')), logger, retryMs: 100 });
    relay.start();
    try {
      const a = agent();
      a.start();
      advance(start - 5 * 60_000 + 2000); // just past gate closure
      expect((await until('clearing', () => result(z.zone, interval))).price).not.toBeNull();

      advance(start + I + 1000); // the interval has ended; readings not yet in: the agent waits
      await new Promise((r) => setTimeout(r, 1000));
      await expect(settlement(z.zone, interval)).rejects.toThrow(/NOT_FOUND/);
      expect(a.status().pending.settle).toBe(1);

      await readings(z);
      const settled = await until('settlement', () => settlement(z.zone, interval));
      expect(settled.readingsComplete).toBe(true);
      expect(settled.recordCount).toBe(2);
      await until('attestation', () => attestation(z.zone, interval));
      await until('zone total', async () => ((await call(h.ledger, TX.Metering.GetZoneTotal, { identity: 'regulator-admin' }, [z.zone, String(start)])).published ? true : undefined));
      await until('attestation seen by the agent', async () => (a.status().pending.attest === 0 ? true : undefined));

      const status = a.status();
      expect(status.state).toBe('running');
      expect(status.totals).toMatchObject({ cleared: 1, settled: 1, failures: 0 });
      expect(status.totals.published).toBeGreaterThanOrEqual(1);
      expect(status.zones).toContain(z.zone);
      const metrics = await a.metrics.actions.get();
      expect(metrics.values.find((v) => v.labels.action === 'clear' && v.labels.outcome === 'done')?.value).toBe(1);
    } finally {
      await relay.stop();
    }
  }, 60_000);

  it('two agents on one ledger: every slot cleared and settled exactly once, no failure counted', async () => {
    const start = nextInterval();
    const interval = new Date(start).toISOString();
    const zones = [await tradingZone('agent-b1', start), await tradingZone('agent-b2', start)];
    const [a, b] = [agent(), agent()];
    a.start();
    b.start();
    advance(start - 5 * 60_000 + 2000);
    for (const z of zones) await until('clearing', () => result(z.zone, interval));
    advance(start + I + 1000);
    for (const z of zones) await readings(z);
    for (const z of zones) await until('settlement', () => settlement(z.zone, interval));
    await new Promise((r) => setTimeout(r, 500));
    const [sa, sb] = [a.status(), b.status()];
    expect(sa.totals.failures + sb.totals.failures).toBe(0);
    // Each zone was cleared and settled by exactly one of them (the loser saw CONFLICT: "already", not an error).
    const doneBy = (action: string) => [...sa.recent, ...sb.recent].filter((r) => r.action === action && r.outcome === 'done' && zones.some((z) => z.zone === r.zone));
    expect(doneBy('clear')).toHaveLength(2);
    expect(doneBy('settle')).toHaveLength(2);
  }, 60_000);

  it('restarted, picks up where it stopped (from the ledger, and its checkpoint)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-agent-'));
    const start = nextInterval();
    const interval = new Date(start).toISOString();
    const z = await tradingZone('agent-c', start);
    const first = agent({ dataDir });
    first.start();
    advance(start - 5 * 60_000 + 2000);
    await until('clearing', () => result(z.zone, interval));
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'operator-agent.json'))).toBe(true);

    advance(start + I + 1000);
    await readings(z);
    const second = agent({ dataDir });
    second.start();
    await until('settlement', () => settlement(z.zone, interval));
    expect(second.status().totals).toMatchObject({ cleared: 0, settled: 1, failures: 0 });
  }, 60_000);

  it('settles a zone whose readings are missing at the governance deadline', async () => {
    await call(h.ledger, TX.Governance.UpdateConfig, { identity: 'gridoperator-admin', channel: 'energy' }, [{ settlementDeadlineMinutes: 30 }]);
    const start = nextInterval();
    const interval = new Date(start).toISOString();
    const z = await tradingZone('agent-d', start);
    const a = agent();
    a.start();
    advance(start - 5 * 60_000 + 2000);
    await until('clearing', () => result(z.zone, interval));
    advance(start + I + 1000);
    await new Promise((r) => setTimeout(r, 1000));
    await expect(settlement(z.zone, interval)).rejects.toThrow(/NOT_FOUND/);
    advance(start + I + 30 * 60_000 + 1000); // past the deadline, still no readings
    const settled = await until('settlement at the deadline', () => settlement(z.zone, interval));
    expect(settled.readingsComplete).toBe(false);
    expect(a.status().totals.failures).toBe(0);
  }, 60_000);
});
