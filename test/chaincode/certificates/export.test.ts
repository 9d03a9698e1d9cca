import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { TX } from '@obe/chaincode';
import { gcDocument, signGcDocument, verifyGcDocument, type GcDocument, type LotExportSource } from '../../../chaincode/src/certificates/export';
import { merkleLeafHash, merkleRootOfLeaves } from '../../../chaincode/src/common/merkle';
import { GRID, REGULATOR, UTILITY } from '../support';
import { MarketFixture, ZONE, restoreClock, salt, setClock, type Trader } from '../market/fixture';

const MINUTE = 60_000;
const INTERVAL = 15 * MINUTE;
const WINDOW_MINUTES = 30;
const repo = path.resolve(__dirname, '../../..');

/**
 * A claimed certificate lot exported as the signed EnergyTag-style document, verified offline — by the function and by
 * scripts/verify-certificate.ts — against the root the audit channel attests; any tampering fails a named check.
 */
describe('certificate export: signed document verifiable offline', () => {
  let fx: MarketFixture;
  let producer: Trader;
  let consumer: Trader;
  let start: number;
  let interval: string;
  let attestedRoot: string;
  let doc: GcDocument;
  const key = generateKeyPairSync('ed25519');
  const publicPem = key.publicKey.export({ type: 'spki', format: 'pem' }).toString();

  beforeAll(async () => {
    start = Math.floor(Date.now() / INTERVAL) * INTERVAL + 2 * INTERVAL;
    interval = new Date(start).toISOString();
    const slot = { zone: ZONE, interval };
    setClock(start - 60 * MINUTE);
    fx = await MarketFixture.start({ minPublicGroupSize: 1, certificateClaimWindowMinutes: WINDOW_MINUTES });
    producer = await fx.prosumer('cx-producer');
    consumer = await fx.consumer('cx-consumer');
    setClock(start + INTERVAL + MINUTE);
    await fx.reading(producer.meterId, start, 0, 1200);
    await fx.reading(consumer.meterId, start, 900, 0);
    await fx.net.submit(fx.cast.dso.identity, TX.Certificates.Issue, [{ interval, items: [{ assetId: producer.pvId, meterId: producer.meterId }] }], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
    const [lot] = await fx.net.evaluate<{ lot: { lotId: string } }[]>(producer.identity, TX.Certificates.ListMyLots, [slot]);
    await fx.net.submit(producer.identity, TX.Certificates.Transfer, [], { transient: { transfer: JSON.stringify({ ...slot, lotId: lot.lot.lotId, to: consumer.pseudonym, quantityWh: 1000, salt: salt() }) }, endorsingOrgs: [GRID, UTILITY] });
    const [mine] = await fx.net.evaluate<{ lot: { lotId: string } }[]>(consumer.identity, TX.Certificates.ListMyLots, [slot]);
    // The consumer imported 900 Wh: it claims that much of the 1000 it holds; the remaining 100 Wh expire.
    await fx.net.submit(consumer.identity, TX.Certificates.Claim, [], { transient: { claim: JSON.stringify({ ...slot, lotIds: [mine.lot.lotId], meterId: consumer.meterId, quantityWh: 900, salt: salt() }) }, endorsingOrgs: [GRID, UTILITY] });
    setClock(start + INTERVAL + WINDOW_MINUTES * MINUTE);
    const seal = await fx.net.submit<{ merkleRoot: string; leafCount: number; txId: string }>(fx.cast.dso.identity, TX.Certificates.SealInterval, [slot], { transient: { salt: salt() }, endorsingOrgs: [GRID, REGULATOR] });
    await fx.net.submit(await fx.net.admin(GRID), TX.Audit.Attest, [{ sourceChannel: 'energy', market: 'CERTIFICATES', ...slot, merkleRoot: seal.merkleRoot, recordCount: seal.leafCount, sourceTxId: seal.txId }], { channel: 'audit' });
    const regulator = await fx.net.participant(REGULATOR, 'cx-reg-audit', ['REGULATOR'], 'audit');
    const attestation = await fx.net.evaluate<{ merkleRoot: string; sourceTxId: string; attestedByMspId: string; attestedAt: string; txId: string }>(
      regulator.identity,
      TX.Audit.GetAttestation,
      [{ sourceChannel: 'energy', market: 'CERTIFICATES', ...slot }],
      { channel: 'audit' },
    );
    attestedRoot = attestation.merkleRoot;
    // The holder exports its claimed lot (the lot it received; consumed by the claim).
    const source = await fx.net.evaluate<LotExportSource>(consumer.identity, TX.Certificates.GetLot, [{ ...slot, lotId: mine.lot.lotId }]);
    doc = signGcDocument(gcDocument(source, attestation, new Date(start + 2 * INTERVAL).toISOString()), key.privateKey);
  });
  afterAll(async () => {
    restoreClock();
    await fx?.close();
  });

  it('carries the EnergyTag GC attributes and the lot’s lineage from issuance to claim', () => {
    expect(doc.certificate).toMatchObject({ energyCarrier: 'electricity', unit: 'Wh', energySource: 'solar', technology: 'photovoltaic', faceValueWh: 1200, bundleQuantityWh: 1000, status: 'CLAIMED', holder: consumer.pseudonym, regionOfIssuance: ZONE, location: null });
    expect(doc.evidence.lineage.map((e) => e.event.kind)).toEqual(['ISSUE', 'TRANSFER', 'CLAIM']);
    expect(doc.evidence.sealedRoot).toBe(attestedRoot);
  });

  it('verifies offline against the attested root and the pinned key', () => {
    expect(verifyGcDocument(doc, { root: attestedRoot, publicKeyPem: publicPem })).toMatchObject({ verified: true, root: attestedRoot });
  });

  it('fails on tampering, each time naming the broken check', () => {
    const tamper = (change: (d: GcDocument & Record<string, unknown>) => void): GcDocument => {
      const copy = JSON.parse(JSON.stringify(doc)) as GcDocument & Record<string, unknown>;
      change(copy);
      return copy;
    };
    const failed = (d: GcDocument, options: { root?: string; publicKeyPem?: string } = { root: attestedRoot, publicKeyPem: publicPem }) =>
      Object.entries(verifyGcDocument(d, options).checks).filter(([, ok]) => !ok).map(([name]) => name);
    // A bigger bundle: the signature breaks, and the lot no longer matches its lineage.
    expect(failed(tamper((d) => ((d.certificate as Record<string, unknown>).bundleQuantityWh = 1100)))).toEqual(['signatureValid', 'certificateMatches']);
    // A re-signed forgery with an inflated event: the leaf no longer hashes to the committed one, the proof misses the root.
    const inflated = tamper((d) => ((d.evidence.lineage[0].details as unknown as { issuedWh: number }).issuedWh = 5000));
    expect(failed(signGcDocument(inflated, key.privateKey))).toEqual(['leavesMatch', 'proofsReachRoot', 'certificateMatches']);
    // Another root than the attested one; another signer than the pinned one; a dropped claim.
    expect(failed(doc, { root: 'f'.repeat(64), publicKeyPem: publicPem })).toEqual(['proofsReachRoot', 'rootAttested']);
    const other = generateKeyPairSync('ed25519');
    expect(failed(signGcDocument(doc, other.privateKey), { root: attestedRoot, publicKeyPem: publicPem })).toEqual(['signatureValid']);
    const truncated = tamper((d) => (d.evidence as unknown as { lineage: unknown[] }).lineage.splice(1, 1));
    expect(failed(signGcDocument(truncated, key.privateKey))).toEqual(['lineageConsistent', 'certificateMatches']);
  });

  // Review R3: what a forger who does not hold the exporter's key can do.
  describe('review R3: forgeries without the exporter’s key', () => {
    const forger = generateKeyPairSync('ed25519');
    const copy = (): GcDocument & { certificate: Record<string, unknown> } => JSON.parse(JSON.stringify(doc)) as GcDocument & { certificate: Record<string, unknown> };
    const failedChecks = (d: GcDocument, options: { root?: string; publicKeyPem?: string }) =>
      Object.entries(verifyGcDocument(d, options).checks).filter(([, ok]) => !ok).map(([name]) => name);

    it('a document of the forger’s own making, own key and own “attestation”, is never verified without a pinned key', () => {
      // Fabricated leaves: a bigger issuance, its own root, an attestation carrying that root, all signed by the forger.
      const forged = copy();
      const lineage = forged.evidence.lineage as unknown as { event: { leafHash: string }; details: { issuedWh: number; outputs: { quantityWh: number }[] }; proof: { proof: unknown[]; merkleRoot: string } }[];
      lineage.splice(1);
      lineage[0].details.issuedWh = 50_000;
      lineage[0].details.outputs = [{ ...lineage[0].details.outputs[0], quantityWh: 50_000 }];
      lineage[0].event.leafHash = merkleLeafHash(lineage[0].details);
      const root = merkleRootOfLeaves([lineage[0].event.leafHash]);
      lineage[0].proof = { proof: [], merkleRoot: root };
      (forged.certificate as Record<string, unknown>).faceValueWh = 50_000;
      (forged.certificate as Record<string, unknown>).bundleQuantityWh = 50_000;
      (forged.certificate as Record<string, unknown>).bundleId = (lineage[0].details.outputs[0] as unknown as { lotId: string }).lotId;
      (forged.certificate as Record<string, unknown>).status = 'SPLIT';
      (forged.evidence as unknown as Record<string, unknown>).sealedRoot = root;
      (forged.evidence as unknown as Record<string, unknown>).attestation = { ...forged.evidence.attestation, merkleRoot: root };
      const signed = signGcDocument(forged, forger.privateKey);
      expect(verifyGcDocument(signed).verified).toBe(false);
      expect(failedChecks(signed, {})).toContain('signerPinned');
      // Pinned, the forger's signature fails; against the attested root, its leaves fail.
      expect(failedChecks(signed, { publicKeyPem: publicPem })).toContain('signatureValid');
      expect(verifyGcDocument(signed, { root: attestedRoot }).verified).toBe(false);
    });

    it('fields outside the signature’s reach are bound to the issuance leaf: interval, zone, device, technology, meter', () => {
      const tampered: [string, (c: Record<string, unknown>) => void][] = [
        ['productionStart', (c) => (c.productionStart = new Date(Date.parse(String(c.productionStart)) + INTERVAL).toISOString())],
        ['regionOfIssuance', (c) => (c.regionOfIssuance = 'feeder-2')],
        ['productionDeviceId', (c) => (c.productionDeviceId = 'another-pv')],
        ['technology', (c) => ((c.energySource = 'wind'), (c.technology = 'wind turbine'))],
        ['productionDeviceCapacityKw', (c) => (c.productionDeviceCapacityKw = 5000)],
        ['meterReading', (c) => (c.meterReading = { ...(c.meterReading as object), meterId: 'another-meter' })],
      ];
      for (const [field, change] of tampered) {
        const d = copy();
        change(d.certificate);
        // Re-signed by the pinned exporter key (an exporter bug, or an insider): the leaf still refuses it.
        expect([field, failedChecks(signGcDocument(d, key.privateKey), { root: attestedRoot, publicKeyPem: publicPem })]).toEqual([field, ['certificateMatches']]);
      }
    });

    it('a claimed lot cannot pass for an unclaimed one by dropping the claim from its lineage', () => {
      const d = copy();
      (d.evidence as unknown as { lineage: unknown[] }).lineage.pop();
      d.certificate.status = 'ACTIVE';
      expect(failedChecks(signGcDocument(d, key.privateKey), { root: attestedRoot, publicKeyPem: publicPem })).toEqual(['lineageConsistent']);
      const relabelled = copy();
      relabelled.certificate.status = 'EXPIRED';
      expect(failedChecks(signGcDocument(relabelled, key.privateKey), { root: attestedRoot, publicKeyPem: publicPem })).toEqual(['lineageConsistent']);
    });
  });

  it('scripts/verify-certificate.ts says so too (exit 0 verified, 1 tampered)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-gc-'));
    const good = path.join(dir, 'good.json');
    const bad = path.join(dir, 'bad.json');
    const pem = path.join(dir, 'exporter.pem');
    fs.writeFileSync(good, JSON.stringify(doc));
    fs.writeFileSync(bad, JSON.stringify({ ...doc, certificate: { ...doc.certificate, holder: 'p-' + '0'.repeat(40) } }));
    fs.writeFileSync(pem, publicPem);
    const run = (file: string) => spawnSync(path.join(repo, 'node_modules/.bin/tsx'), ['scripts/verify-certificate.ts', file, '--root', attestedRoot, '--key', pem], { cwd: repo, encoding: 'utf8' });
    const ok = run(good);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ verified: true });
    const tampered = run(bad);
    expect(tampered.status).toBe(1);
    expect(JSON.parse(tampered.stdout).checks).toMatchObject({ signatureValid: false });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
