import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json';
import { merkleLeafHash, verifyMerkleProof, type MerkleProofStep } from '../common/merkle';

/**
 * A certificate lot exported as a signed document, verifiable offline (docs/certificates.md, "Export"). The fields of
 * `certificate` follow the attribute list of the EnergyTag Granular Certificate Scheme Standard (energy carrier,
 * unique id, production interval ≤ 1 h, issuance date, energy source, technology, production device id, capacity and
 * operational date, region of issuance, unit Wh, face value, issuer, issued from production or storage, disclosure);
 * the device's street location is withheld (personal data), the zone stands for the region. `evidence` carries the lot's
 * lineage — every event from the issuance to the lot (and its claim), each with its private body, which is the Merkle
 * leaf, and its proof — plus the sealed root and, where the exporter may read it, the audit channel's attestation.
 * The exporter (a gateway) signs the canonical JSON of everything but `signature` with Ed25519.
 *
 * Pure functions, shared by the gateway (which builds and signs) and scripts/verify-certificate.ts (which checks).
 */

export const GC_FORMAT = 'obe-granular-certificate/1';
export const GC_STANDARD = 'EnergyTag Granular Certificate Scheme Standard (v2, March 2024): GC attributes';

/** An event's private body (certificates/model.ts EventBody): the fields the checks read. */
export interface LineageDetails {
  readonly kind: string;
  readonly certId: string;
  readonly zone?: string;
  readonly interval?: string;
  readonly input: { readonly lotId: string; readonly quantityWh: number } | null;
  readonly outputs: readonly { readonly lotId: string; readonly quantityWh: number }[];
  readonly issuedWh: number;
  readonly ref: Record<string, unknown>;
}

export interface LineageEvent {
  readonly key: string;
  readonly event: { readonly kind: string; readonly certId: string; readonly leafHash: string };
  readonly details?: LineageDetails;
  readonly proof?: { readonly proof: readonly MerkleProofStep[]; readonly merkleRoot: string };
}

/** What the chaincode's Certificates:GetLot answers (the parts the document uses). */
export interface LotExportSource {
  readonly certificate: {
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
    readonly readingHash: string;
    readonly readingTxId: string;
    readonly issuerMspId: string;
    readonly issuedAt: string;
  };
  readonly lot: { readonly lotId: string; readonly status: string; readonly createdBy: string };
  readonly details: { readonly owner: string; readonly quantityWh: number };
  readonly lineage: readonly LineageEvent[];
  readonly seal: { readonly merkleRoot: string; readonly leafCount: number; readonly txId: string } | null;
}

export interface GcAttestation {
  readonly merkleRoot: string;
  readonly sourceTxId: string;
  readonly attestedByMspId: string;
  readonly attestedAt: string;
  readonly txId: string;
}

export interface GcDocument {
  readonly format: typeof GC_FORMAT;
  readonly standard: string;
  readonly certificate: Record<string, unknown> & { readonly certificateId: string; readonly bundleId: string; readonly bundleQuantityWh: number; readonly faceValueWh: number | null };
  readonly evidence: {
    readonly lineage: readonly LineageEvent[];
    readonly sealedRoot: string | null;
    readonly leafCount: number | null;
    readonly sealTxId: string | null;
    readonly attestation: GcAttestation | null;
  };
  readonly exportedAt: string;
  readonly signature?: { readonly algorithm: 'Ed25519'; readonly publicKey: string; readonly value: string };
}

/** The unsigned document for one lot. */
export function gcDocument(source: LotExportSource, attestation: GcAttestation | null, exportedAt: string): GcDocument {
  const issue = source.lineage.find((e) => e.event.kind === 'ISSUE');
  const c = source.certificate;
  return {
    format: GC_FORMAT,
    standard: GC_STANDARD,
    certificate: {
      energyCarrier: 'electricity',
      certificateId: c.certId,
      bundleId: source.lot.lotId,
      productionStart: c.interval,
      productionEnd: c.intervalEnd,
      issuanceDate: c.issuedAt,
      energySource: c.energySource,
      technology: c.technology,
      productionDeviceId: c.assetId,
      productionDeviceCapacityKw: c.capacityKw,
      productionDeviceOperationalDate: c.commissionedAt,
      regionOfIssuance: c.zone,
      location: null,
      unit: 'Wh',
      faceValueWh: issue?.details?.issuedWh ?? null,
      bundleQuantityWh: source.details.quantityWh,
      issuer: c.issuerMspId,
      issuedFrom: 'production',
      energyCarrierConversionOrStorage: false,
      disclosure: true,
      status: source.lot.status,
      holder: source.details.owner,
      meterReading: { meterId: c.meterId, readingHash: c.readingHash, readingTxId: c.readingTxId },
    },
    evidence: {
      lineage: source.lineage,
      sealedRoot: source.seal?.merkleRoot ?? null,
      leafCount: source.seal?.leafCount ?? null,
      sealTxId: source.seal?.txId ?? null,
      attestation,
    },
    exportedAt,
  };
}

function signedBytes(doc: GcDocument): Buffer {
  const rest: Record<string, unknown> = { ...doc };
  delete rest.signature;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** Signs with an Ed25519 private key (deterministic signatures). */
export function signGcDocument(doc: GcDocument, privateKey: KeyObject): GcDocument {
  const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const value = sign(null, signedBytes(doc), privateKey).toString('base64');
  return { ...doc, signature: { algorithm: 'Ed25519', publicKey, value } };
}

export interface GcVerification {
  readonly verified: boolean;
  readonly checks: {
    /** The signature verifies under the key in the document (and that key is the pinned one, if one is given). */
    readonly signatureValid: boolean;
    /**
     * The verifier pinned the exporter's key (and the signature is by it). Without a pinned key the signature proves
     * nothing — anyone can sign a document of their own making with a key of their own — and neither do the carried
     * attestation, the holder or anything else outside the Merkle leaves: the document is then never `verified`.
     */
    readonly signerPinned: boolean;
    /** Every lineage event's body hashes to its public leaf hash. */
    readonly leavesMatch: boolean;
    /** Every proof reaches the root: the one given, else the attested one. */
    readonly proofsReachRoot: boolean;
    /** The sealed root is the attested root: the carried attestation's and/or the one the verifier brought. */
    readonly rootAttested: boolean;
    /**
     * Issued first, each event consumes a lot the one before created, the lot is the last one created; once sealed
     * (every lot of a sealed interval is spent) the event that consumed the lot is there and `status` says what it did.
     */
    readonly lineageConsistent: boolean;
    /**
     * The certificate fields match the issuance event — id, interval, zone, meter reading, face value, and the device
     * (id, energy source, technology, capacity, operational date) — and the lot's quantity; every event is of the
     * certificate's zone and interval.
     */
    readonly certificateMatches: boolean;
  };
  readonly root: string | null;
}

/** The lot status the event that consumed it leaves (certificates/book.ts). */
const SPENT_STATUS: Record<string, string> = { CLAIM: 'CLAIMED', EXPIRE: 'EXPIRED', TRANSFER: 'SPLIT', SETTLE: 'SPLIT' };

function tryOr(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

/**
 * Checks a document offline. `root`: the attested root the verifier obtained itself (from the regulator or the audit
 * channel); without it, the document's own attestation is used. `publicKeyPem`: the exporter's key, if pinned.
 */
export function verifyGcDocument(doc: GcDocument, options: { root?: string; publicKeyPem?: string } = {}): GcVerification {
  const lineage: readonly LineageEvent[] = Array.isArray(doc?.evidence?.lineage) ? doc.evidence.lineage : [];
  const root = options.root ?? doc?.evidence?.attestation?.merkleRoot ?? null;
  const signerPinned = options.publicKeyPem !== undefined;
  const signatureValid = tryOr(() => {
    const sig = doc.signature;
    if (!sig || sig.algorithm !== 'Ed25519') return false;
    const key = createPublicKey(sig.publicKey);
    if (options.publicKeyPem && createPublicKey(options.publicKeyPem).export({ type: 'spki', format: 'der' }).toString('hex') !== key.export({ type: 'spki', format: 'der' }).toString('hex')) return false;
    return verify(null, signedBytes(doc), key, Buffer.from(sig.value, 'base64'));
  });
  const leavesMatch = tryOr(() => lineage.length > 0 && lineage.every((e) => e.details !== undefined && merkleLeafHash(e.details) === e.event.leafHash));
  const proofsReachRoot = tryOr(() => root !== null && lineage.every((e) => e.proof !== undefined && verifyMerkleProof(e.details, e.proof.proof, root)));
  // The sealed root must be the attested one: the attestation the document carries, the root the verifier brought, or
  // both (then all three agree). A holder's export may carry none (its org cannot read the audit channel).
  const rootAttested = tryOr(() => {
    const sealed = doc.evidence.sealedRoot;
    const carried = doc.evidence.attestation?.merkleRoot;
    if (sealed === null || (carried === undefined && options.root === undefined)) return false;
    return (carried === undefined || carried === sealed) && (options.root === undefined || options.root === sealed);
  });
  const bundleId = doc?.certificate?.bundleId;
  const lineageConsistent = tryOr(() => {
    if (lineage[0]?.details?.kind !== 'ISSUE' || lineage[0].details.input !== null) return false;
    let created = lineage[0].details.outputs.map((o) => o.lotId);
    let sawLot = created.includes(bundleId);
    for (const e of lineage.slice(1)) {
      if (!e.details?.input || !created.includes(e.details.input.lotId)) return false;
      if (e.details.certId !== lineage[0].details.certId) return false;
      if (sawLot) return e === lineage[lineage.length - 1] && e.details.input.lotId === bundleId && SPENT_STATUS[e.details.kind] === doc.certificate.status;
      created = e.details.outputs.map((o) => o.lotId);
      sawLot = created.includes(bundleId);
    }
    // Not consumed: only an interval that is not sealed has ACTIVE lots (the seal expires every one left).
    return sawLot && doc.evidence.sealedRoot === null && doc.certificate.status === 'ACTIVE';
  });
  const certificateMatches = tryOr(() => {
    const issue = lineage[0]?.details;
    const c = doc.certificate;
    const reading = c.meterReading as { readingHash?: string; meterId?: string } | undefined;
    const issuedFrom = issue?.ref.reading as { hash?: string; assetId?: string } | undefined;
    const device = issue?.ref.device as Record<string, unknown> | undefined;
    const creating = lineage.find((e) => e.details?.outputs.some((o) => o.lotId === bundleId));
    const quantity = creating?.details?.outputs.find((o) => o.lotId === bundleId)?.quantityWh;
    return (
      issue !== undefined &&
      device !== undefined &&
      issue.certId === c.certificateId &&
      issue.interval === c.productionStart &&
      issue.zone === c.regionOfIssuance &&
      lineage.every((e) => e.details?.zone === issue.zone && e.details?.interval === issue.interval) &&
      issuedFrom?.hash === reading?.readingHash &&
      issuedFrom?.assetId === reading?.meterId &&
      device.assetId === c.productionDeviceId &&
      device.energySource === c.energySource &&
      device.technology === c.technology &&
      device.capacityKw === c.productionDeviceCapacityKw &&
      device.commissionedAt === c.productionDeviceOperationalDate &&
      issue.issuedWh === c.faceValueWh &&
      quantity === c.bundleQuantityWh
    );
  });
  const checks = { signatureValid, signerPinned, leavesMatch, proofsReachRoot, rootAttested, lineageConsistent, certificateMatches };
  return { verified: Object.values(checks).every(Boolean), checks, root };
}
