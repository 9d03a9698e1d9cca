import { arr, int, obj, record, ref, str, type OperationSpec, type Schema } from './builder';
import { page, pageQuery } from './schemas';

const pseudonym = str({ pattern: '^p-[0-9a-f]{40}$' });
const amount = int({ minimum: 1, maximum: 9007199254740991, description: 'Integer amount in the smallest token unit' });

export const tokenSchemas: Record<string, Schema> = {
  Balance: record({ account: pseudonym, available: int(), escrowed: int() }, ['account', 'available']),
  // No amount: a submitted transaction's result is in the block, readable by every channel member (amounts are private).
  TokenMovement: record({ kind: str({ enum: ['MINT', 'BURN', 'TRANSFER'] }), from: pseudonym, to: pseudonym, txId: str() }, ['kind', 'txId']),
};

export const tokenOperations: OperationSpec[] = [
  {
    operationId: 'getMyBalance',
    method: 'get',
    path: '/api/v1/tokens/balance',
    tag: 'tokens',
    summary: "The caller's token balance (available and escrowed)",
    response: ref('Balance'),
    errors: [403],
  },
  {
    operationId: 'listBalances',
    method: 'get',
    path: '/api/v1/tokens/balances',
    tag: 'tokens',
    summary: 'Balances of every participant, a page at a time (market operator and regulator only: amounts are private)',
    query: pageQuery,
    response: page(ref('Balance')),
    errors: [403],
  },
  {
    operationId: 'getBalance',
    method: 'get',
    path: '/api/v1/tokens/accounts/{account}',
    tag: 'tokens',
    summary: "A participant's balance (its owner, the market operator and the regulator only: amounts are private)",
    pathParams: { account: pseudonym },
    response: ref('Balance'),
    errors: [403, 404],
  },
  {
    operationId: 'listEscrows',
    method: 'get',
    path: '/api/v1/tokens/accounts/{account}/escrows',
    tag: 'tokens',
    summary: "An account's open escrows (one per open bid; visible as its balance is)",
    pathParams: { account: pseudonym },
    response: arr(record({})),
    errors: [403, 404],
  },
  {
    operationId: 'transferTokens',
    method: 'post',
    path: '/api/v1/tokens/transfers',
    tag: 'tokens',
    summary: "Transfer from the caller's account to an active participant",
    body: obj({ to: pseudonym, amount }),
    submit: { result: ref('TokenMovement') },
    errors: [403, 404],
  },
  {
    operationId: 'mintTokens',
    method: 'post',
    path: '/api/v1/tokens/mint',
    tag: 'tokens',
    summary: "Issue tokens to an account (the token issuer's market operator only)",
    body: obj({ account: pseudonym, amount }),
    submit: { result: ref('TokenMovement') },
    errors: [403, 404],
  },
  {
    operationId: 'burnTokens',
    method: 'post',
    path: '/api/v1/tokens/burn',
    tag: 'tokens',
    summary: "Redeem tokens from an account (the token issuer's market operator only)",
    body: obj({ account: pseudonym, amount }),
    submit: { result: ref('TokenMovement') },
    errors: [403, 404],
  },
];
