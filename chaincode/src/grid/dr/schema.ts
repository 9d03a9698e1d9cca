import { z } from 'zod';
import { saltSchema } from '../../common/transient';
import { pseudonymSchema } from '../../participants/participant';
import { assetIdSchema, zoneSchema } from '../../registry/asset';
import { MAX_PRICE } from '../../market/rules';
import { intervalText } from '../../market/interval';

/**
 * Demand response: arguments and records. Shapes follow OpenADR 3's model (docs/demand-response.md maps them field by
 * field): a program (the DSO's standing offer), an event (a window of intervals, each with a target reduction, and a
 * price payload), an opt-in (the VEN's subscription to one event, naming the meter that measures it) and a report (per
 * participant: baseline, metered, reduction and payment per interval — private, with a salted public commitment).
 */

/** A program id chosen by its DSO (OpenADR programName-like: short, no personal data). */
export const programIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)');
export const eventIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'an event id (the creating transaction id)');

/** Bounds that keep a settlement's reads bounded: participants × intervals × lookback days readings at most. */
export const MAX_EVENT_INTERVALS = 12;
export const MAX_OPT_INS = 50;
export const MAX_BASELINE_DAYS = 10;
export const MAX_LOOKBACK_DAYS = 20;
export const MAX_AGGREGATORS = 10;
/** One interval's target reduction, Wh (bounded like an order's quantity). */
export const MAX_TARGET_WH = 1_000_000_000;

export const baselineRuleSchema = z
  .strictObject({
    method: z.literal('MEAN_SAME_INTERVAL').default('MEAN_SAME_INTERVAL'),
    /** How many earlier days' readings of the same interval are averaged. */
    days: z.number().int().min(1).max(MAX_BASELINE_DAYS).default(5),
    /** Fewer days with a reading than this: no baseline for the interval (nothing paid for it). Default: `days`. */
    minDays: z.number().int().min(1).max(MAX_BASELINE_DAYS).optional(),
    /** How far back candidate days are looked for. */
    lookbackDays: z.number().int().min(1).max(MAX_LOOKBACK_DAYS).default(10),
    /** ALL: every earlier day; SAME_DAY_TYPE: weekdays for a weekday event, weekend days for a weekend event. */
    dayType: z.enum(['ALL', 'SAME_DAY_TYPE']).default('ALL'),
  })
  .refine((rule) => (rule.minDays ?? rule.days) <= rule.days, { message: 'minDays cannot exceed days', path: ['minDays'] })
  .refine((rule) => rule.days <= rule.lookbackDays, { message: 'days cannot exceed lookbackDays', path: ['days'] });

export const createProgramSchema = z.strictObject({
  programId: programIdSchema,
  /** The zone (grid node) the program's events target; once the DSO has grid topology, a registered zone node. */
  zone: zoneSchema,
  /** Optionally one registered feeder of that zone: then only meters the DSO attached to it may opt in. */
  feeder: zoneSchema.optional(),
  baseline: baselineRuleSchema.default({ method: 'MEAN_SAME_INTERVAL', days: 5, lookbackDays: 10, dayType: 'ALL' }),
  /** Aggregators (pseudonyms) that may issue events under this program for the DSO, funding them from their own account. */
  aggregators: z.array(pseudonymSchema).max(MAX_AGGREGATORS).default([]),
});

export const programRefSchema = z.strictObject({ programId: programIdSchema });
export const programFilterSchema = z.strictObject({ zone: zoneSchema.optional() });

export const createEventSchema = z.strictObject({
  programId: programIdSchema,
  /** First interval of the window (ISO 8601 UTC, aligned to the governance interval). */
  start: intervalText,
  /** Target reduction per interval, Wh, one entry per consecutive interval of the window (OpenADR event intervals). */
  targetsWh: z.array(z.number().int().min(1).max(MAX_TARGET_WH)).min(1).max(MAX_EVENT_INTERVALS),
  /** Price per kWh of delivered reduction (OpenADR payload type PRICE); tokens = price × Wh. */
  pricePerKwh: z.number().int().min(1).max(MAX_PRICE),
});

export const eventRefSchema = z.strictObject({ eventId: eventIdSchema });
export const eventFilterSchema = z.strictObject({ programId: programIdSchema.optional() });
export const optInSchema = z.strictObject({ eventId: eventIdSchema, meterId: assetIdSchema });
export const reportRefSchema = z.strictObject({ eventId: eventIdSchema, participant: pseudonymSchema });

/** Transient of the money-moving transactions (CreateEvent escrows, CancelEvent releases, SettleEvent pays). */
export const drSaltTransient = z.strictObject({ salt: saltSchema });

export type CreateProgramArgs = z.output<typeof createProgramSchema>;
export type CreateEventArgs = z.output<typeof createEventSchema>;
export type BaselineRuleArgs = z.output<typeof baselineRuleSchema>;

export interface DrProgram {
  readonly programId: string;
  readonly zone: string;
  readonly feeder: string | null;
  readonly owner: string;
  readonly ownerMsp: string;
  readonly baseline: { readonly method: 'MEAN_SAME_INTERVAL'; readonly days: number; readonly minDays: number; readonly lookbackDays: number; readonly dayType: 'ALL' | 'SAME_DAY_TYPE' };
  readonly aggregators: readonly string[];
  readonly createdAt: string;
  readonly txId: string;
}

export interface DrEventInterval {
  readonly index: number;
  readonly start: string;
  readonly targetWh: number;
}

export type DrEventStatus = 'ACTIVE' | 'CANCELLED' | 'SETTLED';

export interface DrEvent {
  readonly eventId: string;
  readonly programId: string;
  readonly zone: string;
  readonly feeder: string | null;
  /** Who issued and funds it (the DSO or one of the program's aggregators). */
  readonly issuer: string;
  readonly issuerMsp: string;
  readonly start: string;
  readonly end: string;
  readonly intervals: readonly DrEventInterval[];
  readonly pricePerKwh: number;
  /** price × Σ targets: the most the event can pay, escrowed from the issuer's account at creation. */
  readonly budget: number;
  readonly status: DrEventStatus;
  readonly createdAt: string;
  /** Settled: the number of opted-in participants, and totals (each null when fewer than governance minPublicGroupSize participants contributed to it). */
  readonly participants: number | null;
  readonly deliveredWh: number | null;
  readonly paid: number | null;
  readonly closedAt: string | null;
  readonly closingTxId: string | null;
}

export interface DrOptIn {
  readonly eventId: string;
  readonly participant: string;
  readonly participantMsp: string;
  readonly meterId: string;
  readonly optedInAt: string;
  readonly txId: string;
}

export interface DrReportInterval {
  readonly start: string;
  /** Floor of the mean of the baseline samples; null when fewer than minDays were found. */
  readonly baselineWh: number | null;
  /** The interval starts whose readings fed the baseline, newest first. */
  readonly baselineIntervals: readonly number[];
  /** The trusted, device-signed import of the event interval; null when missing, voided or untrusted. */
  readonly meteredWh: number | null;
  readonly reductionWh: number;
  /** After the interval's pro-rata cap at its target. */
  readonly paidWh: number;
  readonly amount: number;
}

/** Private: in the participant org's settlement collection (that org, the grid operator, the regulator). */
export interface DrReport {
  readonly eventId: string;
  readonly participant: string;
  readonly meterId: string;
  readonly pricePerKwh: number;
  readonly intervals: readonly DrReportInterval[];
  /** SHA-256 of the canonical list of {assetId, intervalStart, hash} of every reading that fed a baseline, hash = its public salted reading hash. */
  readonly baselineInputsHash: string;
  readonly baselineInputs: readonly { readonly intervalStart: number; readonly readingHash: string }[];
  readonly reductionWh: number;
  readonly paidWh: number;
  readonly amount: number;
  readonly salt: string;
}

export interface DrPublicReport {
  readonly eventId: string;
  readonly participant: string;
  readonly participantMsp: string;
  readonly collection: string;
  readonly commitment: string;
  readonly txId: string;
}
