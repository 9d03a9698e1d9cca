import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { commitmentOf, deriveSalt } from '../common/hash';
import { certificateBacked } from './backing';
import { CertificateBook, type HeldLot } from './book';
import { CERT, type BindingStatus, type PrivateBinding, type PublicBinding } from './model';

/** A settled award as the hook needs it (settlement/compute.ts's SettlementRecord has these fields). */
export interface SettledAward {
  readonly orderId: string;
  readonly participant: string;
  readonly side: 'BUY' | 'SELL';
  readonly deliveredWh: number;
}

export interface BindingInputs {
  readonly market: 'RETAIL' | 'WHOLESALE';
  readonly zone: string;
  readonly interval: string;
  readonly records: readonly SettledAward[];
  readonly secretSalt: string;
}

/**
 * Pairs delivered sell and buy energy in record order (a two-pointer walk: the first seller's delivered Wh go to the
 * first buyers until used up, and so on). A uniform-price pool has no bilateral contracts; this fixed, published
 * order makes "whose green energy did this buyer receive" a deterministic function of the settled records.
 */
export function pairDeliveries(records: readonly SettledAward[]): { seller: SettledAward; buyer: SettledAward; wh: number }[] {
  const sellers = records.filter((r) => r.side === 'SELL' && r.deliveredWh > 0);
  const buyers = records.filter((r) => r.side === 'BUY' && r.deliveredWh > 0);
  const out: { seller: SettledAward; buyer: SettledAward; wh: number }[] = [];
  let s = 0;
  let b = 0;
  let sellLeft = sellers[0]?.deliveredWh ?? 0;
  let buyLeft = buyers[0]?.deliveredWh ?? 0;
  while (s < sellers.length && b < buyers.length) {
    const wh = Math.min(sellLeft, buyLeft);
    if (wh > 0) out.push({ seller: sellers[s], buyer: buyers[b], wh });
    sellLeft -= wh;
    buyLeft -= wh;
    if (sellLeft === 0 && ++s < sellers.length) sellLeft = sellers[s].deliveredWh;
    if (buyLeft === 0 && ++b < buyers.length) buyLeft = buyers[b].deliveredWh;
  }
  return out;
}

/**
 * Called by settlement (settlement/settle.ts) inside the settling transaction, after the token movements: the green
 * Wh each seller delivered move, as certificate lots of the interval the seller holds, to the buyers its delivery was
 * paired with. Same transaction as the payment, so both commit or neither does (a conflicting certificate move of a
 * seller's lot invalidates the whole settlement, tokens included). A seller without a certificate for the energy
 * moves nothing; every award gets a binding record saying what moved (MOVED, PARTIAL, NO_CERTIFICATE, NOT_DELIVERED).
 * Only retail (peer-to-peer) awards bind certificates; wholesale settles as before.
 */
export async function bindCertificatesToSettlement(ctx: Context, inputs: BindingInputs): Promise<void> {
  if (inputs.market !== 'RETAIL') return;
  const book = new CertificateBook(ctx, inputs.secretSalt);
  const pairs = pairDeliveries(inputs.records);
  /** Per seller: its active lots of the interval, with what is left of each (in key order). */
  const lots = new Map<string, { lot: HeldLot; left: number; to: Map<string, number> }[]>();
  const certified = new Map<string, number>();
  const events = new Map<string, string[]>();
  const refsOf = new Map<string, Set<string>>();
  for (const pair of pairs) {
    let held = lots.get(pair.seller.participant);
    if (!held) {
      held = [];
      // A lot whose certificate's reading was voided (key compromise declared) no longer counts: it moves nothing.
      for (const lot of await book.activeLotsOf(pair.seller.participant, inputs.zone, inputs.interval)) {
        if (await certificateBacked(ctx, inputs.zone, inputs.interval, lot.record.certId)) held.push({ lot, left: lot.body.quantityWh, to: new Map<string, number>() });
      }
      lots.set(pair.seller.participant, held);
    }
    let wanted = pair.wh;
    for (const entry of held) {
      if (wanted === 0) break;
      const take = Math.min(entry.left, wanted);
      if (take === 0) continue;
      entry.left -= take;
      wanted -= take;
      entry.to.set(pair.buyer.participant, (entry.to.get(pair.buyer.participant) ?? 0) + take);
      const refs = refsOf.get(entry.lot.key) ?? new Set<string>();
      refs.add(pair.seller.orderId).add(pair.buyer.orderId);
      refsOf.set(entry.lot.key, refs);
      for (const orderId of [pair.seller.orderId, pair.buyer.orderId]) certified.set(orderId, (certified.get(orderId) ?? 0) + take);
    }
  }
  for (const [seller, held] of lots) {
    for (const entry of held) {
      if (entry.to.size === 0) continue;
      const outputs = [...entry.to].map(([owner, quantityWh]) => ({ owner, quantityWh }));
      if (entry.left > 0) outputs.push({ owner: seller, quantityWh: entry.left });
      const orderIds = [...(refsOf.get(entry.lot.key) ?? [])].sort();
      const event = await book.move({
        kind: 'SETTLE',
        certId: entry.lot.record.certId,
        zone: inputs.zone,
        interval: inputs.interval,
        input: entry.lot,
        outputs,
        ref: { market: inputs.market, settlementTxId: ctx.stub.getTxID(), orderIds },
      });
      for (const orderId of orderIds) events.set(orderId, [...(events.get(orderId) ?? []), event.key]);
    }
  }
  for (const record of inputs.records) {
    const moved = certified.get(record.orderId) ?? 0;
    const status: BindingStatus = record.deliveredWh === 0 ? 'NOT_DELIVERED' : moved === 0 ? 'NO_CERTIFICATE' : moved < record.deliveredWh ? 'PARTIAL' : 'MOVED';
    const key = ctx.stub.createCompositeKey(CERT.binding, [inputs.market, inputs.zone, inputs.interval, record.orderId]);
    const body: PrivateBinding = { orderId: record.orderId, deliveredWh: record.deliveredWh, certifiedWh: moved, events: events.get(record.orderId) ?? [], salt: deriveSalt(inputs.secretSalt, `cert-binding:${key}`) };
    const collection = await book.collectionOf(record.participant);
    const binding: PublicBinding = {
      market: inputs.market,
      zone: inputs.zone,
      interval: inputs.interval,
      orderId: record.orderId,
      side: record.side,
      status,
      owner: record.participant,
      collection,
      commitment: commitmentOf(body),
      settlementTxId: ctx.stub.getTxID(),
    };
    await ctx.stub.putState(key, canonicalBytes(binding));
    await ctx.stub.putPrivateData(collection, key, canonicalBytes(body));
  }
}
