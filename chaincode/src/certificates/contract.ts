import { Context, Contract, Info, Param, Returns, Transaction } from 'fabric-contract-api';
import { canonicalJson } from '../common/canonical-json';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../common/errors';
import { withOversightDetails, withPrivateDetails } from '../common/private-details';
import { readJson, readPrivateJson } from '../common/state';
import { transientJson, transientSalt } from '../common/transient';
import { parseJsonArg } from '../common/validate';
import { intervalMs } from '../governance/config';
import { getConfig } from '../governance/store';
import { parseInterval } from '../common/interval';
import { participantOrNone, requireParticipant, requireRole } from '../participants/authorize';
import { getParticipant } from '../participants/store';
import { describeOutsider, orgOutsideCollection } from '../governance/collections';
import { CertificateBook, certificatesCollection } from './book';
import { claimCertificates, matchingScore, ownLot, requireOpenWindow } from './claim';
import { issueCertificates, requireIssuerOrg } from './issue';
import {
  CERT,
  CERTIFICATES_EVENT,
  CLAIM_TRANSIENT,
  TRANSFER_TRANSIENT,
  bindingRefSchema,
  certificateRefSchema,
  claimSchema,
  issueSchema,
  lotRefSchema,
  myLotsSchema,
  scoreSchema,
  slotSchema,
  transferSchema,
  type PublicBinding,
} from './model';
import { listCertificates, listEvents, readSeal, sealInterval } from './seal';
import { certificateTrail, lotLineage } from './trail';

function emit(ctx: Context, kind: string, zone: string, interval: string): { kind: string; zone: string; interval: string; txId: string } {
  const change = { kind, zone, interval, txId: ctx.stub.getTxID() };
  ctx.stub.setEvent(CERTIFICATES_EVENT, Buffer.from(canonicalJson(change)));
  return change;
}

@Info({ title: 'Certificates', description: 'Granular green certificates: issuance from signed export readings, transfer, settlement binding, claims, expiry and sealed Merkle roots' })
export class CertificatesContract extends Contract {
  constructor() {
    super('Certificates');
  }

  /** {interval, items: [{assetId, meterId}]}, transient `salt` — a DSO (of certificateIssuerMspId when set). */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async Issue(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(issueSchema, argsJson, 'certificate issuance');
    const salt = transientSalt(ctx);
    const config = await getConfig(ctx);
    const interval = parseInterval(args.interval, intervalMs(config));
    const issuer = await requireRole(ctx, 'DSO');
    requireIssuerOrg(config, issuer);
    const result = await issueCertificates(ctx, config, issuer, interval, args.items, salt);
    emit(ctx, 'ISSUE', [...new Set(result.issued.map((i) => i.zone))].sort().join(','), interval.id);
    return canonicalJson(result);
  }

  /** Transient `transfer` {zone, interval, lotId, to, quantityWh, salt}: slices the caller's lot to another participant. */
  @Transaction()
  @Returns('string')
  async Transfer(ctx: Context): Promise<string> {
    const input = transientJson(ctx, TRANSFER_TRANSIENT, transferSchema);
    const config = await getConfig(ctx);
    const interval = parseInterval(input.interval, intervalMs(config));
    const caller = await requireParticipant(ctx);
    requireOpenWindow(ctx, config, interval, 'transferred');
    if (input.to === caller.pseudonym) throw new InvalidArgumentError('invalid transfer: to: a transfer to yourself is not allowed');
    const recipient = await getParticipant(ctx, input.to);
    if (recipient.status !== 'ACTIVE') throw new ForbiddenError(`participant ${input.to} is ${recipient.status.toLowerCase()} and cannot receive certificates`);
    // The recipient's holder record lives in its org's certificates collection, which the move reads: the caller's org
    // (and the endorsing peer's) must be a member, as the grid operator's and the regulator's are of every one.
    const outsider = orgOutsideCollection(ctx, config, certificatesCollection(recipient.mspId));
    if (outsider) throw new ForbiddenError(`${describeOutsider(outsider)} cannot move certificates to a participant of ${recipient.mspId} (not a member of its certificates collection)`);
    const book = new CertificateBook(ctx, input.salt);
    const lot = await ownLot(book, caller, input.zone, interval.id, input.lotId);
    if (input.quantityWh > lot.body.quantityWh) {
      throw new InvalidArgumentError(`invalid transfer: quantityWh: lot '${input.lotId}' holds fewer Wh than the ${input.quantityWh} asked`);
    }
    const rest = lot.body.quantityWh - input.quantityWh;
    await book.move({
      kind: 'TRANSFER',
      certId: lot.record.certId,
      zone: input.zone,
      interval: interval.id,
      input: lot,
      outputs: [{ owner: input.to, quantityWh: input.quantityWh }, ...(rest > 0 ? [{ owner: caller.pseudonym, quantityWh: rest }] : [])],
      ref: {},
    });
    return canonicalJson(emit(ctx, 'TRANSFER', input.zone, interval.id));
  }

  /** Transient `claim` {zone, interval, lotIds, meterId, quantityWh, salt}: retires the caller's lots against its import. */
  @Transaction()
  @Returns('string')
  async Claim(ctx: Context): Promise<string> {
    const input = transientJson(ctx, CLAIM_TRANSIENT, claimSchema);
    const config = await getConfig(ctx);
    const interval = parseInterval(input.interval, intervalMs(config));
    const caller = await requireParticipant(ctx);
    const result = await claimCertificates(ctx, config, caller, { ...input, interval });
    emit(ctx, 'CLAIM', input.zone, interval.id);
    return canonicalJson(result);
  }

  /** {zone, interval}, transient `salt` — a DSO or the market operator, after the claim window: expire, root, event. */
  @Param('argsJson', 'string')
  @Transaction()
  @Returns('string')
  async SealInterval(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(slotSchema, argsJson, 'certificate interval');
    const salt = transientSalt(ctx);
    const config = await getConfig(ctx);
    const interval = parseInterval(args.interval, intervalMs(config));
    const sealer = await requireRole(ctx, 'DSO', 'MARKET_OPERATOR');
    return canonicalJson(await sealInterval(ctx, config, sealer.mspId, args.zone, interval, salt));
  }

  /** {zone, interval} → the certificates issued there (public faces, no quantities). */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListCertificates(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(slotSchema, argsJson, 'certificate interval');
    const interval = parseInterval(args.interval, intervalMs(await getConfig(ctx)));
    return canonicalJson(await listCertificates(ctx, args.zone, interval.id));
  }

  /** {zone, interval} → every event's public record (kind, leaf hash) in Merkle order. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListEvents(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(slotSchema, argsJson, 'certificate interval');
    const interval = parseInterval(args.interval, intervalMs(await getConfig(ctx)));
    return canonicalJson((await listEvents(ctx, args.zone, interval.id)).map((e) => ({ key: e.key, ...e.value })));
  }

  /** {zone, interval} → the seal: root and public totals (small-group rule); details for the operator and regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetSeal(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(slotSchema, argsJson, 'certificate interval');
    const interval = parseInterval(args.interval, intervalMs(await getConfig(ctx)));
    const seal = await readSeal(ctx, args.zone, interval.id);
    if (!seal) throw new NotFoundError(`certificates of ${args.zone} ${interval.id} are not sealed`);
    const key = ctx.stub.createCompositeKey(CERT.seal, [args.zone, interval.id]);
    return canonicalJson(await withOversightDetails(await participantOrNone(ctx), seal, () => readPrivateJson(ctx, seal.collection, key)));
  }

  /** {zone, interval, certId} → its whole trail (events with bodies and proofs, lots) — market operator, regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetTrail(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(certificateRefSchema, argsJson, 'certificate reference');
    const interval = parseInterval(args.interval, intervalMs(await getConfig(ctx)));
    const caller = await requireParticipant(ctx);
    return canonicalJson(await certificateTrail(ctx, caller, args.zone, interval.id, args.certId));
  }

  /** {zone, interval, lotId} → the lot, its holder and quantity, and its lineage with proofs — the holder, operator, regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetLot(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(lotRefSchema, argsJson, 'certificate lot reference');
    const interval = parseInterval(args.interval, intervalMs(await getConfig(ctx)));
    const caller = await requireParticipant(ctx);
    return canonicalJson(await lotLineage(ctx, caller, args.zone, interval.id, args.lotId));
  }

  /** {zone?, interval?} → the caller's active lots with quantities. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async ListMyLots(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(myLotsSchema, argsJson || '{}', 'certificate lot filter');
    const caller = await requireParticipant(ctx);
    const interval = args.interval === undefined ? undefined : parseInterval(args.interval, intervalMs(await getConfig(ctx))).id;
    if (interval !== undefined && args.zone === undefined) throw new InvalidArgumentError('invalid certificate lot filter: interval needs zone');
    const lots = await new CertificateBook(ctx).activeLotsOf(caller.pseudonym, args.zone, interval);
    return canonicalJson(lots.map((lot) => ({ lot: lot.record, details: lot.body })));
  }

  /** {market, zone, interval, orderId} → what the award's settlement moved in certificates; details for owner and overseers. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetBinding(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(bindingRefSchema, argsJson, 'certificate binding reference');
    const interval = parseInterval(args.interval, intervalMs(await getConfig(ctx)));
    const caller = await requireParticipant(ctx);
    const key = ctx.stub.createCompositeKey(CERT.binding, [args.market, args.zone, interval.id, args.orderId]);
    const binding = await readJson<PublicBinding>(ctx, key);
    if (!binding) throw new NotFoundError(`no certificate binding for order '${args.orderId}' (not settled, or settled before certificates)`);
    return canonicalJson(await withPrivateDetails(ctx, caller, 'binding', binding, key));
  }

  /** {meterId, from, to, resolution} → the green matching score per interval or hour — the meter's owner, operator, regulator. */
  @Param('argsJson', 'string')
  @Transaction(false)
  @Returns('string')
  async GetMatchingScore(ctx: Context, argsJson: string): Promise<string> {
    const args = parseJsonArg(scoreSchema, argsJson, 'matching score query');
    const config = await getConfig(ctx);
    const caller = await requireParticipant(ctx);
    return canonicalJson(await matchingScore(ctx, config, caller, args));
  }
}
