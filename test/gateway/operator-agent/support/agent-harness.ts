import '../../../../gateway/src/quiet-chaincode-logs';
import crypto from 'node:crypto';
import pino from 'pino';
import { Registry } from 'prom-client';
import { TX } from '@obe/chaincode';
import type { EmbeddedLedger } from '../../../../gateway/src/ledger/embedded/adapter';
import { call } from '../../../../gateway/src/ledger/call';
import { OperatorAgent } from '../../../../gateway/src/operator-agent/agent';
import { signReadings } from '../../../../gateway/src/neighbourhood-sim/readings';
import { restoreClock, setClock } from '../../../chaincode/support/clock';
import { startHarness, type Harness } from '../../support/harness';

/**
 * The operator agent suites' bench (agent.test.ts, certificates.test.ts, wholesale-horizon.test.ts) on an embedded
 * ledger. Nothing in those suites clears or settles; the agents do it on their own ticks. Time is the faked `Date`
 * (transaction timestamps and the agents' wall clock both read it; timers run in real time), moved forward past gate
 * closure and an interval's end, so each test takes seconds, not minutes. Governance is the default: 15-minute
 * intervals, gate closure 5 minutes before, settlement deadline one day.
 */
export const INTERVAL_MS = 15 * 60_000;
export const logger = pino({ level: process.env.OBE_TEST_LOG ?? 'silent' });

/** A zone with a seller (prosumer-01: meter + PV) and a buyer (consumer-01: meter), 1000 Wh matched in `interval`. */
export interface TradingZone {
  zone: string;
  interval: string;
  start: number;
  sellerMeter: string;
  pv: string;
  buyerMeter: string;
}

export interface AgentHarness {
  /** The embedded ledger (from the suite's beforeAll on). */
  readonly ledger: EmbeddedLedger;
  /** The faked time: it stands still between moves. */
  now(): number;
  /** Moves the faked time forward to `to` (never back). */
  advance(to: number): void;
  /** A market operator agent (gridoperator-admin) with fast ticks on the harness's wall clock; stopped after the test. */
  agent(extra?: Partial<ConstructorParameters<typeof OperatorAgent>[0]>): OperatorAgent;
  /** A future interval start with room before its gate (gate closure is 5 minutes before the start). */
  nextInterval(): number;
  /** Registers, commissions and activates an asset of `owner` in `zone`; a meter carries the harness's device key. */
  asset(owner: string, zone: string, type?: string): Promise<string>;
  /** The harness's device public key (PEM), for suites that register assets themselves. */
  readonly devicePem: string;
  /** The seller's and buyer's meters and PV in `zone`, and a matching SELL (100) and BUY (200) order of 1000 Wh each. */
  tradingZone(zone: string, start?: number): Promise<TradingZone>;
  /** The meters' signed readings of the zone's interval (1000 Wh exported by the seller, imported by the buyer). */
  readings(z: TradingZone): Promise<void>;
}

/** Polls `probe` every 100 ms (errors count as "not yet") until it gives a value; fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Registers the suite's hooks: the harness started before it (each of `fund` minted 10 000 000 tokens), the agents
 * stopped after each test, the real clock back and the harness closed after the suite.
 */
export function useAgentHarness(fund: readonly string[]): AgentHarness {
  const device = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const devicePem = device.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let h: Harness | undefined;
  let clock = Date.now();
  let setAt = performance.now();
  let assets = 0;
  const agents: OperatorAgent[] = [];
  const ledger = (): EmbeddedLedger => {
    if (!h) throw new Error('the agent harness is not started (use it inside tests)');
    return h.ledger;
  };
  /** The agents' wall clock: the faked time plus the real time since the last move. */
  const wallClock = () => clock + (performance.now() - setAt);
  const nextInterval = () => (Math.floor(clock / INTERVAL_MS) + 2) * INTERVAL_MS;

  const asset = async (owner: string, zone: string, type = 'meter'): Promise<string> => {
    const assetId = `${type}-${zone}-${++assets}`;
    const body: Record<string, unknown> = { assetId, type, segment: 'retail', zone, capacityKw: 50 };
    if (type === 'meter') body.devicePublicKey = devicePem;
    await call(ledger(), TX.Registry.RegisterAsset, { identity: owner }, [body as never]);
    await call(ledger(), TX.Registry.CommissionAsset, { identity: 'gridoperator-admin' }, [{ assetId }]);
    await call(ledger(), TX.Registry.ActivateAsset, { identity: owner }, [{ assetId }]);
    return assetId;
  };

  beforeAll(async () => {
    h = await startHarness();
    for (const identity of fund) {
      const me = await call(h.ledger, TX.Participants.WhoAmI, { identity, channel: 'energy' }, []);
      await call(h.ledger, TX.Tokens.Mint, { identity: 'gridoperator-admin' }, [{ account: me.pseudonym }], { movement: { amount: 10_000_000, salt: crypto.randomBytes(24).toString('hex') } } as never);
    }
  }, 60_000);

  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
  });

  afterAll(async () => {
    restoreClock();
    await h?.close();
  });

  return {
    get ledger() {
      return ledger();
    },
    devicePem,
    now: () => clock,
    advance: (to) => {
      clock = Math.max(clock, to);
      setAt = performance.now();
      setClock(clock);
    },
    agent: (extra = {}) => {
      const a = new OperatorAgent({ ledger: ledger(), identity: 'gridoperator-admin', logger, registry: new Registry(), tickMs: 100, retryMs: 200, maxRetryMs: 1000, now: wallClock, ...extra });
      agents.push(a);
      return a;
    },
    nextInterval,
    asset,
    tradingZone: async (zone, start = nextInterval()) => {
      const interval = new Date(start).toISOString();
      const sellerMeter = await asset('prosumer-01', zone);
      const pv = await asset('prosumer-01', zone, 'pv');
      const buyerMeter = await asset('consumer-01', zone);
      const salt = () => crypto.randomBytes(24).toString('base64url');
      await call(ledger(), TX.RetailMarket.PlaceOrder, { identity: 'prosumer-01' }, [{ zone, interval }], {
        order: { side: 'SELL', price: 100, quantityWh: 1000, assetId: pv, meterId: sellerMeter, salt: salt() },
      } as never);
      await call(ledger(), TX.RetailMarket.PlaceOrder, { identity: 'consumer-01' }, [{ zone, interval }], {
        order: { side: 'BUY', price: 200, quantityWh: 1000, meterId: buyerMeter, salt: salt() },
      } as never);
      return { zone, interval, start, sellerMeter, pv, buyerMeter };
    },
    readings: async (z) => {
      const batch = signReadings(
        [
          { assetId: z.sellerMeter, intervalStart: z.start, importedWh: 0, exportedWh: 1000, sequence: z.start / 1000 },
          { assetId: z.buyerMeter, intervalStart: z.start, importedWh: 1000, exportedWh: 0, sequence: z.start / 1000 },
        ],
        () => device.privateKey,
      );
      await call(ledger(), TX.Metering.SubmitReadings, { identity: 'gridoperator-admin' }, [], { readings: batch } as never);
    },
  };
}
