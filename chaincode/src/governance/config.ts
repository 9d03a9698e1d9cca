import { z } from 'zod';
import { ORG_ROLES, participantRolesFor, type OrgRole, type ParticipantRole } from '../common/roles';

export const mspIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'not an MSP ID');

const MINUTES_PER_DAY = 1440;

/** The fields, without defaults, so that an update can name only what it changes. */
const fields = {
  /** Delivery interval length; a whole divisor of a day, so intervals align to midnight UTC. */
  intervalMinutes: z.number().int().min(1).max(MINUTES_PER_DAY).refine((v) => MINUTES_PER_DAY % v === 0, 'must divide 1440 (a day)'),
  /** Orders for an interval close this many minutes before it starts. */
  gateClosureMinutes: z.number().int().min(0).max(MINUTES_PER_DAY),
  /** Price limits in price units per kWh (the unit of market/clearing.ts). */
  priceFloor: z.number().int().min(0),
  priceCap: z.number().int().min(1),
  /** Which MSP ID plays which org roles on this channel. */
  orgs: z.record(mspIdSchema, z.array(z.enum(ORG_ROLES)).min(1)),
  /** The org whose market operator issues energy tokens. */
  tokenIssuerMspId: mspIdSchema,
  /**
   * Imbalance price = clearing price × factor / 1000 (1000 = the clearing price itself). Below 1000 an imbalance would
   * cost less than trading, so settlement never applies such a factor; the schema refuses it rather than ignore it.
   */
  imbalanceFactorPermille: z.number().int().min(1000, 'must be at least 1000 (the clearing price itself)').max(100_000),
  /** An interval must be settled within this many minutes after it ends. */
  settlementDeadlineMinutes: z.number().int().min(1).max(366 * MINUTES_PER_DAY),
  /**
   * k of the small-group rule: a public aggregate (settlement totals, zone reading totals, …) over fewer than k
   * distinct participants is suppressed, because with one or two members a total reveals each member's own value.
   */
  minPublicGroupSize: z.number().int().min(1).max(1000),
  /**
   * Green certificates (certificates/): how long after its interval ends a certificate may be moved or claimed; then
   * it expires and the interval can be sealed. Absent: CERTIFICATE_DEFAULTS.claimWindowMinutes.
   */
  certificateClaimWindowMinutes: z.number().int().min(1).max(3 * 366 * MINUTES_PER_DAY),
  /** The MSP whose DSO participants issue certificates (a certificate body); absent: any DSO. */
  certificateIssuerMspId: mspIdSchema,
  /**
   * Grid (settlement/grid-charges.ts): price per kWh charged for metered flow beyond a DSO operating envelope, paid to
   * the DSO by the awards that caused it. Absent: GRID_DEFAULTS.envelopeViolationPricePerKwh.
   */
  envelopeViolationPricePerKwh: z.number().int().min(0).max(1_000_000).optional(),
  /**
   * Grid topology (registry/grid-zone.ts): when true, an asset may be registered only in a zone the DSO registered as a
   * zone node; absent or false, zones are free strings (channels created before topology existed).
   */
  requireRegisteredZones: z.boolean().optional(),
  /**
   * Market integrity (docs/adr/0011): a seller's shortfall is priced at max(clearing price, this reference price) per
   * kWh, so an offer that drives the clearing price to 0 and is never delivered still costs its seller. Absent or 0:
   * the clearing price alone (channels configured before the field).
   */
  imbalanceReferencePrice: z.number().int().min(0).max(1_000_000).optional(),
  /**
   * Offer deposit (docs/adr/0011): a retail sell order locks ⌈ref × x × imbalanceFactorPermille × this / 10^6⌉ tokens,
   * x = the Wh it adds to its meter's offers of the interval beyond offerDepositFreeWh; released at settlement less
   * any shortfall charge the seller's earnings do not cover. 1000 covers the whole worst-case charge at the reference
   * price. Absent or 0: no deposit.
   */
  offerDepositPermille: z.number().int().min(0).max(1000).optional(),
  /** Wh per meter and interval a seller may offer without a deposit (households with no balance); absent: 0. */
  offerDepositFreeWh: z.number().int().min(0).max(1_000_000_000).optional(),
};

export const DEFAULTS = {
  intervalMinutes: 15,
  gateClosureMinutes: 5,
  priceFloor: 0,
  priceCap: 10_000,
  imbalanceFactorPermille: 1000,
  settlementDeadlineMinutes: MINUTES_PER_DAY,
  minPublicGroupSize: 3,
} as const;

/** The optional fields (certificates) are absent from a configuration made before them. */
type CheckedConfig = Omit<z.output<z.ZodObject<typeof fields>>, 'certificateClaimWindowMinutes' | 'certificateIssuerMspId'> & { certificateIssuerMspId?: string };

function checkConsistency(config: CheckedConfig, issues: z.RefinementCtx): void {
  if (config.priceFloor > config.priceCap) {
    issues.addIssue({ code: 'custom', path: ['priceFloor'], message: 'must not exceed priceCap' });
  }
  if (config.gateClosureMinutes >= MINUTES_PER_DAY) {
    issues.addIssue({ code: 'custom', path: ['gateClosureMinutes'], message: 'must be less than a day' });
  }
  const entries = Object.entries(config.orgs);
  for (const [mspId, roles] of entries) {
    if (new Set(roles).size !== roles.length) {
      issues.addIssue({ code: 'custom', path: ['orgs', mspId], message: 'lists an org role twice' });
    }
  }
  const operators = entries.filter(([, roles]) => roles.includes('MARKET_OPERATOR'));
  if (operators.length !== 1) {
    issues.addIssue({ code: 'custom', path: ['orgs'], message: 'exactly one MSP must hold MARKET_OPERATOR' });
  }
  if (!entries.some(([, roles]) => roles.includes('DSO'))) {
    issues.addIssue({ code: 'custom', path: ['orgs'], message: 'at least one MSP must hold DSO' });
  }
  if (config.certificateIssuerMspId !== undefined && !(config.certificateIssuerMspId in config.orgs)) {
    issues.addIssue({ code: 'custom', path: ['certificateIssuerMspId'], message: 'must be one of the configured orgs' });
  }
  if (!(config.tokenIssuerMspId in config.orgs)) {
    issues.addIssue({ code: 'custom', path: ['tokenIssuerMspId'], message: 'must be one of the configured orgs' });
  }
}

export const governanceConfigSchema = z
  .strictObject({
    intervalMinutes: fields.intervalMinutes.default(DEFAULTS.intervalMinutes),
    gateClosureMinutes: fields.gateClosureMinutes.default(DEFAULTS.gateClosureMinutes),
    priceFloor: fields.priceFloor.default(DEFAULTS.priceFloor),
    priceCap: fields.priceCap.default(DEFAULTS.priceCap),
    orgs: fields.orgs,
    tokenIssuerMspId: fields.tokenIssuerMspId,
    imbalanceFactorPermille: fields.imbalanceFactorPermille.default(DEFAULTS.imbalanceFactorPermille),
    settlementDeadlineMinutes: fields.settlementDeadlineMinutes.default(DEFAULTS.settlementDeadlineMinutes),
    minPublicGroupSize: fields.minPublicGroupSize.default(DEFAULTS.minPublicGroupSize),
    certificateClaimWindowMinutes: fields.certificateClaimWindowMinutes.optional(),
    certificateIssuerMspId: fields.certificateIssuerMspId.optional(),
    envelopeViolationPricePerKwh: fields.envelopeViolationPricePerKwh,
    requireRegisteredZones: fields.requireRegisteredZones,
    imbalanceReferencePrice: fields.imbalanceReferencePrice,
    offerDepositPermille: fields.offerDepositPermille,
    offerDepositFreeWh: fields.offerDepositFreeWh,
  })
  .superRefine(checkConsistency);

export type GovernanceConfig = z.output<typeof governanceConfigSchema>;

/** An update names only the fields it changes; the merged result is validated as a whole. */
export const governanceConfigPatchSchema = z.strictObject(fields).partial();

export interface GovernanceRecord {
  readonly version: number;
  readonly config: GovernanceConfig;
  /** Transaction time of the change (ISO 8601). */
  readonly updatedAt: string;
  readonly updatedByMspId: string;
  readonly txId: string;
}

export function orgRolesOf(config: GovernanceConfig, mspId: string): OrgRole[] {
  return Object.prototype.hasOwnProperty.call(config.orgs, mspId) ? [...config.orgs[mspId]] : [];
}

/** The MSP IDs holding an org role, sorted so that callers iterate deterministically. */
export function mspsWithOrgRole(config: GovernanceConfig, role: OrgRole): string[] {
  return Object.keys(config.orgs)
    .filter((mspId) => config.orgs[mspId].includes(role))
    .sort();
}

export function marketOperatorMsp(config: GovernanceConfig): string {
  return mspsWithOrgRole(config, 'MARKET_OPERATOR')[0];
}

/** The participant roles members of this MSP may hold. */
export function participantRolesOfOrg(config: GovernanceConfig, mspId: string): ParticipantRole[] {
  return participantRolesFor(orgRolesOf(config, mspId));
}

export function intervalMs(config: GovernanceConfig): number {
  return config.intervalMinutes * 60_000;
}

export function gateClosureMs(config: GovernanceConfig): number {
  return config.gateClosureMinutes * 60_000;
}
