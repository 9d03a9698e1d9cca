import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium driven by playwright-core (playwright cannot download its own browser here). In CI the
 * browser must be present, so a missing one fails the suite; elsewhere the suite skips with a message.
 */
const CANDIDATES = [process.env.OBE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
  (p): p is string => typeof p === 'string' && p.length > 0,
);

export function findChromium(): string | undefined {
  return CANDIDATES.find((candidate) => fs.existsSync(candidate));
}

export const CHROMIUM = findChromium();
export const IN_CI = process.env.CI === 'true';

/** `describe` when the browser can run, otherwise a skipped describe that says why (or a failure in CI). */
export function describeWithBrowser(name: string, body: () => void): void {
  if (CHROMIUM) {
    describe(name, body);
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      it('needs chromium in CI', () => {
        throw new Error('chromium not found at /usr/bin/chromium: .ci/run installs it with apt-get install chromium');
      });
    });
    return;
  }
  console.warn(`[test/ui] skipped "${name}": chromium is not installed (apt-get install chromium, or set OBE_CHROMIUM)`);
  describe.skip(name, body);
}

export interface BrowserSession {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  if (!CHROMIUM) throw new Error('chromium not found');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'obe-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page whose console errors and uncaught exceptions are collected in `errors` (the suites expect none). */
export async function watchedPage(session: BrowserSession): Promise<{ page: Page; errors: string[] }> {
  const page = await session.context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

/**
 * The dashboard at `baseUrl` as the demo's "View as" `viewAs` sees it, once loaded. `watch` attaches further listeners
 * to the page before it navigates.
 */
export async function openViewAs(session: BrowserSession, baseUrl: string, viewAs: string, watch?: (page: Page) => void): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await watchedPage(session);
  watch?.(page);
  await page.goto(`${baseUrl}/?viewAs=${viewAs}`);
  await page.waitForSelector(`body[data-loaded="true"][data-view-as="${viewAs}"]`, { timeout: 30_000 });
  return { page, errors };
}

export function artifactPath(name: string): string {
  const dir = path.resolve(__dirname, '../../test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
