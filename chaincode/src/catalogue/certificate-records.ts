/** Records the Certificates contract answers with (chaincode/src/certificates); catalogue/records.ts re-exports them. */
import { z } from 'zod';

const txId = z.string().regex(/^[0-9a-f]{64}$/, 'a Fabric transaction id');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const count = z.number().int().min(0);
const proofStep = z.strictObject({ position: z.enum(['LEFT', 'RIGHT']), hash: hex64 });

export const certificateRecord = z
  .looseObject({
    certId: z.string(),
    zone: z.string(),
    interval: z.string(),
    intervalEnd: z.string(),
    assetId: z.string(),
    meterId: z.string(),
    energySource: z.string(),
    technology: z.string(),
    capacityKw: z.number(),
    commissionedAt: z.string().nullable(),
    readingHash: hex64,
    readingTxId: txId,
    issuerMspId: z.string(),
    issuedAt: z.string(),
    txId,
    issueEvent: z.string(),
  })
  .describe('A granular certificate as the channel sees it: asset, technology, interval, reading reference; never its quantity or holder')
  .meta({ id: 'Certificate' });

export const certificateLotRecord = z
  .looseObject({
    lotId: z.string(),
    certId: z.string(),
    zone: z.string(),
    interval: z.string(),
    status: z.enum(['ACTIVE', 'SPLIT', 'CLAIMED', 'EXPIRED']),
    collection: z.string(),
    commitment: hex64,
    createdBy: z.string(),
    spentBy: z.string().nullable(),
  })
  .meta({ id: 'CertificateLot' });

export const certificateLotDetails = z
  .looseObject({ lotId: z.string(), certId: z.string(), owner: z.string(), quantityWh: count, salt: z.string() })
  .describe('The private half of a lot: holder and quantity')
  .meta({ id: 'CertificateLotDetails' });

export const certificateEventRecord = z
  .looseObject({
    kind: z.enum(['ISSUE', 'TRANSFER', 'SETTLE', 'CLAIM', 'EXPIRE']),
    certId: z.string(),
    zone: z.string(),
    interval: z.string(),
    txId,
    seq: count,
    at: z.string(),
    collection: z.string(),
    leafHash: hex64,
  })
  .meta({ id: 'CertificateEvent' });

const eventProof = z.looseObject({ leafHash: hex64, index: count, proof: z.array(proofStep), merkleRoot: hex64 });

export const certificateSealRecord = z
  .looseObject({
    zone: z.string(),
    interval: z.string(),
    merkleRoot: hex64,
    leafCount: count,
    certificates: count,
    producers: count,
    claimants: count,
    issuedWh: count.nullable(),
    claimedWh: count.nullable(),
    expiredWh: count.nullable(),
    minPublicGroupSize: z.number().int().min(1),
    suppressed: z.array(z.string()),
    sealedAt: z.string(),
    txId,
    collection: z.string(),
    details: z.looseObject({}).optional().describe('Market operator and regulator only: every total'),
  })
  .meta({ id: 'CertificateSeal' });

const trailEvent = z.looseObject({ key: z.string(), event: certificateEventRecord, details: z.looseObject({}).optional(), proof: eventProof.optional() });

export const certificateTrailRecord = z
  .looseObject({
    certificate: certificateRecord,
    events: z.array(trailEvent),
    lots: z.array(z.looseObject({ lot: certificateLotRecord, details: certificateLotDetails.optional() })),
    seal: certificateSealRecord.nullable(),
  })
  .meta({ id: 'CertificateTrail' });

export const certificateLotView = z
  .looseObject({ certificate: certificateRecord, lot: certificateLotRecord, details: certificateLotDetails, lineage: z.array(trailEvent), seal: certificateSealRecord.nullable() })
  .meta({ id: 'CertificateLotView' });

export const issueResultRecord = z
  .looseObject({
    interval: z.string(),
    issued: z.array(z.looseObject({ certId: z.string(), assetId: z.string(), zone: z.string() })),
    skipped: z.array(z.looseObject({ assetId: z.string(), reason: z.string() })),
    txId,
  })
  .meta({ id: 'CertificateIssueResult' });

export const certificateChangeRecord = z.looseObject({ kind: z.string(), zone: z.string(), interval: z.string(), txId }).meta({ id: 'CertificateChange' });

export const claimResultRecord = z
  .looseObject({ meterId: z.string(), zone: z.string(), interval: z.string(), lots: count, txId })
  .describe('No quantity: a submitted transaction’s result is in the block')
  .meta({ id: 'CertificateClaimResult' });

export const bindingView = z
  .looseObject({
    binding: z.looseObject({
      market: z.string(),
      zone: z.string(),
      interval: z.string(),
      orderId: z.string(),
      side: z.enum(['BUY', 'SELL']),
      status: z.enum(['MOVED', 'PARTIAL', 'NO_CERTIFICATE', 'NOT_DELIVERED']),
      owner: z.string(),
      collection: z.string(),
      commitment: hex64,
      settlementTxId: txId,
    }),
    details: z.looseObject({}).optional().describe('Owner, market operator and regulator: delivered and certified Wh, events'),
  })
  .meta({ id: 'CertificateBinding' });

const scoreBucket = z.looseObject({
  start: z.string(),
  end: z.string(),
  intervals: count,
  importedWh: count,
  claimedWh: count,
  scorePermille: count.nullable(),
  missingReadings: count,
});

export const matchingScoreRecord = z
  .looseObject({
    meterId: z.string(),
    resolution: z.enum(['INTERVAL', 'HOUR']),
    buckets: z.array(scoreBucket),
    total: scoreBucket,
    evidence: z.array(z.looseObject({ interval: z.string(), readingHash: hex64.nullable(), claimCommitment: hex64, events: z.array(z.string()) })),
  })
  .meta({ id: 'MatchingScore' });

