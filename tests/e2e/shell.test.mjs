// The SPA shell against the real server: template, navigation, deep links, the not-found
// and service-problem pages, CSP cleanliness and accessibility, as a visitor who has not
// signed in (every page but Help and Support asks them to; sign-in.test.mjs covers the rest).
//
// Run: `cargo xtask test --browser-only` (builds everything), or after a build
// `node --test tests/e2e/`.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { audit, describe as describeViolations } from './support/axe.mjs';
import { expectFocus, heading, launchBrowser, openPage } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const SERVICE = 'S117 Register';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens `path` in a fresh page; returns { page, problems }. */
async function visit(path, options) {
  const opened = await openPage(browser.context, options);
  await opened.page.goto(server.baseUrl + path);
  return opened;
}

/** The page must have logged no console error, thrown nothing and broken no CSP rule. */
async function assertClean(problems) {
  assert.deepEqual(await problems(), [], 'console errors, exceptions or CSP violations');
}

async function assertAccessible(page) {
  const { blocking } = await audit(page);
  assert.equal(blocking.length, 0, `axe found serious/critical violations:\n${describeViolations(blocking)}`);
}

async function navLabels(page) {
  return (await page.locator('.govuk-service-navigation__link').allTextContents()).map((t) => t.trim());
}

describe('the page template', () => {
  test('renders the unbranded header, the navigation and the footer', async () => {
    const { page, problems } = await visit('/help');
    assert.equal(await heading(page), 'Help and Support');
    assert.equal(await page.title(), `Help and Support – ${SERVICE}`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en-GB');

    const serviceName = page.locator('.govuk-generic-header__homepage-link');
    assert.equal((await serviceName.textContent()).trim(), SERVICE);
    assert.equal(await serviceName.getAttribute('href'), '/');
    // No crown, no GOV.UK logotype: this is not a gov.uk service.
    assert.equal(await page.locator('svg.govuk-logo, .govuk-header__logotype, .govuk-footer__crown').count(), 0);
    assert.equal(await page.getByText('Open Government Licence').count(), 0);

    assert.deepEqual(await navLabels(page), ['Help and Support', 'Sign in']);
    const help = page.locator('.govuk-service-navigation__link', { hasText: 'Help and Support' });
    assert.equal(await help.getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('[aria-current]').count(), 1);
    const footerLinks = await page.locator('.govuk-footer__link').evaluateAll((links) =>
      links.map((link) => [link.textContent.trim(), link.getAttribute('href')]),
    );
    assert.deepEqual(footerLinks, [['Help and Support', '/help'], ['API documentation', '/api/docs']]);

    // boot.js (not an inline script) marks the body as GOV.UK's template does.
    assert.equal(await page.evaluate(() => document.body.className), 'govuk-template__body js-enabled govuk-frontend-supported');
    await assertClean(problems);
    await page.close();
  });

  test('the skip link moves keyboard focus to the main content', async () => {
    const { page, problems } = await visit('/help');
    await heading(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Skip to main content');
    await page.keyboard.press('Enter');
    await expectFocus(page, '#main-content');
    assert.equal(new URL(page.url()).pathname, '/help');
    await assertClean(problems);
    await page.close();
  });

  test('on a small screen the navigation folds behind a Menu button', async () => {
    const { page, problems } = await visit('/help');
    await heading(page);
    await page.setViewportSize({ width: 375, height: 700 });
    const toggle = page.locator('.govuk-service-navigation__toggle');
    const list = page.locator('#navigation');
    await toggle.waitFor({ state: 'visible' });
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal(await list.isVisible(), false);
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(await list.isVisible(), true);
    await page.setViewportSize({ width: 1024, height: 700 });
    await toggle.waitFor({ state: 'hidden' });
    assert.equal(await list.isVisible(), true);
    await assertClean(problems);
    await page.close();
  });
});

describe('navigation', () => {
  test('goes to Help and Support and back without reloading the app', async () => {
    const { page, problems } = await visit('/sign-in');
    assert.equal(await heading(page), 'Sign in');
    await page.evaluate(() => {
      window.__sameDocument = true;
    });

    await page.locator('.govuk-service-navigation__link', { hasText: 'Help and Support' }).click();
    await page.waitForURL('**/help');
    assert.equal(await heading(page), 'Help and Support');
    assert.equal(await page.title(), `Help and Support – ${SERVICE}`);
    assert.match(
      await page.locator('main').textContent(),
      /For help and support please speak to your local first line support team\./,
    );
    const help = page.locator('.govuk-service-navigation__link', { hasText: 'Help and Support' });
    assert.equal(await help.getAttribute('aria-current'), 'page');
    // Focus moves to the new page's content, as a page load would reset it.
    await expectFocus(page, '#main-content');

    await page.goBack();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    assert.equal(await heading(page), 'Sign in');
    assert.equal(await page.title(), `Sign in – ${SERVICE}`);

    await page.goForward();
    assert.equal(await heading(page), 'Help and Support');
    await page.locator('.govuk-service-navigation__link', { hasText: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    assert.equal(await heading(page), 'Sign in');

    assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the router navigated in-page');
    await assertClean(problems);
    await page.close();
  });

  test('Home asks a visitor to sign in', async () => {
    const { page, problems } = await visit('/');
    await page.waitForURL((url) => url.pathname === '/sign-in');
    assert.equal(await heading(page), 'Sign in');
    assert.equal(await page.title(), `Sign in – ${SERVICE}`);
    await assertClean(problems);
    await page.close();
  });
});

describe('deep links', () => {
  test('/help loaded directly shows Help and Support', async () => {
    const { page, problems } = await visit('/help');
    assert.equal(await heading(page), 'Help and Support');
    assert.equal(await page.title(), `Help and Support – ${SERVICE}`);
    await page.reload();
    assert.equal(await heading(page), 'Help and Support');
    await assertClean(problems);
    await page.close();
  });

  test('a deep link loaded directly is the SPA\'s, and asks a visitor to sign in first', async () => {
    const opened = await openPage(browser.context);
    const response = await opened.page.goto(`${server.baseUrl}/no/such/page?x=1`);
    assert.equal(response.status(), 200, 'the server hands every non-API path to the SPA');
    await opened.page.waitForURL((url) => url.pathname === '/sign-in');
    assert.equal(new URL(opened.page.url()).searchParams.get('next'), '/no/such/page?x=1');
    assert.equal(await heading(opened.page), 'Sign in');
    assert.deepEqual(await navLabels(opened.page), ['Help and Support', 'Sign in']);
    await assertClean(opened.problems);
    await opened.page.close();
  });
});

describe('when the API cannot be reached', () => {
  test('the app shows the service problem page instead of the content', async () => {
    // The aborted request is logged by Chromium itself; nothing else may be.
    const opened = await openPage(browser.context, { ignore: [/ERR_CONNECTION_REFUSED|ERR_FAILED/] });
    await opened.page.route('**/health', (route) => route.abort('connectionrefused'));
    await opened.page.goto(`${server.baseUrl}/help`);
    assert.equal(await heading(opened.page), 'Sorry, there is a problem with the service');
    assert.match(await opened.page.locator('main').textContent(), /Try again later\./);
    assert.equal(await opened.page.title(), `Sorry, there is a problem with the service – ${SERVICE}`);
    assert.equal(await opened.page.getByText('For help and support please speak').count(), 1);
    await assertAccessible(opened.page);
    await assertClean(opened.problems);
    await opened.page.close();
  });

  test('a 5xx without a problem body counts as unreachable too', async () => {
    const opened = await openPage(browser.context, { ignore: [/status of 502/] });
    await opened.page.route('**/health', (route) =>
      route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>Bad gateway</h1>' }),
    );
    await opened.page.goto(`${server.baseUrl}/`);
    assert.equal(await heading(opened.page), 'Sorry, there is a problem with the service');
    await assertClean(opened.problems);
    await opened.page.close();
  });
});

describe('accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  for (const [name, path] of [
    ['Sign in', '/sign-in'],
    ['Help and Support', '/help'],
  ]) {
    test(`${name} has no serious or critical violation`, async () => {
      const { page, problems } = await visit(path);
      await heading(page);
      await assertAccessible(page);
      await assertClean(problems);
      await page.close();
    });
  }
});

describe('static files', () => {
  /** GET with explicit headers, without decompressing (node's fetch would). */
  function get(path, headers) {
    return new Promise((resolve, reject) => {
      http
        .get(server.baseUrl + path, { headers }, (response) => {
          response.resume();
          response.on('end', () => resolve(response));
        })
        .on('error', reject);
    });
  }

  test('the module, the script and the stylesheet are served precompressed', async () => {
    for (const [path, type] of [
      ['/pkg/s117_web_bg.wasm', /^application\/wasm/],
      ['/pkg/s117_web.js', /^(text|application)\/javascript/],
      ['/app.css', /^text\/css/],
    ]) {
      const zipped = await get(path, { 'accept-encoding': 'gzip' });
      assert.equal(zipped.statusCode, 200, path);
      assert.equal(zipped.headers['content-encoding'], 'gzip', path);
      assert.match(zipped.headers['content-type'], type, `${path}: ${zipped.headers['content-type']}`);
      const plain = await get(path, {});
      assert.equal(plain.headers['content-encoding'], undefined, path);
    }
  });

  test('no GDS Transport font is shipped or referenced', async () => {
    const css = await (await fetch(`${server.baseUrl}/app.css`)).text();
    assert.doesNotMatch(css, /GDS Transport|@font-face|\/assets\/fonts\//);
  });
});
