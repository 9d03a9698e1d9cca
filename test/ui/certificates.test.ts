import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfiguredIdentity } from '../../gateway/src/config';
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../gateway/src/neighbourhood-sim';
import { newDevice, signReading } from '../chaincode/support/devices';
import { restoreClock, setClock } from '../chaincode/support/clock';
import { artifactPath, describeWithBrowser, launchBrowser, openViewAs, type BrowserSession } from './browser';

/**
 * The "Green certificates" panel in chromium: a household whose PV's certificate it claimed against its own import
 * sees its green share for that interval; the regulator sees the certificate's trail with every leaf checked in the
 * browser against the sealed root; a household sees no trail. Everything is set up over the REST API, with the
 * transaction clock moved (1-minute intervals, a 1-minute claim window).
 */
const identities = (): ConfiguredIdentity[] => [
  { label: 'gridoperator-admin', mspId: 'GridOperatorMSP', admin: true },
  { label: 'utility-admin', mspId: 'UtilityMSP', admin: true },
  { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true },
  { label: 'household-0001', mspId: 'UtilityMSP' },
];
const MINUTE = 60_000;
const ZONE = 'ui-gc-zone';

describeWithBrowser('green certificates panel in chromium', () => {
  let dataDir: string;
  let gateway: EmbeddedGateway;
  let browser: BrowserSession;
  const start = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
  const interval = new Date(start).toISOString();
  const device = newDevice();

  beforeAll(async () => {
    setClock(start - 10 * MINUTE);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-ui-gc-'));
    gateway = await startEmbeddedGateway({ dataDir, identities, governance: { intervalMinutes: 1, gateClosureMinutes: 0, certificateClaimWindowMinutes: 1 } });
    const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    const call = async (who: string, method: string, route: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${route}`, { method, headers: { Authorization: `Bearer ${keys[who].key}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const enrol = async (who: string, admin: string, role: string) => {
      const registered = (await call(who, 'POST', '/api/v1/registry/participants')) as { result: { pseudonym: string } };
      await call(admin, 'POST', `/api/v1/registry/participants/${registered.result.pseudonym}/roles`, { role });
    };
    await enrol('gridoperator-admin', 'gridoperator-admin', 'DSO');
    const operator = (await call('gridoperator-admin', 'GET', '/api/v1/registry/participants/me')) as { pseudonym: string };
    await call('gridoperator-admin', 'POST', `/api/v1/registry/participants/${operator.pseudonym}/roles`, { role: 'MARKET_OPERATOR' });
    await enrol('regulator-admin', 'regulator-admin', 'REGULATOR');
    await enrol('household-0001', 'utility-admin', 'PROSUMER');
    for (const asset of [
      { assetId: 'ui-gc-meter', type: 'meter', segment: 'retail', zone: ZONE, capacityKw: 10, devicePublicKey: device.publicKeyPem },
      { assetId: 'ui-gc-pv', type: 'pv', segment: 'retail', zone: ZONE, capacityKw: 10 },
    ]) {
      await call('household-0001', 'POST', '/api/v1/registry/assets', asset);
      await call('gridoperator-admin', 'POST', `/api/v1/registry/assets/${asset.assetId}/commission`);
      await call('household-0001', 'POST', `/api/v1/registry/assets/${asset.assetId}/activate`);
    }
    setClock(start + MINUTE + 5000);
    const reading = signReading(device, { assetId: 'ui-gc-meter', intervalStart: start, importedWh: 40, exportedWh: 100, sequence: 1 });
    await call('gridoperator-admin', 'POST', '/api/v1/metering/readings', { readings: [reading] });
    await call('gridoperator-admin', 'POST', '/api/v1/certificates/issuances', { interval, items: [{ assetId: 'ui-gc-pv', meterId: 'ui-gc-meter' }] });
    const lots = (await call('household-0001', 'GET', '/api/v1/certificates/lots')) as unknown as { lot: { lotId: string } }[];
    await call('household-0001', 'POST', '/api/v1/certificates/claims', { zone: ZONE, interval, lotIds: [lots[0].lot.lotId], meterId: 'ui-gc-meter', quantityWh: 40 });
    setClock(start + 2 * MINUTE + 5000);
    const seal = (await call('gridoperator-admin', 'POST', `/api/v1/certificates/zones/${ZONE}/intervals/${interval}/seal`)) as { result: { merkleRoot: string; leafCount: number; txId: string } };
    await call('gridoperator-admin', 'POST', '/api/v1/audit/attestations', { market: 'CERTIFICATES', zone: ZONE, interval, merkleRoot: seal.result.merkleRoot, recordCount: seal.result.leafCount, sourceTxId: seal.result.txId });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    restoreClock();
    await browser?.close();
    await gateway?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (viewAs: string) => openViewAs(browser, gateway.url, viewAs);

  it('shows the household its green share for the interval it claimed, and no trail', async () => {
    const { page, errors } = await open('household-0001');
    try {
      expect(await page.isVisible('#card-certificates')).toBe(true);
      const row = page.locator(`#table-green-share tbody tr[data-interval="${interval}"]`);
      await row.waitFor({ timeout: 15_000 });
      const cells = await row.locator('td').allTextContents();
      expect(cells.slice(1)).toEqual(['0.040', '0.040', '100.0 %']);
      expect(await page.isVisible('#certificate-trail-box')).toBe(false);
      await page.screenshot({ path: artifactPath('dashboard-green-share.png'), fullPage: true });
      // As in dashboard.test.ts: the only errors allowed are the browser's notes on the 403s of what a household may not read.
      expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows the regulator the certificate’s trail, each leaf verified against the sealed root in the browser', async () => {
    const { page, errors } = await open('regulator-admin');
    try {
      await page.locator('#table-certificate-trail tbody tr').first().waitFor({ timeout: 15_000 });
      const kinds = await page.locator('#table-certificate-trail tbody tr').evaluateAll((rows) => rows.map((r) => `${(r as HTMLElement).dataset.kind}:${(r as HTMLElement).dataset.verified}`));
      expect(kinds).toEqual(['ISSUE:true', 'CLAIM:true', 'EXPIRE:true']);
      expect(await page.textContent('#certificate-trail-title')).toContain('sealed, attested root');
      await page.screenshot({ path: artifactPath('dashboard-certificate-trail.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
