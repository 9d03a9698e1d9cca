/**
 * Batched reading storage on the native Fabric network (docs/adr/0009), over HTTP against a gateway with
 * OBE_LEDGER=fabric: one batch of 120 device-signed readings of two meters (three private chunks, range reads per
 * meter-day on the peers' real state database) commits; the same batch again is all duplicates; a reading in the
 * third chunk reads back through GetReading; a contradicting reading is a 409 and nothing of its batch is written.
 * Skips without Fabric.
 */
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway } from './support/live-gateway';

describeLive('batched reading storage on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-metering-', 'off');

  it('commits 120 readings in chunks, finds them all as duplicates again, reads the last chunk back, refuses a contradiction', async () => {
    const { call, ok, register, grant, activeAsset } = liveApi(gateway());

    const owners = ['prosumer-19', 'prosumer-20'];
    await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', ...owners]);
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    for (const owner of owners) await grant('utility-admin', owner, 'PROSUMER');

    const { config } = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body as { config: { intervalMinutes: number } };
    const lengthMs = config.intervalMinutes * 60_000;
    const lastEnded = Math.floor(Date.now() / lengthMs) * lengthMs - lengthMs;
    const run = crypto.randomBytes(3).toString('hex');
    const meters = owners.map((owner, i) => ({ owner, assetId: `mb-${run}-${i}`, ...crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) }));
    for (const meter of meters) {
      const devicePublicKey = meter.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      await activeAsset(meter.owner, { assetId: meter.assetId, type: 'meter', segment: 'retail', zone: `mb-${run}`, capacityKw: 10, devicePublicKey }, { meteringFrom: lastEnded - 200 * lengthMs });
    }
    const sign = (meter: (typeof meters)[number], back: number, importedWh: number) => {
      const intervalStart = lastEnded - back * lengthMs;
      const reading = { assetId: meter.assetId, intervalStart, importedWh, exportedWh: 0, sequence: intervalStart / 1000 };
      return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), meter.privateKey).toString('base64') };
    };
    const readings = meters.flatMap((meter, m) => Array.from({ length: 60 }, (_, k) => sign(meter, k, 1000 * m + k)));

    const first = await ok('utility-admin', 'POST', '/api/v1/metering/readings', { readings });
    expect(first.body.result).toMatchObject({ accepted: 120, duplicates: 0 });
    const again = await ok('utility-admin', 'POST', '/api/v1/metering/readings', { readings });
    expect(again.body.result).toMatchObject({ accepted: 0, duplicates: 120 });

    // Leaves follow (meter, interval): the second meter's earliest interval is leaf 60 (second chunk), its latest
    // leaf 119 (the third chunk of 50).
    for (const [back, leaf] of [
      [59, 60],
      [0, 119],
    ] as const) {
      const t = lastEnded - back * lengthMs;
      const hash = await ok('regulator-admin', 'GET', `/api/v1/metering/assets/${meters[1].assetId}/readings/${t}/hash`);
      expect(hash.body).toMatchObject({ collection: 'readings_UtilityMSP', leaf, txId: first.body.txId });
      const view = await ok('regulator-admin', 'GET', `/api/v1/metering/assets/${meters[1].assetId}/readings/${t}`);
      expect(view.body.reading).toMatchObject({ intervalStart: t, importedWh: 1000 + back });
    }

    // A contradiction inside a meter-day range: refused whole, so its new reading is not written either.
    const contradiction = [sign(meters[0], 61, 5), sign(meters[0], 3, 999_999), sign(meters[0], 4, 1004), sign(meters[0], 5, 1005)];
    const refused = await call('utility-admin', 'POST', '/api/v1/metering/readings', { readings: contradiction });
    expect(refused.status).toBe(409);
    expect((await call('regulator-admin', 'GET', `/api/v1/metering/assets/${meters[0].assetId}/readings/${lastEnded - 61 * lengthMs}/hash`)).status).toBe(404);
  });
});
