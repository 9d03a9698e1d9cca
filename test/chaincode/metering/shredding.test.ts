import { createHash, randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { canonicalJson } from '../../../chaincode/src/common/canonical-json';
import { deriveSalt } from '../../../chaincode/src/common/hash';
import { shreddableReadingSalt } from '../../../chaincode/src/metering/erase';
import { readingSaltLabel } from '../../../chaincode/src/metering/reading';
import { deriveParticipantSecret } from '../../../chaincode/src/participants/secret';
import { OBE_CHAINCODE } from '../../../gateway/src/ledger/embedded/obe-network';
import { GRID, REGULATOR, UTILITY, expectRefused, type Actor } from '../support';
import { MarketFixture, restoreClock, setClock, signedReading, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const ZONE_S = 'shred-zone';
const composite = (type: string, ...parts: string[]) => `\u0000${[type, ...parts].join('\u0000')}\u0000`;
const hashWith = (salt: string, assetId: string, intervalStart: number, importedWh: number, exportedWh: number) =>
  createHash('sha256')
    .update(`${salt}\n${canonicalJson({ assetId, intervalStart, importedWh, exportedWh, sequence: intervalStart / 1000 })}`)
    .digest('hex');

/**
 * Crypto-shredding of reading salts (docs/adr/0007-crypto-shredding.md) and the zone total an erasure leaves standing:
 * a head-end that keeps its batch secret cannot reproduce an erased owner's public reading hash, an erased owner's
 * intervals take no new readings, duplicates are still recognised, and a republication after an erasure adds the
 * new batches to the published figures instead of re-summing (which would reveal the erased share by difference).
 */
describe('reading salts shredded with the owner’s secret', () => {
  let fx: MarketFixture;
  let owner: Trader;
  let neighbour: Trader;
  let late: Trader;
  let t0: number;
  let t1: number;
  const secretInput = randomBytes(32).toString('hex');
  const BATCH_SECRET = randomBytes(24).toString('hex');
  const OWNER_WH = 4_441;
  const NEIGHBOUR_WH = 1_000;
  const LATE_WH = 10;
  const submit = (readings: Record<string, unknown>[], batchSecret = BATCH_SECRET) =>
    fx.net.submit<{ accepted: number; duplicates: number }>(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: { readings: JSON.stringify({ salt: batchSecret, readings }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  const publish = () => fx.net.submit<Record<string, unknown>>(fx.cast.dso.identity, TX.Metering.PublishZoneTotal, [{ zone: ZONE_S, intervalStart: t1 }], { endorsingOrgs: [GRID, REGULATOR] });
  const recordOf = (assetId: string, at: number) => fx.net.evaluate<{ hash: string }>(fx.cast.regulator.identity, TX.Metering.GetReading, [assetId, String(at)]);

  beforeAll(async () => {
    const base = Math.ceil((Date.now() + 60 * MINUTE) / INTERVAL) * INTERVAL;
    setClock(base - MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    t0 = base;
    t1 = base + INTERVAL;
    const identity = await fx.net.identity(UTILITY, 'shred-owner');
    const registered = await fx.net.submit<{ pseudonym: string }>(identity, TX.Participants.Register, [], { transient: { participantSecret: secretInput } });
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.GrantRole, [{ pseudonym: registered.pseudonym, role: 'CONSUMER' }]);
    const actor: Actor = { name: 'shred-owner', identity, mspId: UTILITY, pseudonym: registered.pseudonym, roles: ['CONSUMER'] };
    owner = { ...actor, meterId: await fx.asset(actor, 'meter', ZONE_S) };
    neighbour = await fx.consumer('shred-neighbour', ZONE_S);
    late = await fx.consumer('shred-late', ZONE_S);
    setClock(t1 + INTERVAL + MINUTE);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('salts the owner’s reading with its secret: the batch secret alone does not reproduce the public hash', async () => {
    expect(await submit([signedReading(owner.meterId, t1, OWNER_WH, 0), signedReading(neighbour.meterId, t1, NEIGHBOUR_WH, 0)])).toMatchObject({ accepted: 2, duplicates: 0 });
    const { hash } = await recordOf(owner.meterId, t1);
    const batchOnly = deriveSalt(BATCH_SECRET, readingSaltLabel(owner.meterId, t1));
    expect(hash).not.toBe(hashWith(batchOnly, owner.meterId, t1, OWNER_WH, 0));
    const shredded = shreddableReadingSalt(deriveParticipantSecret(secretInput, owner.pseudonym), BATCH_SECRET, { assetId: owner.meterId, intervalStart: t1 });
    expect(hash).toBe(hashWith(shredded, owner.meterId, t1, OWNER_WH, 0));
  });

  it('still recognises a resubmitted batch as duplicates, and a changed value as a conflict', async () => {
    expect(await submit([signedReading(owner.meterId, t1, OWNER_WH, 0), signedReading(neighbour.meterId, t1, NEIGHBOUR_WH, 0)])).toMatchObject({ accepted: 0, duplicates: 2 });
    await expectRefused(fx.net, () => submit([signedReading(owner.meterId, t1, OWNER_WH + 1, 0)]), 'CONFLICT', /already has a different reading/);
    // A resubmission with another batch secret is still a duplicate (the private value decides).
    expect(await submit([signedReading(owner.meterId, t1, OWNER_WH, 0)], randomBytes(24).toString('hex'))).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  let published: Record<string, unknown> = {};

  it('erases the owner: its secret leaves every peer, and its earlier interval takes no new reading', async () => {
    published = await publish();
    expect(published).toMatchObject({ importedWh: OWNER_WH + NEIGHBOUR_WH, participants: 2, readings: 2 });
    // The meter is sold to the neighbour; the seller, owner at t0 and t1, is erased.
    await fx.net.submit(owner.identity, TX.Registry.OfferTransfer, [{ assetId: owner.meterId, to: neighbour.pseudonym }]);
    await fx.net.submit(neighbour.identity, TX.Registry.AcceptTransfer, [{ assetId: owner.meterId }]);
    await fx.net.submit(owner.identity, TX.Participants.Erase, [{ pseudonym: owner.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    const secretKey = composite('obe.participant.secret', owner.pseudonym);
    for (const org of [GRID, UTILITY, REGULATOR]) {
      expect(fx.net.fabric.privateData(org, 'energy', OBE_CHAINCODE, `tokens_${UTILITY}`, secretKey)).toBeUndefined();
    }
    const heights = fx.net.heights();
    await expectRefused(fx.net, () => submit([signedReading(neighbour.meterId, t0, 5, 0), signedReading(owner.meterId, t0, 7, 0)]), 'RULE_VIOLATION', /reading\[1\].*owner at that interval was erased/);
    expect(fx.net.heights()).toEqual(heights);
  });

  it('republishes the zone total as the published figures plus the new batch, never a re-sum after the erasure', async () => {
    expect(await submit([signedReading(late.meterId, t1, LATE_WH, 0)])).toMatchObject({ accepted: 1 });
    const again = await publish();
    // A re-sum would give NEIGHBOUR_WH + LATE_WH, and the published difference would be the erased owner's reading.
    expect(again).toMatchObject({ importedWh: OWNER_WH + NEIGHBOUR_WH + LATE_WH, participants: 3, readings: 3, suppressed: false });
    const markers = (await fx.net.evaluate<{ batches: number }>(fx.cast.regulator.identity, TX.Metering.GetZoneTotal, [ZONE_S, String(t1)])).batches;
    expect(again.batches).toBe(markers);
    expect(await fx.net.evaluate(late.identity, TX.Metering.GetZoneTotal, [ZONE_S, String(t1)])).toMatchObject({ importedWh: OWNER_WH + NEIGHBOUR_WH + LATE_WH, published: true });
  });
});
