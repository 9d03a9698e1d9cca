import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfiguredIdentity } from '../../gateway/src/config';
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { startEmbeddedGateway, type EmbeddedGateway } from '../../gateway/src/neighbourhood-sim';
import { artifactPath, describeWithBrowser, launchBrowser, openViewAs, type BrowserSession } from './browser';

/**
 * The DSO's "Feeder loading" panel in chromium: after the DSO registers a zone and a feeder and publishes an
 * operating envelope over the REST API, the grid operator sees the feeder's limit for that interval (and the chart
 * draws it); a household sees no such panel.
 */
const identities = (): ConfiguredIdentity[] => [
  { label: 'gridoperator-admin', mspId: 'GridOperatorMSP', admin: true },
  { label: 'utility-admin', mspId: 'UtilityMSP', admin: true },
  { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true },
  { label: 'household-0001', mspId: 'UtilityMSP' },
];
const INTERVAL_MS = 15 * 60_000;

describeWithBrowser('feeder loading panel in chromium', () => {
  let dataDir: string;
  let gateway: EmbeddedGateway;
  let browser: BrowserSession;
  const interval = new Date((Math.floor(Date.now() / INTERVAL_MS) + 2) * INTERVAL_MS).toISOString();

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-ui-grid-'));
    gateway = await startEmbeddedGateway({ dataDir, identities });
    const keys = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>;
    const auth = { Authorization: `Bearer ${keys['gridoperator-admin'].key}` };
    const post = async (route: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${route}`, { method: 'POST', headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (res.status !== 200) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    };
    // The grid operator's admin enrols itself as the DSO (an admin of its own org grants the role).
    await post('/api/v1/registry/participants');
    const me = (await (await fetch(`${gateway.url}/api/v1/registry/participants/me`, { headers: auth })).json()) as { pseudonym: string };
    await post(`/api/v1/registry/participants/${me.pseudonym}/roles`, { role: 'DSO' });
    await post('/api/v1/grid/nodes', { nodeId: 'ui-zone', kind: 'ZONE' });
    await post('/api/v1/grid/nodes', { nodeId: 'ui-f1', kind: 'FEEDER', zone: 'ui-zone' });
    await post('/api/v1/grid/envelopes', { envelopes: [{ nodeId: 'ui-f1', interval, importLimitWh: null, exportLimitWh: 2000 }] });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const forbidden: string[] = [];
  const open = (viewAs: string) =>
    openViewAs(browser, gateway.url, viewAs, (page) => {
      page.on('response', (response) => {
        if (response.status() >= 400) forbidden.push(`${response.status()} ${new URL(response.url()).pathname}`);
      });
    });

  it('shows the DSO each feeder’s envelope per interval, in the table and the chart', async () => {
    const { page, errors } = await open('gridoperator-admin');
    try {
      expect(await page.isVisible('#card-feeder-loading')).toBe(true);
      const row = page.locator(`#table-feeder-loading tbody tr[data-node="ui-f1"][data-interval="${interval}"]`);
      await row.waitFor({ timeout: 15_000 });
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('ui-zone');
      expect(text).toContain('— / 2.000');
      expect(text).toContain('envelope published');
      expect(await page.isVisible('#feeder-loading-empty')).toBe(false);
      expect(Number(await page.getAttribute('#chart-feeder-loading', 'data-points'))).toBeGreaterThan(0);
      await page.screenshot({ path: artifactPath('dashboard-feeder-loading.png'), fullPage: true });
      // The panel's reads are public: none is refused. (This DSO is not the market operator, so the operator-agent
      // status answers 403, which the browser logs; nothing else may fail.)
      expect(forbidden.filter((f) => f.includes('/api/v1/grid/'))).toEqual([]);
      expect(forbidden.filter((f) => !f.endsWith('/api/v1/operator/status'))).toEqual([]);
      expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a household no feeder loading panel', async () => {
    const { page } = await open('household-0001');
    try {
      expect(await page.isVisible('#card-feeder-loading')).toBe(false);
    } finally {
      await page.close();
    }
  });
});
