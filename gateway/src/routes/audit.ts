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
      const filter: Record<string, string> = { sourceChannel: CHANNEL_ENERGY };
      if (ctx.query.market) filter.market = String(ctx.query.market);
      if (ctx.query.zone) {
        if (!filter.market) throw new HttpError(400, 'INVALID_ARGUMENT', 'invalid request: query.zone needs query.market');
        filter.zone = String(ctx.query.zone);
      }
      const all = (await evaluate(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:ListAttestations', args: [filter] })) as unknown[];
      return { status: 200, body: paginate(all, ctx) };
    },
    getAttestation: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:GetAttestation', args: [{ sourceChannel: CHANNEL_ENERGY, ...slot(ctx) }] }),
    }),
    anchorAttestation: (ctx) => submit(deps, ctx, { channel: CHANNEL_AUDIT, fn: 'Audit:Attest', args: [{ sourceChannel: CHANNEL_ENERGY, ...(ctx.body as object) }] }),
    getSettlementProof: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Settlement:GetProof', args: [{ ...slot(ctx), orderId: ctx.params.orderId }] }),
    }),
    getRecordHistory: async (ctx) => {
      const id = String(ctx.params.id);
      if (ctx.params.kind === 'governance') {
        if (id !== CHANNEL_ENERGY && id !== CHANNEL_AUDIT) throw new HttpError(404, 'NOT_FOUND', `no channel ${id}`);
        return { status: 200, body: await evaluate(deps, ctx, { channel: id, fn: 'Governance:GetConfigHistory' }) };
      }
      return { status: 200, body: await evaluate(deps, ctx, { channel: CHANNEL_ENERGY, fn: 'Registry:GetAssetHistory', args: [id] }) };
    },
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
