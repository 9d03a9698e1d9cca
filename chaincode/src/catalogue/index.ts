/**
 * The transaction catalogue: one entry per @Transaction of every contract in ../index.ts. Each names its arguments,
 * transient entries and result by the zod schemas the chaincode itself validates with (imported from the domain
 * modules and contracts, never restated), says who may call it and whether it submits or evaluates. Adding a
 * transaction is one entry here plus its contract method (and a route, if HTTP exposes it); a test fails when a
 * contract's transactions and this catalogue disagree.
 */
import { z } from 'zod';
import { saltSchema } from '../common/transient';
import { governanceConfigPatchSchema, governanceConfigSchema } from '../governance/config';
import { MIN_PSEUDONYM_KEY_CHARS } from '../governance/configure';
import { pseudonymArgSchema, pseudonymSchema, roleChangeSchema } from '../participants/participant';
import { participantSecretSchema } from '../participants/secret';
import { eraseArgSchema } from '../erasure/erase';
import { assetFilterSchema, assetIdSchema, assetRefSchema, commissionSchema, offerTransferSchema, registerAssetSchema, rotateKeySchema, zoneSchema } from '../registry/asset';
import { intervalStartArgSchema, profileBatchSchema, readingBatchSchema, zoneIntervalSchema } from '../metering/reading';
import { accountSchema, mintSchema, movementSchema, transferSchema } from '../tokens/contract';
import { suppliedOrdersSchema } from '../market/book';
import { orderRefSchema, retailOrderSchema, slotSchema as retailSlotSchema } from '../market/retail/contract';
import { curveRefSchema, curveSchema, intervalArgSchema } from '../market/wholesale/contract';
import { recordRefSchema, settlementSlotSchema } from '../settlement/contract';
import { attestationInputSchema, attestationKeySchema, attestationListSchema } from '../audit/contract';
import { createEventSchema, createProgramSchema, drSaltTransient, eventFilterSchema, eventRefSchema, optInSchema, programFilterSchema, programRefSchema, reportRefSchema } from '../grid/dr/schema';
import { residualArgSchema, residualCurveSchema, residualRefSchema } from '../market/coupling/contract';
import { residualRecord, residualView } from '../market/coupling/records';
import { drEventRecord, drOptInRecord, drProgramRecord, drPublicReportRecord, drReportView, drSettledRecord } from '../grid/dr/records';
import { attachSchema, attachmentFilterSchema, nodeFilterSchema, nodeIdSchema, registerNodeSchema } from '../grid/topology';
import { gridSlotSchema, publishEnvelopesSchema } from '../grid/envelope';
import { publishTariffsSchema } from '../grid/fees';
import { attachmentRecord, envelopeRecord, gridNodeRecord, loadingRecord, tariffRecord } from './grid-records';
import { contractTxs, tx, type TxEntry } from './define';
import * as R from './records';
import { Certificates } from './certificates';

export * from './define';
export * as records from './records';

const ENERGY = ['energy'] as const;
const AUDIT = ['audit'] as const;
const list = <S extends z.ZodType>(item: S) => z.array(item);
const clearing = z.strictObject({ salt: saltSchema, orders: suppliedOrdersSchema.optional() });
const saltOnly = z.strictObject({ salt: saltSchema });

const Governance = contractTxs('Governance', {
  InitConfig: tx({
    kind: 'submit',
    args: [governanceConfigSchema],
    argNames: ['configJson'],
    transient: z.strictObject({ pseudonymKey: z.string().min(MIN_PSEUDONYM_KEY_CHARS) }),
    result: R.governanceRecord,
    roles: 'admin of the MSP the config names market operator; once',
    description: "Sets the channel's governance and the key participant pseudonyms are derived with",
  }),
  UpdateConfig: tx({
    kind: 'submit',
    args: [governanceConfigPatchSchema],
    argNames: ['patchJson'],
    result: R.governanceRecord,
    roles: 'admin of the current market-operator MSP',
    description: 'Changes governance fields (intervalMinutes is fixed); the merged configuration is validated whole',
  }),
  GetConfig: tx({ kind: 'evaluate', args: [], argNames: [], result: R.governanceRecord, roles: 'anyone', description: "The channel's current governance" }),
  GetConfigHistory: tx({ kind: 'evaluate', args: [], argNames: [], result: list(R.governanceRecord), roles: 'anyone', description: 'Every governance version, newest first' }),
});

const Participants = contractTxs('Participants', {
  Register: tx({
    kind: 'submit',
    args: [],
    argNames: [],
    transient: z.strictObject({ participantSecret: participantSecretSchema.optional() }),
    result: R.participantRecord,
    roles: 'any identity of an MSP with an org role',
    description: "Registers the caller under its pseudonym; transient participantSecret seeds its own secret (crypto-shredding, docs/privacy-and-erasure.md)",
  }),
  GrantRole: tx({ kind: 'submit', args: [roleChangeSchema], argNames: ['argsJson'], result: R.participantRecord, roles: "an admin of the participant's org", description: 'Grants a participant role its org may hold' }),
  RevokeRole: tx({ kind: 'submit', args: [roleChangeSchema], argNames: ['argsJson'], result: R.participantRecord, roles: "an admin of the participant's org", description: 'Revokes a participant role' }),
  Suspend: tx({ kind: 'submit', args: [pseudonymArgSchema], argNames: ['argsJson'], result: R.participantRecord, roles: "an admin of the participant's org", description: 'Suspends a participant' }),
  Reactivate: tx({ kind: 'submit', args: [pseudonymArgSchema], argNames: ['argsJson'], result: R.participantRecord, roles: "an admin of the participant's org", description: 'Reactivates a suspended participant' }),
  GetParticipant: tx({ kind: 'evaluate', args: [pseudonymSchema], argNames: ['pseudonym'], result: R.participantRecord, roles: 'anyone', description: 'One participant' }),
  WhoAmI: tx({ kind: 'evaluate', args: [], argNames: [], result: R.whoAmIRecord, roles: 'anyone', description: "The caller's pseudonym, registration and effective roles" }),
  ListParticipants: tx({ kind: 'evaluate', args: [], argNames: [], result: list(R.participantRecord), roles: 'anyone', description: 'Every participant' }),
  Erase: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [eraseArgSchema],
    argNames: ['argsJson'],
    result: R.erasureResultRecord,
    roles: "the participant itself or an admin of its org; refused while it has obligations (assets in service, unsettled orders or DR opt-ins, escrow, non-zero balance)",
    description: 'Purges every private record of the participant (and its secret: crypto-shredding) and leaves a public ERASED tombstone; settled totals and Merkle roots stay verifiable',
  }),
});

const lifecycle = (description: string, roles: string) =>
  tx({ kind: 'submit', channels: ENERGY, args: [assetRefSchema], argNames: ['argsJson'], result: R.assetRecord, roles, description });

const Registry = contractTxs('Registry', {
  RegisterAsset: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [registerAssetSchema],
    argNames: ['assetJson'],
    result: R.assetRecord,
    roles: 'DSO, GENERATOR, RETAILER, AGGREGATOR, PROSUMER, CONSUMER (feeder/transformer: DSO)',
    description: 'Registers a grid asset owned by the caller',
  }),
  CommissionAsset: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [commissionSchema],
    argNames: ['argsJson'],
    result: R.assetRecord,
    roles: 'a DSO',
    description: 'Commissions an asset; metering starts then, or at an attested meteringFrom up to 31 days earlier',
  }),
  ActivateAsset: lifecycle('Activates a commissioned asset', 'DSO or the owner'),
  SuspendAsset: lifecycle('Suspends an asset', 'DSO or the owner'),
  ResumeAsset: lifecycle('Resumes a suspended asset', 'DSO or the owner (a DSO suspension: a DSO only)'),
  DecommissionAsset: lifecycle('Decommissions an asset for good', 'DSO or the owner'),
  OfferTransfer: tx({ kind: 'submit', channels: ENERGY, args: [offerTransferSchema], argNames: ['argsJson'], result: R.assetRecord, roles: 'the owner', description: 'Offers the asset to another participant' }),
  AcceptTransfer: lifecycle('Accepts an offered transfer', 'the participant it was offered to, holding a role that may hold the asset type'),
  CancelTransfer: lifecycle('Withdraws a pending transfer offer', 'the owner'),
  RotateDeviceKey: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [rotateKeySchema],
    argNames: ['argsJson'],
    result: R.assetRecord,
    roles: 'owner while REGISTERED; a DSO (`compromisedSince`: DSO only)',
    description: "Replaces the asset's device key",
  }),
  GetAsset: tx({ kind: 'evaluate', channels: ENERGY, args: [assetIdSchema], argNames: ['assetId'], result: R.assetRecord, roles: 'anyone', description: 'One asset' }),
  GetAssetHistory: tx({ kind: 'evaluate', channels: ENERGY, args: [assetIdSchema], argNames: ['assetId'], result: list(R.assetHistoryEntry), roles: 'anyone', description: "An asset's committed versions, newest first" }),
  ListAssets: tx({ kind: 'evaluate', channels: ENERGY, args: [assetFilterSchema], argNames: ['filterJson'], result: list(R.assetRecord), roles: 'anyone', description: 'Assets matching a filter (zone, owner, type, status, segment)' }),
});

const Metering = contractTxs('Metering', {
  SubmitReadings: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [],
    argNames: [],
    transient: z.strictObject({ readings: readingBatchSchema }),
    result: R.readingBatchResult,
    roles: 'DSO (any asset); RETAILER, AGGREGATOR (assets of their own org)',
    description: 'Records a batch of signed readings: values private, salted hashes public (all or nothing)',
  }),
  SubmitProfiles: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [],
    argNames: [],
    transient: z.strictObject({ profiles: profileBatchSchema }),
    result: R.readingBatchResult,
    roles: 'DSO (any asset); RETAILER, AGGREGATOR (assets of their own org)',
    description:
      'Records signed load profiles (one device signature over a meter’s run of consecutive intervals); each reading is then stored as SubmitReadings stores it (all or nothing)',
  }),
  GetReading: tx({
    kind: 'evaluate',
    channels: ENERGY,
    args: [assetIdSchema, intervalStartArgSchema],
    argNames: ['assetId', 'intervalStart'],
    result: R.readingView,
    roles: "owner at the interval; MARKET_OPERATOR, DSO, REGULATOR; RETAILER, AGGREGATOR of that owner's org",
    description: 'A reading with its values',
  }),
  GetReadingHash: tx({ kind: 'evaluate', channels: ENERGY, args: [assetIdSchema, intervalStartArgSchema], argNames: ['assetId', 'intervalStart'], result: R.readingHashRecord, roles: 'anyone', description: "A reading's public salted hash" }),
  PublishZoneTotal: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [zoneIntervalSchema],
    argNames: ['argsJson'],
    result: R.publishedZoneTotalRecord,
    roles: 'DSO, MARKET_OPERATOR (a member of every readings collection involved)',
    description: "Publishes a zone's interval totals under the small-group rule",
  }),
  GetZoneTotal: tx({
    kind: 'evaluate',
    channels: ENERGY,
    args: [zoneSchema, intervalStartArgSchema],
    argNames: ['zone', 'intervalStart'],
    result: R.zoneTotalRecord,
    roles: 'anyone (live values for oversight roles; otherwise the publication)',
    description: "A zone's interval totals",
  }),
});

const movement = z.strictObject({ movement: movementSchema });

const Tokens = contractTxs('Tokens', {
  Mint: tx({ kind: 'submit', channels: ENERGY, args: [mintSchema], argNames: ['argsJson'], transient: movement, result: R.tokenMovementRecord, roles: "the token issuer (governance tokenIssuerMspId's market operator)", description: 'Issues tokens to an account' }),
  Burn: tx({ kind: 'submit', channels: ENERGY, args: [mintSchema], argNames: ['argsJson'], transient: movement, result: R.tokenMovementRecord, roles: "the token issuer (governance tokenIssuerMspId's market operator)", description: 'Redeems tokens from an account' }),
  Transfer: tx({ kind: 'submit', channels: ENERGY, args: [transferSchema], argNames: ['argsJson'], transient: movement, result: R.tokenMovementRecord, roles: 'any participant, from its own account to an active participant', description: "Moves tokens from the caller's account" }),
  Consolidate: tx({ kind: 'submit', channels: ENERGY, args: [], argNames: [], transient: saltOnly, result: R.consolidationRecord, roles: 'any participant, its own account', description: "Folds the caller's movement keys into one (balance unchanged)" }),
  GetBalance: tx({ kind: 'evaluate', channels: ENERGY, args: [accountSchema], argNames: ['argsJson'], result: R.balanceRecord, roles: 'the account owner, the market operator and the regulator', description: "An account's available and escrowed tokens" }),
  GetMyBalance: tx({ kind: 'evaluate', channels: ENERGY, args: [], argNames: [], result: R.balanceRecord, roles: 'any participant', description: "The caller's balance" }),
  ListEscrows: tx({ kind: 'evaluate', channels: ENERGY, args: [accountSchema], argNames: ['argsJson'], result: list(R.escrowRecord), roles: 'the account owner, the market operator and the regulator', description: "An account's open escrows (one per open bid or deposit-backed retail offer)" }),
});

const RetailMarket = contractTxs('RetailMarket', {
  PlaceOrder: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [retailSlotSchema],
    argNames: ['argsJson'],
    transient: z.strictObject({ order: retailOrderSchema }),
    result: R.publicOrderRecord,
    roles: 'SELL: a PROSUMER with an active generating or storage asset and meter in the zone; BUY: a PROSUMER or CONSUMER with an active meter there',
    description: "Places a private order (price and quantity in transient data); a bid escrows its maximum cost, an offer governance's deposit for the Wh beyond its meter's free allowance",
  }),
  CancelOrder: tx({ kind: 'submit', channels: ENERGY, args: [orderRefSchema], argNames: ['argsJson'], result: R.publicOrderRecord, roles: "the order's owner, before gate closure or once the interval is abandoned; never after clearing", description: 'Withdraws an open order' }),
  ClearInterval: tx({ kind: 'submit', channels: ENERGY, args: [retailSlotSchema], argNames: ['argsJson'], transient: clearing, result: R.marketResultRecord, roles: 'the market operator, after gate closure, once', description: "Clears a zone's interval by uniform-price double auction" }),
  ListOpenOrderBodies: tx({ kind: 'evaluate', channels: ENERGY, args: [retailSlotSchema], argNames: ['argsJson'], result: list(R.privateOrderRecord), roles: 'the market operator', description: "The open orders' private bodies, for ClearInterval" }),
  GetResult: tx({ kind: 'evaluate', channels: ENERGY, args: [retailSlotSchema], argNames: ['argsJson'], result: R.marketResultRecord, roles: 'anyone (details: market operator and regulator)', description: 'The public clearing result' }),
  ListOrders: tx({ kind: 'evaluate', channels: ENERGY, args: [retailSlotSchema], argNames: ['argsJson'], result: list(R.publicOrderRecord), roles: 'anyone', description: 'Public order records (commitments, no prices or quantities)' }),
  GetOrder: tx({ kind: 'evaluate', channels: ENERGY, args: [orderRefSchema], argNames: ['argsJson'], result: R.orderView, roles: 'any participant (details: the owner, the market operator and the regulator)', description: 'One order' }),
  ListAwards: tx({ kind: 'evaluate', channels: ENERGY, args: [retailSlotSchema], argNames: ['argsJson'], result: list(R.publicAwardRecord), roles: 'anyone', description: 'Public award commitments (owner, side; no quantities)' }),
  GetAward: tx({ kind: 'evaluate', channels: ENERGY, args: [orderRefSchema], argNames: ['argsJson'], result: R.awardView, roles: 'any participant (details: the owner, the market operator and the regulator)', description: "One order's award" }),
});

const WholesaleMarket = contractTxs('WholesaleMarket', {
  SubmitCurve: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [intervalArgSchema],
    argNames: ['argsJson'],
    transient: z.strictObject({ curve: curveSchema }),
    result: R.publicOrderRecord,
    roles: 'SUPPLY: a GENERATOR with the named active wholesale generator asset; DEMAND: a RETAILER or the DSO',
    description: 'Submits a private day-ahead curve; a demand curve escrows its maximum cost',
  }),
  CancelCurve: tx({ kind: 'submit', channels: ENERGY, args: [curveRefSchema], argNames: ['argsJson'], result: R.publicOrderRecord, roles: "the curve's owner, before the day-ahead gate or once the interval is abandoned; never after clearing", description: 'Withdraws a curve' }),
  ClearInterval: tx({ kind: 'submit', channels: ENERGY, args: [intervalArgSchema], argNames: ['argsJson'], transient: clearing, result: R.marketResultRecord, roles: 'the market operator, after the day-ahead gate, once', description: 'Clears an interval by merit order' }),
  ListOpenOrderBodies: tx({ kind: 'evaluate', channels: ENERGY, args: [intervalArgSchema], argNames: ['argsJson'], result: list(R.privateOrderRecord), roles: 'the market operator', description: "The open curves' private bodies, for ClearInterval" }),
  GetResult: tx({ kind: 'evaluate', channels: ENERGY, args: [intervalArgSchema], argNames: ['argsJson'], result: R.marketResultRecord, roles: 'anyone (details: market operator and regulator)', description: 'The public clearing result' }),
  ListCurves: tx({ kind: 'evaluate', channels: ENERGY, args: [intervalArgSchema], argNames: ['argsJson'], result: list(R.publicOrderRecord), roles: 'anyone', description: 'Public curve records (commitments only)' }),
  GetCurve: tx({ kind: 'evaluate', channels: ENERGY, args: [curveRefSchema], argNames: ['argsJson'], result: R.curveView, roles: 'any participant (details: the owner, the market operator and the regulator)', description: 'One curve' }),
  ListAwards: tx({ kind: 'evaluate', channels: ENERGY, args: [intervalArgSchema], argNames: ['argsJson'], result: list(R.publicAwardRecord), roles: 'anyone', description: 'Public award commitments' }),
  GetAward: tx({ kind: 'evaluate', channels: ENERGY, args: [curveRefSchema], argNames: ['argsJson'], result: R.awardView, roles: 'any participant (details: the owner, the market operator and the regulator)', description: "One curve's award" }),
});

const Settlement = contractTxs('Settlement', {
  SettleInterval: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [settlementSlotSchema],
    argNames: ['argsJson'],
    transient: saltOnly,
    result: R.settlementSummaryRecord,
    roles: 'the market operator, after the interval, once its readings are in or the deadline passed',
    description: 'Settles a cleared interval against metered delivery; Merkle-commits the records',
  }),
  GetSettlement: tx({ kind: 'evaluate', channels: ENERGY, args: [settlementSlotSchema], argNames: ['argsJson'], result: R.settlementSummaryRecord, roles: 'anyone (details: market operator and regulator)', description: 'Public totals and the Merkle root' }),
  ListRecords: tx({ kind: 'evaluate', channels: ENERGY, args: [settlementSlotSchema], argNames: ['argsJson'], result: list(R.publicSettledRecord), roles: 'anyone', description: 'Public leaf hashes in Merkle order' }),
  GetRecord: tx({ kind: 'evaluate', channels: ENERGY, args: [recordRefSchema], argNames: ['argsJson'], result: R.settledRecordView, roles: 'any participant (details: the owner, the market operator and the regulator)', description: 'One settled record' }),
  GetProof: tx({ kind: 'evaluate', channels: ENERGY, args: [recordRefSchema], argNames: ['argsJson'], result: R.merkleProofRecord, roles: 'anyone', description: "A record's Merkle proof" }),
});

const Audit = contractTxs('Audit', {
  Attest: tx({ kind: 'submit', channels: AUDIT, args: [attestationInputSchema], argNames: ['argsJson'], result: R.attestResultRecord, roles: 'an admin of the MARKET_OPERATOR org', description: "Anchors a settled interval's Merkle root (idempotent; another root is a conflict)" }),
  GetAttestation: tx({ kind: 'evaluate', channels: AUDIT, args: [attestationKeySchema], argNames: ['argsJson'], result: R.attestationRecord, roles: 'orgs holding MARKET_OPERATOR, DSO or REGULATOR', description: 'One attestation' }),
  ListAttestations: tx({ kind: 'evaluate', channels: AUDIT, args: [attestationListSchema], argNames: ['argsJson'], result: list(R.attestationRecord), roles: 'orgs holding MARKET_OPERATOR, DSO or REGULATOR', description: 'Attestations by key prefix (sourceChannel, market, zone)' }),
});

const MarketCoupling = contractTxs('MarketCoupling', {
  SubmitResidual: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [residualArgSchema],
    argNames: ['argsJson'],
    transient: z.strictObject({ residual: residualCurveSchema }),
    result: residualRecord,
    roles: "a RETAILER or AGGREGATOR, after the zones' retail clearing, before the interval starts and is cleared in wholesale; once per retailer and interval",
    description: "Enters the org's unmatched retail volume (derived on chain) into wholesale as one curve, at most that volume",
  }),
  GetResidual: tx({ kind: 'evaluate', channels: ENERGY, args: [residualRefSchema], argNames: ['argsJson'], result: residualView, roles: 'any participant (details: the retailer, the market operator and the regulator)', description: "A retailer's residual of an interval" }),
});

const DemandResponse = contractTxs('DemandResponse', {
  CreateProgram: tx({ kind: 'submit', channels: ENERGY, args: [createProgramSchema], argNames: ['argsJson'], result: drProgramRecord, roles: 'a DSO (of the org that registered the zone, when it is a registered zone node)', description: 'Creates a demand-response program for a zone (baseline rule, aggregators allowed to issue events)' }),
  GetProgram: tx({ kind: 'evaluate', channels: ENERGY, args: [programRefSchema], argNames: ['argsJson'], result: drProgramRecord, roles: 'anyone', description: 'One demand-response program' }),
  ListPrograms: tx({ kind: 'evaluate', channels: ENERGY, args: [programFilterSchema], argNames: ['argsJson'], result: list(drProgramRecord), roles: 'anyone', description: 'Demand-response programs, optionally of one zone' }),
  CreateEvent: tx({ kind: 'submit', channels: ENERGY, args: [createEventSchema], argNames: ['argsJson'], transient: drSaltTransient, result: drEventRecord, roles: "the program's DSO or one of its aggregators, before the window; escrows price × Σ targets", description: 'Issues a demand-response event (window of intervals with target reductions, price per kWh)' }),
  CancelEvent: tx({ kind: 'submit', channels: ENERGY, args: [eventRefSchema], argNames: ['argsJson'], transient: drSaltTransient, result: drEventRecord, roles: 'the issuer, before the window starts', description: 'Cancels an event; its escrow returns to the issuer' }),
  GetEvent: tx({ kind: 'evaluate', channels: ENERGY, args: [eventRefSchema], argNames: ['argsJson'], result: drEventRecord, roles: 'anyone', description: 'One demand-response event' }),
  ListEvents: tx({ kind: 'evaluate', channels: ENERGY, args: [eventFilterSchema], argNames: ['argsJson'], result: list(drEventRecord), roles: 'anyone', description: 'Demand-response events, optionally of one program' }),
  OptIn: tx({ kind: 'submit', channels: ENERGY, args: [optInSchema], argNames: ['argsJson'], result: drOptInRecord, roles: "a PROSUMER or CONSUMER with that active meter in the event's zone, before the window", description: 'Opts the caller (one meter) in to an event' }),
  ListOptIns: tx({ kind: 'evaluate', channels: ENERGY, args: [eventRefSchema], argNames: ['argsJson'], result: list(drOptInRecord), roles: 'anyone', description: "An event's opt-ins" }),
  SettleEvent: tx({ kind: 'submit', channels: ENERGY, args: [eventRefSchema], argNames: ['argsJson'], transient: drSaltTransient, result: drSettledRecord, roles: 'the issuer or a DSO once every opted-in meter reported; from the settlement deadline also the market operator or the regulator; once', description: 'Computes baselines and reductions from signed readings and pays them from the escrow' }),
  ListReports: tx({ kind: 'evaluate', channels: ENERGY, args: [eventRefSchema], argNames: ['argsJson'], result: list(drPublicReportRecord), roles: 'anyone', description: "An event's report commitments (no values)" }),
  GetReport: tx({ kind: 'evaluate', channels: ENERGY, args: [reportRefSchema], argNames: ['argsJson'], result: drReportView, roles: "anyone (details: the participant, its org's retailers and aggregators, DSO, market operator, regulator)", description: "One participant's report: baseline, metered, reduction and payment per interval" }),
});

const Grid = contractTxs('Grid', {
  RegisterGridNode: tx({ kind: 'submit', channels: ENERGY, args: [registerNodeSchema], argNames: ['argsJson'], result: gridNodeRecord, roles: "a DSO (a feeder: of the org that registered its zone)", description: 'Registers a grid node: a zone (substation/transformer zone) or a feeder in a zone' }),
  AttachAsset: tx({ kind: 'submit', channels: ENERGY, args: [attachSchema], argNames: ['argsJson'], result: attachmentRecord, roles: "a DSO of the org that registered the asset's zone", description: "Attaches (or moves) a meter or DER to a feeder of its zone; the history is kept" }),
  PublishEnvelopes: tx({ kind: 'submit', channels: ENERGY, args: [publishEnvelopesSchema], argNames: ['argsJson'], result: list(envelopeRecord), roles: "a DSO of the org that registered the zone, before each interval's gate closes and before it is cleared", description: 'Publishes operating envelopes (import/export limits per node and interval) the retail clearing honours' }),
  PublishTariffs: tx({ kind: 'submit', channels: ENERGY, args: [publishTariffsSchema], argNames: ['argsJson'], result: list(tariffRecord), roles: "a DSO of the org that registered the zone, before each interval's gate closes and before it is cleared", description: "Publishes network tariffs per zone and interval, added to buyers' prices and paid to the DSO" }),
  GetGridNode: tx({ kind: 'evaluate', channels: ENERGY, args: [nodeIdSchema], argNames: ['nodeId'], result: gridNodeRecord, roles: 'anyone', description: 'One grid node' }),
  ListGridNodes: tx({ kind: 'evaluate', channels: ENERGY, args: [nodeFilterSchema], argNames: ['filterJson'], result: list(gridNodeRecord), roles: 'anyone', description: 'Grid nodes, optionally of one zone or kind' }),
  GetAttachment: tx({ kind: 'evaluate', channels: ENERGY, args: [assetIdSchema], argNames: ['assetId'], result: attachmentRecord, roles: 'anyone', description: "An asset's feeder and attachment history" }),
  ListAttachments: tx({ kind: 'evaluate', channels: ENERGY, args: [attachmentFilterSchema], argNames: ['filterJson'], result: list(attachmentRecord), roles: 'anyone', description: 'Attachments of a zone, optionally of one feeder' }),
  ListEnvelopes: tx({ kind: 'evaluate', channels: ENERGY, args: [gridSlotSchema], argNames: ['argsJson'], result: list(envelopeRecord), roles: 'anyone', description: "A zone's operating envelopes for one interval" }),
  GetTariff: tx({ kind: 'evaluate', channels: ENERGY, args: [gridSlotSchema], argNames: ['argsJson'], result: tariffRecord, roles: 'anyone', description: "A zone's network tariff for one interval" }),
  GetFeederLoading: tx({ kind: 'evaluate', channels: ENERGY, args: [gridSlotSchema], argNames: ['argsJson'], result: loadingRecord, roles: 'anyone', description: 'Awarded Wh per node against its envelope for a cleared interval (small-group rule applies)' }),
});

/** Every transaction, by contract and function: `TX.Registry.GetAsset`. */
export const TX = { Governance, Participants, Registry, Metering, Tokens, RetailMarket, WholesaleMarket, Settlement, Audit, DemandResponse, MarketCoupling, Certificates, Grid } as const;

/** Every entry, in contract order. */
export const CATALOGUE: readonly TxEntry[] = Object.values(TX).flatMap((contract) => Object.values(contract) as TxEntry[]);

const byName = new Map(CATALOGUE.map((entry) => [entry.name, entry]));

/** The entry named `Contract:Function`, if any (for code that receives a name from outside, e.g. a CLI). */
export function txByName(name: string): TxEntry | undefined {
  return byName.get(name);
}
