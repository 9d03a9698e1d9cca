/**
 * Grid topology, a binding operating envelope and the network fee on the native Fabric network, over HTTP against a
 * gateway with OBE_LEDGER=fabric (test:fabric starts the network with 1-minute intervals; the operator agent is off,
 * so this suite clears and settles itself): the DSO registers a zone and two feeders and attaches the meters, publishes
 * an export envelope on feeder A and a tariff before the gate, three cheap sellers on A offer more than its envelope,
 * the clearing curtails them by price priority and reports the bound limit, and settlement pays the fee to the DSO,
 * conserving every token. Every write by another role is refused. Skips without Fabric.
 */
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway, waitUntil } from './support/live-gateway';

describeLive('grid envelopes and fees on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-grid-', 'off');

  it('topology → envelope and tariff → orders → clearing curtails feeder A at its envelope → settlement pays the DSO fee', async () => {
    const { call, ok, register, grant, activeAsset } = liveApi(gateway());

    const run = crypto.randomBytes(3).toString('hex');
    const zone = `ge-${run}`;
    const feederA = `${zone}-a`;
    const feederB = `${zone}-b`;
    const { config } = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body as { config: { intervalMinutes: number; gateClosureMinutes: number } };
    const lengthMs = config.intervalMinutes * 60_000;
    const gateMs = config.gateClosureMinutes * 60_000;

    const sellersA = ['prosumer-15', 'prosumer-16', 'prosumer-17'];
    const sellerB = 'prosumer-18';
    const buyers = ['consumer-04', 'consumer-05', 'consumer-06'];
    const pseudonym = await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', ...sellersA, sellerB, ...buyers]);
    await grant('gridoperator-admin', 'gridoperator-admin', 'MARKET_OPERATOR');
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    await grant('utility-admin', 'utility-admin', 'RETAILER'); // forwards its customers' signed meter readings
    for (const s of [...sellersA, sellerB]) await grant('utility-admin', s, 'PROSUMER');
    for (const b of buyers) await grant('utility-admin', b, 'CONSUMER');

    // Topology: only the DSO writes it.
    expect((await call('prosumer-15', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' })).status).toBe(403);
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' });
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/nodes', { nodeId: feederA, kind: 'FEEDER', zone });
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/nodes', { nodeId: feederB, kind: 'FEEDER', zone });

    // Households rated to deliver the 2000 Wh the largest offer names within one interval: with the 1-minute intervals
    // test:fabric runs, 50 kW delivers only 833 Wh (a seller's offer and reading are bounded by its assets' ratings).
    const capacityKw = Math.max(50, Math.ceil((3000 * 60) / config.intervalMinutes / 1000));
    const devices: Record<string, { meterId: string; pvId?: string; privateKey: crypto.KeyObject }> = {};
    for (const label of [...sellersA, sellerB, ...buyers]) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const meterId = `${zone}-m-${label}`;
      await activeAsset(label, { assetId: meterId, type: 'meter', segment: 'retail', zone, capacityKw, devicePublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, {});
      let pvId: string | undefined;
      if (label.startsWith('prosumer')) {
        pvId = `${zone}-pv-${label}`;
        await activeAsset(label, { assetId: pvId, type: 'pv', segment: 'retail', zone, capacityKw }, {});
      }
      devices[label] = { meterId, pvId, privateKey };
      const feeder = sellersA.includes(label) ? feederA : feederB;
      expect((await call(label, 'PUT', `/api/v1/grid/attachments/${meterId}`, { feeder })).status).toBe(403);
      await ok('gridoperator-admin', 'PUT', `/api/v1/grid/attachments/${meterId}`, { feeder });
    }
    for (const b of buyers) await ok('gridoperator-admin', 'POST', '/api/v1/tokens/mint', { account: pseudonym[b], amount: 1_000_000 });

    // Envelope and tariff for the first interval whose gate (gateClosureMinutes before its start, 5 by default) closes at
    // least 90 s from now: the two publications, the two refusals and the seven orders are committed before it.
    const start = Math.ceil((Date.now() + gateMs + 90_000) / lengthMs) * lengthMs;
    const interval = new Date(start).toISOString();
    const envelope = { envelopes: [{ nodeId: feederA, interval, importLimitWh: null, exportLimitWh: 2500 }] };
    const tariff = { tariffs: [{ zone, interval, feePerKwh: 4, localFeePerKwh: 1 }] };
    expect((await call('utility-admin', 'POST', '/api/v1/grid/envelopes', envelope)).status).toBe(403);
    expect((await call('regulator-admin', 'POST', '/api/v1/grid/tariffs', tariff)).status).toBe(403);
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/envelopes', envelope);
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/tariffs', tariff);

    // Feeder A offers 4500 Wh against its 2500 Wh envelope; feeder B 2000 Wh, dearer; three bids of 1500 Wh.
    const order = (label: string, side: 'BUY' | 'SELL', price: number, quantityWh: number) =>
      ok(label, 'POST', '/api/v1/retail/orders', { zone, interval, side, price, quantityWh, meterId: devices[label].meterId, ...(side === 'SELL' ? { assetId: devices[label].pvId } : {}) });
    await order('prosumer-15', 'SELL', 10, 1500);
    await order('prosumer-16', 'SELL', 11, 1500);
    await order('prosumer-17', 'SELL', 12, 1500);
    await order(sellerB, 'SELL', 20, 2000);
    for (const b of buyers) await order(b, 'BUY', 40, 1500);

    const slot = `/api/v1/retail/intervals/${encodeURIComponent(interval)}/zones/${zone}`;
    await waitUntil(start - gateMs + 1500);
    expect((await call('gridoperator-admin', 'POST', '/api/v1/grid/envelopes', envelope)).status).toBe(422); // gate closed
    const cleared = await ok('gridoperator-admin', 'POST', `${slot}/clear`);
    expect(cleared.body.result).toMatchObject({ price: 28 });
    const full = (await ok('regulator-admin', 'GET', `${slot}/result`)).body;
    // Feeder B's buyers bought from one seller there (fewer than k): no Wh is local, all pay 4 per kWh (docs/grid.md).
    expect(full.details).toMatchObject({ volumeWh: 4500, gridFees: 3 * 1500 * 4, binding: [{ node: feederA, direction: 'EXPORT', limitWh: 2500 }] });
    const loading = (await ok('utility-admin', 'GET', `/api/v1/grid/zones/${zone}/intervals/${encodeURIComponent(interval)}/loading`)).body;
    expect(loading.feeders).toEqual([expect.objectContaining({ nodeId: feederA, exportLimitWh: 2500 })]);

    // After the interval: every meter delivered what it was awarded (pv-c on A nothing), then settle.
    await waitUntil(start + lengthMs + 2000);
    const sign = (label: string, importedWh: number, exportedWh: number) => {
      const reading = { assetId: devices[label].meterId, intervalStart: start, importedWh, exportedWh, sequence: Math.floor(start / 1000) };
      return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), devices[label].privateKey).toString('base64') };
    };
    await ok('utility-admin', 'POST', '/api/v1/metering/readings', {
      readings: [sign('prosumer-15', 0, 1500), sign('prosumer-16', 0, 1000), sign('prosumer-17', 0, 0), sign(sellerB, 0, 2000), ...buyers.map((b) => sign(b, 1500, 0))],
    });
    const balance = async (label: string) => {
      const b = (await ok('regulator-admin', 'GET', `/api/v1/tokens/accounts/${pseudonym[label]}`)).body as { available: number; escrowed: number };
      return b.available + b.escrowed;
    };
    const dsoBefore = await balance('gridoperator-admin');
    const buyersBefore = new Map<string, number>();
    for (const b of buyers) buyersBefore.set(b, await balance(b));
    expect((await call('prosumer-15', 'POST', `${slot}/settle`)).status).toBe(403);
    await ok('gridoperator-admin', 'POST', `${slot}/settle`);
    expect((await ok('regulator-admin', 'GET', `${slot}/settlement`)).body.details).toMatchObject({ gridFees: 18_000, envelopeCharged: 0 });
    // The DSO is also the market operator here (the balancing account): it gains the fees, and the balancing credit of
    // a settlement where everyone delivered is 0.
    expect((await balance('gridoperator-admin')) - dsoBefore).toBe(18_000);
    let spent = 0;
    for (const b of buyers) spent += buyersBefore.get(b)! - (await balance(b));
    expect(spent).toBe(28 * 4500 + 18_000);
  }, 45 * 60_000);
});
