/**
 * Review R3 of #17 (erasure): races. An erasure and a transaction that would give the participant a new obligation —
 * tokens sent to it, a mint — endorsed against the same state and committed one after the other (as in one block):
 * whichever commits second is invalidated (MVCC or phantom read), so no token ever lands in an erased account and no
 * erasure leaves a balance behind.
 */
import { TX } from '@obe/chaincode';
import { GRID, UTILITY, outcome } from '../support';
import { MarketFixture, ZONE, salt, type Trader } from '../market/fixture';

describe('review R3: erasure racing a payment to the participant', () => {
  let fx: MarketFixture;
  let payer: Trader;

  const fresh = async (name: string): Promise<Trader> => {
    const t = await fx.consumer(name, ZONE, 0);
    await fx.net.submit(t.identity, TX.Registry.DecommissionAsset, [{ assetId: t.meterId }]);
    return t;
  };
  const endorseErase = (t: Trader) => fx.net.endorse(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: t.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
  const endorsePay = (t: Trader, amount: number) =>
    fx.net.endorse(payer.identity, TX.Tokens.Transfer, [{ to: t.pseudonym }], { transient: { movement: JSON.stringify({ amount, salt: salt() }) } });
  const total = async (ts: Trader[]) => {
    let sum = 0;
    for (const t of ts) {
      const b = await fx.balance(t);
      sum += b.available + b.escrowed;
    }
    return sum;
  };
  const status = async (t: Trader) => (await fx.net.evaluate<{ status: string }>(fx.cast.regulator.identity, TX.Participants.GetParticipant, [t.pseudonym])).status;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    payer = await fx.consumer('r3-payer', ZONE, 10_000);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('payment committed first: the erasure endorsed before it is invalidated, the tokens stay with their new owner', async () => {
    const target = await fresh('r3-target-1');
    const erase = await endorseErase(target);
    const pay = await endorsePay(target, 700);
    expect(await outcome(fx.net.fabric.commit(pay))).toBe('OK');
    expect(await outcome(fx.net.fabric.commit(erase))).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', erase.txId)?.validationCode).toMatch(/CONFLICT/);
    expect(await status(target)).toBe('ACTIVE');
    expect((await fx.balance(target)).available).toBe(700);
  });

  it('erasure committed first: the payment endorsed before it is invalidated, the payer keeps its tokens', async () => {
    const target = await fresh('r3-target-2');
    const before = await total([payer, target]);
    const erase = await endorseErase(target);
    const pay = await endorsePay(target, 500);
    expect(await outcome(fx.net.fabric.commit(erase))).toBe('OK');
    expect(await outcome(fx.net.fabric.commit(pay))).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', pay.txId)?.validationCode).toMatch(/CONFLICT/);
    expect(await status(target)).toBe('ERASED');
    expect((await fx.balance(payer)).available + (await fx.balance(payer)).escrowed).toBe(before);
  });
});
