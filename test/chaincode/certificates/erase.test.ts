import { TX } from '@obe/chaincode';
import { verifyMerkleProof, type MerkleProofStep } from '../../../chaincode/src/common/merkle';
import { OBE_CHAINCODE } from '../../../gateway/src/ledger/embedded/obe-network';
import { GRID, REGULATOR, UTILITY } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const WINDOW_MINUTES = 60;
const composite = (type: string, ...parts: string[]) => `\u0000${[type, ...parts].join('\u0000')}\u0000`;

interface LotView {
  lot: { lotId: string };
  details: { quantityWh: number };
}

/**
 * certificates/erase.ts through Participants:Erase on the embedded runtime: every certificate private record of the
 * erased holder (its lots, its holder secret, its meter's claims) leaves every peer's store, its active lots expire
 * first, and the interval still seals with issued = claimed + expired and every event verifying against the root.
 */
describe('erasing a certificate holder', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let holder: Trader;
  let start: number;
  let interval: string;
  const slot = () => ({ zone: ZONE, interval });
  const lotsOf = (t: Trader) => fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [slot()]);
  const stored = (org: string, collection: string, key: string) => fx.net.fabric.privateData(org, 'energy', OBE_CHAINCODE, collection, key);
  let heldLotIds: string[] = [];

  beforeAll(async () => {
    start = Math.floor(Date.now() / INTERVAL) * INTERVAL + 2 * INTERVAL;
    interval = new Date(start).toISOString();
    setClock(start - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: WINDOW_MINUTES });
    producer = await fx.prosumer('ce-producer');
    holder = await fx.consumer('ce-holder');
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start, 0, 3000);
    await fx.reading(holder.meterId, start, 1000, 0);
    await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    const [lot] = await lotsOf(producer);
    await fx.net.submit(producer.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ ...slot(), lotId: lot.lot.lotId, to: holder.pseudonym, quantityWh: 2500, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
    const [received] = await lotsOf(holder);
    heldLotIds.push(received.lot.lotId);
    await fx.net.submit(holder.identity, TX.Certificates.Claim, [], {
      transient: { claim: JSON.stringify({ ...slot(), lotIds: [received.lot.lotId], meterId: holder.meterId, quantityWh: 700, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
    heldLotIds = [...heldLotIds, ...(await lotsOf(holder)).map((l) => l.lot.lotId)];
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('holds the holder’s lots, secret and claims in every member peer before erasure (the check can fail)', async () => {
    expect(heldLotIds).toHaveLength(2);
    for (const org of [GRID, UTILITY, REGULATOR]) {
      expect(stored(org, `certificates_${UTILITY}`, composite('obe.cert.holder', holder.pseudonym))).toBeDefined();
      for (const lotId of heldLotIds) expect(stored(org, `certificates_${UTILITY}`, composite('obe.cert.lot', ZONE, interval, lotId))).toBeDefined();
      expect(stored(org, `certificates_${UTILITY}`, composite('obe.cert.claimed', holder.meterId, interval))).toBeDefined();
    }
  });

  it('purges them with the participant, expiring its active lot first', async () => {
    await fx.net.submit(holder.identity, TX.Registry.DecommissionAsset, [{ assetId: holder.meterId }]);
    await fx.net.submit(fx.cast.admins[UTILITY], TX.Participants.Erase, [{ pseudonym: holder.pseudonym }], { endorsingOrgs: [UTILITY, GRID] });
    for (const org of [GRID, UTILITY, REGULATOR]) {
      expect(stored(org, `certificates_${UTILITY}`, composite('obe.cert.holder', holder.pseudonym))).toBeUndefined();
      for (const lotId of heldLotIds) expect(stored(org, `certificates_${UTILITY}`, composite('obe.cert.lot', ZONE, interval, lotId))).toBeUndefined();
      expect(stored(org, `certificates_${UTILITY}`, composite('obe.cert.claimed', holder.meterId, interval))).toBeUndefined();
    }
    // The producer's own lot is untouched.
    expect((await lotsOf(producer)).map((l) => l.details.quantityWh)).toEqual([500]);
    const [cert] = await fx.net.evaluate<{ certId: string }[]>(fx.cast.regulator.identity, TX.Certificates.ListCertificates, [slot()]);
    const trail = await fx.net.evaluate<{ lots: { lot: { lotId: string; status: string }; details?: unknown }[]; events: { event: { kind: string } }[] }>(
      fx.cast.regulator.identity,
      TX.Certificates.GetTrail,
      [{ ...slot(), certId: cert.certId }],
    );
    for (const lot of trail.lots.filter((l) => heldLotIds.includes(l.lot.lotId))) expect(lot.details).toBeUndefined();
    expect(trail.lots.find((l) => l.lot.lotId === heldLotIds[1])?.lot.status).toBe('EXPIRED');
    expect(trail.events.map((e) => e.event.kind)).toEqual(['ISSUE', 'TRANSFER', 'CLAIM', 'EXPIRE']);
  });

  it('still seals: issued = claimed + expired, every event verifies against the root', async () => {
    setClock(start + INTERVAL + WINDOW_MINUTES * MINUTE);
    const seal = await fx.net.submit<{ merkleRoot: string; issuedWh: number; claimedWh: number; expiredWh: number }>(fx.cast.dso.identity, TX.Certificates.SealInterval, [slot()], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    expect(seal).toMatchObject({ issuedWh: 3000, claimedWh: 700, expiredWh: 2300 });
    const [cert] = await fx.net.evaluate<{ certId: string }[]>(fx.cast.regulator.identity, TX.Certificates.ListCertificates, [slot()]);
    const trail = await fx.net.evaluate<{ events: { event: { kind: string }; details: unknown; proof: { proof: MerkleProofStep[] } }[] }>(fx.cast.regulator.identity, TX.Certificates.GetTrail, [{ ...slot(), certId: cert.certId }]);
    expect(trail.events).toHaveLength(5);
    // The erased household's claim body (its meter and the Wh claimed) left with the seal, which counted it first
    // (review R3); its public leaf hash stays in the root, and every other event verifies.
    for (const e of trail.events) {
      if (e.event.kind === 'CLAIM') expect(e.details).toBeUndefined();
      else expect(verifyMerkleProof(e.details, e.proof.proof, seal.merkleRoot)).toBe(true);
    }
  });
});
