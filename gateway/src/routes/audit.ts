import { TX, type TxArgs } from '@obe/chaincode';
import { HttpError } from '../http/errors';
import type { Handlers, OperationContext } from '../http/operations';
import { leafHash, rootFromProof } from './merkle';
import { paginate } from './paging';
import { CHANNEL_ENERGY, body, evaluate, params, query, submit, type RouteDeps } from './support';

type Slot = Pick<TxArgs<typeof TX.Settlement.GetRecord>[0], 'market' | 'zone' | 'interval'>;
const slot = (ctx: OperationContext): Slot => {
  const { market, zone, interval } = params<Slot>(ctx);
  return { market, zone, interval };
};

/** The audit segment: Audit:* on the audit channel, plus proofs and verification of settled records. */
export function auditRoutes(deps: RouteDeps): Handlers {
  return {
    listAttestations: async (ctx) => {
      const filter = { sourceChannel: CHANNEL_ENERGY, ...(ctx.query.market ? { market: query<{ market: Slot['market'] }>(ctx).market } : {}) };
      const all = await evaluate(deps, ctx, TX.Audit.ListAttestations, [filter]);
      return { status: 200, body: paginate(all, ctx) };
    },
    listZoneAttestations: async (ctx) => {
      const filter = { sourceChannel: CHANNEL_ENERGY, market: slot(ctx).market, zone: slot(ctx).zone };
      const all = await evaluate(deps, ctx, TX.Audit.ListAttestations, [filter]);
      return { status: 200, body: paginate(all, ctx) };
    },
    getAttestation: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Audit.GetAttestation, [{ sourceChannel: CHANNEL_ENERGY, ...slot(ctx) }]),
    }),
    anchorAttestation: (ctx) =>
      submit(deps, ctx, TX.Audit.Attest, [{ ...body<Omit<TxArgs<typeof TX.Audit.Attest>[0], 'sourceChannel'>>(ctx), sourceChannel: CHANNEL_ENERGY }]),
    getSettlementProof: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Settlement.GetProof, [{ ...slot(ctx), orderId: String(ctx.params.orderId) }]),
    }),
    getAuditedAssetHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Registry.GetAssetHistory, [String(ctx.params.assetId)]),
    }),
    getAuditedGovernanceHistory: async (ctx) => ({
      status: 200,
      body: await evaluate(deps, ctx, TX.Governance.GetConfigHistory, [], { channel: String(ctx.params.channel) }),
    }),
    verifySettledRecord: async (ctx) => {
      const ref = { ...slot(ctx), orderId: String(ctx.params.orderId) };
      const view = await evaluate(deps, ctx, TX.Settlement.GetRecord, [ref]);
      if (!view.details) {
        throw new HttpError(403, 'FORBIDDEN', 'the settled record is not visible to this identity (counterparties, the market operator and the regulator only)');
      }
      const proof = await evaluate(deps, ctx, TX.Settlement.GetProof, [ref]);
      const attestation = await evaluate(deps, ctx, TX.Audit.GetAttestation, [{ sourceChannel: CHANNEL_ENERGY, ...slot(ctx) }]);
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
