/**
 * Catalogue entries of the Certificates contract (chaincode/src/certificates) and the records they answer with; index.ts
 * adds them to TX and CATALOGUE.
 */
import { z } from 'zod';
import { saltSchema } from '../common/transient';
import {
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
} from '../certificates/model';
import {
  bindingView,
  certificateChangeRecord,
  certificateEventRecord,
  certificateLotDetails,
  certificateLotRecord,
  certificateLotView,
  certificateRecord,
  certificateSealRecord,
  certificateTrailRecord,
  claimResultRecord,
  issueResultRecord,
  matchingScoreRecord,
} from './certificate-records';
import { contractTxs, tx } from './define';

const ENERGY = ['energy'] as const;
const saltOnly = z.strictObject({ salt: saltSchema });
const ANYONE = 'anyone';
const OVERSIGHT = 'the market operator and the regulator';

export const Certificates = contractTxs('Certificates', {
  Issue: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [issueSchema],
    argNames: ['argsJson'],
    transient: saltOnly,
    result: issueResultRecord,
    roles: 'a DSO (of governance certificateIssuerMspId when set)',
    description: 'Issues one certificate per green asset and interval from its meter’s signed export reading (never more, never twice)',
  }),
  Transfer: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [],
    argNames: [],
    transient: z.strictObject({ [TRANSFER_TRANSIENT]: transferSchema }),
    result: certificateChangeRecord,
    roles: 'the lot’s holder, to an active participant, within the claim window',
    description: 'Slices a certificate lot to another participant (who and how much stay private)',
  }),
  Claim: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [],
    argNames: [],
    transient: z.strictObject({ [CLAIM_TRANSIENT]: claimSchema }),
    result: claimResultRecord,
    roles: 'the lots’ holder, owner of the meter at the interval, within the claim window',
    description: 'Retires certificate lots against the holder meter’s metered import of the same interval (never more, once)',
  }),
  SealInterval: tx({
    kind: 'submit',
    channels: ENERGY,
    args: [slotSchema],
    argNames: ['argsJson'],
    transient: saltOnly,
    result: certificateSealRecord,
    roles: 'a DSO or the market operator, after the claim window; once',
    description: 'Expires unclaimed lots and commits every certificate event of the interval to a Merkle root (CertificatesSealed)',
  }),
  ListCertificates: tx({ kind: 'evaluate', channels: ENERGY, args: [slotSchema], argNames: ['argsJson'], result: z.array(certificateRecord), roles: ANYONE, description: 'Certificates of a zone and interval (no quantities)' }),
  ListEvents: tx({ kind: 'evaluate', channels: ENERGY, args: [slotSchema], argNames: ['argsJson'], result: z.array(certificateEventRecord.extend({ key: z.string() })), roles: ANYONE, description: 'Certificate events of a zone and interval: kinds and Merkle leaf hashes' }),
  GetSeal: tx({ kind: 'evaluate', channels: ENERGY, args: [slotSchema], argNames: ['argsJson'], result: certificateSealRecord, roles: `${ANYONE} (details: ${OVERSIGHT})`, description: 'The sealed root and public totals (small-group rule)' }),
  GetTrail: tx({ kind: 'evaluate', channels: ENERGY, args: [certificateRefSchema], argNames: ['argsJson'], result: certificateTrailRecord, roles: OVERSIGHT, description: 'A certificate’s whole life: events with bodies and Merkle proofs, lots with holders' }),
  GetLot: tx({ kind: 'evaluate', channels: ENERGY, args: [lotRefSchema], argNames: ['argsJson'], result: certificateLotView, roles: `the lot’s holder, ${OVERSIGHT}`, description: 'One lot with its lineage back to issuance (and its claim), with proofs once sealed' }),
  ListMyLots: tx({ kind: 'evaluate', channels: ENERGY, args: [myLotsSchema], argNames: ['argsJson'], result: z.array(z.looseObject({ lot: certificateLotRecord, details: certificateLotDetails })), roles: 'any participant (its own)', description: 'The caller’s active certificate lots' }),
  GetBinding: tx({ kind: 'evaluate', channels: ENERGY, args: [bindingRefSchema], argNames: ['argsJson'], result: bindingView, roles: `any participant (details: the award’s owner, ${OVERSIGHT})`, description: 'What an award’s settlement moved in certificates' }),
  GetMatchingScore: tx({ kind: 'evaluate', channels: ENERGY, args: [scoreSchema], argNames: ['argsJson'], result: matchingScoreRecord, roles: `the meter’s owner, ${OVERSIGHT}`, description: 'Share of metered import covered by claimed certificates, per interval or hour' }),
});
