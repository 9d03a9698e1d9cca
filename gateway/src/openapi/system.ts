import { obj, ref, str, type OperationSpec } from './builder';

/** Operations of the gateway itself (not a grid segment). */
export const systemOperations: OperationSpec[] = [
  {
    operationId: 'getCaller',
    method: 'get',
    path: '/api/v1/me',
    tag: 'system',
    summary: 'The identity the API key acts as',
    response: obj({ keyId: str(), identity: str(), mspId: str() }),
  },
  {
    operationId: 'getSubmitStatus',
    method: 'get',
    path: '/api/v1/submits/{txId}',
    tag: 'system',
    summary: 'Commit status of an asynchronous submit (Prefer: respond-async)',
    description:
      'Resumes the commit-status check from the stored pending submit, also after a gateway restart; never re-endorses. Only the identity that submitted can read it.',
    pathParams: { txId: str({ pattern: '^[0-9A-Za-z_-]{1,128}$' }) },
    response: ref('SubmitStatus'),
    errors: [404],
  },
];
