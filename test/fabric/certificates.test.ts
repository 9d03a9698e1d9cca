/**
 * Green certificates on the native Fabric network, over HTTP against a gateway with OBE_LEDGER=fabric (its audit relay
 * on): a prosumer's PV certificate is issued from its meter's signed export, moves to the buyer inside the P2P
 * settlement, is claimed against the buyer's metered import (green share 100 %), expires and is sealed after a short
 * claim window, the relay anchors the root on the audit channel, and the regulator's export verifies offline against
 * that root. Skips without Fabric (npm run test:fabric).
 */
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { verifyGcDocument } from '../../chaincode/src/certificates/export';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway, waitUntil } from './support/live-gateway';

describeLive('green certificates on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-gc-', 'off');

  it('issue → settle with the payment → claim → seal → attested root → offline-verified export', async () => {
    const { call, ok, register, grant, activeAsset } = liveApi(gateway());

    const run = crypto.randomBytes(3).toString('hex');
    const zone = `gc-${run}`;
    const pseudonym = await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', 'prosumer-01', 'consumer-01']);
    await grant('gridoperator-admin', 'gridoperator-admin', 'MARKET_OPERATOR');
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    await grant('utility-admin', 'utility-admin', 'RETAILER');
    await grant('utility-admin', 'prosumer-01', 'PROSUMER');
    await grant('utility-admin', 'consumer-01', 'CONSUMER');

    // Orders right up to the interval start, and a 2-minute claim window, so the whole life fits in a few minutes.
    const before = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body.config as { intervalMinutes: number; gateClosureMinutes: number; certificateClaimWindowMinutes?: number };
    await ok('gridoperator-admin', 'PUT', '/api/v1/governance', { gateClosureMinutes: 0, certificateClaimWindowMinutes: 2 });
    try {
      const lengthMs = before.intervalMinutes * 60_000;
      const keys: Record<string, crypto.KeyObject> = {};
      const meter = (label: string) => `${zone}-m-${label}`;
      for (const label of ['prosumer-01', 'consumer-01']) {
        const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        keys[label] = privateKey;
        await activeAsset(label, { assetId: meter(label), type: 'meter', segment: 'retail', zone, capacityKw: 50, devicePublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      }
      const pv = `${zone}-pv`;
      await activeAsset('prosumer-01', { assetId: pv, type: 'pv', segment: 'retail', zone, capacityKw: 50 });
      await ok('gridoperator-admin', 'POST', '/api/v1/tokens/mint', { account: pseudonym['consumer-01'], amount: 100_000 });

      const start = Math.floor(Date.now() / lengthMs) * lengthMs + 2 * lengthMs;
      const interval = new Date(start).toISOString();
      const slotPath = `/api/v1/retail/intervals/${interval}/zones/${zone}`;
      await ok('prosumer-01', 'POST', '/api/v1/retail/orders', { zone, interval, side: 'SELL', price: 10, quantityWh: 800, assetId: pv, meterId: meter('prosumer-01') });
      const bid = await ok('consumer-01', 'POST', '/api/v1/retail/orders', { zone, interval, side: 'BUY', price: 20, quantityWh: 600, meterId: meter('consumer-01') });
      const bidId = bid.body.txId as string;
      await waitUntil(start + 1000);
      await ok('gridoperator-admin', 'POST', `${slotPath}/clear`);

      // After delivery: signed readings, then the certificate, then settlement (which moves it with the payment).
      await waitUntil(start + lengthMs + 2000);
      const sign = (label: string, importedWh: number, exportedWh: number) => {
        const reading = { assetId: meter(label), intervalStart: start, importedWh, exportedWh, sequence: Math.floor(start / 1000) };
        return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), keys[label]).toString('base64') };
      };
      await ok('utility-admin', 'POST', '/api/v1/metering/readings', { readings: [sign('prosumer-01', 0, 800), sign('consumer-01', 600, 0)] });
      expect((await call('prosumer-01', 'POST', '/api/v1/certificates/issuances', { interval, items: [{ assetId: pv, meterId: meter('prosumer-01') }] })).status).toBe(403);
      const issued = await ok('gridoperator-admin', 'POST', '/api/v1/certificates/issuances', { interval, items: [{ assetId: pv, meterId: meter('prosumer-01') }] });
      const certId = issued.body.result.issued[0].certId as string;
      expect((await call('gridoperator-admin', 'POST', '/api/v1/certificates/issuances', { interval, items: [{ assetId: pv, meterId: meter('prosumer-01') }] })).status).toBe(409);
      await ok('gridoperator-admin', 'POST', `${slotPath}/settle`);
      const binding = (await ok('consumer-01', 'GET', `/api/v1/certificates/bindings/RETAIL/${zone}/${interval}/${bidId}`)).body;
      expect(binding.binding.status).toBe('MOVED');
      expect(binding.details).toMatchObject({ deliveredWh: 600, certifiedWh: 600 });
      const lots = (await ok('consumer-01', 'GET', `/api/v1/certificates/lots?zone=${zone}&interval=${interval}`)).body as { lot: { lotId: string }; details: { quantityWh: number } }[];
      expect(lots.map((l) => l.details.quantityWh)).toEqual([600]);

      // Claim against the import: above it refused, exactly it accepted; green share 100 %.
      const claim = { zone, interval, lotIds: [lots[0].lot.lotId], meterId: meter('consumer-01') };
      expect((await call('consumer-01', 'POST', '/api/v1/certificates/claims', { ...claim, quantityWh: 601 })).status).toBe(422);
      await ok('consumer-01', 'POST', '/api/v1/certificates/claims', { ...claim, quantityWh: 600 });
      const score = (await ok('consumer-01', 'GET', `/api/v1/certificates/matching-score?meterId=${meter('consumer-01')}&from=${interval}&to=${new Date(start + lengthMs).toISOString()}`)).body;
      expect(score.total).toMatchObject({ importedWh: 600, claimedWh: 600, scorePermille: 1000 });

      // After the window: seal (the unsold 200 Wh expire); the relay anchors the root on the audit channel.
      await waitUntil(start + lengthMs + 2 * 60_000 + 2000);
      const sealed = (await ok('gridoperator-admin', 'POST', `/api/v1/certificates/zones/${zone}/intervals/${interval}/seal`)).body.result as { merkleRoot: string };
      let attested: { merkleRoot: string } | undefined;
      for (let i = 0; i < 60 && !attested; i++) {
        const reply = await call('regulator-admin', 'GET', `/api/v1/audit/attestations/CERTIFICATES/${zone}/${interval}`);
        if (reply.status === 200) attested = reply.body;
        else await new Promise((r) => setTimeout(r, 1000));
      }
      expect(attested?.merkleRoot).toBe(sealed.merkleRoot);
      const trail = (await ok('regulator-admin', 'GET', `/api/v1/certificates/zones/${zone}/intervals/${interval}/certificates/${certId}/trail`)).body;
      expect(trail.events.map((e: { event: { kind: string } }) => e.event.kind)).toEqual(['ISSUE', 'SETTLE', 'CLAIM', 'EXPIRE']);
      const exported = (await ok('regulator-admin', 'GET', `/api/v1/certificates/zones/${zone}/intervals/${interval}/lots/${lots[0].lot.lotId}/export`)).body;
      const { verification, ...doc } = exported;
      expect(verification.verified).toBe(true);
      // Verified only under the pinned exporter key (review R3): without it, anyone's signature would do.
      const publicKeyPem = (await ok('regulator-admin', 'GET', '/api/v1/certificates/export-key')).body.publicKey as string;
      expect(verifyGcDocument(doc, { root: attested!.merkleRoot }).verified).toBe(false);
      expect(verifyGcDocument(doc, { root: attested!.merkleRoot, publicKeyPem }).verified).toBe(true);
      expect(verifyGcDocument({ ...doc, certificate: { ...doc.certificate, bundleQuantityWh: 601 } }, { root: attested!.merkleRoot, publicKeyPem }).verified).toBe(false);
    } finally {
      await call('gridoperator-admin', 'PUT', '/api/v1/governance', { gateClosureMinutes: before.gateClosureMinutes, certificateClaimWindowMinutes: before.certificateClaimWindowMinutes ?? 7 * 1440 });
    }
  }, 30 * 60_000);
});
