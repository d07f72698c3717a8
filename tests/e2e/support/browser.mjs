// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, plus a watcher
// that records everything a page should never do: console errors, uncaught exceptions and
// Content-Security-Policy violations.
//
// Playwright refuses --user-data-dir in launch(), and the downloaded browsers of
// `npx playwright install` are unavailable offline, hence launchPersistentContext on a fresh
// temporary profile with the system Chromium.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.S117_CHROMIUM ?? '/usr/bin/chromium';

/** Launches Chromium; returns { context, close() }. */
export async function launchBrowser() {
  const profile = await mkdtemp(path.join(tmpdir(), 's117-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    headless: true,
    executablePath: CHROMIUM,
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
  // Record CSP violations as the page sees them (also reported on the console, but this
  // names the directive and the blocked URL).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a new page that records console errors, uncaught exceptions and CSP violations.
 * Returns { page, problems() } where problems() lists them all (empty when all is well).
 * `ignore` is a list of RegExps for console errors a test provokes on purpose.
 */
export async function openPage(context, { ignore = [] } = {}) {
  const page = await context.newPage();
  const seen = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !ignore.some((pattern) => pattern.test(message.text()))) {
      seen.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => seen.push(`uncaught: ${error.message}`));
  const problems = async () => {
    const csp = page.isClosed() ? [] : await page.evaluate(() => window.__cspViolations ?? []);
    return [...seen, ...csp.map((violation) => `CSP violation: ${violation}`)];
  };
  return { page, problems };
}

/** Waits until the SPA has rendered a page (its <h1>) and returns the h1's text. */
export async function heading(page) {
  const h1 = page.locator('main h1');
  await h1.waitFor();
  return (await h1.textContent()).trim();
}

/**
 * Waits (up to 5 s) until keyboard focus is on an element matching `selector`, and fails
 * naming what has focus instead. The SPA moves focus after it draws (an effect or the next
 * animation frame), so reading document.activeElement at once races it on a busy machine.
 */
export async function expectFocus(page, selector, timeout = 5000) {
  try {
    await page.waitForFunction((wanted) => document.activeElement?.matches(wanted), selector, { timeout });
  } catch {
    const actual = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? `${el.tagName}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}` : 'nothing';
    });
    throw new Error(`expected focus on ${selector}, but it is on ${actual}`);
  }
}
