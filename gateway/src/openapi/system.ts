import { arr, obj, ref, str, type OperationSpec } from './builder';

/** Operations of the gateway itself (not a grid segment). */
export const systemOperations: OperationSpec[] = [
  {
    operationId: 'listDemoIdentities',
    method: 'get',
    path: '/api/v1/demo/identities',
    tag: 'system',
    summary: 'Demo only: the demo identities and their API keys (for the dashboard’s "view as")',
    description:
      'Answers only on an embedded gateway that created demo keys on its first start (demo-api-keys.json in the data dir); 404 otherwise. ' +
      'Never enable for anything but a local demo: it hands out keys without authentication.',
    public: true,
    response: arr(obj({ label: str(), mspId: str(), key: str() })),
    errors: [404],
  },
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
      'Follows the stored pending submit, also after a gateway restart: asks for its commit status and re-sends the same signed transaction (same txId) ' +
      'until it commits or its deadline (OBE_SUBMIT_DEADLINE_SECONDS) passes; never re-endorses. Every submit ends committed or failed; ' +
      'failed with SUBMIT_EXPIRED means the transaction is not on the ledger and no longer sent: a new submit is safe. Only the identity that submitted can read it.',
    pathParams: { txId: str({ pattern: '^[0-9A-Za-z_-]{1,128}$' }) },
    response: ref('SubmitStatus'),
    errors: [404],
  },
];
