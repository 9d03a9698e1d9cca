import { expectError, expectNoServerErrors, http } from './support/http';
import { startHarness, type Harness } from './support/harness';

import { TX } from '@obe/chaincode';
expectNoServerErrors();

const UNKNOWN = `p-${'0'.repeat(40)}`;
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const minted = await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['consumer-01'], amount: 1000 });
  expect(minted.status).toBe(200);
}, 60_000);
afterAll(() => h?.close());

describe('tokens', () => {
  it('the issuer mints and burns; nobody else may', async () => {
    const mint = await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['prosumer-01'], amount: 50 });
    expect(mint.status).toBe(200);
    // The result is in the block for every channel member: it names the movement, not the amount.
    expect(mint.body.result).toEqual({ kind: 'MINT', to: h.pseudonyms['prosumer-01'], txId: mint.body.txId });
    expectError(await http(h.app).post('/api/v1/tokens/mint').set(h.auth('prosumer-01')).send({ account: h.pseudonyms['prosumer-01'], amount: 5 }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: UNKNOWN, amount: 5 }), 404, 'NOT_FOUND');
    expectError(await http(h.app).post('/api/v1/tokens/mint').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['prosumer-01'], amount: 1.5 }), 400, 'INVALID_ARGUMENT');
    const burn = await http(h.app).post('/api/v1/tokens/burn').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['prosumer-01'], amount: 20 });
    expect(burn.status).toBe(200);
    expectError(await http(h.app).post('/api/v1/tokens/burn').set(h.auth('gridoperator-admin')).send({ account: h.pseudonyms['prosumer-01'], amount: 10_000 }), 422, 'RULE_VIOLATION');
  });

  it('transfers between participants; overspending is a rule violation', async () => {
    const t = await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).send({ to: h.pseudonyms['prosumer-02'], amount: 100 });
    expect(t.status).toBe(200);
    expect(t.body.result).toMatchObject({ kind: 'TRANSFER', to: h.pseudonyms['prosumer-02'] });
    expect(t.body.result).not.toHaveProperty('amount');
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).send({ to: h.pseudonyms['prosumer-02'], amount: 1_000_000 }), 422, 'RULE_VIOLATION');
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).send({ to: UNKNOWN, amount: 1 }), 404, 'NOT_FOUND');
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).send({ to: h.pseudonyms['prosumer-02'] }), 400, 'INVALID_ARGUMENT');
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('stranger')).send({ to: h.pseudonyms['prosumer-02'], amount: 1 }), 403, 'FORBIDDEN');
    expectError(await http(h.app).post('/api/v1/tokens/transfers').send({ to: h.pseudonyms['prosumer-02'], amount: 1 }), 401, 'UNAUTHENTICATED');
  });

  it('reads balances: the caller’s; anyone’s and all of them a page at a time for the regulator; no one else’s', async () => {
    const mine = await http(h.app).get('/api/v1/tokens/balance').set(h.auth('consumer-01'));
    expect(mine.status).toBe(200);
    expect(mine.body.available).toBe(900);
    const theirs = await http(h.app).get(`/api/v1/tokens/accounts/${h.pseudonyms['prosumer-02']}`).set(h.auth('regulator-admin'));
    expect(theirs.body.available).toBe(100);
    expectError(await http(h.app).get(`/api/v1/tokens/accounts/${UNKNOWN}`).set(h.auth('regulator-admin')), 404, 'NOT_FOUND');
    expectError(await http(h.app).get('/api/v1/tokens/balance').set(h.auth('stranger')), 403, 'FORBIDDEN');
    const all = await http(h.app).get('/api/v1/tokens/balances?pageSize=200').set(h.auth('regulator-admin'));
    expect(all.status).toBe(200);
    expect(all.body.items.find((b: { account: string }) => b.account === h.pseudonyms['consumer-01']).available).toBe(900);
    const escrows = await http(h.app).get(`/api/v1/tokens/accounts/${h.pseudonyms['consumer-01']}/escrows`).set(h.auth('regulator-admin'));
    expect(escrows.body).toEqual([]);
    // Amounts are private: another participant's balance and escrows, or everyone's, are the operator's and the
    // regulator's to see, not a neighbour's.
    expectError(await http(h.app).get(`/api/v1/tokens/accounts/${h.pseudonyms['prosumer-02']}`).set(h.auth('consumer-01')), 403, 'FORBIDDEN');
    expectError(await http(h.app).get(`/api/v1/tokens/accounts/${h.pseudonyms['prosumer-02']}/escrows`).set(h.auth('consumer-01')), 403, 'FORBIDDEN');
    expectError(await http(h.app).get('/api/v1/tokens/balances').set(h.auth('consumer-01')), 403, 'FORBIDDEN');
  });
});

describe('submit semantics over HTTP', () => {

  it('Idempotency-Key: a retry returns the first result and moves tokens once; another body with the key is 422', async () => {
    const body = { to: h.pseudonyms['prosumer-02'], amount: 7 };
    const before = (await http(h.app).get('/api/v1/tokens/balance').set(h.auth('consumer-01'))).body.available;
    const first = await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Idempotency-Key', 'pay-7').send(body);
    const retry = await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Idempotency-Key', 'pay-7').send(body);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    const after = (await http(h.app).get('/api/v1/tokens/balance').set(h.auth('consumer-01'))).body.available;
    expect(before - after).toBe(7);
    expectError(
      await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Idempotency-Key', 'pay-7').send({ ...body, amount: 8 }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Idempotency-Key', 'bad key!').send(body), 400, 'INVALID_ARGUMENT');
  });

  it('Prefer: respond-async answers 202 with a status URL that reports the commit to its submitter only', async () => {
    const res = await http(h.app)
      .post('/api/v1/tokens/transfers')
      .set(h.auth('consumer-01'))
      .set('Prefer', 'respond-async')
      .send({ to: h.pseudonyms['prosumer-02'], amount: 3 });
    expect(res.status).toBe(202);
    expect(res.headers['preference-applied']).toBe('respond-async');
    expect(res.headers.location).toBe(res.body.statusUrl);
    let status = await http(h.app).get(res.body.statusUrl).set(h.auth('consumer-01'));
    for (let i = 0; i < 20 && status.body.status === 'pending'; i++) status = await http(h.app).get(res.body.statusUrl).set(h.auth('consumer-01'));
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ txId: res.body.txId, status: 'committed' });
    expect(status.body.result).toMatchObject({ kind: 'TRANSFER', to: h.pseudonyms['prosumer-02'] });
    expectError(await http(h.app).get(res.body.statusUrl).set(h.auth('prosumer-02')), 404, 'NOT_FOUND');
  });

  it('turns transport mistakes into 4xx: malformed JSON, wrong media type, oversized body', async () => {
    expectError(
      await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Content-Type', 'application/json').send('{"to": '),
      400,
      'MALFORMED_JSON',
    );
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).set('Content-Type', 'text/plain').send('hello'), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).send([1, 2]), 400, 'INVALID_ARGUMENT');
    const huge = { to: h.pseudonyms['prosumer-02'], amount: 1, pad: 'x'.repeat(2 * 1024 * 1024) };
    expectError(await http(h.app).post('/api/v1/tokens/transfers').set(h.auth('consumer-01')).send(huge), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('counts submits by outcome on /metrics', async () => {
    const text = (await http(h.app).get('/metrics')).text;
    expect(text).toMatch(new RegExp(`obe_submits_total\\{fn="${TX.Tokens.Transfer.name}",outcome="committed"\\} \\d+`));
    expect(text).toMatch(new RegExp(`obe_submits_total\\{fn="${TX.Tokens.Transfer.name}",outcome="replayed"\\} \\d+`));
    expect(text).toMatch(/obe_http_requests_total\{method="POST",route="\/api\/v1\/tokens\/transfers",status="422"\} \d+/);
  });
});
