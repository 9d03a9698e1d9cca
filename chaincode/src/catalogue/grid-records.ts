import { z } from 'zod';
import type { AttachmentRecord, EnvelopeRecord, LoadingRecord, TariffRecord } from '../market/grid-constraints';
import type { GridNode } from '../registry/grid-zone';
import { pseudonymSchema } from '../participants/participant';

/** The grid contract's answers (chaincode/src/grid), as the catalogue and the OpenAPI segment describe them. */

const txId = z.string().regex(/^[0-9a-f]{64}$/, 'a Fabric transaction id');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const isoTime = z.string().describe('ISO 8601 transaction time');
const count = z.number().int().min(0);
const limit = count.nullable().describe('Wh per interval; null: no limit');

export const gridNodeRecord = z
  .looseObject({
    nodeId: z.string(),
    kind: z.enum(['ZONE', 'FEEDER']),
    zone: z.string().describe("A zone node's own id; a feeder's parent zone"),
    assetId: z.string().nullable().describe('The registry transformer/feeder asset that is this node, if named'),
    registeredBy: pseudonymSchema,
    registeredMsp: z.string(),
    registeredAt: isoTime,
    txId,
  })
  .describe('A DSO-registered grid node: a zone (substation/transformer zone) or a feeder in it')
  .meta({ id: 'GridNode' });

export const attachmentRecord = z
  .looseObject({
    assetId: z.string(),
    zone: z.string(),
    feeder: z.string(),
    attachedBy: pseudonymSchema,
    attachedAt: isoTime,
    txId,
    history: z.array(z.strictObject({ feeder: z.string(), from: isoTime, until: isoTime.nullable(), by: pseudonymSchema })),
  })
  .describe("An asset's feeder, attached by a DSO, with every earlier attachment")
  .meta({ id: 'GridAttachment' });

const publisher = {
  publishedBy: pseudonymSchema.describe('The DSO (pseudonym); fees and envelope charges are paid to it'),
  publisherMsp: z.string(),
  signerCertSha256: hex64.describe('SHA-256 of the certificate that signed the publishing transaction'),
  publishedAt: isoTime,
  txId,
  revision: z.number().int().min(1),
};

export const envelopeRecord = z
  .looseObject({
    zone: z.string(),
    interval: z.string(),
    nodeId: z.string(),
    nodeKind: z.enum(['ZONE', 'FEEDER']),
    importLimitWh: limit,
    exportLimitWh: limit,
    ...publisher,
  })
  .describe('An operating envelope: most Wh the retail market may award to buyers (import) and sellers (export) on a node in one interval')
  .meta({ id: 'OperatingEnvelope' });

export const tariffRecord = z
  .looseObject({ zone: z.string(), interval: z.string(), feePerKwh: count, localFeePerKwh: count, ...publisher })
  .describe("A network tariff: added to the buyer's price per kWh; the local fee applies to energy matched on the buyer's own feeder")
  .meta({ id: 'NetworkTariff' });

export const loadingRecord = z
  .looseObject({
    zone: z.string(),
    interval: z.string(),
    feeders: z.array(
      z.strictObject({
        nodeId: z.string(),
        importLimitWh: limit,
        exportLimitWh: limit,
        importWh: count.nullable().describe('Awarded Wh; null when fewer than k distinct participants (small-group rule)'),
        exportWh: count.nullable(),
        importBound: z.boolean().nullable(),
        exportBound: z.boolean().nullable(),
      }),
    ),
    binding: z.array(z.strictObject({ node: z.string(), direction: z.enum(['IMPORT', 'EXPORT']), limitWh: count })),
    clearingTxId: z.string(),
  })
  .describe('Per node with an envelope, the retail awards of a cleared interval against its limits')
  .meta({ id: 'FeederLoading' });

type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? Mutable<U>[] : T[K] };
type Agree<A, B> = [Mutable<A>] extends [Mutable<Known<B>>] ? ([Mutable<Known<B>>] extends [Mutable<A>] ? true : false) : false;
type Assert<T extends true> = T;

export type GridRecordsAgree = [
  Assert<Agree<GridNode, z.output<typeof gridNodeRecord>>>,
  Assert<Agree<Omit<AttachmentRecord, 'history'>, Omit<Known<z.output<typeof attachmentRecord>>, 'history'>>>,
  Assert<Agree<EnvelopeRecord, z.output<typeof envelopeRecord>>>,
  Assert<Agree<TariffRecord, z.output<typeof tariffRecord>>>,
  Assert<Agree<Omit<LoadingRecord, 'feeders' | 'binding'>, Omit<Known<z.output<typeof loadingRecord>>, 'feeders' | 'binding'>>>,
];
