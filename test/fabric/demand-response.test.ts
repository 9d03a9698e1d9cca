/**
 * Demand response on the native Fabric network, over HTTP against a gateway with OBE_LEDGER=fabric: the DSO creates a
 * program in a zone it registered and an event at least 90 s ahead (test:fabric starts the network with 1-minute intervals), two
 * households opt in, their meters' signed readings for the same interval on the two days before form the baseline, and
 * after the window the settlement pays the one that reduced and not the one that did not. Skips without Fabric.
 */
import crypto from 'node:crypto';
import canonicalize from 'canonicalize';
import { describeLive } from './support/live';
import { liveApi, useLiveGateway, waitUntil } from './support/live-gateway';

const DAY = 24 * 3_600_000;

describeLive('demand response on the native Fabric network', () => {
  const gateway = useLiveGateway('obe-fabric-dr-', 'off');

  it('program → event → opt-ins → signed readings → settlement pays the reduction, and only it', async () => {
    const { call, ok, register, grant, activeAsset } = liveApi(gateway());

    const run = crypto.randomBytes(3).toString('hex');
    const zone = `dr-${run}`;
    const { config } = (await ok('gridoperator-admin', 'GET', '/api/v1/governance')).body as { config: { intervalMinutes: number } };
    const lengthMs = config.intervalMinutes * 60_000;

    // Participants and roles (a network that ran another suite has them already: 409 is fine).
    const pseudonym = await register(['gridoperator-admin', 'utility-admin', 'regulator-admin', 'prosumer-01', 'consumer-01']);
    await grant('gridoperator-admin', 'gridoperator-admin', 'MARKET_OPERATOR');
    await grant('gridoperator-admin', 'gridoperator-admin', 'DSO');
    await grant('regulator-admin', 'regulator-admin', 'REGULATOR');
    await grant('utility-admin', 'utility-admin', 'RETAILER');
    await grant('utility-admin', 'prosumer-01', 'PROSUMER');
    await grant('utility-admin', 'consumer-01', 'CONSUMER');

    // The program's zone, registered by the DSO as a zone node. Once a channel has grid topology (this or any earlier
    // suite registered a zone node), a program may name only a registered zone (registry/grid-zone.ts).
    expect((await call('prosumer-01', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' })).status).toBe(403);
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/nodes', { nodeId: zone, kind: 'ZONE' });

    // Meters, metering attested from three days back so the days before the event can be reported.
    const devices: Record<string, { assetId: string; privateKey: crypto.KeyObject }> = {};
    for (const label of ['prosumer-01', 'consumer-01']) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const assetId = `${zone}-m-${label}`;
      devices[label] = { assetId, privateKey };
      await activeAsset(label, { assetId, type: 'meter', segment: 'retail', zone, capacityKw: 50, devicePublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() }, { meteringFrom: Date.now() - 3 * DAY });
    }
    await ok('gridoperator-admin', 'POST', '/api/v1/tokens/mint', { account: pseudonym['gridoperator-admin'], amount: 1_000_000 });

    // Program and event: one interval, the first that starts at least 90 s from now, so that the event, the opt-ins and
    // the second event's refusal and cancel (each a committed transaction) all happen before the window opens.
    const unregistered = await call('gridoperator-admin', 'POST', '/api/v1/grid/dr/programs', { programId: `u-${run}`, zone: `${zone}-unregistered`, baseline: { days: 2, lookbackDays: 2 } });
    expect(unregistered.status).toBe(422);
    expect(JSON.stringify(unregistered.body)).toMatch(/not a zone the DSO registered/);
    await ok('gridoperator-admin', 'POST', '/api/v1/grid/dr/programs', { programId: `evening-${run}`, zone, baseline: { days: 2, lookbackDays: 2 } });
    expect((await call('prosumer-01', 'POST', '/api/v1/grid/dr/programs', { programId: `x-${run}`, zone })).status).toBe(403);
    const start = Math.ceil((Date.now() + 90_000) / lengthMs) * lengthMs;
    const event = await ok('gridoperator-admin', 'POST', '/api/v1/grid/dr/events', { programId: `evening-${run}`, start: new Date(start).toISOString(), targetsWh: [1000], pricePerKwh: 10 });
    const eventId = event.body.result.eventId as string;
    for (const label of ['prosumer-01', 'consumer-01']) await ok(label, 'POST', `/api/v1/grid/dr/events/${eventId}/opt-ins`, { meterId: devices[label].assetId });
    expect((await call('utility-admin', 'POST', `/api/v1/grid/dr/events/${eventId}/opt-ins`, { meterId: devices['prosumer-01'].assetId })).status).toBe(403);
    // A second event over the same window: the same meter is refused (one reduction, paid once); its escrow returns on cancel.
    const second = (await ok('gridoperator-admin', 'POST', '/api/v1/grid/dr/events', { programId: `evening-${run}`, start: new Date(start).toISOString(), targetsWh: [1000], pricePerKwh: 10 })).body.result.eventId as string;
    expect((await call('prosumer-01', 'POST', `/api/v1/grid/dr/events/${second}/opt-ins`, { meterId: devices['prosumer-01'].assetId })).status).toBe(409);
    await ok('gridoperator-admin', 'POST', `/api/v1/grid/dr/events/${second}/cancel`);

    // After the window: readings of the two days before (baseline 800 each) and of the event interval.
    await waitUntil(start + lengthMs + 2000);
    const sign = (label: string, intervalStart: number, importedWh: number) => {
      const reading = { assetId: devices[label].assetId, intervalStart, importedWh, exportedWh: 0, sequence: Math.floor(intervalStart / 1000) };
      return { ...reading, signature: crypto.sign('sha256', Buffer.from(canonicalize(reading)!, 'utf8'), devices[label].privateKey).toString('base64') };
    };
    await ok('utility-admin', 'POST', '/api/v1/metering/readings', {
      readings: [
        sign('prosumer-01', start - 2 * DAY, 800),
        sign('prosumer-01', start - DAY, 800),
        sign('prosumer-01', start, 300),
        sign('consumer-01', start - 2 * DAY, 800),
        sign('consumer-01', start - DAY, 800),
        sign('consumer-01', start, 900),
      ],
    });
    expect((await call('prosumer-01', 'POST', `/api/v1/grid/dr/events/${eventId}/settle`)).status).toBe(403);
    const settled = await ok('gridoperator-admin', 'POST', `/api/v1/grid/dr/events/${eventId}/settle`);
    expect(JSON.stringify(settled.body)).not.toMatch(/baselineWh|meteredWh|"amount"/);
    expect((await call('gridoperator-admin', 'POST', `/api/v1/grid/dr/events/${eventId}/settle`)).status).toBe(409);

    const report = async (viewer: string, of: string) => (await ok(viewer, 'GET', `/api/v1/grid/dr/events/${eventId}/reports/${pseudonym[of]}`)).body;
    expect((await report('prosumer-01', 'prosumer-01')).details).toMatchObject({ reductionWh: 500, paidWh: 500, amount: 5000, intervals: [{ baselineWh: 800, meteredWh: 300 }] });
    expect((await report('consumer-01', 'consumer-01')).details).toMatchObject({ reductionWh: 0, amount: 0 });
    expect((await report('regulator-admin', 'prosumer-01')).details.amount).toBe(5000);
    expect((await report('consumer-01', 'prosumer-01')).details).toBeUndefined();
  }, 45 * 60_000);
});
