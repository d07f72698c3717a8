// The Administration tab beyond accounts, against the real server: the administration home,
// drop-down lists (retire a value: confirmed, it leaves Submit New Record's drop-down and
// comes back when reinstated), the audit log (who viewed a record, reached from the record;
// the CSV download), system status with a test email, and Help and Support with the
// operator's contact details. Every page is audited with axe and must log no console error,
// throw nothing and break no CSP rule. (Creating a user from the emailed password and
// unlocking a locked user are in sign-in.test.mjs.)
//
// Run: `cargo xtask test --browser-only`, or after a build `node --test tests/e2e/admin.test.mjs`.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { callApi, signInAsAdmin } from './support/api.mjs';
import { audit, describe as describeViolations } from './support/axe.mjs';
import { heading, launchBrowser, openPage } from './support/browser.mjs';
import { outboxNames, waitForEmail } from './support/mail.mjs';
import { startServer } from './support/server.mjs';

const ADMIN = 'admin@example.org';
const NEW_PASSWORD = 'Quokka-Tundra-71';
const SUPPORT_TEXT = 'Call the Stoke service desk on 01782 000000.';
const HELPDESK = 'servicedesk@example.gov.uk';

let server;
let browser;
let token;

/** A JSON call to the API as the signed-in administrator (or `bearer`). */
const api = (method, path, body, bearer = token, ifMatch = undefined) =>
  callApi(server, method, path, body, bearer, ifMatch);

before(async () => {
  server = await startServer({ env: { S117_SUPPORT_TEXT: SUPPORT_TEXT, S117_HELPDESK_EMAIL: HELPDESK } });
  token = await signInAsAdmin(server, { email: ADMIN, newPassword: NEW_PASSWORD, name: 'Ada Admin' });
  browser = await launchBrowser();
  await browser.context.addInitScript((value) => {
    window.sessionStorage.setItem('s117.token', value);
  }, token);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function visit(path) {
  const opened = await openPage(browser.context);
  await opened.page.goto(server.baseUrl + path);
  return opened;
}

async function assertClean(problems) {
  assert.deepEqual(await problems(), [], 'console errors, exceptions or CSP violations');
}

async function assertAccessible(page, what) {
  const { blocking } = await audit(page);
  assert.equal(blocking.length, 0, `axe found serious/critical violations on ${what}:\n${describeViolations(blocking)}`);
}

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

describe('administration', () => {
  test('the administration home lists every area the administrator may use', async () => {
    const { page, problems } = await visit('/admin');
    assert.equal(await heading(page), 'Administration');
    const areas = (await page.locator('.s117-card h2').allTextContents()).map((t) => t.trim());
    assert.deepEqual(areas, ['Users', 'API clients', 'Drop-down lists', 'Audit log', 'System status']);
    await assertAccessible(page, 'Administration');
    await assertClean(problems);
    await page.close();
  });

  test('retiring a drop-down value is confirmed and takes it out of new entries', async () => {
    const offered = async () => {
      const res = await api('GET', '/api/v1/reference/places-detained');
      return (await res.json()).items.map((i) => i.code);
    };
    assert.ok((await offered()).includes('harplands'));
    const { page, problems } = await visit('/admin/reference');
    assert.equal(await heading(page), 'Drop-down lists');
    await assertAccessible(page, 'Drop-down lists');
    await page.getByRole('link', { name: 'Places detained' }).click();
    assert.equal(await heading(page), 'Places detained');
    await page.getByLabel('Find a value').fill('harplands');
    const row = page.locator('tbody tr', { hasText: 'harplands' });
    await row.waitFor();
    assert.match(await text(row), /Offered/);
    await assertAccessible(page, 'Places detained');
    await row.getByRole('link', { name: /^Retire/ }).click();
    assert.match(await heading(page), /^Are you sure you want to retire .*Harplands/i);
    await assertAccessible(page, 'Retire confirmation');
    await page.getByRole('button', { name: 'Yes, retire it' }).click();
    await page.waitForURL('**/admin/reference/places-detained');
    assert.match(await text(page.locator('.govuk-notification-banner')), /retired/);
    assert.ok(!(await offered()).includes('harplands'), 'retired: not offered for new entries');

    // Submit New Record no longer offers it.
    await page.goto(`${server.baseUrl}/records/new`);
    await heading(page);
    await page.locator('#place-detained option').first().waitFor({ state: 'attached' });
    const places = await page.locator('#place-detained option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(places.length > 1 && !places.includes('harplands'), `${places}`);

    // Reinstated, it is offered again.
    await page.goto(`${server.baseUrl}/admin/reference/places-detained`);
    await page.getByLabel('Find a value').fill('harplands');
    await page.locator('tbody tr', { hasText: 'harplands' }).getByRole('link', { name: /^Reinstate/ }).click();
    await page.getByRole('button', { name: 'Yes, reinstate it' }).click();
    await page.waitForURL('**/admin/reference/places-detained');
    assert.ok((await offered()).includes('harplands'));

    // Adding a value: the name is required; then it is listed.
    await page.getByRole('button', { name: 'Add a value' }).click();
    assert.equal(await heading(page), 'Add a value');
    await page.getByRole('button', { name: 'Add value' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await text(page.locator('.govuk-error-summary')), /Enter the name to show in the drop-down/);
    await assertAccessible(page, 'Add a value with errors');
    await page.getByLabel('Name to show in the drop-down').fill('St Elm Ward');
    await page.getByRole('button', { name: 'Add value' }).click();
    await page.waitForURL('**/admin/reference/places-detained');
    assert.match(await text(page.locator('.govuk-notification-banner')), /St Elm Ward added/);
    assert.ok((await offered()).includes('local:st-elm-ward'));
    await assertClean(problems);
    await page.close();
  });

  test('the audit log shows who viewed a record, reached from the record, and downloads as CSV', async () => {
    const created = await api('POST', '/api/v1/records', {
      nhs_number: '999 000 0026', first_name: 'Ruth', family_name: 'Quay', date_of_birth: '1975-05-05',
      gender: '2', postcode: 'ST4 2DN', learning_disability: 'no',
      episode: { date_detained: '2025-01-06', qualifying_section: 's3', s117_start_date: '2025-03-01',
        responsible_la: 'E06000021', responsible_commissioner: 'sicbl:05W', gp_out_of_county: false },
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = await created.json();

    const { page, problems } = await visit(`/records/${id}`);
    assert.equal(await heading(page), 'Ruth Quay Active');
    await page.getByRole('link', { name: 'See who has viewed this record (audit log)' }).click();
    assert.equal(await heading(page), 'Audit log');
    await page.waitForFunction(() => /Showing 1 to \d+ of \d+ entries/.test(document.querySelector('#audit-showing')?.textContent ?? ''));
    const rows = page.locator('tbody tr');
    assert.ok((await rows.count()) >= 1);
    for (const row of await rows.all()) {
      const cells = await text(row);
      assert.match(cells, /admin@example\.org/);
      assert.match(cells, /Viewed a record/);
      assert.match(cells, new RegExp(`\\b${id}\\b`));
    }
    assert.equal(await page.inputValue('#record-id'), String(id));
    await assertAccessible(page, 'Audit log');

    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download these entries (CSV)' }).click();
    const download = await downloading.catch(async (e) => {
      throw new Error(`${e.message}; page says: ${await text(page.locator('main'))}`);
    });
    assert.match(download.suggestedFilename(), /^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    assert.match(lines[0], /^id,at,actor_user_id/);
    assert.ok(lines.slice(1).every((l) => l.includes('record.viewed')), csv);

    // A bad date is caught in the browser, in GOV.UK's words, linked to the box.
    await page.fill('#from-day', '31');
    await page.fill('#from-month', '2');
    await page.fill('#from-year', '2026');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await text(page.locator('.govuk-error-summary')), /Start date must be a real date/);
    assert.equal(await page.locator('.govuk-error-summary a').getAttribute('href'), '#from-day');
    await assertAccessible(page, 'Audit log with errors');

    // The export itself was audited.
    const exported = await (await api('GET', '/api/v1/admin/audit?action=audit.exported')).json();
    assert.equal(exported.total, 1);
    await assertClean(problems);
    await page.close();
  });

  test('system status shows the database and mail, and a test email reports the answer', async () => {
    const { page, problems } = await visit('/admin/system');
    assert.equal(await heading(page), 'System status');
    await page.locator('.govuk-summary-list').waitFor();
    const summary = await text(page.locator('.govuk-summary-list'));
    assert.match(summary, /SQLite/);
    assert.match(summary, /up to date/);
    assert.match(summary, /Development/);
    await assertAccessible(page, 'System status');
    const seen = await outboxNames(server.dataDir);
    await page.getByRole('button', { name: 'Send test email' }).click();
    const banner = page.locator('.govuk-notification-banner');
    await banner.waitFor();
    assert.match(await text(banner), /Test email sent to admin@example\.org/);
    assert.ok((await text(page.locator('#mail-answer'))).length > 0);
    await waitForEmail(server.dataDir, ADMIN, { seen, test: (m) => /test email/i.test(m.text) });
    await assertAccessible(page, 'System status after a test email');
    await assertClean(problems);
    await page.close();
  });

  test('Help and Support shows the configured contact and a guide to each task', async () => {
    const { page, problems } = await visit('/help');
    assert.equal(await heading(page), 'Help and Support');
    await page.locator('#support-text').waitFor();
    assert.equal(await text(page.locator('#support-text')), SUPPORT_TEXT);
    assert.equal(await page.locator('#helpdesk-email').getAttribute('href'), `mailto:${HELPDESK}`);
    const guides = (await page.locator('main h3').allTextContents()).map((t) => t.trim());
    assert.deepEqual(guides, [
      'Signing in',
      'Submitting a new record',
      'Finding and updating a record',
      'Ending an entitlement',
      'Uploading many records (CSV file)',
      'Reports',
    ]);
    await assertAccessible(page, 'Help and Support');
    await assertClean(problems);
    await page.close();
  });
});
