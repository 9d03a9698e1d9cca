/**
 * The dashboard against a gateway on the native Fabric network (npm run test:fabric), in Debian's chromium: there is
 * no demo there ("View as" absent), so a user signs in with an API key; the views follow the key's org and roles.
 * Skipped, saying why, without a running network (plain `npm test`) or without chromium.
 */
import type { Page } from 'playwright-core';
import { artifactPath, CHROMIUM, launchBrowser, type BrowserSession } from '../ui/browser';
import { describeLive } from './support/live';
import { useLiveGateway } from './support/live-gateway';

const OPERATOR = 'gridoperator-admin';
const USER = 'utility-user1';

const body = () => {
  // A gateway process, as deployed (the page talks to it over HTTP); its API keys are the
  // network's identities', issued as an operator would.
  const gateway = useLiveGateway('obe-fabric-ui-', 'off', () => ({ OBE_AUDIT_RELAY: 'off' }));
  let browser: BrowserSession;
  let keys: Record<string, string>;

  beforeAll(async () => {
    const gw = gateway();
    keys = gw.keys;
    // The operator's admin acts as market operator (registered and granted by itself: an admin of its own org).
    const post = (p: string, label: string, json?: unknown) =>
      fetch(`${gw.baseUrl}${p}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${keys[label]}`, ...(json ? { 'Content-Type': 'application/json' } : {}) },
        body: json ? JSON.stringify(json) : undefined,
      });
    await post('/api/v1/registry/participants', OPERATOR);
    const me = (await (await fetch(`${gw.baseUrl}/api/v1/registry/participants/me`, { headers: { Authorization: `Bearer ${keys[OPERATOR]}` } })).json()) as {
      pseudonym: string;
    };
    await post(`/api/v1/registry/participants/${me.pseudonym}/roles`, OPERATOR, { role: 'MARKET_OPERATOR' });
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function signIn(label: string): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(gateway().baseUrl);
    await page.fill('#api-key', keys[label]!);
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector(`body[data-signed-in="true"][data-loaded="true"][data-view-as="${label}"]`, { timeout: 60_000 });
    return page;
  }

  it('has no "View as" on Fabric; a user signs in with a key, sees its org, no operator panels, and signs out', async () => {
    const page = await signIn(USER);
    try {
      expect(await page.isHidden('#view-as-box')).toBe(true);
      expect(await page.textContent('#identity-banner')).toContain(`Signed in as ${USER}`);
      expect(await page.getAttribute('#identity-banner', 'data-org')).toBe('UtilityMSP');
      expect(await page.isHidden('#card-settlement')).toBe(true);
      await page.click('#sign-out');
      expect(await page.evaluate(() => window.sessionStorage.getItem('obe.apiKey'))).toBeNull();
      expect(await page.isHidden('main.grid')).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('shows the market operator the settlement and imbalance, wholesale and agent panels', async () => {
    const page = await signIn(OPERATOR);
    try {
      expect(await page.getAttribute('body', 'data-roles')).toContain('MARKET_OPERATOR');
      expect(await page.isVisible('#card-settlement')).toBe(true);
      expect(await page.isVisible('#card-wholesale')).toBe(true);
      expect(await page.isVisible('#card-operator')).toBe(true);
      expect(await page.textContent('#ledger-status')).toContain('fabric');
      await page.screenshot({ path: artifactPath('dashboard-fabric-operator.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
};

if (CHROMIUM) describeLive('dashboard on the native Fabric network', body);
else describe.skip('dashboard on the native Fabric network [skipped: chromium is not installed (apt-get install chromium, or set OBE_CHROMIUM)]', body);
