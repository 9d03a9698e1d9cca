import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { merkleRootOfLeaves, verifyMerkleProof, type MerkleProofStep } from '../../../chaincode/src/settlement/merkle';
import { deriveParticipantSecret } from '../../../chaincode/src/participants/secret';
import { GRID, REGULATOR, UTILITY, expectRefused, newDevice, signReading, type Actor } from '../support';
import { OBE_CHAINCODE } from '../../../gateway/src/ledger/embedded/obe-network';
import { MarketFixture, ZONE, salt, setClock, restoreClock, signedReading, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const composite = (type: string, ...parts: string[]) => `\u0000${[type, ...parts].join('\u0000')}\u0000`;

/** Every file under `dir`. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Which needles occur anywhere in the data directory: in the raw bytes, and inside any base64 run (the embedded
 * runtime's logs keep values base64-encoded), decoded at each of the four alignments.
 */
function onDisk(dir: string, needles: readonly string[]): string[] {
  const found = new Set<string>();
  for (const file of filesUnder(dir)) {
    const bytes = fs.readFileSync(file);
    const texts = [bytes.toString('latin1')];
    for (const run of bytes.toString('latin1').match(/[A-Za-z0-9+/]{12,}={0,2}/g) ?? []) {
      for (let shift = 0; shift < 4; shift++) texts.push(Buffer.from(run.slice(shift), 'base64').toString('latin1'));
    }
    for (const needle of needles) if (texts.some((text) => text.includes(needle))) found.add(needle);
  }
  return [...found].sort();
}

/**
 * Participants:Erase on the embedded runtime (docs/privacy-and-erasure.md): obligations first, then every private
 * record of the participant leaves every peer's store and the disk, its pseudonym stops resolving, and the settled
 * money stays provable — Merkle root, attested root and everybody else's records.
 */
describe('erasure of a participant that keeps the evidence', () => {
  let fx: MarketFixture;
  let erased: Trader;
  let neighbour: Trader;
  let seller: Trader;
  let start: number;
  let interval: string;
  let bidId: string;
  let neighbourBidId: string;
  const secretInput = randomBytes(32).toString('hex');
  // Values only the erased participant's private records hold (none of them is public anywhere).
  const PRICE = 37;
  const QUANTITY = 4321;
  const IMPORTED = 44_447;
  const MINTED_FIRST = 123_457;
  const CANCELLED_QUANTITY = 3131;

  const attest = async (summary: { merkleRoot: string; recordCount: number; settlementTxId: string }) => {
    const attestation = { sourceChannel: 'energy', market: 'RETAIL', zone: ZONE, interval, merkleRoot: summary.merkleRoot, recordCount: summary.recordCount, sourceTxId: summary.settlementTxId };
    await fx.net.submit(fx.cast.admins[GRID], TX.Audit.Attest, [attestation], { channel: 'audit' });
  };
  const erase = (who: Actor['identity'], pseudonym = erased.pseudonym) => fx.net.submit<Record<string, unknown>>(who, TX.Participants.Erase, [{ pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
  const needles = () => [
    `"quantityWh":${QUANTITY}`,
    // The reading in its private chunk: [interval, imported, exported, … (metering/chunk.ts).
    `[${start},${IMPORTED},0,`,
    deriveParticipantSecret(secretInput, erased.pseudonym),
    `"price":${PRICE}`,
    `"quantityWh":${CANCELLED_QUANTITY}`,
    `"amount":${29 * CANCELLED_QUANTITY}`,
  ];

  beforeAll(async () => {
    fx = await MarketFixture.start({ settlementDeadlineMinutes: 60, minPublicGroupSize: 1 });
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
    // The participant registers with its own secret (crypto-shredding), as the gateway's onboarding does.
    const identity = await fx.net.identity(UTILITY, 'e-erased');
    const registered = await fx.net.submit<{ pseudonym: string }>(identity, TX.Participants.Register, [], { transient: { participantSecret: secretInput } });
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.GrantRole, [{ pseudonym: registered.pseudonym, role: 'CONSUMER' }]);
    const actor: Actor = { name: 'e-erased', identity, mspId: UTILITY, pseudonym: registered.pseudonym, roles: ['CONSUMER'] };
    erased = { ...actor, meterId: await fx.asset(actor, 'meter', ZONE) };
    // History the erasure must reach although no current state lists it: minted amounts folded by a consolidation
    // (purged there), and the escrow of a bid cancelled before (a deleted key: erasure purges it by the order id).
    await fx.mint(erased, MINTED_FIRST);
    await fx.mint(erased, 200_000 - MINTED_FIRST);
    await fx.net.submit(identity, TX.Tokens.Consolidate, [], { transient: { salt: salt() } });
    neighbour = await fx.consumer('e-neighbour', ZONE, 100_000);
    seller = await fx.prosumer('e-seller');
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('trades: both bids win against one offer; erasure is refused while the interval is open', async () => {
    setClock(start - 30 * MINUTE);
    const cancelled = await fx.placeOrder(erased, ZONE, interval, 'BUY', 29, CANCELLED_QUANTITY);
    await fx.net.submit(erased.identity, TX.RetailMarket.CancelOrder, [{ zone: ZONE, interval, orderId: cancelled.orderId }]);
    bidId = (await fx.placeOrder(erased, ZONE, interval, 'BUY', PRICE, QUANTITY)).orderId;
    neighbourBidId = (await fx.placeOrder(neighbour, ZONE, interval, 'BUY', 30, 1000)).orderId;
    await fx.placeOrder(seller, ZONE, interval, 'SELL', 10, 6000);
    const before = fx.net.heights();
    await expectRefused(fx.net, () => erase(erased.identity), 'RULE_VIOLATION', /orders in intervals that have not settled/);
    expect(fx.net.heights()).toEqual(before);
    setClock(start - 4 * MINUTE);
    expect(await fx.clear(ZONE, interval)).toMatchObject({ awardedBuyOrders: 2 });
    await expectRefused(fx.net, () => erase(erased.identity), 'RULE_VIOLATION', /have not settled/);
  });

  it('settles: one reading batch carries both households; the root is attested on the audit channel', async () => {
    setClock(start + INTERVAL + MINUTE);
    const batch = [signedReading(erased.meterId, start, IMPORTED, 0), signedReading(neighbour.meterId, start, 1000, 0), signedReading(seller.meterId!, start, 0, 5321)];
    await fx.net.submit(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], {
      transient: { readings: JSON.stringify({ salt: randomBytes(24).toString('hex'), readings: batch }) },
      endorsingOrgs: [GRID, UTILITY],
    });
    const summary = await fx.settle('RETAIL', ZONE, interval);
    expect(summary.recordCount).toBe(3);
    await attest(summary as never);
    // The zone's total for the interval is published: a public aggregate the erasure must leave standing.
    published = await fx.net.submit(fx.cast.dso.identity, TX.Metering.PublishZoneTotal, [{ zone: ZONE, intervalStart: start }], { endorsingOrgs: [GRID, REGULATOR] });
    expect(published).toMatchObject({ importedWh: IMPORTED + 1000, exportedWh: 5321, participants: 3 });
  });

  it('refuses erasure by another participant, another org’s admin, or while a balance or a meter in service remains', async () => {
    await expectRefused(fx.net, () => erase(neighbour.identity), 'FORBIDDEN', /participant itself or an admin of UtilityMSP/);
    await expectRefused(fx.net, () => erase(fx.cast.admins[GRID]), 'FORBIDDEN');
    await expectRefused(fx.net, () => erase(fx.cast.admins[REGULATOR]), 'FORBIDDEN');
    await expectRefused(fx.net, () => erase(erased.identity), 'RULE_VIOLATION', /not decommissioned/);
    await fx.net.submit(erased.identity, TX.Registry.DecommissionAsset, [{ assetId: erased.meterId }]);
    await expectRefused(fx.net, () => erase(erased.identity), 'RULE_VIOLATION', /balance/);
    // Obligations met: the balance leaves the account (to the neighbour), which erasure never destroys.
    const { available } = await fx.balance(erased);
    await fx.net.submit(erased.identity, TX.Tokens.Transfer, [{ to: neighbour.pseudonym }], { transient: { movement: JSON.stringify({ amount: available, salt: salt() }) } });
    expect(await fx.balance(erased)).toMatchObject({ available: 0, escrowed: 0 });
  });

  let published: Record<string, unknown> = {};
  let supplyBefore = 0n;
  let rootBefore = '';
  let neighbourReading: Record<string, unknown> = {};

  it('holds the participant’s private data on disk before erasure (the scan can fail)', async () => {
    expect(onDisk(fx.net.fabric.dataDir, needles())).toEqual([...needles()].sort());
    // The consolidation already purged the deltas it folded: no peer keeps the first mint's amount.
    expect(onDisk(fx.net.fabric.dataDir, [`"amount":${MINTED_FIRST}`, `"amount":${200_000 - MINTED_FIRST}`])).toEqual([]);
    supplyBefore = await totalTokens();
    rootBefore = (await fx.net.evaluate<{ merkleRoot: string }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [{ market: 'RETAIL', zone: ZONE, interval }])).merkleRoot;
    neighbourReading = await fx.net.evaluate(fx.cast.regulator.identity, TX.Metering.GetReading, [neighbour.meterId, String(start)]);
  });

  it('erases on the org admin’s request: every private record purged, a tombstone left, refused the second time', async () => {
    const result = await erase(fx.cast.admins[UTILITY]);
    expect(result).toMatchObject({ pseudonym: erased.pseudonym, requestedBy: 'ORG_ADMIN', mspId: UTILITY });
    expect(result.purged).toMatchObject({ orders: 2, awards: 1, settledRecords: 1, readings: 1, readingChunksRewritten: 1, participantSecret: 1 });
    await expectRefused(fx.net, () => erase(fx.cast.admins[UTILITY]), 'CONFLICT', /already erased/);
    await expectRefused(fx.net, () => erase(erased.identity), 'CONFLICT', /already erased/);
  });

  it('leaves no plaintext of it in any peer store, in memory or on disk', async () => {
    const orderKey = composite('obe.market.order', 'RETAIL', ZONE, interval, bidId);
    const secretKey = composite('obe.participant.secret', erased.pseudonym);
    for (const org of [GRID, UTILITY, REGULATOR]) {
      expect(fx.net.fabric.privateData(org, 'energy', OBE_CHAINCODE, `orders_${UTILITY}`, orderKey)).toBeUndefined();
      expect(fx.net.fabric.privateData(org, 'energy', OBE_CHAINCODE, `tokens_${UTILITY}`, secretKey)).toBeUndefined();
    }
    expect(onDisk(fx.net.fabric.dataDir, needles())).toEqual([]);
  });

  it('makes the pseudonym unresolvable: the identity cannot act, re-register, or receive tokens', async () => {
    const me = await fx.net.evaluate<{ participant: { status: string; roles: string[] }; effectiveRoles: string[] }>(erased.identity, TX.Participants.WhoAmI);
    expect(me.participant).toMatchObject({ status: 'ERASED', roles: [] });
    expect(me.effectiveRoles).toEqual([]);
    await expectRefused(fx.net, () => fx.net.submit(erased.identity, TX.Participants.Register, []), 'CONFLICT', /erased participant/);
    await expectRefused(fx.net, () => fx.placeOrder(erased, ZONE, new Date(start + 8 * INTERVAL).toISOString(), 'BUY', 20, 100), 'FORBIDDEN', /erased/);
    await expectRefused(
      fx.net,
      () => fx.net.submit(neighbour.identity, TX.Tokens.Transfer, [{ to: erased.pseudonym }], { transient: { movement: JSON.stringify({ amount: 1, salt: salt() }) } }),
      'FORBIDDEN',
      /erased and cannot receive tokens/,
    );
    // The order's public record and commitment stay; its details are gone for everyone, the operator included.
    const order = await fx.net.evaluate<Record<string, unknown>>(fx.cast.marketOperator.identity, TX.RetailMarket.GetOrder, [{ zone: ZONE, interval, orderId: bidId }]);
    expect(order).not.toHaveProperty('details');
  });

  it('keeps the settlement provable: root, attestation, public leaves and the neighbour’s record and reading', async () => {
    const slot = { market: 'RETAIL', zone: ZONE, interval };
    const summary = await fx.net.evaluate<{ merkleRoot: string }>(fx.cast.regulator.identity, TX.Settlement.GetSettlement, [slot]);
    expect(summary.merkleRoot).toBe(rootBefore);
    const leaves = (await fx.net.evaluate<{ leafHash: string }[]>(fx.cast.regulator.identity, TX.Settlement.ListRecords, [slot])).map((r) => r.leafHash);
    expect(merkleRootOfLeaves(leaves)).toBe(rootBefore);
    const attested = await fx.net.evaluate<{ merkleRoot: string }>(fx.cast.regulator.identity, TX.Audit.GetAttestation, [{ sourceChannel: 'energy', market: 'RETAIL', zone: ZONE, interval }], { channel: 'audit' });
    expect(attested.merkleRoot).toBe(rootBefore);
    // The erased participant's record: public leaf only, no details, the proof from public leaves still checks out.
    const mine = await fx.net.evaluate<Record<string, unknown>>(fx.cast.regulator.identity, TX.Settlement.GetRecord, [{ ...slot, orderId: bidId }]);
    expect(mine).not.toHaveProperty('details');
    // The neighbour's record is intact and verifies against the attested root.
    const ref = [{ ...slot, orderId: neighbourBidId }];
    const view = await fx.net.evaluate<{ details: Record<string, unknown> }>(fx.cast.regulator.identity, TX.Settlement.GetRecord, ref);
    const proof = await fx.net.evaluate<{ proof: MerkleProofStep[] }>(fx.cast.regulator.identity, TX.Settlement.GetProof, ref);
    expect(verifyMerkleProof(view.details, proof.proof, attested.merkleRoot)).toBe(true);
    // The neighbour's reading shared a chunk with the erased one: rewritten, same values, same public hash.
    const reading = await fx.net.evaluate<Record<string, unknown>>(fx.cast.regulator.identity, TX.Metering.GetReading, [neighbour.meterId, String(start)]);
    expect({ ...reading, txId: undefined }).toEqual({ ...neighbourReading, txId: undefined });
    expect(reading.hash).toBe(neighbourReading.hash);
    // The published zone total stands, for everyone, and a republication without new readings changes nothing.
    const { txId: _tx, includedBatches: _batches, publishedAt: _at, ...figures } = published;
    for (const viewer of [neighbour, fx.cast.regulator]) {
      expect(await fx.net.evaluate(viewer.identity, TX.Metering.GetZoneTotal, [ZONE, String(start)])).toEqual(figures);
    }
    const again = await fx.net.submit<Record<string, unknown>>(fx.cast.dso.identity, TX.Metering.PublishZoneTotal, [{ zone: ZONE, intervalStart: start }], { endorsingOrgs: [GRID, REGULATOR] });
    expect(again).toMatchObject({ importedWh: IMPORTED + 1000, exportedWh: 5321, txId: published.txId });
  });

  it('conserves money: every token still accounted for, none lost with the erased account', async () => {
    expect(await totalTokens()).toBe(supplyBefore);
    const balance = await fx.net.evaluate(fx.cast.regulator.identity, TX.Tokens.GetBalance, [{ account: erased.pseudonym }]);
    expect(balance).toEqual({ account: erased.pseudonym, available: 0, escrowed: 0 });
  });

  it('erases the seller too: its sell order, the offer totals on its PV and meter, its award and its readings', async () => {
    const needlesOfSeller = ['"offeredWh":6000', `[${start},0,5321,`];
    expect(onDisk(fx.net.fabric.dataDir, needlesOfSeller)).toEqual([...needlesOfSeller].sort());
    for (const assetId of [seller.meterId, seller.pvId!]) await fx.net.submit(seller.identity, TX.Registry.DecommissionAsset, [{ assetId }]);
    const { available } = await fx.balance(seller);
    await fx.net.submit(seller.identity, TX.Tokens.Transfer, [{ to: neighbour.pseudonym }], { transient: { movement: JSON.stringify({ amount: available, salt: salt() }) } });
    const result = await erase(seller.identity, seller.pseudonym);
    expect(result).toMatchObject({ requestedBy: 'PARTICIPANT', purged: { orders: 1, offers: 2, settledRecords: 1, readings: 1 } });
    expect(onDisk(fx.net.fabric.dataDir, needlesOfSeller)).toEqual([]);
    // The root still stands on the public leaves; the neighbour's record still proves against it.
    const slot = { market: 'RETAIL', zone: ZONE, interval };
    const leaves = (await fx.net.evaluate<{ leafHash: string }[]>(fx.cast.regulator.identity, TX.Settlement.ListRecords, [slot])).map((r) => r.leafHash);
    expect(merkleRootOfLeaves(leaves)).toBe(rootBefore);
    const ref = [{ ...slot, orderId: neighbourBidId }];
    const view = await fx.net.evaluate<{ details: Record<string, unknown> }>(fx.cast.regulator.identity, TX.Settlement.GetRecord, ref);
    const proof = await fx.net.evaluate<{ proof: MerkleProofStep[] }>(fx.cast.regulator.identity, TX.Settlement.GetProof, ref);
    expect(verifyMerkleProof(view.details, proof.proof, rootBefore)).toBe(true);
    expect(await totalTokens()).toBe(supplyBefore);
  });

  async function totalTokens(): Promise<bigint> {
    const participants = await fx.net.evaluate<{ pseudonym: string; status: string }[]>(fx.cast.regulator.identity, TX.Participants.ListParticipants);
    let total = 0n;
    for (const p of participants) {
      const b = await fx.net.evaluate<{ available: number; escrowed: number }>(fx.cast.regulator.identity, TX.Tokens.GetBalance, [{ account: p.pseudonym }]);
      total += BigInt(b.available) + BigInt(b.escrowed);
    }
    return total;
  }
});

describe('erasure in every org', () => {
  let fx: MarketFixture;
  beforeAll(async () => {
    fx = await MarketFixture.start();
  });
  afterAll(() => fx?.close());

  it.each([UTILITY, GRID, REGULATOR])('erases a participant of %s, on its own request', async (mspId) => {
    const actor = await fx.net.participant(mspId, `every-org-${mspId}`, []);
    expect(await fx.net.submit(actor.identity, TX.Participants.Erase, [{ pseudonym: actor.pseudonym }])).toMatchObject({ pseudonym: actor.pseudonym, requestedBy: 'PARTICIPANT', mspId });
  });
});

/**
 * A household that took part in demand response: erasure waits for the event to settle, then purges its report
 * (baseline, metered, payment) from every peer and the disk.
 */
describe('erasure after demand response', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  let fx: MarketFixture;
  let household: Actor & { meterId: string; device: ReturnType<typeof newDevice> };
  let eventId: string;
  let eighteen: number;
  const dr = { endorsingOrgs: [GRID, REGULATOR] };
  const BASELINE = 7777;
  const METERED = 1234;

  beforeAll(async () => {
    fx = await MarketFixture.start({ minPublicGroupSize: 1 });
    const day = Math.floor(Date.now() / DAY) * DAY + 3 * DAY;
    eighteen = day + 18 * HOUR;
    setClock(day - 5 * DAY);
    const actor = await fx.net.participant(UTILITY, 'dr-erased', ['CONSUMER']);
    const device = newDevice();
    await fx.net.submit(actor.identity, TX.Registry.RegisterAsset, [{ assetId: 'dr-erased-meter', type: 'meter', segment: 'retail', zone: 'dr-zone', capacityKw: 20, devicePublicKey: device.publicKeyPem }]);
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.CommissionAsset, [{ assetId: 'dr-erased-meter' }]);
    await fx.net.submit(actor.identity, TX.Registry.ActivateAsset, [{ assetId: 'dr-erased-meter' }]);
    household = { ...actor, meterId: 'dr-erased-meter', device };
    await fx.mint(fx.cast.dso, 100_000);
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.CreateProgram, [{ programId: 'erasure', zone: 'dr-zone', baseline: { days: 1, lookbackDays: 3 } }]);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses while the household is opted in to an unsettled event, purges its report after', async () => {
    setClock(eighteen - 6 * HOUR);
    const event = await fx.net.submit<{ eventId: string }>(fx.cast.dso.identity, TX.DemandResponse.CreateEvent, [{ programId: 'erasure', start: new Date(eighteen).toISOString(), targetsWh: [7000], pricePerKwh: 3 }], {
      transient: { salt: salt() },
      ...dr,
    });
    eventId = event.eventId;
    await fx.net.submit(household.identity, TX.DemandResponse.OptIn, [{ eventId, meterId: household.meterId }]);
    const erase = () => fx.net.submit(household.identity, TX.Participants.Erase, [{ pseudonym: household.pseudonym }]);
    await expectRefused(fx.net, erase, 'RULE_VIOLATION', /demand-response events that have not settled/);

    setClock(eighteen + 2 * HOUR);
    const signed = [[eighteen - DAY, BASELINE], [eighteen, METERED]].map(([t, wh]) => signReading(household.device, { assetId: household.meterId, intervalStart: t, importedWh: wh, exportedWh: 0, sequence: t / 1000 }));
    await fx.net.submit(fx.cast.dso.identity, TX.Metering.SubmitReadings, [], { transient: { readings: JSON.stringify({ salt: randomBytes(24).toString('hex'), readings: signed }) }, endorsingOrgs: [GRID, UTILITY] });
    await fx.net.submit(fx.cast.dso.identity, TX.DemandResponse.SettleEvent, [{ eventId }], { transient: { salt: salt() }, ...dr });
    const report = () => fx.net.evaluate<{ details?: { amount: number } }>(fx.cast.regulator.identity, TX.DemandResponse.GetReport, [{ eventId, participant: household.pseudonym }]);
    const amount = (await report()).details!.amount;
    expect(amount).toBe((BASELINE - METERED) * 3);
    const needles = [`"amount":${amount}`, `"baselineWh":${BASELINE}`, `"meteredWh":${METERED}`];
    expect(onDisk(fx.net.fabric.dataDir, needles)).toEqual([...needles].sort());

    await fx.net.submit(household.identity, TX.Registry.DecommissionAsset, [{ assetId: household.meterId }]);
    // Paid out in two parts: the receiver's own movements (which stay: they are its records) then never hold the
    // household's payment amount.
    for (const part of [amount - 1000, 1000]) {
      await fx.net.submit(household.identity, TX.Tokens.Transfer, [{ to: fx.cast.dso.pseudonym }], { transient: { movement: JSON.stringify({ amount: part, salt: salt() }) } });
    }
    const result = await erase();
    expect(result).toMatchObject({ purged: { demandResponseReports: 1, readings: 2 } });
    expect((await report()).details).toBeUndefined();
    expect(onDisk(fx.net.fabric.dataDir, needles)).toEqual([]);
  });
});
