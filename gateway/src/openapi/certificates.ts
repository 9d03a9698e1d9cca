import { TX } from '@obe/chaincode';
import { bool, record, ref, str, type OperationSpec, type Schema } from './builder';
import { answers, bodyOf, field } from './catalogue';
import { intervalParam, zoneParam } from './market';

/**
 * Certificates segment (`/api/v1/certificates/...`): the Certificates contract (docs/certificates.md). Private inputs
 * (a transfer's recipient and quantity, a claim's lots and quantity) leave the body for the transient map with a salt
 * the gateway generates; the export is a signed document the gateway assembles from the lot's lineage and the audit
 * channel's attestation.
 */

const base = '/api/v1/certificates';
const slot = `${base}/zones/{zone}/intervals/{interval}`;
const slotParams = { zone: zoneParam, interval: intervalParam };
const certId = { ...field(TX.Certificates.GetTrail.args[0], 'certId'), description: 'Certificate id' };
const lotId = { ...field(TX.Certificates.GetLot.args[0], 'lotId'), description: 'Lot id (a slice of a certificate)' };

const verification: Schema = record(
  {
    verified: bool(),
    checks: record(
      { signatureValid: bool(), signerPinned: bool(), leavesMatch: bool(), proofsReachRoot: bool(), rootAttested: bool(), lineageConsistent: bool(), certificateMatches: bool() },
      ['signatureValid', 'signerPinned', 'leavesMatch', 'proofsReachRoot', 'rootAttested', 'lineageConsistent', 'certificateMatches'],
    ),
    root: str({ nullable: true }),
  },
  ['verified', 'checks', 'root'],
);

export const certificateSchemas: Record<string, Schema> = {
  GranularCertificateDocument: record(
    {
      format: str({ enum: ['obe-granular-certificate/1'] }),
      standard: str(),
      certificate: { type: 'object', additionalProperties: true, description: 'EnergyTag GC attributes (docs/certificates.md)' },
      evidence: { type: 'object', additionalProperties: true, description: 'Lineage events with bodies and Merkle proofs, sealed root, attestation' },
      exportedAt: str(),
      signature: record({ algorithm: str({ enum: ['Ed25519'] }), publicKey: str(), value: str() }, ['algorithm', 'publicKey', 'value']),
      verification,
    },
    ['format', 'standard', 'certificate', 'evidence', 'exportedAt', 'signature', 'verification'],
    { description: 'A certificate lot as a signed document, verifiable offline (scripts/verify-certificate.ts); `verification` is the gateway’s own check, outside the signature' },
  ),
  CertificateExportKey: record({ algorithm: str({ enum: ['Ed25519'] }), publicKey: str() }, ['algorithm', 'publicKey']),
};

export const certificateOperations: OperationSpec[] = [
  {
    operationId: 'issueCertificates',
    method: 'post',
    path: `${base}/issuances`,
    tag: 'certificates',
    summary: 'Issue certificates for an ended interval (a DSO): one per green asset, from its meter’s signed export reading',
    body: bodyOf(TX.Certificates.Issue.args[0]),
    ...answers(TX.Certificates.Issue),
    errors: [403, 404],
  },
  {
    operationId: 'transferCertificate',
    method: 'post',
    path: `${base}/transfers`,
    tag: 'certificates',
    summary: 'Slice one of the caller’s lots to another participant (recipient and quantity travel privately)',
    body: bodyOf(TX.Certificates.Transfer.transient.shape.transfer, { optional: ['salt'] }),
    ...answers(TX.Certificates.Transfer),
    errors: [403, 404],
  },
  {
    operationId: 'claimCertificates',
    method: 'post',
    path: `${base}/claims`,
    tag: 'certificates',
    summary: 'Retire the caller’s lots against its meter’s metered import of the same interval (never more, once)',
    body: bodyOf(TX.Certificates.Claim.transient.shape.claim, { optional: ['salt'] }),
    ...answers(TX.Certificates.Claim),
    errors: [403, 404],
  },
  {
    operationId: 'listMyCertificateLots',
    method: 'get',
    path: `${base}/lots`,
    tag: 'certificates',
    summary: 'The caller’s active certificate lots with their quantities, optionally of one zone and interval',
    query: { zone: { schema: zoneParam }, interval: { schema: intervalParam } },
    ...answers(TX.Certificates.ListMyLots),
    errors: [403],
  },
  {
    operationId: 'getMatchingScore',
    method: 'get',
    path: `${base}/matching-score`,
    tag: 'certificates',
    summary: 'Share of a meter’s metered import covered by claimed certificates, per interval or hour (its owner, market operator, regulator)',
    query: {
      meterId: { schema: field(TX.Certificates.GetMatchingScore.args[0], 'meterId'), required: true },
      from: { schema: intervalParam, required: true, description: 'First interval' },
      to: { schema: intervalParam, required: true, description: 'End (exclusive)' },
      resolution: { schema: str({ enum: ['INTERVAL', 'HOUR'] }) },
    },
    ...answers(TX.Certificates.GetMatchingScore),
    errors: [403, 404],
  },
  {
    operationId: 'getCertificateBinding',
    method: 'get',
    path: `${base}/bindings/{market}/{zone}/{interval}/{orderId}`,
    tag: 'certificates',
    summary: 'What an award’s settlement moved in certificates (status public; Wh to the owner, market operator, regulator)',
    pathParams: { market: str({ enum: ['RETAIL', 'WHOLESALE'] }), zone: zoneParam, interval: intervalParam, orderId: field(TX.Certificates.GetBinding.args[0], 'orderId') },
    ...answers(TX.Certificates.GetBinding),
    errors: [403, 404],
  },
  {
    operationId: 'listCertificates',
    method: 'get',
    path: slot,
    tag: 'certificates',
    summary: 'Certificates of a zone and interval: asset, technology, reading reference (no quantities, no holders)',
    pathParams: slotParams,
    ...answers(TX.Certificates.ListCertificates),
  },
  {
    operationId: 'listCertificateEvents',
    method: 'get',
    path: `${slot}/events`,
    tag: 'certificates',
    summary: 'Certificate events of a zone and interval: kinds and Merkle leaf hashes (public commitments)',
    pathParams: slotParams,
    ...answers(TX.Certificates.ListEvents),
  },
  {
    operationId: 'getCertificateSeal',
    method: 'get',
    path: `${slot}/seal`,
    tag: 'certificates',
    summary: 'The sealed Merkle root and totals per zone and interval (small-group rule; full totals to market operator and regulator)',
    pathParams: slotParams,
    ...answers(TX.Certificates.GetSeal),
    errors: [404],
  },
  {
    operationId: 'sealCertificates',
    method: 'post',
    path: `${slot}/seal`,
    tag: 'certificates',
    summary: 'Expire unclaimed lots and seal the interval (a DSO or the market operator, after the claim window); the relay attests the root',
    pathParams: slotParams,
    ...answers(TX.Certificates.SealInterval),
    errors: [403],
  },
  {
    operationId: 'getCertificateTrail',
    method: 'get',
    path: `${slot}/certificates/{certId}/trail`,
    tag: 'certificates',
    summary: 'A certificate’s whole life with Merkle proofs: issued from which reading, moved with which award, claimed against which import (market operator, regulator)',
    pathParams: { ...slotParams, certId },
    ...answers(TX.Certificates.GetTrail),
    errors: [403, 404],
  },
  {
    operationId: 'getCertificateLot',
    method: 'get',
    path: `${slot}/lots/{lotId}`,
    tag: 'certificates',
    summary: 'One lot with its lineage back to issuance and its claim (its holder, market operator, regulator)',
    pathParams: { ...slotParams, lotId },
    ...answers(TX.Certificates.GetLot),
    errors: [403, 404],
  },
  {
    operationId: 'exportCertificateLot',
    method: 'get',
    path: `${slot}/lots/{lotId}/export`,
    tag: 'certificates',
    summary: 'The lot as a signed EnergyTag-style granular certificate document, verifiable offline against the attested root',
    pathParams: { ...slotParams, lotId },
    response: ref('GranularCertificateDocument'),
    errors: [403, 404],
  },
  {
    operationId: 'getCertificateExportKey',
    method: 'get',
    path: `${base}/export-key`,
    tag: 'certificates',
    summary: 'The public key this gateway signs certificate exports with (pin it to verify documents offline)',
    response: ref('CertificateExportKey'),
  },
];
