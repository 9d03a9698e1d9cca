import { TX } from '@obe/chaincode';
import { type OperationSpec } from './builder';
import { answers, bodyOf, jsonSchema } from './catalogue';
import { pageQuery } from './schemas';

const pseudonym = jsonSchema(TX.Tokens.GetBalance.args[0].shape.account, 'input');
// A movement's body: its public argument plus the amount, which the gateway moves into the transient map.
const amount = { ...jsonSchema(TX.Tokens.Transfer.transient.shape.movement.shape.amount, 'input'), description: 'Integer amount in the smallest token unit' };
const movementBody = (args: Parameters<typeof bodyOf>[0]) => bodyOf(args, { extend: { properties: { amount }, required: ['amount'] } });

export const tokenOperations: OperationSpec[] = [
  {
    operationId: 'getMyBalance',
    method: 'get',
    path: '/api/v1/tokens/balance',
    tag: 'tokens',
    summary: "The caller's token balance (available and escrowed)",
    ...answers(TX.Tokens.GetMyBalance),
    errors: [403],
  },
  {
    operationId: 'listBalances',
    method: 'get',
    path: '/api/v1/tokens/balances',
    tag: 'tokens',
    summary: 'Balances of every participant, a page at a time (market operator and regulator only: amounts are private)',
    query: pageQuery,
    // One GetBalance per participant of the page (ListParticipants picks them).
    ...answers(TX.Tokens.GetBalance, 'page-each'),
    errors: [403],
  },
  {
    operationId: 'getBalance',
    method: 'get',
    path: '/api/v1/tokens/accounts/{account}',
    tag: 'tokens',
    summary: "A participant's balance (its owner, the market operator and the regulator only: amounts are private)",
    pathParams: { account: pseudonym },
    ...answers(TX.Tokens.GetBalance),
    errors: [403, 404],
  },
  {
    operationId: 'listEscrows',
    method: 'get',
    path: '/api/v1/tokens/accounts/{account}/escrows',
    tag: 'tokens',
    summary: "An account's open escrows (one per open bid or deposit-backed retail offer; visible as its balance is)",
    pathParams: { account: pseudonym },
    ...answers(TX.Tokens.ListEscrows),
    errors: [403, 404],
  },
  {
    operationId: 'transferTokens',
    method: 'post',
    path: '/api/v1/tokens/transfers',
    tag: 'tokens',
    summary: "Transfer from the caller's account to an active participant",
    body: movementBody(TX.Tokens.Transfer.args[0]),
    ...answers(TX.Tokens.Transfer),
    errors: [403, 404],
  },
  {
    operationId: 'mintTokens',
    method: 'post',
    path: '/api/v1/tokens/mint',
    tag: 'tokens',
    summary: "Issue tokens to an account (the token issuer's market operator only)",
    body: movementBody(TX.Tokens.Mint.args[0]),
    ...answers(TX.Tokens.Mint),
    errors: [403, 404],
  },
  {
    operationId: 'burnTokens',
    method: 'post',
    path: '/api/v1/tokens/burn',
    tag: 'tokens',
    summary: "Redeem tokens from an account (the token issuer's market operator only)",
    body: movementBody(TX.Tokens.Burn.args[0]),
    ...answers(TX.Tokens.Burn),
    errors: [403, 404],
  },
];
