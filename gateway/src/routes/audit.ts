import { HttpError } from '../http/errors';
import type { Handlers, OperationContext } from '../http/operations';
import { leafHash, rootFromProof, type ProofStep } from './merkle';
import { paginate } from './paging';
import { CHANNEL_AUDIT, CHANNEL_ENERGY, evaluate, submit, type RouteDeps } from './support';

const slot = (ctx: OperationContext) => ({ market: String(ctx.params.market), zone: String(ctx.params.zone), interval: String(ctx.params.interval) });

interface RecordView {
  record: { leafHash: string };
  details?: Record<string, unknown>;
}
interface Proof {
  leafHash: string;
  proof: ProofStep[];
  merkleRoot: string;
}
interface Attestation {
  merkleRoot: string;
}

/** The audit segment: Audit:* on the audit channel, plus proofs and verification of settled records. */
export function auditRoutes(deps: RouteDeps): Handlers {
  return {
    listAttestations: async (ctx) => {
      const filter = { sourceChannel: CHANNEL_ENERGY, ...(ctx.query.market ? { market: String(ctx.query.market) } : {}) };
      const all = (await evaluate(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:ListAttestations', args: [filter] })) as unknown[];
      return { status: 200, body: paginate(all, ctx) };
    },
    listZoneAttestations: async (ctx) => {
      const filter = { sourceChannel: CHANNEL_ENERGY, market: String(ctx.params.market), zone: String(ctx.params.zone) };
      const all = (await evaluate(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:ListAttestations', args: [filter] })) as unknown[];
      return { status: 200, body: paginate(all, ctx) };
    },
    getAttestation: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:GetAttestation', args: [{ sourceChannel: CHANNEL_ENERGY, ...slot(ctx) }] }),
    }),
    anchorAttestation: (ctx) => submit(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:Attest', args: [{ ...(ctx.body as object), sourceChannel: CHANNEL_ENERGY }] }),
    getSettlementProof: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Settlement:GetProof', args: [{ ...slot(ctx), orderId: ctx.params.orderId }] }),
    }),
    getAuditedAssetHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:GetAssetHistory', args: [String(ctx.params.assetId)] }),
    }),
    getAuditedGovernanceHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: String(ctx.params.channel), fn: 'Governance:GetConfigHistory' }),
    }),
    verifySettledRecord: async (ctx) => {
      const ref = { ...slot(ctx), orderId: String(ctx.params.orderId) };
      const view = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Settlement:GetRecord', args: [ref] })) as RecordView;
      if (!view.details) {
        throw new HttpError(403, 'FORBIDDEN', 'the settled record is not visible to this identity (counterparties, the market operator and the regulator only)');
      }
      const proof = (await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Settlement:GetProof', args: [ref] })) as Proof;
      const attestation = (await evaluate(deps, ctx, {
        channel: CHANNEL_AUDIT,
        fn: 'Audit:GetAttestation',
        args: [{ sourceChannel: CHANNEL_ENERGY, ...slot(ctx) }],
      })) as Attestation;
      const leaf = leafHash(view.details);
      const checks = {
        recordMatchesLeaf: leaf === view.record.leafHash && leaf === proof.leafHash,
        proofReachesRoot: rootFromProof(leaf, proof.proof) === attestation.merkleRoot,
        rootAttested: proof.merkleRoot === attestation.merkleRoot,
      };
      return {
        status: 200,
        body: {
          verified: checks.recordMatchesLeaf && checks.proofReachesRoot && checks.rootAttested,
          checks,
          leafHash: leaf,
          merkleRoot: attestation.merkleRoot,
          attestation,
          record: view.details,
        },
      };
    },
  };
}
