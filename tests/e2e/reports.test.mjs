// Reporting in the browser, against the real server: the dashboard (tables, charts with a
// text alternative, the filter in the URL) and a filtered CSV download fetched with the
// bearer token and saved from a blob: link. Every page is audited with axe and must log no
// console error, throw nothing and break no CSP rule.
//
// Run: `cargo xtask test --browser-only`, or after a build `node --test tests/e2e/reports.test.mjs`.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { callApi, signInAsAdmin } from './support/api.mjs';
import { audit, describe as describeViolations } from './support/axe.mjs';
import { expectFocus, heading, launchBrowser, openPage } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const ADMIN = 'admin@example.org';
const NEW_PASSWORD = 'Reports-Test-2026!';

let server;
let browser;
let token;

/** A JSON call to the API as the signed-in administrator (or `bearer`). */
const api = (method, path, body, bearer = token, ifMatch = undefined) =>
  callApi(server, method, path, body, bearer, ifMatch);

function person(nhs, first, gender, la, commissioner) {
  return {
    nhs_number: nhs, first_name: first, family_name: 'Report', date_of_birth: '1980-02-13', gender,
    postcode: 'ST5 1DS', learning_disability: 'no',
    episode: { date_detained: '2025-01-06', qualifying_section: 's3', s117_start_date: '2025-03-01',
      responsible_la: la, responsible_commissioner: commissioner, gp_out_of_county: false },
  };
}

before(async () => {
  server = await startServer();
  token = await signInAsAdmin(server, { email: ADMIN, newPassword: NEW_PASSWORD });
  for (const body of [
    person('9990000018', 'Alan', '1', 'E10000028', 'sicbl:05V'),
    person('9990000026', 'Beth', '2', 'E10000028', 'sicbl:05G'),
    person('9990000034', 'Carl', '1', 'E08000001', 'sicbl:00T'),
  ]) {
    const res = await api('POST', '/api/v1/records', body);
    assert.equal(res.status, 201, await res.text());
  }
  browser = await launchBrowser();
  await browser.context.addInitScript((value) => {
    window.sessionStorage.setItem('s117.token', value);
  }, token);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function visit(path, options) {
  const opened = await openPage(browser.context, options);
  await opened.page.goto(server.baseUrl + path);
  return opened;
}

async function assertAccessible(page, what) {
  const { blocking } = await audit(page);
  assert.equal(blocking.length, 0, `axe found serious/critical violations on ${what}:\n${describeViolations(blocking)}`);
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

describe('reporting', () => {
  test('the dashboard shows the totals as tables and charts, and filters by local authority', async () => {
    const { page, problems } = await visit('/');
    await heading(page);
    await page.locator('.govuk-service-navigation__link', { hasText: 'Reporting' }).click();
    assert.equal(await heading(page), 'Reporting Dashboard');
    await page.locator('#total-records').waitFor();
    assert.equal(await text(page.locator('#total-records')), '3');
    // The age table explains the bands and gives every number; the chart says them too.
    assert.match(await text(page.locator('main')), /Each person is in exactly one band/);
    const rows = (selector) => page.locator(`${selector} tbody tr`).evaluateAll((trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent.trim()).join(' ')));
    assert.deepEqual(await rows('#ages'), ['Under 16 0', '16 to 17 0', '18 to 64 3', '65 and over 0']);
    const chart = await page.locator('svg[role="img"]').first().getAttribute('aria-label');
    assert.match(chart, /18 to 64: 3/);
    assert.equal(await page.locator('#ages td.govuk-table__cell--numeric').count(), 4, 'numbers right-aligned');
    assert.deepEqual(await rows('#local-authorities'), ['Staffordshire 2', 'Bolton 1']);
    await assertAccessible(page, 'the dashboard');

    await page.selectOption('#dashboard-la', 'E10000028');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.waitForURL(/responsible_la=E10000028/);
    await page.waitForFunction(() => document.querySelector('#total-records')?.textContent.trim() === '2');
    // Commissioners counted by their current successor.
    await page.check('#commissioner-view-2');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.waitForURL(/commissioner_view=successor/);
    await page.waitForFunction(() => /current successor/.test(document.querySelector('#commissioners-heading')?.textContent));
    assert.deepEqual(await problems(), []);
    await page.close();
  });

  test('a filtered CSV downloads through the form; a bad date is caught first', async () => {
    const { page, problems } = await visit('/reports');
    assert.equal(await heading(page), 'Reporting Dashboard');
    await page.locator('#report').waitFor();
    await page.waitForFunction(() => document.querySelectorAll('#gender option').length > 1);
    await assertAccessible(page, 'the report form');

    await page.fill('#detained-from-day', '31');
    await page.fill('#detained-from-month', '2');
    await page.fill('#detained-from-year', '2025');
    await page.getByRole('button', { name: 'Generate report' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.match(await text(summary), /Date detained from must be a real date/);
    await expectFocus(page, '.govuk-error-summary');
    await assertAccessible(page, 'the report form with an error');
    await page.fill('#detained-from-day', '1');
    await page.fill('#detained-from-month', '1');

    await page.selectOption('#report', 'all-entitled');
    await page.selectOption('#gender', '1');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Generate report' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^s117-all-entitled-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\ufeff'), 'UTF-8 BOM');
    const lines = csv.trim().split(/\r?\n/);
    assert.equal(lines.length, 3, `header and the two men:\n${csv}`);
    assert.ok(lines.some((l) => l.includes('Alan')) && lines.some((l) => l.includes('Carl')));
    assert.ok(!csv.includes('Beth'));
    // The link stays on the page (a blob: URL, never a plain link to the API).
    const href = await page.locator('#report-download').getAttribute('href');
    assert.match(href, /^blob:/);
    await assertAccessible(page, 'the report form after a download');
    assert.deepEqual(await problems(), []);
    await page.close();
  });
});
