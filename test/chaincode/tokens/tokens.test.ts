import { UTILITY, expectRefused, outcome } from '../support';
import { MarketFixture, type Trader } from '../market/fixture';

describe('energy tokens on the embedded runtime', () => {
  let fx: MarketFixture;
  let alice: Trader;
  let bob: Trader;

  beforeAll(async () => {
    fx = await MarketFixture.start();
    alice = await fx.consumer('tok-alice');
    bob = await fx.consumer('tok-bob');
  });
  afterAll(() => fx?.close());

  it('lets only the configured issuer mint and burn', async () => {
    await fx.mint(alice, 1000);
    expect(await fx.balance(alice)).toEqual({ account: alice.pseudonym, available: 1000, escrowed: 0 });
    // The DSO is in the issuer's MSP but is not its market operator; the retailer is in another org.
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, 'Tokens:Mint', [{ account: alice.pseudonym, amount: 5 }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.retailer.identity, 'Tokens:Mint', [{ account: alice.pseudonym, amount: 5 }]), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.retailer.identity, 'Tokens:Burn', [{ account: alice.pseudonym, amount: 5 }]), 'FORBIDDEN');
    await fx.net.submit(fx.cast.marketOperator.identity, 'Tokens:Burn', [{ account: alice.pseudonym, amount: 100 }]);
    expect((await fx.balance(alice)).available).toBe(900);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.marketOperator.identity, 'Tokens:Burn', [{ account: alice.pseudonym, amount: 901 }]), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, () => fx.mint({ ...alice, pseudonym: `p-${'0'.repeat(40)}` }, 5), 'NOT_FOUND');
  });

  it('moves tokens between participants and refuses self-transfers, bad amounts and overdrafts', async () => {
    await fx.net.submit(alice.identity, 'Tokens:Transfer', [{ to: bob.pseudonym, amount: 300 }]);
    expect((await fx.balance(alice)).available).toBe(600);
    expect((await fx.balance(bob)).available).toBe(300);
    const transfer = (amount: unknown, to = bob.pseudonym) => () => fx.net.submit(alice.identity, 'Tokens:Transfer', [{ to, amount }]);
    await expectRefused(fx.net, transfer(10, alice.pseudonym), 'INVALID_ARGUMENT', /own account/);
    await expectRefused(fx.net, transfer(-5), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer(0), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer(1.5), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer('10'), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer(601), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.unregistered, 'Tokens:Transfer', [{ to: bob.pseudonym, amount: 1 }]), 'FORBIDDEN');
    expect((await fx.balance(alice)).available).toBe(600);
  });

  it('never conflicts on concurrent payments into one account (credits are blind writes)', async () => {
    const payers = await Promise.all(Array.from({ length: 12 }, (_, i) => fx.net.participant(UTILITY, `tok-payer-${i}`, ['CONSUMER'])));
    for (const payer of payers) await fx.mint(payer, 50);
    const before = (await fx.balance(bob)).available;
    const results = await Promise.allSettled(payers.map((payer) => fx.net.submit(payer.identity, 'Tokens:Transfer', [{ to: bob.pseudonym, amount: 7 }])));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await fx.balance(bob)).available).toBe(before + 12 * 7);
  });

  it('cannot double-spend: two concurrent debits of one account meet a phantom-read conflict', async () => {
    const spender = await fx.consumer('tok-spender', undefined, 100);
    // Both transfers are endorsed against the same balance of 100; only one can commit.
    const first = await fx.net.endorse(spender.identity, 'Tokens:Transfer', [{ to: alice.pseudonym, amount: 80 }]);
    const second = await fx.net.endorse(spender.identity, 'Tokens:Transfer', [{ to: bob.pseudonym, amount: 80 }]);
    await fx.net.fabric.commit(first);
    const late = await outcome(fx.net.fabric.commit(second));
    expect(late).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', second.txId)?.validationCode).toMatch(/PHANTOM_READ_CONFLICT|MVCC_READ_CONFLICT/);
    expect(await fx.balance(spender)).toMatchObject({ available: 20 });
  });

  it('reports balances to anyone and refuses a malformed account', async () => {
    expect((await fx.net.evaluate(fx.cast.regulator.identity, 'Tokens:GetBalance', [{ account: bob.pseudonym }])) as object).toMatchObject({ account: bob.pseudonym });
    expect(await outcome(fx.net.evaluate(bob.identity, 'Tokens:GetBalance', [{ account: 'nobody' }]))).toBe('INVALID_ARGUMENT');
    expect(await fx.net.evaluate(bob.identity, 'Tokens:GetMyBalance')).toMatchObject({ account: bob.pseudonym, escrowed: 0 });
  });
});

describe('token delta consolidation', () => {
  let fx: MarketFixture;
  afterAll(() => fx?.close());

  it('folds an account’s movement keys into one without changing its balance', async () => {
    fx = await MarketFixture.start();
    const carol = await fx.consumer('tok-carol');
    for (const amount of [10, 20, 30]) await fx.mint(carol, amount);
    const result = await fx.net.submit<{ folded: number }>(carol.identity, 'Tokens:Consolidate');
    expect(result.folded).toBe(3);
    expect((await fx.balance(carol)).available).toBe(60);
    expect((await fx.net.submit<{ folded: number }>(carol.identity, 'Tokens:Consolidate')).folded).toBe(0);
  });

  // A range query answers in pages of 100: exactly one and exactly two full pages are where a reader that trusted an
  // empty last page, or stopped at one, would lose or invent movements.
  it('reads an account of exactly 100 movements (a full result page) and more', async () => {
    const dave = await fx.consumer('tok-dave');
    await Promise.all(Array.from({ length: 100 }, () => fx.mint(dave, 1)));
    expect((await fx.balance(dave)).available).toBe(100);
    await fx.net.submit(dave.identity, 'Tokens:Transfer', [{ to: fx.cast.consumer.pseudonym, amount: 30 }]);
    expect((await fx.balance(dave)).available).toBe(70);
  });

  it('reads an account of exactly 200 movements (two full pages)', async () => {
    const erin = await fx.consumer('tok-erin');
    await Promise.all(Array.from({ length: 200 }, (_, i) => fx.mint(erin, i + 1)));
    expect((await fx.balance(erin)).available).toBe((200 * 201) / 2);
    // The debit's balance check reads the same 200 keys.
    await expectRefused(fx.net, () => fx.net.submit(erin.identity, 'Tokens:Transfer', [{ to: fx.cast.consumer.pseudonym, amount: 20_101 }]), 'RULE_VIOLATION', /20100 available/);
    expect((await fx.net.submit<{ folded: number }>(erin.identity, 'Tokens:Consolidate')).folded).toBe(200);
    expect((await fx.balance(erin)).available).toBe(20_100);
  });
});
