import '../../../gateway/src/quiet-chaincode-logs';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { TX } from '@obe/chaincode';
import { call } from '../../../gateway/src/ledger/call';
import { OperatorAgent } from '../../../gateway/src/operator-agent/agent';
import { signReadings } from '../../../gateway/src/neighbourhood-sim/readings';
import { restoreClock, setClock } from '../../chaincode/support/clock';
import { startHarness, type Harness } from '../support/harness';

/**
 * The market operator agent on an embedded ledger: nothing in these tests clears or settles; the agent does it on
 * its own ticks. Time is the faked `Date` (transaction timestamps and the agent's wall clock both read it; timers run
 * in real time), moved forward past gate closure and the interval's end, so each test takes seconds, not minutes.
 * Governance is the default: 15-minute intervals, gate closure 5 minutes before, settlement deadline one day.
 */
const I = 15 * 60_000;
const device = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const DEVICE_PEM = device.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const logger = pino({ level: process.env.OBE_TEST_LOG ?? 'silent' });

let h: Harness;
let clock = Date.now();
let setAt = performance.now();
let assets = 0;
const agents: OperatorAgent[] = [];

function advance(to: number): void {
  clock = Math.max(clock, to);
  setAt = performance.now();
  setClock(clock);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The agent's wall clock: the faked time (which stands still between moves) plus the real time since the last move. */
const wallClock = () => clock + (performance.now() - setAt);

function agent(extra: Partial<ConstructorParameters<typeof OperatorAgent>[0]> = {}): OperatorAgent {
  const a = new OperatorAgent({ ledger: h.ledger, identity: 'gridoperator-admin', logger, registry: new Registry(), tickMs: 100, retryMs: 200, maxRetryMs: 1000, now: wallClock, ...extra });
  agents.push(a);
  return a;
}

async function meter(owner: string, zone: string, type = 'meter'): Promise<string> {
  const assetId = `${type}-${zone}-${++assets}`;
  const body: Record<string, unknown> = { assetId, type, segment: 'retail', zone, capacityKw: 50 };
  if (type === 'meter') body.devicePublicKey = DEVICE_PEM;
  await call(h.ledger, TX.Registry.RegisterAsset, { identity: owner }, [body as never]);
  await call(h.ledger, TX.Registry.CommissionAsset, { identity: 'gridoperator-admin' }, [{ assetId }]);
  await call(h.ledger, TX.Registry.ActivateAsset, { identity: owner }, [{ assetId }]);
  return assetId;
}

interface Zone {
  zone: string;
  sellerMeter: string;
  buyerMeter: string;
}

/** A zone with a seller (prosumer-01: meter + PV) and a buyer (consumer-01: meter), one matching order each. */
async function tradingZone(zone: string, interval: string): Promise<Zone> {
  const sellerMeter = await meter('prosumer-01', zone);
  const pv = await meter('prosumer-01', zone, 'pv');
  const buyerMeter = await meter('consumer-01', zone);
  const salt = () => crypto.randomBytes(24).toString('base64url');
  await call(h.ledger, TX.RetailMarket.PlaceOrder, { identity: 'prosumer-01' }, [{ zone, interval }], {
    order: { side: 'SELL', price: 100, quantityWh: 1000, assetId: pv, meterId: sellerMeter, salt: salt() },
  } as never);
  await call(h.ledger, TX.RetailMarket.PlaceOrder, { identity: 'consumer-01' }, [{ zone, interval }], {
    order: { side: 'BUY', price: 200, quantityWh: 1000, meterId: buyerMeter, salt: salt() },
  } as never);
  return { zone, sellerMeter, buyerMeter };
}

async function readings(z: Zone, startMs: number): Promise<void> {
  const batch = signReadings(
    [
      { assetId: z.sellerMeter, intervalStart: startMs, importedWh: 0, exportedWh: 1000, sequence: startMs / 1000 },
      { assetId: z.buyerMeter, intervalStart: startMs, importedWh: 1000, exportedWh: 0, sequence: startMs / 1000 },
    ],
    () => device.privateKey,
  );
  await call(h.ledger, TX.Metering.SubmitReadings, { identity: 'gridoperator-admin' }, [], { readings: batch } as never);
}

const result = (zone: string, interval: string) => call(h.ledger, TX.RetailMarket.GetResult, { identity: 'regulator-admin' }, [{ zone, interval }]);
const settlement = (zone: string, interval: string) => call(h.ledger, TX.Settlement.GetSettlement, { identity: 'regulator-admin' }, [{ market: 'RETAIL', zone, interval }]);
const attestation = (zone: string, interval: string) =>
  call(h.ledger, TX.Audit.GetAttestation, { identity: 'regulator-admin', channel: 'audit' }, [{ sourceChannel: 'energy', market: 'RETAIL', zone, interval }]);

/** A future interval start with room before its gate (gate closure is 5 minutes before the start). */
function nextInterval(): number {
  return (Math.floor(clock / I) + 2) * I;
}

beforeAll(async () => {
  h = await startHarness();
  const { account } = await call(h.ledger, TX.Participants.WhoAmI, { identity: 'consumer-01', channel: 'energy' }, []).then((me) => ({ account: me.pseudonym }));
  await call(h.ledger, TX.Tokens.Mint, { identity: 'gridoperator-admin' }, [{ account }], { movement: { amount: 10_000_000, salt: crypto.randomBytes(24).toString('hex') } } as never);
}, 60_000);

afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
});

afterAll(async () => {
  restoreClock();
  await h?.close();
});

describe('market operator agent', () => {
  it('clears at gate closure, settles once the readings are in, publishes the zone total, and sees the attestation', async () => {
    const start = nextInterval();
    const interval = new Date(start).toISOString();
    const z = await tradingZone('agent-a', interval);
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

      await readings(z, start);
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
    const zones = [await tradingZone('agent-b1', interval), await tradingZone('agent-b2', interval)];
    const [a, b] = [agent(), agent()];
    a.start();
    b.start();
    advance(start - 5 * 60_000 + 2000);
    for (const z of zones) await until('clearing', () => result(z.zone, interval));
    advance(start + I + 1000);
    for (const z of zones) await readings(z, start);
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
    const z = await tradingZone('agent-c', interval);
    const first = agent({ dataDir });
    first.start();
    advance(start - 5 * 60_000 + 2000);
    await until('clearing', () => result(z.zone, interval));
    await first.stop();
    expect(fs.existsSync(path.join(dataDir, 'operator-agent.json'))).toBe(true);

    advance(start + I + 1000);
    await readings(z, start);
    const second = agent({ dataDir });
    second.start();
    await until('settlement', () => settlement(z.zone, interval));
    expect(second.status().totals).toMatchObject({ cleared: 0, settled: 1, failures: 0 });
  }, 60_000);

  it('settles a zone whose readings are missing at the governance deadline', async () => {
    await call(h.ledger, TX.Governance.UpdateConfig, { identity: 'gridoperator-admin', channel: 'energy' }, [{ settlementDeadlineMinutes: 30 }]);
    const start = nextInterval();
    const interval = new Date(start).toISOString();
    const z = await tradingZone('agent-d', interval);
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
