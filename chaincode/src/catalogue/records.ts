import { z } from 'zod';
import { ASSET_STATUSES, ASSET_TYPES, SEGMENTS, assetIdSchema, type Asset } from '../registry/asset';
import { governanceConfigSchema, type GovernanceRecord } from '../governance/config';
import { participantRoleSchema, pseudonymSchema, type Participant } from '../participants/participant';
import { readingSchema, type ReadingHashRecord, type ZoneTotal, type PublishedZoneTotal } from '../metering/reading';
import type { SubmitReadingsResult } from '../metering/submit';
import type { MarketResult, PrivateAward, PrivateOrder, PublicAward, PublicOrder } from '../market/book';
import type { PublicSettledRecord, SettlementProof } from '../settlement/settle';
import type { AccountBalance, Escrow } from '../tokens/ledger';
import type { Attestation } from '../audit/contract';

export * from '../grid/dr/records';
export * from '../erasure/records';
export * from '../market/coupling/records';
export * from './certificate-records';
export * from './grid-records';

/**
 * What the transactions return, as zod schemas. Records the chaincode owns are open (`looseObject`: the ledger may add
 * fields, and records written before a field existed lack it), so the gateway's response validation never refuses a
 * newer chaincode. Where a TS interface describes the same record, a compile-time check below keeps the two in step.
 */

const txId = z.string().regex(/^[0-9a-f]{64}$/, 'a Fabric transaction id');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const isoTime = z.string().describe('ISO 8601 transaction time');
const market = z.enum(['RETAIL', 'WHOLESALE']);
const side = z.enum(['BUY', 'SELL']);
const count = z.number().int().min(0);
const nullableInt = z.number().int().nullable();

export const participantRecord = z
  .looseObject({
    pseudonym: pseudonymSchema.describe('Participant pseudonym (HMAC of the identity; no personal data)'),
    mspId: z.string(),
    roles: z.array(participantRoleSchema),
    status: z.enum(['ACTIVE', 'SUSPENDED', 'ERASED']),
    registeredAt: isoTime,
    updatedAt: isoTime,
    erasedAt: isoTime.optional(),
  })
  .meta({ id: 'Participant' });

export const whoAmIRecord = z
  .looseObject({
    pseudonym: pseudonymSchema,
    mspId: z.string(),
    registered: z.boolean(),
    participant: participantRecord.nullable(),
    effectiveRoles: z.array(z.string()),
  })
  .meta({ id: 'WhoAmI' });

export const governanceRecord = z
  .looseObject({
    version: z.number().int().min(1),
    config: governanceConfigSchema,
    updatedAt: isoTime,
    updatedByMspId: z.string(),
    txId,
  })
  .meta({ id: 'GovernanceRecord' });

const period = { from: isoTime, until: isoTime.nullable(), by: z.enum(['OWNER', 'DSO']) };

export const assetRecord = z
  .looseObject({
    assetId: assetIdSchema,
    type: z.enum(ASSET_TYPES),
    segment: z.enum(SEGMENTS),
    zone: z.string(),
    capacityKw: z.number().min(0),
    storageKwh: z.number().min(0).nullable(),
    devicePublicKey: z.string().nullable().describe('SPKI PEM of the device key, or null for an asset that does not report'),
    owner: pseudonymSchema,
    ownerMspId: z.string(),
    status: z.enum(ASSET_STATUSES),
    registeredAt: isoTime,
    updatedAt: isoTime,
    commissionedBy: z.string().nullable(),
    commissionedAt: isoTime.nullable().optional().describe('First commissioning by a DSO: metering starts here'),
    meteringFrom: isoTime.nullable().optional().describe('An earlier start of metering attested by the commissioning DSO (at most 31 days back)'),
    deviceKeys: z
      .array(z.looseObject({ devicePublicKey: z.string(), validFrom: isoTime, validUntil: isoTime.nullable(), setBy: z.enum(['OWNER', 'DSO']) }))
      .optional()
      .describe('Every device key with its validity; a reading verifies against the key in force at its interval start'),
    ownership: z
      .array(z.looseObject({ owner: pseudonymSchema, ownerMspId: z.string(), from: isoTime }))
      .optional()
      .describe('Every owner since when; access to a reading follows the owner at its interval'),
    suspensions: z.array(z.looseObject(period)).optional().describe('Every suspension; a meter reports nothing for an interval that overlaps one'),
    suspendedBy: z.enum(['OWNER', 'DSO']).nullable(),
    pendingTransfer: z.looseObject({ to: pseudonymSchema, offeredAt: isoTime }).nullable(),
  })
  .describe('A grid asset as the channel sees it: public, and free of personal data (the owner is a pseudonym)')
  .meta({ id: 'Asset' });

export const assetHistoryEntry = z
  .looseObject({ txId, timestamp: isoTime, isDelete: z.boolean(), value: assetRecord.nullable() })
  .meta({ id: 'HistoryEntry' });

export const readingBatchResult = z.looseObject({ txId, accepted: count, duplicates: count }).meta({ id: 'ReadingBatchResult' });

export const readingHashRecord = z
  .looseObject({
    assetId: assetIdSchema,
    intervalStart: count,
    hash: hex64,
    collection: z.string(),
    txId,
    leaf: count.describe("The reading's place among its batch's readings in that collection (which private chunk holds it)"),
  })
  .meta({ id: 'ReadingHash' });

export const readingView = z
  .looseObject({
    reading: readingSchema,
    signature: z.string(),
    salt: z.string().describe('This reading’s own salt (derived per reading; never the batch secret)'),
    submittedAt: isoTime,
    owner: pseudonymSchema.optional().describe('Owner (pseudonym) at the reading’s interval'),
    keyValidFrom: isoTime.optional().describe('Start of the device key period whose key verified the signature'),
    profile: z
      .looseObject({ start: count, intervals: count, position: count })
      .optional()
      .describe('Set when the reading came in a signed load profile: `signature` is the profile’s, over the asset’s `intervals` consecutive readings from `start`; this reading is number `position`'),
    voided: z.boolean().describe('True when a DSO has since declared that key compromised for this interval: the reading no longer counts (settlement treats it as missing)'),
    hash: hex64,
    collection: z.string(),
    txId,
  })
  .describe('A reading with its values: the owner, its org’s retailer/aggregator, the grid operator and the regulator only')
  .meta({ id: 'Reading' });

export const zoneTotalRecord = z
  .looseObject({
    zone: z.string(),
    intervalStart: count,
    published: z.boolean().describe('A stored publication (public state), or a live view for an org that may read every readings collection involved'),
    suppressed: z.boolean().describe('Values withheld: fewer than minGroupSize distinct participants, or not published yet'),
    minGroupSize: z.number().int().min(1).describe('k of the small-group rule (governance minPublicGroupSize)'),
    importedWh: count.nullable(),
    exportedWh: count.nullable(),
    readings: count,
    participants: count.nullable(),
    batches: count,
  })
  .describe('A zone’s interval totals; values only over at least minGroupSize distinct participants')
  .meta({ id: 'ZoneTotal' });

export const publishedZoneTotalRecord = zoneTotalRecord
  .extend({ includedBatches: z.array(txId), publishedAt: isoTime, txId })
  .meta({ id: 'PublishedZoneTotal' });

const priceBlock = z.looseObject({ price: z.number().int().min(0), quantityWh: z.number().int().min(0) });

export const publicOrderRecord = z
  .looseObject({
    orderId: txId,
    market,
    zone: z.string(),
    interval: z.string(),
    owner: pseudonymSchema,
    ownerMsp: z.string(),
    side,
    submittedAt: count,
    status: z.enum(['OPEN', 'CANCELLED']),
    collection: z.string(),
    commitment: hex64.describe('SHA-256 of the canonical private order (salted)'),
  })
  .describe('What the channel sees of an order: a salted commitment, never price or quantity')
  .meta({ id: 'PublicOrder' });

export const privateOrderRecord = z
  .looseObject({
    orderId: txId,
    market,
    zone: z.string(),
    interval: z.string(),
    owner: pseudonymSchema,
    side,
    blocks: z.array(priceBlock),
    meterIds: z.array(z.string()),
    assetId: z.string().nullable(),
    salt: z.string(),
    deposit: count.optional().describe('Retail offers: tokens locked as its deposit (absent: none)'),
  })
  .describe('Private order body: visible to its owner, the market operator and the regulator only')
  .meta({ id: 'PrivateOrder' });

export const orderView = z.looseObject({ order: publicOrderRecord, details: privateOrderRecord.optional() }).meta({ id: 'OrderView' });
export const curveView = z.looseObject({ curve: publicOrderRecord, details: privateOrderRecord.optional() }).meta({ id: 'CurveView' });

export const marketResultRecord = z
  .looseObject({
    market,
    zone: z.string(),
    interval: z.string(),
    price: nullableInt.describe('Uniform clearing price per kWh; null when nothing cleared'),
    volumeWh: nullableInt.describe('Traded Wh; null when fewer than k (governance minPublicGroupSize) distinct participants were awarded on a side'),
    value: nullableInt.describe('price × volume; null like volumeWh'),
    suppressed: z.boolean().describe('True when volume and value are withheld by the small-group rule'),
    collection: z.string(),
    details: z.looseObject({}).optional().describe('Market operator and regulator only: the full result'),
    buyOrders: count,
    sellOrders: count,
    awardedBuyOrders: count,
    awardedSellOrders: count,
    clearedAt: isoTime,
    clearingTxId: txId,
    binding: z
      .array(z.strictObject({ node: z.string(), direction: z.enum(['IMPORT', 'EXPORT']), limitWh: count }))
      .optional()
      .describe('Retail slot with a DSO envelope: the limits that curtailed an order (docs/grid.md); public only where the side total is shown'),
    gridFees: nullableInt.optional().describe('Retail slot with a DSO tariff: Σ network fees of the awards (in details only)'),
  })
  .meta({ id: 'MarketResult' });

export const publicAwardRecord = z
  .looseObject({ orderId: txId, owner: pseudonymSchema, ownerMsp: z.string(), side, collection: z.string(), commitment: hex64 })
  .meta({ id: 'PublicAward' });

export const privateAwardRecord = z
  .looseObject({
    market,
    zone: z.string(),
    interval: z.string(),
    orderId: txId,
    owner: pseudonymSchema,
    side,
    price: z.number().int().min(0),
    quantityWh: count,
    amount: count,
    meterIds: z.array(z.string()),
    salt: z.string(),
    grid: z
      .strictObject({
        feeder: z.string().nullable(),
        feePerKwh: count.optional(),
        localFeePerKwh: count.optional(),
        localWh: count.optional(),
        fee: count.optional(),
        feeAccount: pseudonymSchema.optional(),
      })
      .optional()
      .describe("Retail slot with a DSO envelope or tariff: the award's feeder and (buyers) the network fee at the awarded quantity"),
  })
  .describe('Award details: visible to the counterparties, the market operator and the regulator only')
  .meta({ id: 'PrivateAward' });

export const awardView = z.looseObject({ award: publicAwardRecord, details: privateAwardRecord.optional() }).meta({ id: 'AwardView' });

export const settlementSummaryRecord = z
  .looseObject({
    market,
    zone: z.string(),
    interval: z.string(),
    price: nullableInt,
    merkleRoot: hex64,
    recordCount: count,
    readingsComplete: z.boolean(),
    balancingAccount: pseudonymSchema,
    settledAt: isoTime,
    settlementTxId: txId,
    buyParticipants: count,
    sellParticipants: count,
    minPublicGroupSize: z.number().int().min(1),
    suppressed: z.array(z.string()).describe('Totals withheld (null) because fewer than k distinct participants contribute on a side they cover'),
    collection: z.string(),
    details: z.looseObject({}).optional().describe('Market operator and regulator only: every total'),
  })
  .meta({ id: 'SettlementSummary' });

export const publicSettledRecord = z
  .looseObject({ orderId: txId, owner: pseudonymSchema, collection: z.string(), leafHash: hex64, index: count })
  .meta({ id: 'PublicSettledRecord' });

export const settledRecordView = z
  .looseObject({ record: publicSettledRecord, details: z.looseObject({}).optional().describe('The Merkle leaf: owner, market operator and regulator only') })
  .meta({ id: 'SettledRecordView' });

export const merkleProofRecord = z
  .looseObject({ orderId: txId, leafHash: hex64, index: count, proof: z.array(z.strictObject({ position: z.enum(['LEFT', 'RIGHT']), hash: hex64 })), merkleRoot: hex64 })
  .meta({ id: 'MerkleProof' });

export const balanceRecord = z.looseObject({ account: pseudonymSchema, available: count, escrowed: count }).meta({ id: 'Balance' });

export const escrowRecord = z
  .looseObject({ account: pseudonymSchema, escrowId: z.string(), amount: count, locked: count, ref: z.string(), salt: z.string() })
  .describe('An open escrow (one per open bid or deposit-backed retail offer): visible as its account’s balance is')
  .meta({ id: 'Escrow' });

// No amount: a submitted transaction's result is in the block, readable by every channel member (amounts are private).
export const tokenMovementRecord = z
  .looseObject({ kind: z.enum(['MINT', 'BURN', 'TRANSFER']), from: pseudonymSchema.optional(), to: pseudonymSchema.optional(), txId })
  .meta({ id: 'TokenMovement' });

export const consolidationRecord = z.looseObject({ account: pseudonymSchema, folded: count }).meta({ id: 'Consolidation' });

export const attestationRecord = z
  .looseObject({
    sourceChannel: z.string(),
    market: z.enum(['RETAIL', 'WHOLESALE', 'CERTIFICATES']),
    zone: z.string(),
    interval: z.string(),
    merkleRoot: hex64,
    recordCount: count,
    sourceTxId: txId,
    attestedByMspId: z.string(),
    attestedBy: pseudonymSchema.optional(),
    attestedAt: isoTime,
    txId,
  })
  .meta({ id: 'Attestation' });

export const attestResultRecord = z.looseObject({ created: z.boolean(), attestation: attestationRecord }).meta({ id: 'AttestResult' });

// ---- compile-time agreement between the interfaces the domain code uses and these schemas ----

/** The declared properties of a loose object's output, without its index signature. */
type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
/** True when A and B are assignable both ways (ignoring readonly and a loose schema's extra fields). */
type Agree<A, B> = [Mutable<A>] extends [Mutable<Known<B>>] ? ([Mutable<Known<B>>] extends [Mutable<A>] ? true : false) : false;
type Assert<T extends true> = T;

export type RecordsAgree = [
  Assert<Agree<Participant, z.output<typeof participantRecord>>>,
  Assert<Agree<Pick<Asset, 'assetId' | 'type' | 'segment' | 'status' | 'owner' | 'storageKwh' | 'devicePublicKey' | 'suspendedBy'>, Pick<Known<z.output<typeof assetRecord>>, 'assetId' | 'type' | 'segment' | 'status' | 'owner' | 'storageKwh' | 'devicePublicKey' | 'suspendedBy'>>>,
  Assert<Agree<Omit<GovernanceRecord, 'config'>, Omit<Known<z.output<typeof governanceRecord>>, 'config'>>>,
  Assert<Agree<ReadingHashRecord, z.output<typeof readingHashRecord>>>,
  Assert<Agree<ZoneTotal, z.output<typeof zoneTotalRecord>>>,
  Assert<Agree<Omit<PublishedZoneTotal, 'includedBatches'>, Omit<Known<z.output<typeof publishedZoneTotalRecord>>, 'includedBatches'>>>,
  Assert<Agree<SubmitReadingsResult, z.output<typeof readingBatchResult>>>,
  Assert<Agree<PublicOrder, z.output<typeof publicOrderRecord>>>,
  Assert<Agree<Omit<PrivateOrder, 'blocks'>, Omit<Known<z.output<typeof privateOrderRecord>>, 'blocks'>>>,
  Assert<Agree<MarketResult, Omit<Known<z.output<typeof marketResultRecord>>, 'details'>>>,
  Assert<Agree<PublicAward, z.output<typeof publicAwardRecord>>>,
  Assert<Agree<PrivateAward, z.output<typeof privateAwardRecord>>>,
  Assert<Agree<PublicSettledRecord, z.output<typeof publicSettledRecord>>>,
  Assert<Agree<Omit<SettlementProof, 'proof'>, Omit<Known<z.output<typeof merkleProofRecord>>, 'proof'>>>,
  Assert<Agree<AccountBalance, z.output<typeof balanceRecord>>>,
  Assert<Agree<Escrow, z.output<typeof escrowRecord>>>,
  Assert<Agree<Omit<Attestation, 'market'>, Omit<Known<z.output<typeof attestationRecord>>, 'market'>>>,
];
