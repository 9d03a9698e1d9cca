import { z } from 'zod';
import { pseudonymSchema } from '../../participants/participant';
import type { DrEvent, DrOptIn, DrProgram, DrPublicReport, DrReport } from './schema';

/**
 * What the DemandResponse transactions return, as zod schemas (open records, like catalogue/records.ts), registered as
 * OpenAPI components by their ids. Compile-time checks below keep them in step with the interfaces in schema.ts.
 */

const txId = z.string().regex(/^[0-9a-f]{64}$/, 'a Fabric transaction id');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');
const isoTime = z.string().describe('ISO 8601 transaction time');
const count = z.number().int().min(0);

export const drProgramRecord = z
  .looseObject({
    programId: z.string(),
    zone: z.string(),
    feeder: z.string().nullable().describe('The registered feeder the program targets (null: the whole zone)'),
    owner: pseudonymSchema.describe('The DSO that runs the program'),
    ownerMsp: z.string(),
    baseline: z.looseObject({
      method: z.literal('MEAN_SAME_INTERVAL'),
      days: count,
      minDays: count,
      lookbackDays: count,
      dayType: z.enum(['ALL', 'SAME_DAY_TYPE']),
    }),
    aggregators: z.array(pseudonymSchema),
    createdAt: isoTime,
    txId,
  })
  .meta({ id: 'DemandResponseProgram' });

export const drEventRecord = z
  .looseObject({
    eventId: txId,
    programId: z.string(),
    zone: z.string(),
    feeder: z.string().nullable(),
    issuer: pseudonymSchema,
    issuerMsp: z.string(),
    start: z.string(),
    end: z.string(),
    intervals: z.array(z.looseObject({ index: count, start: z.string(), targetWh: count })),
    pricePerKwh: count,
    budget: count.describe('price × Σ targets, escrowed from the issuer at creation'),
    status: z.enum(['ACTIVE', 'CANCELLED', 'SETTLED']),
    createdAt: isoTime,
    participants: count.nullable(),
    deliveredWh: count.nullable().describe('Σ delivered reduction; null when fewer than governance minPublicGroupSize participants delivered one'),
    paid: count.nullable().describe('Σ payments; null when fewer than governance minPublicGroupSize participants were paid'),
    closedAt: isoTime.nullable(),
    closingTxId: txId.nullable(),
  })
  .meta({ id: 'DemandResponseEvent' });

export const drOptInRecord = z
  .looseObject({ eventId: txId, participant: pseudonymSchema, participantMsp: z.string(), meterId: z.string(), optedInAt: isoTime, txId })
  .meta({ id: 'DemandResponseOptIn' });

export const drPublicReportRecord = z
  .looseObject({ eventId: txId, participant: pseudonymSchema, participantMsp: z.string(), collection: z.string(), commitment: hex64, txId })
  .meta({ id: 'DemandResponseReport' });

export const drReportDetailsRecord = z
  .looseObject({
    eventId: txId,
    participant: pseudonymSchema,
    meterId: z.string(),
    pricePerKwh: count,
    intervals: z.array(
      z.looseObject({
        start: z.string(),
        baselineWh: count.nullable(),
        baselineIntervals: z.array(count),
        meteredWh: count.nullable(),
        reductionWh: count,
        paidWh: count,
        amount: count,
      }),
    ),
    baselineInputsHash: hex64,
    baselineInputs: z.array(z.looseObject({ intervalStart: count, readingHash: z.string() })),
    reductionWh: count,
    paidWh: count,
    amount: count,
    salt: z.string(),
  })
  .meta({ id: 'DemandResponseReportDetails' });

export const drReportView = z.looseObject({ report: drPublicReportRecord, details: drReportDetailsRecord.optional() }).meta({ id: 'DemandResponseReportView' });

export const drSettledRecord = z.looseObject({ event: drEventRecord, reports: z.array(drPublicReportRecord) }).meta({ id: 'DemandResponseSettlement' });

type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };
type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
type Agree<A, B> = [Mutable<A>] extends [Mutable<Known<B>>] ? ([Mutable<Known<B>>] extends [Mutable<A>] ? true : false) : false;
type Assert<T extends true> = T;
export type DrRecordsAgree = [
  Assert<Agree<Omit<DrProgram, 'baseline'>, Omit<Known<z.output<typeof drProgramRecord>>, 'baseline'>>>,
  Assert<Agree<DrOptIn, z.output<typeof drOptInRecord>>>,
  Assert<Agree<DrPublicReport, z.output<typeof drPublicReportRecord>>>,
  Assert<Agree<Omit<DrEvent, 'intervals'>, Omit<Known<z.output<typeof drEventRecord>>, 'intervals'>>>,
  Assert<Agree<Omit<DrReport, 'intervals' | 'baselineInputs'>, Omit<Known<z.output<typeof drReportDetailsRecord>>, 'intervals' | 'baselineInputs'>>>,
];
