import { TX } from '@obe/chaincode';
import { bool, obj, ref, type OperationSpec, type Schema } from './builder';
import { answers, bodyOf, field, jsonSchema } from './catalogue';
import { intervalParam, orderIdParam } from './market';
import { pageQuery } from './schemas';

const attestationKey = TX.Audit.GetAttestation.args[0];
const market = field(attestationKey, 'market');
const zone = field(attestationKey, 'zone');
const hex64 = field(TX.Audit.Attest.args[0], 'merkleRoot');
const slot = { market, zone, interval: intervalParam };
// A settled record is read on its market's channel, where zones are the registry's (no ':'), unlike the audit channel's names.
const settledRecord = { market, zone: field(TX.Settlement.GetProof.args[0], 'zone'), interval: intervalParam, orderId: orderIdParam };

export const auditSchemas: Record<string, Schema> = {
  Verification: obj(
    {
      verified: bool({ description: 'The record hashes to its leaf, the proof leads to the attested root, and the settlement root matches it' }),
      checks: obj({ recordMatchesLeaf: bool(), proofReachesRoot: bool(), rootAttested: bool() }),
      leafHash: hex64,
      merkleRoot: hex64,
      attestation: ref('Attestation'),
      record: { type: 'object', description: 'The settled record that was verified (visible to the caller)' },
    },
  ),
};

export const auditOperations: OperationSpec[] = [
  {
    operationId: 'listAttestations',
    method: 'get',
    path: '/api/v1/audit/attestations',
    tag: 'audit',
    summary: 'Attestations on the audit channel (grid operator and regulator)',
    query: { market: { schema: market }, ...pageQuery },
    ...answers(TX.Audit.ListAttestations, 'page'),
    errors: [403],
  },
  {
    // A zone is named only inside a market, so the zone filter lives in the path after its market.
    operationId: 'listZoneAttestations',
    method: 'get',
    path: '/api/v1/audit/attestations/{market}/{zone}',
    tag: 'audit',
    summary: 'Attestations of one zone of one market (grid operator and regulator)',
    pathParams: { market, zone },
    query: pageQuery,
    ...answers(TX.Audit.ListAttestations, 'page'),
    errors: [403],
  },
  {
    operationId: 'getAttestation',
    method: 'get',
    path: '/api/v1/audit/attestations/{market}/{zone}/{interval}',
    tag: 'audit',
    summary: 'The attestation of one settled interval',
    pathParams: slot,
    ...answers(TX.Audit.GetAttestation),
    errors: [403, 404],
  },
  {
    operationId: 'anchorAttestation',
    method: 'post',
    path: '/api/v1/audit/attestations',
    tag: 'audit',
    summary: 'Anchor an attestation by hand (the audit relay does this on every SettlementCompleted); idempotent',
    description: 'The source channel is the one this gateway relays from (`energy`); a body that names one is refused.',
    body: bodyOf(TX.Audit.Attest.args[0], { omit: ['sourceChannel'] }),
    ...answers(TX.Audit.Attest),
    errors: [403],
  },
  {
    operationId: 'getSettlementProof',
    method: 'get',
    path: '/api/v1/audit/settlements/{market}/{zone}/{interval}/records/{orderId}/proof',
    tag: 'audit',
    summary: 'Merkle proof of one settled record (public hashes only)',
    pathParams: settledRecord,
    ...answers(TX.Settlement.GetProof),
    errors: [403, 404],
  },
  {
    operationId: 'verifySettledRecord',
    method: 'get',
    path: '/api/v1/audit/settlements/{market}/{zone}/{interval}/records/{orderId}/verify',
    tag: 'audit',
    summary: 'Verify a settled record you can see against the Merkle root attested on the audit channel',
    description:
      'Reads the record (its private details need membership: counterparties, market operator, regulator), its proof, and the attestation; ' +
      'recomputes the leaf hash and the root. A caller who cannot see the record gets 403.',
    pathParams: settledRecord,
    response: ref('Verification'),
    errors: [403, 404],
  },
  {
    operationId: 'getAuditedAssetHistory',
    method: 'get',
    path: '/api/v1/audit/history/asset/{assetId}',
    tag: 'audit',
    summary: 'The committed history of an asset (ownership, lifecycle): every version with its transaction id and time',
    pathParams: { assetId: jsonSchema(TX.Registry.GetAssetHistory.args[0], 'input') },
    ...answers(TX.Registry.GetAssetHistory),
    errors: [403, 404],
  },
  {
    operationId: 'getAuditedGovernanceHistory',
    method: 'get',
    path: '/api/v1/audit/history/governance/{channel}',
    tag: 'audit',
    summary: 'The committed governance versions of a channel, each with its transaction id and time',
    pathParams: { channel: { type: 'string', enum: ['energy', 'audit'] } },
    ...answers(TX.Governance.GetConfigHistory),
    errors: [403],
  },
];
