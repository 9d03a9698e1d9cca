import { GRID, REGULATOR, UTILITY, expectRefused, outcome } from '../support';
import { MarketFixture, salt, type Trader } from '../market/fixture';

import { TX } from '@obe/chaincode';
/** Amounts travel in transient `movement`, never as arguments (those are in the block). */
const moving = (amount: unknown) => ({ transient: { movement: JSON.stringify({ amount, salt: salt() }) } });
const withSalt = { transient: { salt: salt() } };

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
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.Tokens.Mint, [{ account: alice.pseudonym }], moving(5)), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.retailer.identity, TX.Tokens.Mint, [{ account: alice.pseudonym }], moving(5)), 'FORBIDDEN');
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.retailer.identity, TX.Tokens.Burn, [{ account: alice.pseudonym }], moving(5)), 'FORBIDDEN');
    await fx.net.submit(fx.cast.marketOperator.identity, TX.Tokens.Burn, [{ account: alice.pseudonym }], moving(100));
    expect((await fx.balance(alice)).available).toBe(900);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.marketOperator.identity, TX.Tokens.Burn, [{ account: alice.pseudonym }], moving(901)), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, () => fx.mint({ ...alice, pseudonym: `p-${'0'.repeat(40)}` }, 5), 'NOT_FOUND');
  });

  it('moves tokens between participants and refuses self-transfers, bad amounts and overdrafts', async () => {
    await fx.net.submit(alice.identity, TX.Tokens.Transfer, [{ to: bob.pseudonym }], moving(300));
    expect((await fx.balance(alice)).available).toBe(600);
    expect((await fx.balance(bob)).available).toBe(300);
    const transfer = (amount: unknown, to = bob.pseudonym) => () => fx.net.submit(alice.identity, TX.Tokens.Transfer, [{ to }], moving(amount));
    await expectRefused(fx.net, transfer(10, alice.pseudonym), 'INVALID_ARGUMENT', /own account/);
    await expectRefused(fx.net, transfer(-5), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer(0), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer(1.5), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer('10'), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, transfer(601), 'RULE_VIOLATION', /insufficient funds/);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.unregistered, TX.Tokens.Transfer, [{ to: bob.pseudonym }], moving(1)), 'FORBIDDEN');
    expect((await fx.balance(alice)).available).toBe(600);
  });

  it('never conflicts on concurrent payments into one account (credits are blind writes)', async () => {
    const payers = await Promise.all(Array.from({ length: 12 }, (_, i) => fx.net.participant(UTILITY, `tok-payer-${i}`, ['CONSUMER'])));
    for (const payer of payers) await fx.mint(payer, 50);
    const before = (await fx.balance(bob)).available;
    const results = await Promise.allSettled(payers.map((payer) => fx.net.submit(payer.identity, TX.Tokens.Transfer, [{ to: bob.pseudonym }], moving(7))));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await fx.balance(bob)).available).toBe(before + 12 * 7);
  });

  it('cannot double-spend: two concurrent debits of one account meet a phantom-read conflict', async () => {
    const spender = await fx.consumer('tok-spender', undefined, 100);
    // Both transfers are endorsed against the same balance of 100; only one can commit.
    const first = await fx.net.endorse(spender.identity, TX.Tokens.Transfer, [{ to: alice.pseudonym }], moving(80));
    const second = await fx.net.endorse(spender.identity, TX.Tokens.Transfer, [{ to: bob.pseudonym }], moving(80));
    await fx.net.fabric.commit(first);
    const late = await outcome(fx.net.fabric.commit(second));
    expect(late).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', second.txId)?.validationCode).toMatch(/PHANTOM_READ_CONFLICT|MVCC_READ_CONFLICT/);
    expect(await fx.balance(spender)).toMatchObject({ available: 20 });
  });

  it('shows a balance to its owner, the market operator and the regulator only, and refuses a malformed account', async () => {
    for (const viewer of [bob, fx.cast.marketOperator, fx.cast.regulator]) {
      expect(await fx.net.evaluate(viewer.identity, TX.Tokens.GetBalance, [{ account: bob.pseudonym }])).toMatchObject({ account: bob.pseudonym });
      expect(await fx.net.evaluate(viewer.identity, TX.Tokens.ListEscrows, [{ account: bob.pseudonym }])).toEqual([]);
    }
    for (const outsider of [alice, fx.cast.retailer, fx.cast.dso]) {
      expect(await outcome(fx.net.evaluate(outsider.identity, TX.Tokens.GetBalance, [{ account: bob.pseudonym }]))).toBe('FORBIDDEN');
      expect(await outcome(fx.net.evaluate(outsider.identity, TX.Tokens.ListEscrows, [{ account: bob.pseudonym }]))).toBe('FORBIDDEN');
    }
    expect(await outcome(fx.net.evaluate(bob.identity, TX.Tokens.GetBalance, [{ account: 'nobody' }]))).toBe('INVALID_ARGUMENT');
    expect(await fx.net.evaluate(bob.identity, TX.Tokens.GetMyBalance)).toMatchObject({ account: bob.pseudonym, escrowed: 0 });
  });

  it('refuses a movement whose amount travels as an argument or without its transient salt, writing nothing', async () => {
    // An amount in the arguments would be in the block for every channel member: the schema refuses the extra field.
    await expectRefused(fx.net, () => fx.net.submit(alice.identity, TX.Tokens.Transfer, [{ to: bob.pseudonym, amount: 5 }], moving(5)), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, () => fx.net.submit(alice.identity, TX.Tokens.Transfer, [{ to: bob.pseudonym }]), 'INVALID_ARGUMENT', /transient 'movement'/);
    const shortSalt = { transient: { movement: JSON.stringify({ amount: 5, salt: 'short' }) } };
    await expectRefused(fx.net, () => fx.net.submit(alice.identity, TX.Tokens.Transfer, [{ to: bob.pseudonym }], shortSalt), 'INVALID_ARGUMENT');
    await expectRefused(fx.net, () => fx.net.submit(alice.identity, TX.Tokens.Consolidate), 'INVALID_ARGUMENT', /transient 'salt'/);
  });
});

describe('token amounts are private (docs/markets.md)', () => {
  let fx: MarketFixture;
  afterAll(() => fx?.close());

  /** Everything of one transaction that every channel member reads in the block, with base64 values decoded. */
  const publicView = (tx: { blockNumber: number; txId: string }): string => {
    const entry = fx.net.fabric.block('energy', tx.blockNumber).transactions.find((t) => t.txId === tx.txId)!;
    const text = (b64: string | undefined) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
    return JSON.stringify({
      args: entry.args,
      response: text(entry.response.payload),
      event: text(entry.event?.payload),
      writes: entry.rwset.writes.map((w) => ({ key: w.key, value: text(w.value) })),
      collections: entry.rwset.collections,
    });
  };
  const deltaKey = (account: string, txId: string, n: number) => `\u0000obe.token.delta\u0000${account}\u0000${txId}\u0000${String(n).padStart(4, '0')}\u0000`;

  it('keeps mint and transfer amounts out of the block, in the account orgs’ collections only', async () => {
    fx = await MarketFixture.start();
    const payer = await fx.consumer('priv-payer');
    const payee = fx.cast.marketOperator; // a GridOperatorMSP participant: its amounts are not the utility's to see
    const minted = await fx.net.fabric.submit(
      fx.net.request(fx.cast.marketOperator.identity, TX.Tokens.Mint, [{ account: payer.pseudonym }], moving(987_654_321)),
    );
    const moved = await fx.net.fabric.submit(fx.net.request(payer.identity, TX.Tokens.Transfer, [{ to: payee.pseudonym }], moving(123_456_789)));

    for (const tx of [minted, moved]) {
      const view = publicView(tx);
      expect(view).toMatch(/commitment/); // the decoding works: the public delta records are in view
      expect(view).not.toMatch(/987654321|123456789|864197532/);
      expect(view).not.toMatch(/amount/);
    }
    expect(JSON.parse(moved.payload.toString())).toEqual({ kind: 'TRANSFER', from: payer.pseudonym, to: payee.pseudonym, txId: moved.txId });

    // The payer's debit: in tokens_UtilityMSP on the utility's, the grid operator's and the regulator's peers.
    const debit = deltaKey(payer.pseudonym, moved.txId, 0);
    for (const org of [UTILITY, GRID, REGULATOR]) {
      expect(JSON.parse(fx.net.fabric.privateData(org, 'energy', 'obe', 'tokens_UtilityMSP', debit)!.toString())).toMatchObject({ amount: -123_456_789 });
    }
    // The payee's credit: in tokens_GridOperatorMSP, which the utility's peer never receives.
    const credit = deltaKey(payee.pseudonym, moved.txId, 1);
    expect(JSON.parse(fx.net.fabric.privateData(GRID, 'energy', 'obe', 'tokens_GridOperatorMSP', credit)!.toString())).toMatchObject({ amount: 123_456_789 });
    expect(fx.net.fabric.privateData(UTILITY, 'energy', 'obe', 'tokens_GridOperatorMSP', credit)).toBeUndefined();
    expect(await fx.balance(payer)).toEqual({ account: payer.pseudonym, available: 987_654_321 - 123_456_789, escrowed: 0 });
  });

  it('salts each amount: equal amounts leave different public commitments', async () => {
    const a = await fx.consumer('priv-a');
    const b = await fx.consumer('priv-b');
    const ma = await fx.net.fabric.submit(fx.net.request(fx.cast.marketOperator.identity, TX.Tokens.Mint, [{ account: a.pseudonym }], moving(1)));
    const mb = await fx.net.fabric.submit(fx.net.request(fx.cast.marketOperator.identity, TX.Tokens.Mint, [{ account: b.pseudonym }], moving(1)));
    const commitmentOf = (tx: { blockNumber: number; txId: string }) => publicView(tx).match(/commitment\\"\s*:\s*\\"([0-9a-f]{64})/)?.[1];
    expect(commitmentOf(ma)).toMatch(/^[0-9a-f]{64}$/);
    expect(commitmentOf(ma)).not.toBe(commitmentOf(mb));
  });
});

describe('token delta consolidation', () => {
  let fx: MarketFixture;
  afterAll(() => fx?.close());

  it('folds an account’s movement keys into one without changing its balance', async () => {
    fx = await MarketFixture.start();
    const carol = await fx.consumer('tok-carol');
    for (const amount of [10, 20, 30]) await fx.mint(carol, amount);
    const result = await fx.net.submit<{ folded: number }>(carol.identity, TX.Tokens.Consolidate, [], withSalt);
    expect(result.folded).toBe(3);
    expect((await fx.balance(carol)).available).toBe(60);
    expect((await fx.net.submit<{ folded: number }>(carol.identity, TX.Tokens.Consolidate, [], withSalt)).folded).toBe(0);
  });

  // A range query answers in pages of 100: exactly one and exactly two full pages are where a reader that trusted an
  // empty last page, or stopped at one, would lose or invent movements.
  it('reads an account of exactly 100 movements (a full result page) and more', async () => {
    const dave = await fx.consumer('tok-dave');
    await Promise.all(Array.from({ length: 100 }, () => fx.mint(dave, 1)));
    expect((await fx.balance(dave)).available).toBe(100);
    await fx.net.submit(dave.identity, TX.Tokens.Transfer, [{ to: fx.cast.consumer.pseudonym }], moving(30));
    expect((await fx.balance(dave)).available).toBe(70);
  });

  it('reads an account of exactly 200 movements (two full pages)', async () => {
    const erin = await fx.consumer('tok-erin');
    await Promise.all(Array.from({ length: 200 }, (_, i) => fx.mint(erin, i + 1)));
    expect((await fx.balance(erin)).available).toBe((200 * 201) / 2);
    // The debit's balance check reads the same 200 keys.
    await expectRefused(fx.net, () => fx.net.submit(erin.identity, TX.Tokens.Transfer, [{ to: fx.cast.consumer.pseudonym }], moving(20_101)), 'RULE_VIOLATION', /20100 available/);
    expect((await fx.net.submit<{ folded: number }>(erin.identity, TX.Tokens.Consolidate, [], withSalt)).folded).toBe(200);
    expect((await fx.balance(erin)).available).toBe(20_100);
  });
});
