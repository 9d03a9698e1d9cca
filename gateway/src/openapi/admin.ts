import { TX } from '@obe/chaincode';
import { arr, obj, str, type OperationSpec, type Schema } from './builder';
import { field, jsonSchema } from './catalogue';

// Onboarding: an org admin's key creates and revokes participants' identities and API keys on this gateway. Several
// transactions per operation (Register as the new identity, GrantRole as the admin; Suspend on revocation), so these
// answer the gateway's own record, not one catalogue entry's result.
const pseudonym = { ...jsonSchema(TX.Participants.GetParticipant.args[0], 'input'), description: 'Participant pseudonym' };
const role = field(TX.Participants.GrantRole.args[0], 'role');
const label = str({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Off-chain name of the identity on this gateway (never on chain); default a random one' });
const keyId = str({ pattern: '^[0-9a-f]{12}$', description: 'Public id of an API key' });

const onboarded: Schema = obj(
  {
    label,
    mspId: str(),
    pseudonym,
    enrollmentId: str({ description: "The certificate's random enrolment ID (CN), id-<128 random bits>" }),
    roles: arr(role),
    keyId,
    key: str({ description: 'The new API key. Shown once: only its hash is stored.' }),
  },
);

const keyRecord: Schema = obj({ keyId, identity: label, mspId: str() });

export const adminOperations: OperationSpec[] = [
  {
    operationId: 'onboardParticipant',
    method: 'post',
    path: '/api/v1/admin/participants',
    tag: 'admin',
    summary: "Onboard a participant of the caller's org (org admins): enrol an identity, register it, grant roles, issue its API key once",
    description:
      "Enrols a new identity with the org's CA under a random enrolment ID, registers it on channel energy (Participants:Register as the new identity), " +
      'grants each role as the calling admin (Participants:GrantRole; the chaincode refuses roles the org may not hold), and answers its API key. ' +
      'The key is shown in this answer only; the gateway stores its SHA-256. The label stays on this gateway.',
    body: obj({ roles: arr(role, { minItems: 1, maxItems: 8, uniqueItems: true }), label, mspId: str({ maxLength: 128, description: "Must be the caller's own MSP when given" }) }, ['label', 'mspId']),
    response: onboarded,
    errors: [403, 404, 409, 422],
  },
  {
    operationId: 'listApiKeys',
    method: 'get',
    path: '/api/v1/admin/keys',
    tag: 'admin',
    summary: "API keys of the caller's org on this gateway (ids and identities; never a key)",
    response: arr(keyRecord),
    errors: [403],
  },
  {
    operationId: 'offboardParticipant',
    method: 'delete',
    path: '/api/v1/admin/participants/{pseudonym}',
    tag: 'admin',
    summary:
      "Revoke a participant of the caller's org: its API keys on this gateway at once, and suspend it on chain (Participants:Suspend); " +
      'for an erased participant its keys, and this gateway forgets its identities (status ERASED, forgottenIdentities: their labels)',
    pathParams: { pseudonym },
    response: obj({ pseudonym, status: str({ enum: ['SUSPENDED', 'ERASED'] }), revokedKeys: arr(keyId), forgottenIdentities: arr(str()) }, ['forgottenIdentities']),
    errors: [403, 404, 409, 422],
  },
  {
    operationId: 'revokeApiKey',
    method: 'delete',
    path: '/api/v1/admin/keys/{keyId}',
    tag: 'admin',
    summary: "Revoke one API key of the caller's org at once (the identity stays registered)",
    pathParams: { keyId },
    response: obj({ revokedKeys: arr(keyId) }),
    errors: [403, 404],
  },
];
