import { z } from 'zod';
import { saltSchema } from '../common/transient';
import type { GovernanceConfig } from '../governance/config';
import { intervalText } from '../common/interval';
import { pseudonymSchema } from '../participants/participant';
import { assetIdSchema, zoneSchema, type AssetType } from '../registry/asset';

/**
 * Granular green certificates (docs/certificates.md): one certificate per green asset and interval, issued from the
 * device-signed export reading of its meter, held in lots (slices) whose quantities and owners are private.
 *
 * Public state per certificate and interval:
 *  - obe.cert.certificate [zone, interval, certId]: the certificate's public face (asset, meter, technology, reading
 *    reference, issuer) — never its quantity;
 *  - obe.cert.lot [zone, interval, lotId]: one slice: status, the collection of its private half and a commitment;
 *  - obe.cert.event [zone, interval, certId, txId, seq]: one life event (issue, transfer, settlement, claim, expiry):
 *    kind, collection and the Merkle leaf hash of its private body; the interval's seal commits to every leaf;
 *  - obe.cert.held [holderTag, zone, interval, lotId]: the holder index. The tag is an HMAC of a per-holder secret
 *    that lives only in the holder's certificates collection, so the index links lots to each other, never to a
 *    pseudonym, and purging the secret (erase.ts) leaves the tag unlinkable for good;
 *  - obe.cert.issued [asset|meter, id, interval]: never twice for the same energy;
 *  - obe.cert.claimed [meterId, interval]: a consumer meter's claims (the total private);
 *  - obe.cert.binding [market, zone, interval, orderId]: what the award's settlement moved (status public, Wh private);
 *  - obe.cert.seal [zone, interval]: the interval's Merkle root and public totals (small-group rule).
 * Private halves sit under the same key in `certificates_<owner MSP>` (the owner org, the grid operator, the
 * regulator), each salted from the transaction's transient salt.
 */

export const CERT = {
  certificate: 'obe.cert.certificate',
  lot: 'obe.cert.lot',
  event: 'obe.cert.event',
  held: 'obe.cert.held',
  holderSecret: 'obe.cert.holder',
  issued: 'obe.cert.issued',
  claimed: 'obe.cert.claimed',
  binding: 'obe.cert.binding',
  seal: 'obe.cert.seal',
  /** [zone, interval, sha256(eventKey)] → {eventKey, collection}: a body erasure purges once the seal has counted it (erase.ts). */
  purgeAtSeal: 'obe.cert.purge',
} as const;

export const CERTIFICATES_SEALED_EVENT = 'CertificatesSealed';
export const CERTIFICATES_EVENT = 'CertificatesChanged';

export const CERTIFICATE_DEFAULTS = {
  /** A week: certificates of an interval may be moved and claimed until then, and expire after. */
  claimWindowMinutes: 7 * 1440,
} as const;

export function claimWindowMs(config: GovernanceConfig): number {
  return (config.certificateClaimWindowMinutes ?? CERTIFICATE_DEFAULTS.claimWindowMinutes) * 60_000;
}

/** Energy source and technology of the green asset types, in the words of the EnergyTag GC attribute list. */
export const GREEN_TECHNOLOGY: Partial<Record<AssetType, { energySource: string; technology: string }>> = {
  pv: { energySource: 'solar', technology: 'photovoltaic' },
  wind: { energySource: 'wind', technology: 'wind turbine' },
};

const MAX_WH = 1_000_000_000_000;
const lotIdSchema = z.string().regex(/^[0-9a-f]{40}$/, 'a lot id (40 hex digits)');
const certIdSchema = z.string().regex(/^gc-[0-9a-f]{40}$/, 'a certificate id (gc- and 40 hex digits)');
export const quantityWhSchema = z.number().int().min(1).max(MAX_WH);

export const slotSchema = z.strictObject({ zone: zoneSchema, interval: intervalText });
export const issueSchema = z.strictObject({
  interval: intervalText,
  /** Each green asset with the meter whose signed export reading measures it (the asset itself if it reports). */
  items: z.array(z.strictObject({ assetId: assetIdSchema, meterId: assetIdSchema })).min(1).max(100),
});
export const certificateRefSchema = slotSchema.extend({ certId: certIdSchema });
export const lotRefSchema = slotSchema.extend({ lotId: lotIdSchema });
export const myLotsSchema = z.strictObject({ zone: zoneSchema.optional(), interval: intervalText.optional() });
export const bindingRefSchema = z.strictObject({ market: z.enum(['RETAIL', 'WHOLESALE']), zone: zoneSchema, interval: intervalText, orderId: z.string().min(1).max(128) });
export const scoreSchema = z.strictObject({
  meterId: assetIdSchema,
  from: intervalText,
  /** Exclusive end. */
  to: intervalText,
  resolution: z.enum(['INTERVAL', 'HOUR']).default('INTERVAL'),
});

/** Transient `transfer`: everything about a transfer is private (who receives, how much). */
export const TRANSFER_TRANSIENT = 'transfer';
export const transferSchema = z.strictObject({ zone: zoneSchema, interval: intervalText, lotId: lotIdSchema, to: pseudonymSchema, quantityWh: quantityWhSchema, salt: saltSchema });
/** Transient `claim`: the lots, the consumer meter and the quantity claimed against its import. */
export const CLAIM_TRANSIENT = 'claim';
export const claimSchema = z.strictObject({
  zone: zoneSchema,
  interval: intervalText,
  lotIds: z.array(lotIdSchema).min(1).max(50),
  meterId: assetIdSchema,
  quantityWh: quantityWhSchema,
  salt: saltSchema,
});

export type LotStatus = 'ACTIVE' | 'SPLIT' | 'CLAIMED' | 'EXPIRED';
export type EventKind = 'ISSUE' | 'TRANSFER' | 'SETTLE' | 'CLAIM' | 'EXPIRE';

/** The public face of a certificate: what, where, when and from which reading — never how much or whose. */
export interface PublicCertificate {
  readonly certId: string;
  readonly zone: string;
  readonly interval: string;
  readonly intervalEnd: string;
  readonly assetId: string;
  readonly meterId: string;
  readonly energySource: string;
  readonly technology: string;
  readonly capacityKw: number;
  readonly commissionedAt: string | null;
  /** The meter reading's public salted hash and the transaction that recorded it. */
  readonly readingHash: string;
  readonly readingTxId: string;
  /**
   * The start of the device-key period that verified the reading (null: recorded before key periods were tracked).
   * The certificate counts while that period is still the one in force at its interval (certificates/backing.ts).
   */
  readonly readingKeyValidFrom?: string | null;
  readonly issuerMspId: string;
  readonly issuedAt: string;
  readonly txId: string;
  /** The ISSUE event's key (its private body holds the quantity). */
  readonly issueEvent: string;
}

export interface PublicLot {
  readonly lotId: string;
  readonly certId: string;
  readonly zone: string;
  readonly interval: string;
  readonly status: LotStatus;
  readonly collection: string;
  readonly commitment: string;
  /** The event that created it and, once not ACTIVE, the one that consumed it. */
  readonly createdBy: string;
  readonly spentBy: string | null;
}

export interface PrivateLot {
  readonly lotId: string;
  readonly certId: string;
  readonly owner: string;
  readonly quantityWh: number;
  readonly salt: string;
}

export interface PublicEvent {
  readonly kind: EventKind;
  readonly certId: string;
  readonly zone: string;
  readonly interval: string;
  readonly txId: string;
  readonly seq: number;
  /** The transaction's time: the trail is shown in this order (the Merkle leaves go in key order). */
  readonly at: string;
  readonly collection: string;
  readonly leafHash: string;
}

/** What the event did, as its Merkle leaf: quantities balance (input = outputs + claimed + expired). */
export interface EventBody {
  readonly kind: EventKind;
  readonly certId: string;
  readonly zone: string;
  readonly interval: string;
  readonly txId: string;
  readonly seq: number;
  readonly at: string;
  readonly input: { readonly lotId: string; readonly quantityWh: number } | null;
  readonly outputs: readonly { readonly lotId: string; readonly quantityWh: number }[];
  readonly issuedWh: number;
  readonly claimedWh: number;
  readonly expiredWh: number;
  /** Evidence: ISSUE the reading; SETTLE the awards; CLAIM the consumer meter's reading; TRANSFER nothing. */
  readonly ref: Record<string, unknown>;
  readonly salt: string;
}

export interface PublicClaimed {
  readonly meterId: string;
  readonly interval: string;
  readonly claims: number;
  readonly collection: string;
  readonly commitment: string;
}

export interface PrivateClaimed {
  readonly meterId: string;
  readonly interval: string;
  readonly claimedWh: number;
  readonly importedWh: number;
  readonly readingHash: string;
  /** The CLAIM events, in order. */
  readonly events: readonly string[];
  readonly salt: string;
}

export type BindingStatus = 'MOVED' | 'PARTIAL' | 'NO_CERTIFICATE' | 'NOT_DELIVERED';

export interface PublicBinding {
  readonly market: string;
  readonly zone: string;
  readonly interval: string;
  readonly orderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly status: BindingStatus;
  readonly owner: string;
  readonly collection: string;
  readonly commitment: string;
  readonly settlementTxId: string;
}

export interface PrivateBinding {
  readonly orderId: string;
  readonly deliveredWh: number;
  readonly certifiedWh: number;
  readonly events: readonly string[];
  readonly salt: string;
}

export interface SealTotals {
  readonly issuedWh: number;
  readonly claimedWh: number;
  readonly expiredWh: number;
}

export interface CertificateSeal {
  readonly zone: string;
  readonly interval: string;
  readonly merkleRoot: string;
  readonly leafCount: number;
  readonly certificates: number;
  readonly producers: number;
  readonly claimants: number;
  readonly issuedWh: number | null;
  readonly claimedWh: number | null;
  readonly expiredWh: number | null;
  readonly minPublicGroupSize: number;
  readonly suppressed: readonly string[];
  readonly sealedAt: string;
  readonly txId: string;
  /** Where the full totals are kept (the sealing org's certificates collection). */
  readonly collection: string;
}

/** The `CertificatesSealed` payload: the shape `SettlementCompleted` has, so the audit relay anchors both alike. */
export interface CertificatesSealedEvent {
  readonly channel: string;
  readonly market: 'CERTIFICATES';
  readonly zone: string;
  readonly interval: string;
  readonly merkleRoot: string;
  readonly recordCount: number;
  readonly txId: string;
}
