import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../config';
import { TX, type OrgRole, type ParticipantRole, type TxArgs, type TxEntry, type TxResult, type TxTransient } from '@obe/chaincode';
import { call } from '../ledger/call';
import { ChaincodeError } from '../ledger/errors';
import type { Ledger } from '../ledger/port';
import { CONSUMER_COUNT, PROSUMER_COUNT, consumerLabel, prosumerLabel } from './identities';

const ENERGY = 'energy';
const AUDIT = 'audit';

/** The first governance of each channel (chaincode/src/governance/config.ts: other fields keep their defaults). */
export const INITIAL_ORG_ROLES: Record<string, Record<string, OrgRole[]>> = {
  energy: { GridOperatorMSP: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], UtilityMSP: ['UTILITY'], RegulatorMSP: ['REGULATOR'] },
  audit: { GridOperatorMSP: ['MARKET_OPERATOR', 'DSO', 'GENERATOR'], RegulatorMSP: ['REGULATOR'] },
};

/** Runs a submit that may already have happened in an earlier (interrupted) start: CONFLICT means done. */
async function once<E extends TxEntry>(ledger: Ledger, identity: string, channel: string, entry: E, args: TxArgs<E>, transient?: TxTransient<E>): Promise<TxResult<E> | undefined> {
  try {
    return await call(ledger, entry, { identity, channel }, args, transient);
  } catch (err) {
    if (err instanceof ChaincodeError && err.code === 'CONFLICT') return undefined;
    throw err;
  }
}

/**
 * The embedded demo's market timing on a fresh data dir, so a newcomer sees a whole cycle within minutes: 1-minute
 * intervals, gate closure at the interval start (the shortest the chaincode allows), settlement at the latest 5 minutes
 * after an interval ends, and green certificates claimable for 10 minutes after their interval (then the operator
 * agent seals them, so sealed and attested certificate trails appear too). OBE_INTERVAL_MINUTES and
 * OBE_GATE_CLOSURE_MINUTES override the first two.
 */
export const DEMO_TIMING = { intervalMinutes: 1, gateClosureMinutes: 0, settlementDeadlineMinutes: 5, certificateClaimWindowMinutes: 10 } as const;

/**
 * Market integrity of the embedded demo and the simulator (docs/adr/0011): a seller's shortfall costs at least 300 per
 * kWh (0.30 a kWh at the simulator's 1000 price units per currency unit), and a retail offer locks that worst case as
 * a deposit for its Wh beyond 100 per meter and interval (a 6 kW home in a 1-minute demo interval). Both seed and
 * simulator fund every household, so deposits never stop them selling; an offer that forces the price to 0 and is
 * never delivered pays 300 per kWh it failed.
 */
export const DEMO_MARKET_INTEGRITY = { imbalanceReferencePrice: 300, offerDepositPermille: 1000, offerDepositFreeWh: 100 } as const;

/**
 * First start of a network: governance on both channels, configured by the grid operator's admin (the market
 * operator's MSP). The pseudonym key is random and lives only on chain, in the channel's secrets collection.
 */
export async function initGovernance(
  ledger: Ledger,
  timing: {
    intervalMinutes?: number;
    gateClosureMinutes?: number;
    settlementDeadlineMinutes?: number;
    certificateClaimWindowMinutes?: number;
    imbalanceReferencePrice?: number;
    offerDepositPermille?: number;
    offerDepositFreeWh?: number;
  } = {},
  admin = 'gridoperator-admin',
): Promise<void> {
  for (const channel of [ENERGY, AUDIT]) {
    if (!ledger.channels().includes(channel)) continue;
    const config = { orgs: INITIAL_ORG_ROLES[channel], tokenIssuerMspId: 'GridOperatorMSP', ...timing };
    await once(ledger, admin, channel, TX.Governance.InitConfig, [config], { pseudonymKey: crypto.randomBytes(32).toString('base64url') });
  }
}

/** Registers an identity on the energy channel (if needed) and grants it roles as its org's admin; returns its pseudonym. */
export async function enrol(ledger: Ledger, identity: string, admin: string, roles: readonly ParticipantRole[]): Promise<string> {
  await once(ledger, identity, ENERGY, TX.Participants.Register, []);
  const me = await call(ledger, TX.Participants.WhoAmI, { identity, channel: ENERGY }, []);
  for (const role of roles) {
    if (me.participant?.roles.includes(role)) continue;
    await once(ledger, admin, ENERGY, TX.Participants.GrantRole, [{ pseudonym: me.pseudonym, role }]);
  }
  return me.pseudonym;
}

/** The two wholesale generators of the demo: a gas plant and a wind farm, on the transmission system. */
const GENERATORS = [
  { assetId: 'gen-gas-1', type: 'generator', capacityKw: 400_000 },
  { assetId: 'gen-wind-1', type: 'wind', capacityKw: 150_000 },
] as const;

/** Registers a generator's wholesale asset and brings it into service (commissioned by the grid operator's DSO). */
async function wholesaleGenerator(ledger: Ledger, owner: string, asset: (typeof GENERATORS)[number]): Promise<void> {
  await once(ledger, owner, ENERGY, TX.Registry.RegisterAsset, [{ ...asset, segment: 'wholesale', zone: 'SYSTEM' }]);
  const ref = { assetId: asset.assetId };
  const state = await call(ledger, TX.Registry.GetAsset, { identity: owner, channel: ENERGY }, [asset.assetId]);
  if (state.status === 'REGISTERED') await once(ledger, 'gridoperator-admin', ENERGY, TX.Registry.CommissionAsset, [ref]);
  if (state.status === 'REGISTERED' || state.status === 'COMMISSIONED') await once(ledger, owner, ENERGY, TX.Registry.ActivateAsset, [ref]);
}

export interface SeedOptions {
  dataDir: string;
  logger: Logger;
  signal?: AbortSignal;
}

/**
 * The demo's organisations, seeded once per data dir (a marker file records completion; every step is safe to repeat,
 * so an interrupted seed simply continues on the next start): the grid operator as market operator, DSO and token
 * issuer, two wholesale generators with their plants in service, a retailer, the regulator, and the prosumers and
 * consumers with their roles and starting token balances. The households' meters (with device keys), PV panels and
 * batteries are registered by the demo simulation that then trades through the API (gateway/src/neighbourhood-sim).
 */
export async function seedDemo(ledger: Ledger, options: SeedOptions): Promise<void> {
  const marker = path.join(options.dataDir, 'demo-seeded.json');
  if (fs.existsSync(marker)) return;
  const log = options.logger;
  log.info('seeding the demo neighbourhood');
  const check = () => {
    if (options.signal?.aborted) throw new Error('seeding interrupted by shutdown');
  };
  const labels = new Set(ledger.identities().map((i) => i.label));
  const has = (label: string) => labels.has(label);

  await enrol(ledger, 'gridoperator-admin', 'gridoperator-admin', ['MARKET_OPERATOR', 'DSO']);
  if (has('regulator-admin')) await enrol(ledger, 'regulator-admin', 'regulator-admin', ['REGULATOR']);
  if (has('utility-admin')) await enrol(ledger, 'utility-admin', 'utility-admin', ['RETAILER', 'AGGREGATOR']);
  const funded: string[] = [];
  for (const [i, label] of ['generator-1', 'generator-2'].entries()) {
    if (!has(label)) continue;
    check();
    await enrol(ledger, label, 'gridoperator-admin', ['GENERATOR']);
    await wholesaleGenerator(ledger, label, GENERATORS[i]);
  }
  if (has('retailer-1')) funded.push(await enrol(ledger, 'retailer-1', 'utility-admin', ['RETAILER']));
  for (let i = 1; i <= PROSUMER_COUNT; i++) {
    check();
    if (has(prosumerLabel(i))) funded.push(await enrol(ledger, prosumerLabel(i), 'utility-admin', ['PROSUMER']));
  }
  for (let i = 1; i <= CONSUMER_COUNT; i++) {
    check();
    if (has(consumerLabel(i))) funded.push(await enrol(ledger, consumerLabel(i), 'utility-admin', ['CONSUMER']));
  }
  for (const account of funded) {
    check();
    // Mint is not idempotent: an account funded by an interrupted earlier seed is skipped.
    const balance = await call(ledger, TX.Tokens.GetBalance, { identity: 'gridoperator-admin', channel: ENERGY }, [{ account }]);
    if (balance.available > 0) continue;
    await once(ledger, 'gridoperator-admin', ENERGY, TX.Tokens.Mint, [{ account }], {
      movement: { amount: 1_000_000, salt: crypto.randomBytes(24).toString('hex') },
    });
  }
  writeFileAtomic(marker, JSON.stringify({ seededAt: new Date().toISOString(), participants: funded.length }));
  log.info({ participants: funded.length }, 'demo neighbourhood seeded');
}
