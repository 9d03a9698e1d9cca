import type { Context } from 'fabric-contract-api';
import { canonicalBytes } from '../common/canonical-json';
import { InvalidArgumentError, RuleViolationError } from '../common/errors';
import { commitmentOf, deriveSalt, hmacSha256Hex, sha256Hex } from '../common/hash';
import { orgCollection } from '../common/keys';
import { merkleLeafHash } from '../common/merkle';
import { readJson, readJsonByPrefix, readPrivateJson } from '../common/state';
import { txTimeIso } from '../common/tx-time';
import { findParticipantSecret, shreddableSalt } from '../participants/secret';
import { getParticipant } from '../participants/store';
import { CERT, type EventBody, type EventKind, type LotStatus, type PrivateLot, type PublicEvent, type PublicLot } from './model';

/** A lot with its private half, as read in this transaction. */
export interface HeldLot {
  readonly key: string;
  readonly record: PublicLot;
  readonly body: PrivateLot;
}

export interface Output {
  readonly owner: string;
  readonly quantityWh: number;
}

/** What one event consumes (null for an issue) and what it creates; quantities must balance (checked). */
export interface Movement {
  readonly kind: EventKind;
  readonly certId: string;
  readonly zone: string;
  readonly interval: string;
  readonly input: HeldLot | null;
  readonly outputs: readonly Output[];
  readonly issuedWh?: number;
  readonly claimedWh?: number;
  readonly expiredWh?: number;
  readonly ref: Record<string, unknown>;
  /** Where the event's private body goes; default: the input lot's collection (an issue must name it). */
  readonly collection?: string;
}

export interface WrittenEvent {
  readonly key: string;
  readonly record: PublicEvent;
  readonly body: EventBody;
  readonly lotIds: readonly string[];
}

interface HolderSecret {
  readonly owner: string;
  readonly secret: string;
}

export function certificatesCollection(mspId: string): string {
  return orgCollection('certificates', mspId);
}

export function certificateIdOf(assetId: string, interval: string): string {
  return `gc-${sha256Hex(`certificate\u0000${assetId}\u0000${interval}`).slice(0, 40)}`;
}

/**
 * The certificate lots of one transaction: it numbers the events and lots it writes and remembers what it wrote (a
 * transaction never reads its own writes), so one instance per transaction. Every private record it writes is salted
 * from `secret`, the caller's transient salt; queries need none.
 */
export class CertificateBook {
  readonly #ctx: Context;
  readonly #secret: string | undefined;
  #seq = 0;
  #lots = 0;
  readonly #collections = new Map<string, string>();
  /** Holder → its secret (read, or created in this transaction). */
  readonly #holderSecrets = new Map<string, string | undefined>();
  readonly #spent = new Set<string>();
  readonly #erased = new Set<string>();

  constructor(ctx: Context, secret?: string) {
    this.#ctx = ctx;
    this.#secret = secret;
  }

  get ctx(): Context {
    return this.#ctx;
  }

  /** The owner's certificates collection (participant records are public). */
  async collectionOf(owner: string): Promise<string> {
    let collection = this.#collections.get(owner);
    if (collection === undefined) {
      const participant = await getParticipant(this.#ctx, owner);
      collection = certificatesCollection(participant.mspId);
      this.#collections.set(owner, collection);
      if (participant.status === 'ERASED') this.#erased.add(owner);
    }
    return collection;
  }

  /**
   * The holder's index tag, HMAC of its per-holder secret. With `create`, a holder without one gets a secret derived
   * from this transaction's salt (two transactions creating one concurrently conflict on the private read).
   */
  async holderTag(owner: string, create: boolean): Promise<string | undefined> {
    let secret = this.#holderSecrets.get(owner);
    if (!this.#holderSecrets.has(owner)) {
      const key = this.#holderKey(owner);
      secret = (await readPrivateJson<HolderSecret>(this.#ctx, await this.collectionOf(owner), key))?.secret;
      this.#holderSecrets.set(owner, secret);
    }
    if (secret === undefined && create) {
      // Whoever creates the holder's first lot (the issuer, a sender, the settling operator) chose this transaction's
      // salt: with the participant's own secret mixed in, it cannot compute the tag and follow the holder's later lots,
      // and erasure (which purges both secrets) leaves the tags in the blocks unlinkable. A participant registered
      // without a secret (never through the gateway) falls back to the transaction's salt alone.
      const participant = await getParticipant(this.#ctx, owner);
      const own = await findParticipantSecret(this.#ctx, owner, participant.mspId);
      secret = shreddableSalt(own, this.#requireSecret(), `cert-holder:${owner}`);
      await this.#ctx.stub.putPrivateData(await this.collectionOf(owner), this.#holderKey(owner), canonicalBytes({ owner, secret }));
      this.#holderSecrets.set(owner, secret);
    }
    return secret === undefined ? undefined : hmacSha256Hex(Buffer.from(secret, 'utf8'), 'certificate-holder').slice(0, 40);
  }

  /** The holder's secret itself, if it has one (erase.ts salts the erasure's records from it before purging it). */
  async holderSecret(owner: string): Promise<string | undefined> {
    await this.holderTag(owner, false);
    return this.#holderSecrets.get(owner);
  }

  holderSecretKey(owner: string): string {
    return this.#holderKey(owner);
  }

  lotKey(zone: string, interval: string, lotId: string): string {
    return this.#ctx.stub.createCompositeKey(CERT.lot, [zone, interval, lotId]);
  }

  /** A lot with its private half checked against its commitment; undefined if there is none. */
  async readLot(zone: string, interval: string, lotId: string): Promise<HeldLot | undefined> {
    const key = this.lotKey(zone, interval, lotId);
    const record = await readJson<PublicLot>(this.#ctx, key);
    if (!record) return undefined;
    return { key, record, body: await this.#privateOf<PrivateLot>(key, record, `certificate lot '${lotId}'`) };
  }

  /** The holder's ACTIVE lots of one zone and interval (every interval without them), in key order. */
  async activeLotsOf(owner: string, zone?: string, interval?: string): Promise<HeldLot[]> {
    const tag = await this.holderTag(owner, false);
    if (tag === undefined) return [];
    const prefix = [tag, ...(zone === undefined ? [] : [zone]), ...(zone !== undefined && interval !== undefined ? [interval] : [])];
    const out: HeldLot[] = [];
    for (const entry of await readJsonByPrefix<{ zone: string; interval: string; lotId: string }>(this.#ctx, CERT.held, prefix)) {
      const { zone: z, interval: i, lotId } = entry.value;
      const key = this.lotKey(z, i, lotId);
      const record = await readJson<PublicLot>(this.#ctx, key);
      if (!record || record.status !== 'ACTIVE') continue;
      const body = await this.#privateOf<PrivateLot>(key, record, `certificate lot '${lotId}'`);
      if (body.owner === owner) out.push({ key, record, body });
    }
    return out;
  }

  /**
   * Writes one life event: the input lot (if any) leaves ACTIVE, the outputs become new ACTIVE lots, and the event's
   * private body (the Merkle leaf) records both. Input = Σ outputs + claimed + expired; an issue creates its outputs.
   */
  async move(movement: Movement): Promise<WrittenEvent> {
    const secret = this.#requireSecret();
    const { input, outputs } = movement;
    const issued = movement.issuedWh ?? 0;
    const claimed = movement.claimedWh ?? 0;
    const expired = movement.expiredWh ?? 0;
    const out = outputs.reduce((sum, o) => sum + BigInt(o.quantityWh), 0n);
    const inWh = input ? BigInt(input.body.quantityWh) : BigInt(issued);
    if (outputs.some((o) => !Number.isSafeInteger(o.quantityWh) || o.quantityWh <= 0)) throw new Error('a certificate lot must hold a positive whole number of Wh');
    if (inWh !== out + BigInt(claimed) + BigInt(expired)) throw new Error(`certificate quantities do not balance (${inWh} in, ${out} out, ${claimed} claimed, ${expired} expired)`);
    if (input && this.#spent.has(input.key)) throw new Error(`certificate lot ${input.record.lotId} consumed twice in one transaction`);
    const txId = this.#ctx.stub.getTxID();
    const seq = this.#seq++;
    const eventKey = this.#ctx.stub.createCompositeKey(CERT.event, [movement.zone, movement.interval, movement.certId, txId, String(seq).padStart(4, '0')]);
    const lotIds = outputs.map(() => sha256Hex(`lot\u0000${txId}\u0000${this.#lots++}`).slice(0, 40));
    const body: EventBody = {
      kind: movement.kind,
      certId: movement.certId,
      zone: movement.zone,
      interval: movement.interval,
      txId,
      seq,
      at: txTimeIso(this.#ctx),
      input: input ? { lotId: input.record.lotId, quantityWh: input.body.quantityWh } : null,
      outputs: outputs.map((o, i) => ({ lotId: lotIds[i], quantityWh: o.quantityWh })),
      issuedWh: issued,
      claimedWh: claimed,
      expiredWh: expired,
      ref: movement.ref,
      salt: deriveSalt(secret, `cert-event:${eventKey}`),
    };
    const collection = movement.collection ?? input?.record.collection;
    if (collection === undefined) throw new Error('an event without an input lot must name its collection');
    const record: PublicEvent = { kind: movement.kind, certId: movement.certId, zone: movement.zone, interval: movement.interval, txId, seq, at: body.at, collection, leafHash: merkleLeafHash(body) };
    await this.#ctx.stub.putState(eventKey, canonicalBytes(record));
    await this.#ctx.stub.putPrivateData(collection, eventKey, canonicalBytes(body));

    if (input) {
      this.#spent.add(input.key);
      const status: LotStatus = movement.kind === 'CLAIM' ? 'CLAIMED' : movement.kind === 'EXPIRE' ? 'EXPIRED' : 'SPLIT';
      await this.#ctx.stub.putState(input.key, canonicalBytes({ ...input.record, status, spentBy: eventKey }));
    }
    for (const [i, output] of outputs.entries()) {
      const lotId = lotIds[i];
      const key = this.lotKey(movement.zone, movement.interval, lotId);
      const lotCollection = await this.collectionOf(output.owner);
      // Nothing is written for an erased participant again (an issue for an interval it owned the asset, say).
      if (this.#erased.has(output.owner)) {
        throw new RuleViolationError(`participant ${output.owner} is erased: no certificate can be written for it`, { reason: 'PARTICIPANT_ERASED' });
      }
      const lot: PrivateLot = { lotId, certId: movement.certId, owner: output.owner, quantityWh: output.quantityWh, salt: deriveSalt(secret, `cert-lot:${key}`) };
      const publicLot: PublicLot = {
        lotId,
        certId: movement.certId,
        zone: movement.zone,
        interval: movement.interval,
        status: 'ACTIVE',
        collection: lotCollection,
        commitment: commitmentOf(lot),
        createdBy: eventKey,
        spentBy: null,
      };
      await this.#ctx.stub.putState(key, canonicalBytes(publicLot));
      await this.#ctx.stub.putPrivateData(lotCollection, key, canonicalBytes(lot));
      const tag = (await this.holderTag(output.owner, true))!;
      await this.#ctx.stub.putState(this.#ctx.stub.createCompositeKey(CERT.held, [tag, movement.zone, movement.interval, lotId]), canonicalBytes({ zone: movement.zone, interval: movement.interval, lotId }));
    }
    return { key: eventKey, record, body, lotIds };
  }

  /** The private half of a public record, checked against its commitment. */
  async #privateOf<T>(key: string, record: { collection: string; commitment: string }, what: string): Promise<T> {
    const body = await readPrivateJson<T>(this.#ctx, record.collection, key);
    if (body === undefined) {
      throw new RuleViolationError(`this peer holds no private data for ${what} (collection ${record.collection})`, { reason: 'PRIVATE_DATA_UNAVAILABLE' });
    }
    if (commitmentOf(body) !== record.commitment) throw new RuleViolationError(`${what} does not match its commitment`);
    return body;
  }

  #holderKey(owner: string): string {
    return this.#ctx.stub.createCompositeKey(CERT.holderSecret, [owner]);
  }

  #requireSecret(): string {
    if (this.#secret === undefined) throw new InvalidArgumentError("a transient salt is required to move certificates (it salts the private records)");
    return this.#secret;
  }
}
