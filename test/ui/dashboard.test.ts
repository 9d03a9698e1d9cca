import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ConfiguredIdentity } from '../../gateway/src/config';
import '../../gateway/src/neighbourhood-sim/quiet-logs';
import { createRun, neighbourhoodKeysFrom, startEmbeddedGateway, type EmbeddedGateway, type SimulationSummary } from '../../gateway/src/neighbourhood-sim';
import { artifactPath, describeWithBrowser, launchBrowser, openViewAs, watchedPage, type BrowserSession } from './browser';

/**
 * The dashboard in Debian's chromium against a real gateway on the embedded ledger, after the simulator traded and
 * settled one 1-minute interval of a six-household neighbourhood through the REST API (so this suite waits for about
 * two minutes of ledger time). It checks what a person sees: no console errors, charts drawn from ledger data, and
 * private values shown to members of their transparency group and locked for everyone else.
 */
const HOUSEHOLDS = 6;
const identities = (): ConfiguredIdentity[] => [
  { label: 'gridoperator-admin', mspId: 'GridOperatorMSP', admin: true },
  { label: 'utility-admin', mspId: 'UtilityMSP', admin: true },
  { label: 'regulator-admin', mspId: 'RegulatorMSP', admin: true },
  ...Array.from({ length: HOUSEHOLDS }, (_, i) => ({ label: `household-${String(i + 1).padStart(4, '0')}`, mspId: 'UtilityMSP' })),
];

describeWithBrowser('dashboard in chromium', () => {
  let dataDir: string;
  let gateway: EmbeddedGateway;
  let browser: BrowserSession;
  let summary: SimulationSummary;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-ui-'));
    gateway = await startEmbeddedGateway({ dataDir, identities, governance: { intervalMinutes: 1, gateClosureMinutes: 0 } });
    const keys = neighbourhoodKeysFrom(JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')));
    summary = await createRun({
      url: gateway.url,
      keys,
      seed: 'ui',
      prosumers: 4,
      consumers: 2,
      intervals: 1,
      neighbourhood: { householdsPerZone: 3, startHour: 10, batteryShare: 0.5 },
      orderLeadMs: 8000,
    }).run();
    browser = await launchBrowser();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const open = (viewAs: string) => openViewAs(browser, gateway.url, viewAs);

  const points = (page: Page, canvasId: string) => page.getAttribute(`#${canvasId}`, 'data-points').then(Number);

  it('the simulated interval traded and settled without a failed transaction', () => {
    expect(summary.failedTransactions).toBe(0);
    expect(summary.intervals).toBe(1);
  });

  it('loads without console errors and draws every chart from ledger data', async () => {
    const { page, errors } = await open('gridoperator-admin');
    try {
      expect(await points(page, 'chart-clearing')).toBeGreaterThan(0);
      expect(await points(page, 'chart-assets')).toBeGreaterThan(0);
      expect(await points(page, 'chart-zones')).toBeGreaterThan(0);
      expect(await points(page, 'chart-metering')).toBeGreaterThan(0);
      expect(await points(page, 'chart-balances')).toBeGreaterThan(0);
      // The market operator sees every order behind the curves.
      expect(await points(page, 'chart-curves')).toBeGreaterThan(0);
      expect(await page.textContent('#ledger-status')).toContain('embedded');
      // Recent chaincode events arrive over SSE.
      await page.waitForSelector('#event-log li', { timeout: 15_000 });
      await page.screenshot({ path: artifactPath('dashboard-gridoperator.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a household its own reading and locks its neighbours’ readings and order prices', async () => {
    const { page, errors } = await open('household-0001');
    try {
      const rows = await page.$$eval('#table-readings tbody tr', (trs) => trs.map((tr) => ({ visible: tr.getAttribute('data-visible'), text: tr.textContent ?? '' })));
      expect(rows.filter((r) => r.visible === 'true')).toHaveLength(1);
      expect(rows.filter((r) => r.visible === 'false').length).toBeGreaterThan(0);
      expect(rows.find((r) => r.visible === 'false')?.text).toContain('not visible to UtilityMSP');
      expect(await page.$$eval('#table-orders tbody tr[data-visible="false"] .locked', (els) => els.length)).toBeGreaterThan(0);
      expect(await page.textContent('#curves-note')).toContain('private');
      expect(await page.textContent('#table-audit')).toContain('not visible to UtilityMSP');
      // Token amounts are private: the household sees its own balance, and no one else's.
      expect(await page.$$eval('#table-balances tbody tr[data-visible="true"]', (trs) => trs.length)).toBe(1);
      await page.screenshot({ path: artifactPath('dashboard-household.png'), fullPage: true });
      // The only errors allowed are the browser's notes on the 403s that mark what this identity may not read.
      expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  /** The demo keys file this gateway wrote on its first start (the sign-in tests type a key in, as a user would). */
  const keyOf = (label: string): string =>
    (JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-api-keys.json'), 'utf8')) as Record<string, { key: string }>)[label]!.key;

  async function signIn(label: string): Promise<{ page: Page; errors: string[] }> {
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${gateway.url}/`);
    await page.fill('#api-key', keyOf(label));
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector(`body[data-signed-in="true"][data-loaded="true"][data-view-as="${label}"]`, { timeout: 30_000 });
    return { page, errors };
  }

  it('signs a household in with its API key (session storage only), shows its own balance and no operator panels, and signs out', async () => {
    const { page, errors } = await signIn('household-0001');
    try {
      const key = keyOf('household-0001');
      expect(await page.textContent('#identity-banner')).toContain('Signed in as household-0001');
      expect(await page.textContent('#signed-in-as')).toContain('household-0001');
      await page.waitForFunction(() => /Balance: [\d,]+ tokens/.test(document.querySelector('#my-account')?.textContent ?? ''), undefined, { timeout: 15_000 });
      // Kept for this tab only: never in localStorage, never in the address.
      expect(await page.evaluate(() => window.sessionStorage.getItem('obe.apiKey'))).toBe(key);
      expect(await page.evaluate(() => JSON.stringify({ ...window.localStorage }))).not.toContain(key);
      expect(page.url()).not.toContain(key);
      // A household sees none of the operator's panels.
      for (const id of ['card-settlement', 'card-wholesale', 'card-operator']) expect(await page.isHidden(`#${id}`)).toBe(true);
      await page.screenshot({ path: artifactPath('dashboard-signed-in-household.png'), fullPage: true });
      // A reload keeps the session (same tab), without asking again.
      await page.reload();
      await page.waitForSelector('body[data-signed-in="true"][data-view-as="household-0001"]', { timeout: 30_000 });
      await page.click('#sign-out');
      expect(await page.evaluate(() => window.sessionStorage.getItem('obe.apiKey'))).toBeNull();
      expect(await page.isVisible('#sign-in')).toBe(true);
      expect(await page.isHidden('#signed-in')).toBe(true);
      expect(errors.filter((e) => !/status of 403/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('signs in with a key an org admin just onboarded; once revoked, the page signs out with a message', async () => {
    const admin = { Authorization: `Bearer ${keyOf('utility-admin')}`, 'Content-Type': 'application/json' };
    await fetch(`${gateway.url}/api/v1/registry/participants`, { method: 'POST', headers: admin });
    const res = await fetch(`${gateway.url}/api/v1/admin/participants`, { method: 'POST', headers: admin, body: JSON.stringify({ roles: ['CONSUMER'] }) });
    expect(res.status).toBe(200);
    const created = (await res.json()) as { key: string; label: string; pseudonym: string };
    const page = await browser.context.newPage();
    try {
      await page.goto(`${gateway.url}/`);
      await page.fill('#api-key', created.key);
      await page.click('#sign-in button[type="submit"]');
      await page.waitForSelector(`body[data-signed-in="true"][data-loaded="true"][data-view-as="${created.label}"]`, { timeout: 30_000 });
      expect(await page.textContent('#identity-banner')).toContain('CONSUMER');
      expect((await fetch(`${gateway.url}/api/v1/admin/participants/${created.pseudonym}`, { method: 'DELETE', headers: admin })).status).toBe(200);
      await page.reload();
      await page.waitForSelector('#sign-in-error:not([hidden])', { timeout: 30_000 });
      expect(await page.evaluate(() => window.sessionStorage.getItem('obe.apiKey'))).toBeNull();
    } finally {
      await page.close();
    }
  });

  it('refuses an unknown key with a message, and stores nothing', async () => {
    const page = await browser.context.newPage();
    try {
      await page.goto(`${gateway.url}/`);
      await page.fill('#api-key', 'obe_000000000000_not-a-key');
      await page.click('#sign-in button[type="submit"]');
      await page.waitForSelector('#sign-in-error:not([hidden])', { timeout: 30_000 });
      expect(await page.textContent('#sign-in-error')).toContain('not valid');
      expect(await page.evaluate(() => window.sessionStorage.getItem('obe.apiKey'))).toBeNull();
    } finally {
      await page.close();
    }
  });

  it('shows a market operator signed in with its key the settlement and imbalance, wholesale and agent panels', async () => {
    const { page, errors } = await signIn('gridoperator-admin');
    try {
      expect(await page.getAttribute('body', 'data-roles')).toContain('MARKET_OPERATOR');
      await page.waitForSelector('#card-settlement:not([hidden]) #table-settlement tbody tr[data-market]', { timeout: 30_000 });
      const rows = await page.$$eval('#table-settlement tbody tr[data-market]', (trs) => trs.map((tr) => ({ suppressed: tr.getAttribute('data-suppressed') ?? '', text: tr.textContent ?? '' })));
      expect(rows.length).toBeGreaterThan(0);
      // A withheld total reads as such, never as a zero.
      for (const row of rows.filter((r) => r.suppressed)) expect(row.text).toMatch(/withheld \(< \d+\)/);
      expect(await page.isVisible('#card-wholesale')).toBe(true);
      expect(await page.isVisible('#card-operator')).toBe(true);
      // The agent's status, or (on a gateway without one) a plain note: never an error.
      expect((await page.textContent('#operator-state'))?.trim()).not.toBe('…');
      await page.screenshot({ path: artifactPath('dashboard-signed-in-operator.png'), fullPage: true });
      expect(errors.filter((e) => !/status of (403|404)/.test(e))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('lets the regulator read every value and verify a settled record against its attestation', async () => {
    const { page, errors } = await open('regulator-admin');
    try {
      expect(await page.$$eval('#table-readings tbody tr[data-visible="false"]', (trs) => trs.length)).toBe(0);
      expect(await page.$$eval('#table-orders tbody tr[data-visible="false"]', (trs) => trs.length)).toBe(0);
      await page.waitForSelector('#table-audit button', { timeout: 30_000 });
      await page.click('#table-audit button');
      await page.waitForSelector('#verify-result.ok', { timeout: 30_000 });
      expect(await page.textContent('#verify-result')).toContain('Merkle root');
      await page.screenshot({ path: artifactPath('dashboard-regulator.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
