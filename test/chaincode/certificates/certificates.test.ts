import { verifyMerkleProof } from '../../../chaincode/src/common/merkle';
import { GRID, REGULATOR, UTILITY, expectRefused, outcome } from '../support';
import { MarketFixture, OTHER_ZONE, ZONE, salt, setClock, restoreClock, type Trader } from '../market/fixture';

import { TX } from '@obe/chaincode';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const WINDOW_MINUTES = 120;

interface LotView {
  lot: { lotId: string; certId: string; status: string; zone: string; interval: string };
  details: { owner: string; quantityWh: number };
}

/**
 * Granular certificates on the embedded runtime: issued from signed export readings, moved by the P2P settlement in
 * the same transaction as the payment, claimed against metered import, expired and sealed under a Merkle root that
 * the audit channel attests, and the regulator's trail verified leaf by leaf against that root.
 */
describe('green certificates: issuance, settlement binding, claims, expiry, audit trail', () => {
  let fx: MarketFixture;
  let s1: Trader, s2: Trader, b1: Trader, b2: Trader, s4: Trader, b4: Trader;
  let start: number;
  let interval: string;
  const orders: Record<string, string> = {};
  let battery: string;
  let pv2: string;

  const lots = (t: Trader) => fx.net.evaluate<LotView[]>(t.identity, TX.Certificates.ListMyLots, [{ zone: ZONE, interval }]);
  const held = async (t: Trader) => (await lots(t)).reduce((sum, l) => sum + l.details.quantityWh, 0);
  const issue = (items: { assetId: string; meterId: string }[], who = fx.cast.dso.identity) =>
    fx.net.submit<{ issued: { certId: string }[]; skipped: unknown[] }>(who, TX.Certificates.Issue, [{ interval, items }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
  const claim = (t: Trader, lotIds: string[], quantityWh: number, meterId = t.meterId) =>
    fx.net.submit(t.identity, TX.Certificates.Claim, [], {
      transient: { claim: JSON.stringify({ zone: ZONE, interval, lotIds, meterId, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });
  const transfer = (t: Trader, lotId: string, to: string, quantityWh: number) =>
    fx.net.submit(t.identity, TX.Certificates.Transfer, [], {
      transient: { transfer: JSON.stringify({ zone: ZONE, interval, lotId, to, quantityWh, salt: salt() }) },
      endorsingOrgs: [GRID, UTILITY],
    });

  beforeAll(async () => {
    fx = await MarketFixture.start({ settlementDeadlineMinutes: 60, minPublicGroupSize: 1, certificateClaimWindowMinutes: WINDOW_MINUTES });
    start = Math.ceil((Date.now() + 2 * 60 * MINUTE) / INTERVAL) * INTERVAL;
    interval = new Date(start).toISOString();
    [s1, s2] = [await fx.prosumer('c-s1'), await fx.prosumer('c-s2')];
    [b1, b2] = [await fx.consumer('c-b1', ZONE, 100_000), await fx.consumer('c-b2', ZONE, 100_000)];
    // Another zone, whose seller holds no certificate.
    [s4, b4] = [await fx.prosumer('c-s4', OTHER_ZONE), await fx.consumer('c-b4', OTHER_ZONE, 100_000)];
    battery = await fx.asset(s1, 'battery', ZONE);
    pv2 = await fx.asset(s1, 'pv', ZONE);
    setClock(start - 30 * MINUTE);
    orders.S1 = (await fx.placeOrder(s1, ZONE, interval, 'SELL', 10, 3000)).orderId;
    orders.S2 = (await fx.placeOrder(s2, ZONE, interval, 'SELL', 12, 2000)).orderId;
    orders.B1 = (await fx.placeOrder(b1, ZONE, interval, 'BUY', 30, 2000)).orderId;
    orders.B2 = (await fx.placeOrder(b2, ZONE, interval, 'BUY', 20, 2500)).orderId;
    orders.S4 = (await fx.placeOrder(s4, OTHER_ZONE, interval, 'SELL', 10, 400)).orderId;
    orders.B4 = (await fx.placeOrder(b4, OTHER_ZONE, interval, 'BUY', 30, 400)).orderId;
    setClock(start - 4 * MINUTE);
    await fx.clear(ZONE, interval);
    await fx.clear(OTHER_ZONE, interval);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('refuses issuance before the interval ends, without a reading, by a non-DSO, for a non-green asset', async () => {
    setClock(start + 5 * MINUTE);
    await expectRefused(fx.net, () => issue([{ assetId: s1.pvId!, meterId: s1.meterId }]), 'RULE_VIOLATION', /not ended/);
    setClock(start + INTERVAL + MINUTE);
    await expectRefused(fx.net, () => issue([{ assetId: s1.pvId!, meterId: s1.meterId }]), 'RULE_VIOLATION', /no reading/);
    await fx.reading(s1.meterId, start, 0, 3000);
    await fx.reading(s2.meterId, start, 0, 1000);
    await fx.reading(b1.meterId, start, 2000, 0);
    await fx.reading(b2.meterId, start, 1500, 0);
    await expectRefused(fx.net, () => issue([{ assetId: s1.pvId!, meterId: s1.meterId }], s1.identity), 'FORBIDDEN', /DSO/);
    // A certificate body named in governance: only its DSO participants issue; the MSP must be a configured org.
    const gridAdmin = await fx.net.admin(GRID);
    await fx.net.submit(gridAdmin, TX.Governance.UpdateConfig, [{ certificateIssuerMspId: UTILITY }]);
    await expectRefused(fx.net, () => issue([{ assetId: s1.pvId!, meterId: s1.meterId }]), 'FORBIDDEN', /certificate body UtilityMSP/);
    await expectRefused(fx.net, () => fx.net.submit(gridAdmin, TX.Governance.UpdateConfig, [{ certificateIssuerMspId: 'NoSuchMSP' }]), 'INVALID_ARGUMENT', /certificateIssuerMspId/);
    await fx.net.submit(gridAdmin, TX.Governance.UpdateConfig, [{ certificateIssuerMspId: GRID }]);
    await expectRefused(fx.net, () => issue([{ assetId: battery, meterId: s1.meterId }]), 'RULE_VIOLATION', /not a green/);
    await expectRefused(fx.net, () => issue([{ assetId: s1.pvId!, meterId: s2.meterId }]), 'RULE_VIOLATION', /different owners/);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: s1.pvId, meterId: s1.meterId }] }]), 'INVALID_ARGUMENT', /salt/);
  });

  it('issues one certificate per asset and interval, for exactly the metered export, never twice', async () => {
    const result = await issue([
      { assetId: s1.pvId!, meterId: s1.meterId },
      { assetId: s2.pvId!, meterId: s2.meterId },
    ]);
    expect(result.issued).toHaveLength(2);
    expect(await held(s1)).toBe(3000);
    expect(await held(s2)).toBe(1000);
    // The issuance's answer and the public certificate carry no quantity and no holder.
    expect(JSON.stringify(result)).not.toMatch(/quantityWh|owner/);
    const listed = await fx.net.evaluate<Record<string, unknown>[]>(b2.identity, TX.Certificates.ListCertificates, [{ zone: ZONE, interval }]);
    expect(listed).toHaveLength(2);
    expect(JSON.stringify(listed)).not.toMatch(/quantityWh|"owner"/);
    expect(listed[0]).toMatchObject({ energySource: 'solar', technology: 'photovoltaic' });
    // Never twice: the same asset again, and another asset measured by the same meter.
    await expectRefused(fx.net, () => issue([{ assetId: s1.pvId!, meterId: s1.meterId }]), 'CONFLICT', /already has a certificate/);
    await expectRefused(fx.net, () => issue([{ assetId: pv2, meterId: s1.meterId }]), 'CONFLICT', /meter .* already has a certificate/);
    await expectRefused(fx.net, () => issue([{ assetId: pv2, meterId: b1.meterId }]), 'RULE_VIOLATION', /different owners/);
  });

  it('a settlement that fails moves neither tokens nor certificates', async () => {
    const before = { b1: await fx.balance(b1), s1: await fx.balance(s1), s1Lots: await lots(s1) };
    // Endorsed, then overtaken by a transfer of the seller's certificate lot: the settlement is invalidated whole.
    const endorsed = await fx.net.endorse(fx.cast.marketOperator.identity, TX.Settlement.SettleInterval, [{ market: 'RETAIL', zone: ZONE, interval }], {
      transient: { salt: salt() },
      endorsingOrgs: [GRID, REGULATOR],
    });
    await transfer(s1, before.s1Lots[0].lot.lotId, s2.pseudonym, 1);
    expect(await outcome(fx.net.fabric.commit(endorsed))).not.toBe('OK');
    expect(fx.net.fabric.txStatus('energy', endorsed.txId)?.validationCode).toMatch(/CONFLICT/);
    expect(await fx.balance(b1)).toEqual(before.b1);
    expect(await fx.balance(s1)).toEqual(before.s1);
    expect(await held(s1)).toBe(2999);
    expect(await held(b1)).toBe(0);
    expect(await outcome(fx.net.evaluate(b1.identity, TX.Certificates.GetBinding, [{ market: 'RETAIL', zone: ZONE, interval, orderId: orders.B1 }]))).toBe('NOT_FOUND');
  });

  it('a settled award moves payment and certificate in one transaction', async () => {
    const before = { b1: await fx.balance(b1), s1: await fx.balance(s1) };
    const summary = await fx.settle('RETAIL', ZONE, interval);
    expect(summary.recordCount).toBe(4);
    expect((await fx.balance(s1)).available).toBeGreaterThan(before.s1.available);
    expect((await fx.balance(b1)).escrowed).toBe(0);
    const binding = (who: Trader, order: string) => fx.net.evaluate<{ binding: { status: string }; details?: { deliveredWh: number; certifiedWh: number } }>(who.identity, TX.Certificates.GetBinding, [{ market: 'RETAIL', zone: ZONE, interval, orderId: order }]);
    const [bS1, bS2, bB1, bB2] = [await binding(s1, orders.S1), await binding(s2, orders.S2), await binding(b1, orders.B1), await binding(b2, orders.B2)];
    // Delivered green Wh moved to the buyers, up to what each seller held; the buyers hold exactly what they were certified.
    const certifiedToBuyers = (bB1.details?.certifiedWh ?? 0) + (bB2.details?.certifiedWh ?? 0);
    expect(certifiedToBuyers).toBe((bS1.details?.certifiedWh ?? 0) + (bS2.details?.certifiedWh ?? 0));
    expect(await held(b1)).toBe(bB1.details!.certifiedWh);
    expect(await held(b2)).toBe(bB2.details!.certifiedWh);
    expect(bB1.details!.certifiedWh).toBeGreaterThan(0);
    expect(bB1.binding.status).toBe(bB1.details!.certifiedWh === bB1.details!.deliveredWh ? 'MOVED' : 'PARTIAL');
    // Conservation across the settlement: s1 + s2 + b1 + b2 still hold every issued Wh.
    expect((await held(s1)) + (await held(s2)) + (await held(b1)) + (await held(b2))).toBe(4000);
    // Another participant sees the status, never the quantities.
    expect(await fx.net.evaluate(b2.identity, TX.Certificates.GetBinding, [{ market: 'RETAIL', zone: ZONE, interval, orderId: orders.B1 }])).not.toHaveProperty('details');
    expect([bS1.binding.status, bS2.binding.status]).toEqual(expect.arrayContaining([expect.stringMatching(/MOVED|PARTIAL/)]));
  });

  it('settles a seller without a certificate: the payment moves, no certificate does, and the record says so', async () => {
    await fx.reading(s4.meterId, start, 0, 400);
    await fx.reading(b4.meterId, start, 400, 0);
    const before = await fx.balance(s4);
    await fx.settle('RETAIL', OTHER_ZONE, interval);
    expect((await fx.balance(s4)).available).toBeGreaterThan(before.available);
    for (const [who, order] of [[s4, orders.S4], [b4, orders.B4]] as const) {
      const view = await fx.net.evaluate<{ binding: { status: string }; details: { deliveredWh: number; certifiedWh: number } }>(who.identity, TX.Certificates.GetBinding, [{ market: 'RETAIL', zone: OTHER_ZONE, interval, orderId: order }]);
      expect(view.binding.status).toBe('NO_CERTIFICATE');
      expect(view.details).toMatchObject({ deliveredWh: 400, certifiedWh: 0 });
    }
    expect(await fx.net.evaluate(b4.identity, TX.Certificates.ListMyLots, [{}])).toEqual([]);
  });

  it('refuses a claim above the metered import, beyond the lots, of someone else’s lot or meter, and twice', async () => {
    // b2 passes b1 more certificates than b1's import (2000 Wh) can absorb.
    // Its largest lot (lot ids are hashes of transaction ids: the listing's order varies from run to run).
    const b2Lot = (await lots(b2)).sort((x, y) => y.details.quantityWh - x.details.quantityWh)[0];
    // Not to a participant of an org whose certificates collection b2's org cannot read (a generator of the grid operator).
    await expectRefused(fx.net, () => transfer(b2, b2Lot.lot.lotId, fx.cast.generator.pseudonym, 1), 'FORBIDDEN', /not a member of its certificates collection/);
    await transfer(b2, b2Lot.lot.lotId, b1.pseudonym, 500);
    const mine = await lots(b1);
    const total = mine.reduce((s, l) => s + l.details.quantityWh, 0);
    expect(total).toBeGreaterThan(2000);
    const ids = mine.map((l) => l.lot.lotId);
    await expectRefused(fx.net, () => claim(b1, ids, 2001), 'RULE_VIOLATION', /exceeds its metered import/);
    await expectRefused(fx.net, () => claim(b1, ids, total + 1), 'RULE_VIOLATION', /fewer than/);
    await expectRefused(fx.net, () => claim(b2, ids, 1, b2.meterId), 'FORBIDDEN', /not yours/);
    await expectRefused(fx.net, () => claim(b1, ids, 1, b2.meterId), 'FORBIDDEN', /was not yours/);
    await expectRefused(fx.net, () => claim(b1, [ids[0], ids[0]], 1), 'INVALID_ARGUMENT', /twice/);
    await claim(b1, ids, 1900);
    expect(await held(b1)).toBe(total - 1900);
    // Once only: the claimed lots are gone, and the same import is never claimed twice over.
    await expectRefused(fx.net, () => claim(b1, ids, 1), 'RULE_VIOLATION', /claimed|split/);
    const rest = (await lots(b1)).map((l) => l.lot.lotId);
    await expectRefused(fx.net, () => claim(b1, rest, 101), 'RULE_VIOLATION', /1900 Wh already claimed/);
    await claim(b1, rest, 100);
    expect(await held(b1)).toBe(total - 2000);
  });

  it('gives the consumer a verifiable matching score per interval and per hour; others are refused', async () => {
    const args = { meterId: b1.meterId, from: interval, to: new Date(start + INTERVAL).toISOString() };
    const score = await fx.net.evaluate<{ buckets: { claimedWh: number; importedWh: number; scorePermille: number | null }[]; evidence: { events: string[] }[] }>(b1.identity, TX.Certificates.GetMatchingScore, [args]);
    expect(score.buckets).toHaveLength(1);
    expect(score.buckets[0].importedWh).toBe(2000);
    expect(score.buckets[0].scorePermille).toBe(Math.floor((score.buckets[0].claimedWh * 1000) / 2000));
    expect(score.evidence[0].events.length).toBeGreaterThan(0);
    const hourly = await fx.net.evaluate<{ buckets: { start: string; intervals: number }[] }>(b1.identity, TX.Certificates.GetMatchingScore, [{ ...args, resolution: 'HOUR' }]);
    expect(hourly.buckets[0].start).toBe(new Date(Math.floor(start / 3_600_000) * 3_600_000).toISOString());
    expect(await outcome(fx.net.evaluate(b2.identity, TX.Certificates.GetMatchingScore, [args]))).toBe('FORBIDDEN');
    expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.Certificates.GetMatchingScore, [args])).toMatchObject({ meterId: b1.meterId });
    const b2Score = await fx.net.evaluate<{ total: { scorePermille: number | null } }>(b2.identity, TX.Certificates.GetMatchingScore, [{ ...args, meterId: b2.meterId }]);
    expect(b2Score.total.scorePermille).toBe(0);
  });

  it('shows a certificate trail to the regulator and the market operator only', async () => {
    const [cert] = await fx.net.evaluate<{ certId: string }[]>(b2.identity, TX.Certificates.ListCertificates, [{ zone: ZONE, interval }]);
    for (const who of [b1, b2, s1, fx.cast.dso, fx.cast.consumer]) {
      expect(await outcome(fx.net.evaluate(who.identity, TX.Certificates.GetTrail, [{ zone: ZONE, interval, certId: cert.certId }]))).toBe('FORBIDDEN');
    }
    const trail = await fx.net.evaluate<{ events: { details?: unknown }[] }>(fx.cast.regulator.identity, TX.Certificates.GetTrail, [{ zone: ZONE, interval, certId: cert.certId }]);
    expect(trail.events.length).toBeGreaterThan(0);
    expect(trail.events.every((e) => e.details !== undefined)).toBe(true);
  });

  it('expires unclaimed certificates after the governance window, seals the interval, and the trail verifies against the attested root', async () => {
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.Certificates.SealInterval, [{ zone: ZONE, interval }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }), 'RULE_VIOLATION', /seal after/);
    setClock(start + INTERVAL + WINDOW_MINUTES * MINUTE);
    // Its largest lot (lot ids are hashes of transaction ids: the listing's order varies from run to run).
    const b2Lot = (await lots(b2)).sort((x, y) => y.details.quantityWh - x.details.quantityWh)[0];
    await expectRefused(fx.net, () => transfer(b2, b2Lot.lot.lotId, b1.pseudonym, 1), 'RULE_VIOLATION', /expired/);
    const b2Lots = (await lots(b2)).map((l) => l.lot.lotId);
    await expectRefused(fx.net, () => claim(b2, b2Lots.length ? b2Lots : ['0'.repeat(40)], 1), 'RULE_VIOLATION', /expired/);
    await expectRefused(fx.net, () => issue([{ assetId: s2.pvId!, meterId: s2.meterId }]), 'RULE_VIOLATION', /window/);
    await expectRefused(fx.net, () => fx.net.submit(b1.identity, TX.Certificates.SealInterval, [{ zone: ZONE, interval }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }), 'FORBIDDEN');
    const seal = await fx.net.submit<{ merkleRoot: string; leafCount: number; issuedWh: number; claimedWh: number; expiredWh: number; txId: string }>(
      fx.cast.dso.identity,
      TX.Certificates.SealInterval,
      [{ zone: ZONE, interval }],
      { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] },
    );
    // Conservation: issued = claimed + expired once nothing is held any more.
    expect(seal.issuedWh).toBe(4000);
    expect(seal.claimedWh + seal.expiredWh).toBe(4000);
    expect(await held(s1)).toBe(0);
    await expectRefused(fx.net, () => fx.net.submit(fx.cast.dso.identity, TX.Certificates.SealInterval, [{ zone: ZONE, interval }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] }), 'CONFLICT');

    // The grid operator's relay anchors the root on the audit channel (done here by hand, as the relay does).
    await fx.net.submit(await fx.net.admin(GRID), TX.Audit.Attest, [{ sourceChannel: 'energy', market: 'CERTIFICATES', zone: ZONE, interval, merkleRoot: seal.merkleRoot, recordCount: seal.leafCount, sourceTxId: seal.txId }], { channel: 'audit' });
    const regulatorAudit = await fx.net.participant(REGULATOR, 'c-reg-audit', ['REGULATOR'], 'audit');
    const attested = await fx.net.evaluate<{ merkleRoot: string }>(regulatorAudit.identity, TX.Audit.GetAttestation, [{ sourceChannel: 'energy', market: 'CERTIFICATES', zone: ZONE, interval }], { channel: 'audit' });

    const certs = await fx.net.evaluate<{ certId: string }[]>(fx.cast.regulator.identity, TX.Certificates.ListCertificates, [{ zone: ZONE, interval }]);
    let verified = 0;
    for (const cert of certs) {
      const trail = await fx.net.evaluate<{ events: { event: { kind: string }; details: Record<string, unknown> & { ref: Record<string, unknown> }; proof: { proof: never[]; merkleRoot: string } }[] }>(
        fx.cast.regulator.identity,
        TX.Certificates.GetTrail,
        [{ zone: ZONE, interval, certId: cert.certId }],
      );
      for (const e of trail.events) {
        expect(e.proof.merkleRoot).toBe(attested.merkleRoot);
        expect(verifyMerkleProof(e.details, e.proof.proof, attested.merkleRoot)).toBe(true);
        expect(verifyMerkleProof({ ...e.details, claimedWh: (e.details.claimedWh as number) + 1 }, e.proof.proof, attested.merkleRoot)).toBe(false);
        verified++;
      }
      const kinds = trail.events.map((e) => e.event.kind);
      expect(kinds[0]).toBe('ISSUE');
      // Issued from which reading, moved with which award, claimed against which import:
      const issued = trail.events.find((e) => e.event.kind === 'ISSUE')!;
      expect(issued.details.ref).toHaveProperty('reading.hash');
    }
    const allKinds = new Set<string>();
    for (const cert of certs) {
      const trail = await fx.net.evaluate<{ events: { event: { kind: string }; details: { ref: Record<string, unknown> } }[] }>(fx.cast.regulator.identity, TX.Certificates.GetTrail, [{ zone: ZONE, interval, certId: cert.certId }]);
      for (const e of trail.events) {
        allKinds.add(e.event.kind);
        if (e.event.kind === 'SETTLE') expect((e.details.ref.orderIds as string[]).some((id) => [orders.B1, orders.B2].includes(id))).toBe(true);
        if (e.event.kind === 'CLAIM') expect(e.details.ref).toMatchObject({ meterId: b1.meterId });
      }
    }
    expect([...allKinds].sort()).toEqual(['CLAIM', 'EXPIRE', 'ISSUE', 'SETTLE', 'TRANSFER']);
    expect(verified).toBe(seal.leafCount);
    // The public sees the seal's totals (k = 1 here) and leaf hashes, never a lot's holder.
    const publicSeal = await fx.net.evaluate(b2.identity, TX.Certificates.GetSeal, [{ zone: ZONE, interval }]);
    expect(publicSeal).not.toHaveProperty('details');
    expect(await fx.net.evaluate(fx.cast.regulator.identity, TX.Certificates.GetSeal, [{ zone: ZONE, interval }])).toHaveProperty('details');
  });
});
