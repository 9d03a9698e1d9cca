import crypto from 'node:crypto';
import type { Logger } from 'pino';
import { TX, type TxResult } from '@obe/chaincode';
import { call } from '../ledger/call';
import { ChaincodeError } from '../ledger/errors';
import type { Ledger } from '../ledger/port';

/**
 * The demo households' green claims (`npm start`): every few seconds each household retires the certificate lots it
 * holds — received with the energy it bought, when the operator agent issued them before settling — against its own
 * meter's metered import of the same interval (`Certificates:Claim`), as much as that import still allows. So the
 * dashboard's green-share panel (GET /api/v1/certificates/matching-score) fills as intervals settle. A lot that cannot
 * be claimed (no import left, window closed) is not tried again. Runs beside the demo simulation
 * (gateway/src/neighbourhood-sim), which orders and reports readings; it acts for the households' ledger identities
 * directly, as the demo seed does.
 */
export interface DemoClaimsOptions {
  ledger: Ledger;
  /** Labels of the household identities. */
  identities: readonly string[];
  logger: Logger;
  /** Pause between passes (default 10 s). */
  tickMs?: number;
  channel?: string;
}

type Lot = TxResult<typeof TX.Certificates.ListMyLots>[number];

export interface DemoClaims {
  stop(): Promise<void>;
  /** One pass over every household (tests call it directly). */
  pass(): Promise<number>;
  claimed(): number;
}

const refusal = (err: unknown) => err instanceof ChaincodeError && err.code !== undefined;

export function startDemoClaims(options: DemoClaimsOptions): DemoClaims {
  const channel = options.channel ?? 'energy';
  const meters = new Map<string, { pseudonym: string; byZone: Map<string, string> }>();
  const givenUp = new Set<string>();
  let claimedLots = 0;
  let intervalMs: number | undefined;
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();

  const as = (identity: string) => ({ identity, channel });

  /** The household's meter in a zone (its first by id), read again when a zone is new to it. */
  async function meterOf(identity: string, zone: string): Promise<string | undefined> {
    let known = meters.get(identity);
    if (!known?.byZone.has(zone)) {
      const pseudonym = known?.pseudonym ?? (await call(options.ledger, TX.Participants.WhoAmI, as(identity), [])).pseudonym;
      const own = await call(options.ledger, TX.Registry.ListAssets, as(identity), [{ owner: pseudonym, type: 'meter' }]);
      const byZone = new Map<string, string>();
      for (const m of [...own].sort((a, b) => (a.assetId < b.assetId ? -1 : 1))) if (!byZone.has(m.zone)) byZone.set(m.zone, m.assetId);
      known = { pseudonym, byZone };
      meters.set(identity, known);
    }
    return known.byZone.get(zone);
  }

  async function claimSlot(identity: string, zone: string, interval: string, lots: Lot[]): Promise<void> {
    const meterId = await meterOf(identity, zone);
    const giveUp = () => lots.forEach((l) => givenUp.add(l.lot.lotId));
    if (!meterId) return giveUp();
    intervalMs ??= (await call(options.ledger, TX.Governance.GetConfig, as(identity), [])).config.intervalMinutes * 60_000;
    const to = new Date(Date.parse(interval) + intervalMs).toISOString();
    const score = await call(options.ledger, TX.Certificates.GetMatchingScore, as(identity), [{ meterId, from: interval, to, resolution: 'INTERVAL' }]);
    const left = score.total.importedWh - score.total.claimedWh;
    const held = lots.reduce((sum, l) => sum + l.details.quantityWh, 0);
    const quantityWh = Math.min(left, held);
    if (quantityWh <= 0) return giveUp();
    try {
      await call(options.ledger, TX.Certificates.Claim, as(identity), [], {
        claim: { zone, interval, lotIds: lots.map((l) => l.lot.lotId), meterId, quantityWh, salt: crypto.randomBytes(24).toString('base64url') },
      });
      claimedLots += lots.length;
    } catch (err) {
      if (!refusal(err)) throw err;
      options.logger.debug({ err, identity, zone, interval }, 'demo certificate claim refused');
      giveUp();
    }
  }

  async function pass(): Promise<number> {
    const before = claimedLots;
    for (const identity of options.identities) {
      if (stopped) break;
      try {
        const lots = (await call(options.ledger, TX.Certificates.ListMyLots, as(identity), [{}])).filter((l) => !givenUp.has(l.lot.lotId));
        const slots = new Map<string, Lot[]>();
        for (const l of lots) slots.set(`${l.lot.zone}|${l.lot.interval}`, [...(slots.get(`${l.lot.zone}|${l.lot.interval}`) ?? []), l]);
        for (const [slot, held] of slots) {
          const [zone, interval] = slot.split('|');
          await claimSlot(identity, zone, interval, held);
        }
      } catch (err) {
        options.logger.debug({ err, identity }, 'demo certificate claims: a household pass failed; next pass retries');
      }
    }
    return claimedLots - before;
  }

  const loop = async () => {
    while (!stopped) {
      running = pass();
      await running;
      await new Promise((r) => setTimeout(r, options.tickMs ?? 10_000).unref());
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      await running.catch(() => undefined);
    },
    pass,
    claimed: () => claimedLots,
  };
}
