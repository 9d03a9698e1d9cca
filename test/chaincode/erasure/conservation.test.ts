import fc from 'fast-check';
import { TX } from '@obe/chaincode';
import { UTILITY, expectRefused, type Actor } from '../support';
import { MarketFixture, salt } from '../market/fixture';

/**
 * Money conservation across erasure (property): whatever the mints and transfers, erasing an account never changes
 * Σ (available + escrowed) over all accounts — it is refused while the account holds anything, and once its balance
 * is paid out the erased account reads 0 and takes no payment. Runs on the embedded runtime, one network for all runs.
 */
let fx: MarketFixture;
beforeAll(async () => {
  fx = await MarketFixture.start();
});
afterAll(() => fx?.close());

let run = 0;

async function total(accounts: readonly Actor[]): Promise<bigint> {
  let sum = 0n;
  for (const a of accounts) {
    const b = await fx.net.evaluate<{ available: number; escrowed: number }>(fx.cast.regulator.identity, TX.Tokens.GetBalance, [{ account: a.pseudonym }]);
    sum += BigInt(b.available) + BigInt(b.escrowed);
  }
  return sum;
}

const transfer = (from: Actor, to: Actor, amount: number) =>
  fx.net.submit(from.identity, TX.Tokens.Transfer, [{ to: to.pseudonym }], { transient: { movement: JSON.stringify({ amount, salt: salt() }) } });

test('erasure conserves money: refused while a balance remains, Σ balances unchanged after it', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 3, maxLength: 3 }),
      fc.array(fc.record({ from: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 0, max: 2 }), share: fc.integer({ min: 1, max: 100 }) }), { maxLength: 4 }),
      fc.integer({ min: 0, max: 2 }),
      async (mints, transfers, victim) => {
        run++;
        const accounts: Actor[] = [];
        for (let i = 0; i < 3; i++) accounts.push(await fx.net.participant(UTILITY, `cons-${run}-${i}`, ['CONSUMER']));
        for (const [i, amount] of mints.entries()) await fx.mint(accounts[i], amount);
        const minted = mints.reduce((sum, m) => sum + BigInt(m), 0n);
        for (const t of transfers) {
          if (t.from === t.to) continue;
          const { available } = await fx.balance(accounts[t.from]);
          const amount = Math.floor((available * t.share) / 100);
          if (amount > 0) await transfer(accounts[t.from], accounts[t.to], amount);
        }
        expect(await total(accounts)).toBe(minted);
        const erased = accounts[victim];
        const heir = accounts[(victim + 1) % 3];
        const erase = () => fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: erased.pseudonym }]);
        const { available } = await fx.balance(erased);
        if (available > 0) {
          await expectRefused(fx.net, erase, 'RULE_VIOLATION', /balance/);
          await transfer(erased, heir, available);
        }
        await erase();
        expect(await total(accounts)).toBe(minted);
        expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.Tokens.GetBalance, [{ account: erased.pseudonym }])).toMatchObject({ available: 0, escrowed: 0 });
        await expectRefused(fx.net, () => transfer(heir, erased, 1), 'FORBIDDEN', /erased/);
      },
    ),
    { numRuns: 8 },
  );
}, 300_000);
