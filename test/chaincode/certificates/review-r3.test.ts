/**
 * Review R3 of #17 (green certificates): attacks on the rules that move certificates, on the embedded runtime.
 *
 * A certificate stands for the energy of one device-signed reading. When the DSO later declares the meter's key
 * compromised since before that interval, the reading stops counting (metering/trust.ts): GetReading shows it voided
 * and settlement treats it as missing. The certificate issued from it must stop counting too — not transferable, not
 * claimable, not moved by a settlement — otherwise whoever stole the key keeps green energy that was never metered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { deriveSalt, hmacSha256Hex } from '../../../chaincode/src/common/hash';
import { verifyMerkleProof, type MerkleProofStep } from '../../../chaincode/src/common/merkle';
import { OBE_CHAINCODE } from '../../../gateway/src/ledger/embedded/obe-network';
import { GRID, REGULATOR, UTILITY, expectRefused, newDevice } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

import { TX } from '@obe/chaincode';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;

interface LotView {
  lot: { lotId: string; status: string };
  details: { owner: string; quantityWh: number };
}

describe('review R3: a certificate whose reading is voided by a key-compromise declaration', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let consumer: Trader;
  let start: number;
  let interval: string;

  const lots = (t: Trader) => fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }]);
  const transfer = (t: Trader, lotId: string, to: string, quantityWh: number) =>
    fx.net.submit(t.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ zone: ZONE, interval, lotId, to, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  const claim = (t: Trader, lotIds: string[], quantityWh: number) =>
    fx.net.submit(t.identity, TX.Certificates.Claim, [], {
      transient: { claim: JSON.stringify({ zone: ZONE, interval, lotIds, meterId: t.meterId, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });

  beforeAll(async () => {
    start = Math.floor(Date.now() / INTERVAL) * INTERVAL + 4 * INTERVAL;
    interval = new Date(start).toISOString();
    setClock(start - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: 600 });
    producer = await fx.prosumer('r3-producer');
    consumer = await fx.consumer('r3-consumer');
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start, 0, 1200);
    await fx.reading(consumer.meterId, start, 900, 0);
    await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    const [lot] = await lots(producer);
    await transfer(producer, lot.lot.lotId, consumer.pseudonym, 1000);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('can be claimed while the reading counts (the refusal below is not for another reason)', async () => {
    const [mine] = await lots(consumer);
    expect(mine.details.quantityWh).toBe(1000);
    // A dry run: endorsement succeeds; it is never committed.
    await expect(
      fx.net.endorse(consumer.identity, TX.Certificates.Claim, [], {
        transient: { claim: JSON.stringify({ zone: ZONE, interval, lotIds: [mine.lot.lotId], meterId: consumer.meterId, quantityWh: 500, salt: salt() }) },
        endorsingOrgs: [GRID, UTILITY],
      }),
    ).resolves.toBeDefined();
  });

  it('is neither claimable nor transferable once the producer meter’s key is declared compromised since before the interval', async () => {
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: producer.meterId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: start - 10 * MINUTE }]);
    const [mine] = await lots(consumer);
    await expectRefused(fx.net, () => claim(consumer, [mine.lot.lotId], 500), 'RULE_VIOLATION', /compromised|no longer counts/);
    const [rest] = await lots(producer);
    await expectRefused(fx.net, () => transfer(producer, rest.lot.lotId, consumer.pseudonym, 100), 'RULE_VIOLATION', /compromised|no longer counts/);
    await expectRefused(fx.net, () => transfer(consumer, mine.lot.lotId, producer.pseudonym, 100), 'RULE_VIOLATION', /compromised|no longer counts/);
  });
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

/** Whether `needle` occurs anywhere in the data directory, raw or inside a base64 run (as erasure.test.ts scans). */
function onDisk(dir: string, needle: string): boolean {
  for (const file of filesUnder(dir)) {
    const text = fs.readFileSync(file).toString('latin1');
    if (text.includes(needle)) return true;
    for (const run of text.match(/[A-Za-z0-9+/]{12,}={0,2}/g) ?? []) {
      for (let shift = 0; shift < 4; shift++) if (Buffer.from(run.slice(shift), 'base64').toString('latin1').includes(needle)) return true;
    }
  }
  return false;
}

/**
 * The holder index tags a holder's lots with an HMAC of its holder secret, so the public index links lots to each
 * other but never to a pseudonym, and erasure purges the secret for good. A secret derived from the salt of whoever
 * first gave the holder a lot is that party's to compute: it can follow every lot anyone else gives the holder, and
 * after the erasure still link them in the blocks. With a participant secret (every participant the gateway
 * registers has one), the holder secret must need it.
 */
describe('review R3: the certificate holder index cannot be followed by whoever first gave the holder a lot', () => {
  let fx: MarketFixture;
  let giver: Trader;
  let other: Trader;
  let start: number;
  let interval: string;
  let holder: { identity: Awaited<ReturnType<MarketFixture['net']['identity']>>; pseudonym: string };

  const transfer = (t: Trader, lotId: string, to: string, quantityWh: number, chosenSalt = salt()) =>
    fx.net.submit(t.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ zone: ZONE, interval, lotId, to, quantityWh, salt: chosenSalt }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  const lotOf = async (t: Trader) => (await fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }]))[0].lot.lotId;

  beforeAll(async () => {
    start = Math.floor(Date.now() / INTERVAL) * INTERVAL + 4 * INTERVAL;
    interval = new Date(start).toISOString();
    setClock(start - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: 600 });
    giver = await fx.prosumer('r3-giver');
    other = await fx.prosumer('r3-other');
    // Registered as the gateway registers a household: with its own participant secret.
    const identity = await fx.net.identity(UTILITY, 'r3-holder');
    const registered = await fx.net.submit<{ pseudonym: string }>(identity, TX.Participants.Register, [], { transient: { participantSecret: randomBytes(32).toString('hex') } });
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.GrantRole, [{ pseudonym: registered.pseudonym, role: 'CONSUMER' }]);
    holder = { identity, pseudonym: registered.pseudonym };
    setClock(start + INTERVAL + MINUTE);
    for (const t of [giver, other]) await fx.reading(t.meterId, start, 0, 1000);
    await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [giver, other].map((t) => ({ assetId: t.pvId, meterId: t.meterId })) }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('the giver’s own salt does not yield the tag under which a third party’s lot for the holder is indexed', async () => {
    const chosen = salt();
    await transfer(giver, await lotOf(giver), holder.pseudonym, 1, chosen);
    await transfer(other, await lotOf(other), holder.pseudonym, 500);
    const held = await fx.net.evaluate<LotView[]>(holder.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }]);
    expect(held.map((l) => l.details.quantityWh).sort((a, b) => a - b)).toEqual([1, 500]);
    // What the giver computes from the salt it chose (certificates/book.ts before the fix).
    const guessed = hmacSha256Hex(Buffer.from(deriveSalt(chosen, `cert-holder:${holder.pseudonym}`), 'utf8'), 'certificate-holder').slice(0, 40);
    // The check can fail: the index tag is on disk (the two lots' index keys), whatever its value.
    expect(onDisk(fx.net.fabric.dataDir, 'obe.cert.held')).toBe(true);
    expect(onDisk(fx.net.fabric.dataDir, guessed)).toBe(false);
  });
});

const composite = (type: string, ...parts: string[]) => `\u0000${[type, ...parts].join('\u0000')}\u0000`;

/**
 * A household sells its house: the meter goes to the buyer, who claims certificates against the meter's import of its
 * own intervals. Erasing the seller must purge the seller's claims against that meter — the intervals it owned the
 * meter — and never the buyer's (nor the other way round): a purged claim record of an interval that still has a
 * public one blocks every further claim against it (PRIVATE_DATA_UNAVAILABLE) and drops it from the matching score.
 */
describe('review R3: erasing a meter’s former owner leaves the new owner’s certificate claims alone', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let seller: Trader;
  let buyer: Trader;
  let start1: number;
  let start2: number;
  const iv = (ms: number) => new Date(ms).toISOString();
  const stored = (org: string, key: string) => fx.net.fabric.privateData(org, 'energy', OBE_CHAINCODE, `certificates_${UTILITY}`, key);
  const lotsIn = (t: { identity: Trader['identity'] }, start: number) => fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval: iv(start) }]);
  const give = async (start: number, to: Trader, quantityWh: number) => {
    const [lot] = await lotsIn(producer, start);
    await fx.net.submit(producer.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ zone: ZONE, interval: iv(start), lotId: lot.lot.lotId, to: to.pseudonym, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  };
  const claimOn = async (who: Trader, start: number, quantityWh: number) => {
    const lotIds = (await lotsIn(who, start)).map((l) => l.lot.lotId);
    return fx.net.submit(who.identity, TX.Certificates.Claim, [], {
      transient: { claim: JSON.stringify({ zone: ZONE, interval: iv(start), lotIds, meterId: seller.meterId, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  };

  beforeAll(async () => {
    start1 = Math.floor(Date.now() / INTERVAL) * INTERVAL + 4 * INTERVAL;
    start2 = start1 + 2 * INTERVAL;
    setClock(start1 - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: 600 });
    producer = await fx.prosumer('r3-sale-producer');
    seller = await fx.consumer('r3-sale-seller');
    buyer = await fx.consumer('r3-sale-buyer');
    setClock(start1 + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start1, 0, 1000);
    await fx.reading(seller.meterId, start1, 500, 0);
    // The house is sold between the two intervals.
    await fx.net.submit(seller.identity, TX.Registry.OfferTransfer, [{ assetId: seller.meterId, to: buyer.pseudonym }]);
    await fx.net.submit(buyer.identity, TX.Registry.AcceptTransfer, [{ assetId: seller.meterId }]);
    setClock(start2 + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start2, 0, 1000);
    await fx.reading(seller.meterId, start2, 500, 0);
    for (const start of [start1, start2]) {
      await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval: iv(start), items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], {
        transient: { salt: salt() },
        endorsingOrgs: [GRID, REGULATOR],
      });
    }
    await give(start1, seller, 400);
    await give(start2, buyer, 400);
    await claimOn(seller, start1, 100);
    await claimOn(buyer, start2, 100);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('purges the seller’s claim on the meter, keeps the buyer’s, and the buyer claims on', async () => {
    for (const org of [GRID, UTILITY, REGULATOR]) {
      expect(stored(org, composite('obe.cert.claimed', seller.meterId, iv(start1)))).toBeDefined();
      expect(stored(org, composite('obe.cert.claimed', seller.meterId, iv(start2)))).toBeDefined();
    }
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: seller.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    for (const org of [GRID, UTILITY, REGULATOR]) {
      expect(stored(org, composite('obe.cert.claimed', seller.meterId, iv(start1)))).toBeUndefined();
      expect(stored(org, composite('obe.cert.claimed', seller.meterId, iv(start2)))).toBeDefined();
    }
    await claimOn(buyer, start2, 50);
    const score = await fx.net.evaluate<{ total: { claimedWh: number } }>(buyer.identity, TX.Certificates.GetMatchingScore, [{ meterId: seller.meterId, from: iv(start2), to: iv(start2 + INTERVAL) }]);
    expect(score.total.claimedWh).toBe(150);
  });
});

/**
 * A CLAIM event's private body names the consumer meter and the Wh claimed against its import: a lower bound of the
 * household's consumption in that interval, which the grid operator can tie to an address. Erasure purges the
 * household's readings; its claim bodies must go too — once the interval's seal has counted them (an unsealed
 * interval's seal purges them after taking its totals). Nobody else's lineage runs through a claim, and the public leaf
 * hash stays, so the root and every other proof still verify.
 */
describe('review R3: erasure purges the bodies of the household’s certificate claims', () => {
  const WINDOW = 60;
  let fx: MarketFixture;
  let producer: Trader;
  let household: Trader;
  let sealedStart: number;
  let openStart: number;
  const iv = (ms: number) => new Date(ms).toISOString();
  const bodyOnPeers = (key: string) => [GRID, UTILITY, REGULATOR].map((org) => fx.net.fabric.privateData(org, 'energy', OBE_CHAINCODE, `certificates_${UTILITY}`, key) !== undefined);
  const claimEvent = async (start: number) => {
    const events = await fx.net.evaluate<{ key: string; kind: string }[]>(fx.cast.regulator.identity, TX.Certificates.ListEvents, [{ zone: ZONE, interval: iv(start) }]);
    return events.find((e) => e.kind === 'CLAIM')!.key;
  };
  const seal = (start: number) =>
    fx.net.submit<{ merkleRoot: string; claimedWh: number; issuedWh: number; expiredWh: number }>(fx.cast.dso.identity, TX.Certificates.SealInterval, [{ zone: ZONE, interval: iv(start) }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });

  beforeAll(async () => {
    sealedStart = Math.floor(Date.now() / INTERVAL) * INTERVAL + 4 * INTERVAL;
    openStart = sealedStart + 8 * INTERVAL;
    setClock(sealedStart - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: WINDOW });
    producer = await fx.prosumer('r3-claims-producer');
    household = await fx.consumer('r3-claims-household');
    for (const start of [sealedStart, openStart]) {
      setClock(start + INTERVAL + MINUTE);
      await fx.reading(producer.meterId, start, 0, 1000);
      await fx.reading(household.meterId, start, 800, 0);
      await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval: iv(start), items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], {
        transient: { salt: salt() },
        endorsingOrgs: [GRID, REGULATOR],
      });
      const [lot] = await fx.net.evaluate<LotView[]>(producer.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval: iv(start) }]);
      await fx.net.submit(producer.identity, TX.Certificates.Transfer, [], {
        transient: { transfer: JSON.stringify({ zone: ZONE, interval: iv(start), lotId: lot.lot.lotId, to: household.pseudonym, quantityWh: 700, salt: salt() }) },
        endorsingOrgs: [GRID, UTILITY],
      });
      const [mine] = await fx.net.evaluate<LotView[]>(household.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval: iv(start) }]);
      await fx.net.submit(household.identity, TX.Certificates.Claim, [], {
        transient: { claim: JSON.stringify({ zone: ZONE, interval: iv(start), lotIds: [mine.lot.lotId], meterId: household.meterId, quantityWh: 654, salt: salt() }) },
        endorsingOrgs: [GRID, UTILITY],
      });
    }
    // The first interval is sealed before the erasure; the second one after it.
    setClock(openStart + INTERVAL + MINUTE);
    await seal(sealedStart);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('purges a sealed interval’s claim body at once and an open one’s at its seal, whose totals still count it', async () => {
    const sealedClaim = await claimEvent(sealedStart);
    const openClaim = await claimEvent(openStart);
    expect(bodyOnPeers(sealedClaim)).toEqual([true, true, true]);
    expect(bodyOnPeers(openClaim)).toEqual([true, true, true]);
    await fx.net.submit(household.identity, TX.Registry.DecommissionAsset, [{ assetId: household.meterId }]);
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: household.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    expect(bodyOnPeers(sealedClaim)).toEqual([false, false, false]);
    setClock(openStart + INTERVAL + WINDOW * MINUTE);
    const sealed = await seal(openStart);
    expect(sealed).toMatchObject({ issuedWh: 1000, claimedWh: 654, expiredWh: 346 });
    expect(bodyOnPeers(openClaim)).toEqual([false, false, false]);
    // Every other event still verifies against the root; the claim keeps its public leaf hash and proof.
    const [cert] = await fx.net.evaluate<{ certId: string }[]>(fx.cast.regulator.identity, TX.Certificates.ListCertificates, [{ zone: ZONE, interval: iv(openStart) }]);
    const trail = await fx.net.evaluate<{ events: { key: string; event: { kind: string }; details?: unknown; proof: { proof: MerkleProofStep[]; leafHash: string } }[] }>(
      fx.cast.regulator.identity,
      TX.Certificates.GetTrail,
      [{ zone: ZONE, interval: iv(openStart), certId: cert.certId }],
    );
    for (const e of trail.events) {
      if (e.key === openClaim) expect(e.details).toBeUndefined();
      else expect(verifyMerkleProof(e.details, e.proof.proof, sealed.merkleRoot)).toBe(true);
    }
    expect(trail.events.map((e) => e.event.kind)).toContain('CLAIM');
  });
});

/** The settlement side of a voided certificate: the seller holds lots of it; its own delivery settles, the lots stay. */
describe('review R3: a settlement moves no certificate whose reading was voided', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let seller: Trader;
  let buyer: Trader;
  let start: number;
  let interval: string;
  let sellId: string;

  beforeAll(async () => {
    fx = await MarketFixture.start({ settlementDeadlineMinutes: 60, minPublicGroupSize: 1, certificateClaimWindowMinutes: 600 });
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
    producer = await fx.prosumer('r3-void-producer');
    seller = await fx.prosumer('r3-void-seller');
    buyer = await fx.consumer('r3-void-buyer', ZONE, 100_000);
    setClock(start - 30 * MINUTE);
    sellId = (await fx.placeOrder(seller, ZONE, interval, 'SELL', 10, 1000)).orderId;
    await fx.placeOrder(buyer, ZONE, interval, 'BUY', 20, 1000);
    setClock(start - 4 * MINUTE);
    await fx.clear(ZONE, interval);
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start, 0, 1000);
    await fx.reading(seller.meterId, start, 0, 1000);
    await fx.reading(buyer.meterId, start, 1000, 0);
    // The seller holds only the producer's certificate (its own PV is not certified).
    await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    const [lot] = await fx.net.evaluate<LotView[]>(producer.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }]);
    await fx.net.submit(producer.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ zone: ZONE, interval, lotId: lot.lot.lotId, to: seller.pseudonym, quantityWh: 1000, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('pays the seller for its delivery; the voided certificate stays with it, the buyer gets none', async () => {
    await fx.net.submit(fx.cast.dso.identity, TX.Registry.RotateDeviceKey, [{ assetId: producer.meterId, devicePublicKey: newDevice().publicKeyPem, compromisedSince: start - 10 * MINUTE }]);
    const before = (await fx.balance(seller)).available;
    await fx.settle('RETAIL', ZONE, interval);
    expect((await fx.balance(seller)).available).toBeGreaterThan(before);
    expect(await fx.net.evaluate<LotView[]>(buyer.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }])).toEqual([]);
    const binding = await fx.net.evaluate<{ binding: { status: string } }>(seller.identity, TX.Certificates.GetBinding, [{ market: 'RETAIL', zone: ZONE, interval, orderId: sellId }]);
    expect(binding.binding.status).toBe('NO_CERTIFICATE');
  });
});

/**
 * After erasure nothing may be written for the erased participant again. A household sells its house (meter and PV)
 * and is erased; the head-end's reading of an interval before the sale arrives late (the meter is in service under the
 * new owner, and metering does not yet refuse readings of an erased owner's intervals). A certificate issued from it
 * would go to the erased pseudonym — a new lot, holder secret and index entry of it, its secret gone.
 */
describe('review R3: no certificate is issued to an erased participant', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let newOwner: Trader;
  let start: number;
  let interval: string;

  beforeAll(async () => {
    start = Math.floor(Date.now() / INTERVAL) * INTERVAL + 4 * INTERVAL;
    interval = new Date(start).toISOString();
    setClock(start - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: 600 });
    producer = await fx.prosumer('r3-erased-producer');
    newOwner = await fx.consumer('r3-new-owner');
    setClock(start + INTERVAL + MINUTE);
    for (const assetId of [producer.meterId, producer.pvId!]) {
      await fx.net.submit(producer.identity, TX.Registry.OfferTransfer, [{ assetId, to: newOwner.pseudonym }]);
      await fx.net.submit(newOwner.identity, TX.Registry.AcceptTransfer, [{ assetId }]);
    }
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: producer.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    // A late reading for an interval the erased participant owned is itself refused now (metering, OWNER_ERASED).
    await expect(fx.reading(producer.meterId, start, 0, 900)).rejects.toThrow(/owner at that interval was erased/);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses the issuance for an interval in which the erased participant owned the asset', async () => {
    await expectRefused(
      fx.net,
      () => fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }),
      'RULE_VIOLATION',
      // No reading could be recorded for it; the issuance's own erased-owner check stays as a second line.
      /erased|has no reading/,
    );
  });
});
