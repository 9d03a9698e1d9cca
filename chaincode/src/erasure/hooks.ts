import type { Context } from 'fabric-contract-api';
import { RuleViolationError } from '../common/errors';
import { readJson, readJsonByPrefix } from '../common/state';
import { eraseCertificateHolder } from '../certificates/erase';
import { CERT } from '../certificates/model';
import { EVENT, OPT_IN, REPORT } from '../grid/dr/events';
import type { DrEvent, DrOptIn, DrPublicReport } from '../grid/dr/schema';
import type { PublicOrder } from '../market/book';
import { readSettlement } from '../settlement/settle';
import { completeScan } from '../common/scan';

/**
 * Erasure hooks of the domains that keep private records of a participant beside the market, settlement, tokens and
 * metering (erase.ts calls those directly). Each hook is (obligations check, purge). Adding a domain that writes
 * private data of a participant means adding its hook here; test/chaincode/erasure covers every collection.
 */

/** Demand response: an opt-in to an event not yet settled is an obligation (settlement will pay or read it). */
export async function demandResponseObligations(ctx: Context, pseudonym: string): Promise<string[]> {
  const open: string[] = [];
  for (const { value } of completeScan(await readJsonByPrefix<DrOptIn>(ctx, OPT_IN, []), 'the demand-response opt-ins')) {
    if (value.participant !== pseudonym) continue;
    const event = await readJson<DrEvent>(ctx, ctx.stub.createCompositeKey(EVENT, [value.eventId]));
    if (event?.status === 'ACTIVE') open.push(value.eventId);
  }
  return open;
}

/** Demand response: the participant's private reports (baseline, metered, payment per interval) leave every peer. */
export async function purgeDemandResponseOf(ctx: Context, pseudonym: string): Promise<number> {
  let purged = 0;
  for (const { key, value } of completeScan(await readJsonByPrefix<DrPublicReport>(ctx, REPORT, []), 'the demand-response reports')) {
    if (value.participant !== pseudonym) continue;
    await ctx.stub.purgePrivateData(value.collection, key);
    purged++;
  }
  return purged;
}

/**
 * Certificates (chaincode/src/certificates/erase.ts): lots it held, its holder secret, claims of its meters; and here
 * the private binding of each of its settled orders (delivered and certified Wh of that award).
 */
export async function purgeCertificatesOf(ctx: Context, pseudonym: string, meterIds: readonly string[], orders: readonly PublicOrder[]): Promise<number> {
  let erased: { lots: number; claims: number; claimEvents: number; holder: boolean };
  try {
    erased = await eraseCertificateHolder(ctx, pseudonym, meterIds);
  } catch (err) {
    // An org without a certificates collection (the regulator's) never held a certificate; its first read says so.
    if (!/collection \[certificates_[^\]]*\] not defined in the collection config/.test(err instanceof Error ? err.message : String(err))) throw err;
    erased = { lots: 0, claims: 0, claimEvents: 0, holder: false };
  }
  let bindings = 0;
  for (const order of orders) {
    const key = ctx.stub.createCompositeKey(CERT.binding, [order.market, order.zone, order.interval, order.orderId]);
    const binding = await readJson<{ collection: string }>(ctx, key);
    if (!binding) continue;
    await ctx.stub.purgePrivateData(binding.collection, key);
    bindings++;
  }
  return erased.lots + erased.claims + erased.claimEvents + (erased.holder ? 1 : 0) + bindings;
}

export function refuseObligations(what: string, reason: string, items: readonly string[]): void {
  if (items.length > 0) {
    throw new RuleViolationError(`erasure refused: ${what} (${items.slice(0, 5).join(', ')}${items.length > 5 ? ', …' : ''}); meet those obligations first`, {
      reason,
      count: items.length,
    });
  }
}

/**
 * Orders that still carry an obligation: open (not cancelled) in an interval that has not settled. Cleared but
 * unsettled orders count too: settlement still pays or charges them.
 */
export async function openObligations(ctx: Context, orders: readonly PublicOrder[]): Promise<PublicOrder[]> {
  const open: PublicOrder[] = [];
  for (const order of orders) {
    if (order.status === 'OPEN' && !(await readSettlement(ctx, order.market, order.zone, order.interval))) open.push(order);
  }
  return open;
}
