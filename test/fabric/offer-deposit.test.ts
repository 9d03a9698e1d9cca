/**
 * Offer deposits and the reference imbalance price on the native Fabric network (docs/adr/0011), over HTTP against a
 * gateway with OBE_LEDGER=fabric (test:fabric: 1-minute intervals, operator agent off, so this suite clears and
 * settles itself). Governance turns the deposit on for the suite (and off again after it): a prosumer without the
 * balance for its offer's deposit is refused with 422; a funded attacker offers twice the zone's demand at 0, forces the
 * price to 0 and delivers nothing, and settlement still charges it 20 per kWh from its deposit, paid to the balancing
 * account, returning the rest; tokens are conserved and nothing stays escrowed. Skips without Fabric.
 */
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway, waitUntil, type LiveApi } from './support/live-gateway';

interface Device {
  meterId: string;
  pvId?: string;
  privateKey: crypto.KeyObject;
}

/**
 * Brings into service, in order, a retail meter with a fresh device key for each label in `zone` and, for a prosumer,
 * a PV asset too (both rated `capacityKw`); returns each label's asset ids and device private key.
 */
async function meterDevices(activeAsset: LiveApi['activeAsset'], zone: string, capacityKw: number, labels: readonly string[]): Promise<Record<string, Device>> {
  const devices: Record<string, Device> = {};
  for (const label of labels) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const meterId = `${zone}-m-${label}`;
    await activeAsset(label, { assetId: meterId, type: 'meter', segment: 'retail', zone, capacityKw, devicePublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    let pvId: string | undefined;
    if (label.startsWith('prosumer')) {
      pvId = `${zone}-pv-${label}`;
      await activeAsset(label, { assetId: pvId, type: 'pv', segment: 'retail', zone, capacityKw });
    }
    devices[label] = { meterId, pvId, privateKey };
  }
  return devices;
}

describeLive('offer deposits on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-deposit-', 'off');

  it('refuses an unfunded offer at 0 for the whole demand, and charges a funded one that is never delivered at the reference price from its deposit', async () => {
    const { call, ok, register, grant, activeAsset } = liveApi(gateway());
    const run = crypto.randomBytes(3).toString('hex');
    const zone = `od-${run}`;
    const { config } = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body as { config: { intervalMinutes: number; gateClosureMinutes: number; requireRegisteredZones?: boolean } };
    const lengthMs = config.intervalMinutes * 60_000;
    const gateMs = config.gateClosureMinutes * 60_000;

    const attacker = 'prosumer-11';
    const broke = 'prosumer-12';
    const buyers = ['consumer-02', 'consumer-03'];
    const pseudonym = await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', attacker, broke, ...buyers]);
    await grant('gridoperator-admin', 'gridoperator-admin', 'MARKET_OPERATOR');
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    await grant('utility-admin', 'utility-admin', 'RETAILER');
    for (const s of [attacker, broke]) await grant('utility-admin', s, 'PROSUMER');
    for (const b of buyers) await grant('utility-admin', b, 'CONSUMER');
    if (config.requireRegisteredZones) await ok('gridoperator-admin', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' });

    // Rated to deliver 2000 Wh in one interval (1-minute intervals: 120 kW).
    const capacityKw = Math.max(50, Math.ceil((3000 * 60) / config.intervalMinutes / 1000));
    const devices = await meterDevices(activeAsset, zone, capacityKw, [attacker, broke, ...buyers]);
    await ok('gridoperator-admin', 'POST', '/api/v1/tokens/mint', { account: pseudonym[attacker], amount: 1_000_000 });
    for (const b of buyers) await ok('gridoperator-admin', 'POST', '/api/v1/tokens/mint', { account: pseudonym[b], amount: 1_000_000 });

    // Reference 20 per kWh, the whole worst case locked, 100 Wh per meter and interval free; only the operator's admin.
    const integrity = { imbalanceReferencePrice: 20, offerDepositPermille: 1000, offerDepositFreeWh: 100 };
    expect((await call('utility-admin', 'PUT', '/api/v1/governance', integrity)).status).toBe(403);
    await ok('gridoperator-admin', 'PUT', '/api/v1/governance', integrity);
    try {
      const start = Math.ceil((Date.now() + gateMs + 90_000) / lengthMs) * lengthMs;
      const interval = new Date(start).toISOString();
      const order = (label: string, side: 'BUY' | 'SELL', price: number, quantityWh: number) =>
        call(label, 'POST', '/api/v1/retail/orders', { zone, interval, side, price, quantityWh, meterId: devices[label].meterId, ...(side === 'SELL' ? { assetId: devices[label].pvId } : {}) });
      const balance = async (label: string) => (await ok('regulator-admin', 'GET', `/api/v1/tokens/accounts/${pseudonym[label]}`)).body as { available: number; escrowed: number };

      // 2000 Wh at 0 needs ⌈20 × 1900⌉ = 38,000 tokens: the broke prosumer is refused and nothing is written.
      const refused = await order(broke, 'SELL', 0, 2000);
      expect(refused.status).toBe(422);
      expect(await balance(broke)).toMatchObject({ available: 0, escrowed: 0 });

      const attackerBefore = await balance(attacker);
      expect((await order(attacker, 'SELL', 0, 2000)).status).toBe(200);
      expect(await balance(attacker)).toMatchObject({ available: attackerBefore.available - 38_000, escrowed: attackerBefore.escrowed + 38_000 });
      for (const b of buyers) expect((await order(b, 'BUY', 30, 500)).status).toBe(200);

      const slot = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${zone}`;
      await waitUntil(start - gateMs + 1500);
      // The offer at 0 covers the whole demand: every price up to the bids trades the same 1000 Wh, and the clearing
      // picks one inside that range (the midpoint on this book) — below the reference price, which is what the
      // shortfall is charged at.
      const cleared = (await ok('gridoperator-admin', 'POST', `${slot}/clear`)).body.result as { price: number };
      expect(cleared.price).toBeLessThan(integrity.imbalanceReferencePrice);

      await waitUntil(start + lengthMs + 2000);
      const sign = (label: string, importedWh: number, exportedWh: number) => {
        const reading = { assetId: devices[label].meterId, intervalStart: start, importedWh, exportedWh, sequence: Math.floor(start / 1000) };
        return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), devices[label].privateKey).toString('base64') };
      };
      await ok('utility-admin', 'POST', '/api/v1/metering/readings', { readings: [sign(attacker, 0, 0), ...buyers.map((b) => sign(b, 500, 0))] });
      const operatorBefore = await balance('gridoperator-admin');
      await ok('gridoperator-admin', 'POST', `${slot}/settle`);
      // 1000 Wh awarded below the reference price and not delivered: charged at the reference price, ⌈20 × 1000⌉ =
      // 20,000, from the deposit.
      // The balancing party, which supplied the buyers' 1000 Wh, also receives what the buyers paid for them.
      const balancingCredit = 20_000 + cleared.price * 1000;
      expect((await ok('regulator-admin', 'GET', `${slot}/settlement`)).body.details).toMatchObject({ imbalanceCharged: 20_000, imbalanceUnpaid: '0', balancingCredit });
      expect(await balance(attacker)).toMatchObject({ available: attackerBefore.available - 20_000, escrowed: attackerBefore.escrowed });
      const operatorAfter = await balance('gridoperator-admin');
      expect(operatorAfter.available + operatorAfter.escrowed - operatorBefore.available - operatorBefore.escrowed).toBe(balancingCredit);
      for (const b of buyers) expect((await balance(b)).escrowed).toBe(0);
    } finally {
      await ok('gridoperator-admin', 'PUT', '/api/v1/governance', { imbalanceReferencePrice: 0, offerDepositPermille: 0, offerDepositFreeWh: 0 });
    }
  }, 45 * 60_000);

  it('charges a split offer what the unsplit one pays: a seller\'s deposits are one pool at settlement', async () => {
    const { ok, register, grant, activeAsset } = liveApi(gateway());
    const run = crypto.randomBytes(3).toString('hex');
    const zone = `os-${run}`;
    const { config } = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body as {
      config: { intervalMinutes: number; gateClosureMinutes: number; imbalanceFactorPermille: number; requireRegisteredZones?: boolean };
    };
    const lengthMs = config.intervalMinutes * 60_000;
    const gateMs = config.gateClosureMinutes * 60_000;
    const whole = 'prosumer-09';
    const split = 'prosumer-10';
    const buyer = 'consumer-04';
    const pseudonym = await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', whole, split, buyer]);
    await grant('gridoperator-admin', 'gridoperator-admin', 'MARKET_OPERATOR');
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    await grant('utility-admin', 'utility-admin', 'RETAILER');
    for (const s of [whole, split]) await grant('utility-admin', s, 'PROSUMER');
    await grant('utility-admin', buyer, 'CONSUMER');
    if (config.requireRegisteredZones) await ok('gridoperator-admin', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' });
    const capacityKw = Math.max(50, Math.ceil((4500 * 60) / config.intervalMinutes / 1000));
    const devices = await meterDevices(activeAsset, zone, capacityKw, [whole, split, buyer]);
    for (const label of [whole, split, buyer]) await ok('gridoperator-admin', 'POST', '/api/v1/tokens/mint', { account: pseudonym[label], amount: 1_000_000 });

    // Half the worst case locked, 100 Wh per meter and interval free: both sellers post ⌈20 × 2000 × f × 500 / 10^6⌉.
    await ok('gridoperator-admin', 'PUT', '/api/v1/governance', { imbalanceReferencePrice: 20, offerDepositPermille: 500, offerDepositFreeWh: 100 });
    try {
      const f = config.imbalanceFactorPermille;
      const start = Math.ceil((Date.now() + gateMs + 90_000) / lengthMs) * lengthMs;
      const interval = new Date(start).toISOString();
      const order = (label: string, side: 'BUY' | 'SELL', price: number, quantityWh: number) =>
        ok(label, 'POST', '/api/v1/retail/orders', { zone, interval, side, price, quantityWh, meterId: devices[label].meterId, ...(side === 'SELL' ? { assetId: devices[label].pvId } : {}) });
      const balance = async (label: string) => (await ok('regulator-admin', 'GET', `/api/v1/tokens/accounts/${pseudonym[label]}`)).body as { available: number; escrowed: number };
      const before = { whole: await balance(whole), split: await balance(split) };
      await order(whole, 'SELL', 0, 2100);
      for (const quantityWh of [100, 1000, 1000]) await order(split, 'SELL', 0, quantityWh);
      const deposit = Math.ceil((20 * 2000 * f * 500) / 1_000_000);
      expect((await balance(whole)).escrowed - before.whole.escrowed).toBe(deposit);
      expect((await balance(split)).escrowed - before.split.escrowed).toBe(deposit);
      await order(buyer, 'BUY', 30, 4200);

      const slot = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${zone}`;
      await waitUntil(start - gateMs + 1500);
      const price = ((await ok('gridoperator-admin', 'POST', `${slot}/clear`)).body.result as { price: number }).price;
      expect(price).toBe(15);
      await waitUntil(start + lengthMs + 2000);
      const sign = (label: string, importedWh: number, exportedWh: number) => {
        const reading = { assetId: devices[label].meterId, intervalStart: start, importedWh, exportedWh, sequence: Math.floor(start / 1000) };
        return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), devices[label].privateKey).toString('base64') };
      };
      // Each seller delivers 1100 of its 2100 Wh; the split one's second 1000 Wh offer delivers nothing.
      await ok('utility-admin', 'POST', '/api/v1/metering/readings', { readings: [sign(whole, 0, 1100), sign(split, 0, 1100), sign(buyer, 4200, 0)] });
      await ok('gridoperator-admin', 'POST', `${slot}/settle`);
      // 1000 Wh short at max(15, 20): ⌈20 × 1000 × f / 1000⌉, taken from the credit (15 × 1100) and then the deposits.
      const due = Math.ceil((20 * 1000 * f) / 1000);
      for (const [label, was] of [[whole, before.whole], [split, before.split]] as const) {
        const now = await balance(label);
        expect(now.escrowed).toBe(was.escrowed);
        expect(now.available - was.available).toBe(15 * 1100 - due);
      }
    } finally {
      await ok('gridoperator-admin', 'PUT', '/api/v1/governance', { imbalanceReferencePrice: 0, offerDepositPermille: 0, offerDepositFreeWh: 0 });
    }
  }, 45 * 60_000);
});
