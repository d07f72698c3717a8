// The register's records in the browser, against the real server: Submit New Record (with
// the browser's own validation and the duplicate check), View, Edit (including someone else
// saving first), End entitlement with its confirmation, Manage Records (search, include
// ended, sort, page size in the URL) and Delete. Every page is audited with axe and must log
// no console error, throw nothing and break no CSP rule.
//
// Sign-in goes through the API (the sign-in pages have their own tests): an administrator is
// created with `s117 create-admin`, its one-time password and security code are read from
// the development outbox, the password is changed, and the token is put where the SPA keeps
// it (sessionStorage `s117.token`) before the SPA loads.
//
// Run: `cargo xtask test --browser-only`, or after a build `node --test tests/e2e/records.test.mjs`.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { callApi, signInAsAdmin } from './support/api.mjs';
import { audit, describe as describeViolations } from './support/axe.mjs';
import { expectFocus, heading, launchBrowser, openPage } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const SERVICE = 'S117 Register';
const ADMIN = 'admin@example.org';
const NEW_PASSWORD = 'Records-Test-2026!';

let server;
let browser;
let token;

/** A JSON call to the API as the signed-in administrator (or `bearer`). */
const api = (method, path, body, bearer = token, ifMatch = undefined) =>
  callApi(server, method, path, body, bearer, ifMatch);

before(async () => {
  server = await startServer();
  token = await signInAsAdmin(server, { email: ADMIN, newPassword: NEW_PASSWORD });
  browser = await launchBrowser();
  // The SPA restores its session from sessionStorage on load, as after a reload.
  await browser.context.addInitScript((value) => {
    window.sessionStorage.setItem('s117.token', value);
  }, token);
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

async function assertClean(problems) {
  assert.deepEqual(await problems(), [], 'console errors, exceptions or CSP violations');
}

async function assertAccessible(page, what) {
  const { blocking } = await audit(page);
  assert.equal(blocking.length, 0, `axe found serious/critical violations on ${what}:\n${describeViolations(blocking)}`);
}

/** Chromium logs every 4xx answer to fetch as a console error: expected ones are ignored. */
const expectedStatus = (...codes) => [new RegExp(`status of (${codes.join('|')})`)];

const text = async (locator) => (await locator.textContent()).replace(/\s+/g, ' ').trim();

/** Yesterday, as the three boxes and as the long form (the API's "today" may be UTC). */
function yesterday() {
  const d = new Date(Date.now() - 24 * 3600 * 1000);
  return {
    day: String(d.getDate()),
    month: String(d.getMonth() + 1),
    year: String(d.getFullYear()),
    long: d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric' }),
  };
}

async function fillDate(page, id, [day, month, year]) {
  await page.fill(`#${id}-day`, day);
  await page.fill(`#${id}-month`, month);
  await page.fill(`#${id}-year`, year);
}

const ALAN = {
  first: 'Alan',
  family: 'Harbour',
  dob: ['13', '2', '1980'],
  nhs: '999 000 0018',
  postcode: 'ST5 1DS',
};

/** Fills Submit New Record for `person`, the long lists through their search boxes. */
async function fillRecord(page, person) {
  await page.fill('#first-name', person.first);
  await page.fill('#family-name', person.family);
  await fillDate(page, 'date-of-birth', person.dob);
  await page.selectOption('#gender', '1');
  await page.fill('#nhs-number', person.nhs);
  await page.fill('#postcode', person.postcode);
  await page.check('#learning-disability-2');
  await fillDate(page, 'date-detained', ['6', '1', '2025']);
  await page.selectOption('#qualifying-section', 's3');
  await fillDate(page, 's117-start-date', ['1', '3', '2025']);
  await page.fill('#responsible-la-search', 'stafford');
  await page.selectOption('#responsible-la', 'E10000028');
  await page.fill('#responsible-commissioner-search', '05V');
  await page.selectOption('#responsible-commissioner', 'sicbl:05V');
}

describe('records', () => {
  let recordId;

  test('the navigation offers Submit New Record then Manage Records', async () => {
    const { page, problems } = await visit('/');
    await heading(page);
    const labels = (await page.locator('.govuk-service-navigation__link').allTextContents()).map((t) => t.trim());
    const submit = labels.indexOf('Submit New Record');
    assert.ok(submit > 0, `nav: ${labels}`);
    assert.equal(labels[submit + 1], 'Manage Records', `nav: ${labels}`);
    await assertClean(problems);
    await page.close();
  });

  test('Submit New Record checks in the browser, then creates the record', async () => {
    const { page, problems } = await visit('/records/new');
    assert.equal(await heading(page), 'Submit New Record');
    await page.locator('#first-name').waitFor();
    assert.equal(await page.title(), `Submit New Record – ${SERVICE}`);
    await assertAccessible(page, 'Submit New Record');
    // Only sections that give entitlement are offered.
    const sections = await page.locator('#qualifying-section option').evaluateAll((os) => os.map((o) => o.value));
    assert.ok(sections.includes('s3') && !sections.includes('s2') && !sections.includes('s136'), `${sections}`);
    // The long lists narrow as the user types.
    await page.fill('#responsible-la-search', 'stoke');
    const las = await page.locator('#responsible-la option').allTextContents();
    assert.ok(las.length <= 4 && las.some((t) => /Stoke-on-Trent/.test(t)), `${las}`);
    await page.fill('#responsible-la-search', '');

    const posts = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/api/v1/records')) posts.push(request.url());
    });

    // Nothing typed: every mandatory field is reported, nothing is sent.
    await page.getByRole('button', { name: 'Submit Record' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.match(await text(summary), /There is a problem/);
    for (const message of ['Enter a first name', 'Enter a family name', 'Enter a date of birth', 'Select a gender',
      'Enter the date detained', 'Select a responsible local authority']) {
      assert.match(await text(summary), new RegExp(message), message);
    }
    assert.equal(await page.title(), `Error: Submit New Record – ${SERVICE}`);
    await expectFocus(page, '.govuk-error-summary');
    assert.equal(posts.length, 0, 'the browser refused the form without asking the API');

    // An NHS number failing the Modulus 11 check is refused in the browser, beside the field.
    await fillRecord(page, { ...ALAN, nhs: '1235647321' });
    await page.getByRole('button', { name: 'Submit Record' }).click();
    await page.locator('#nhs-number-error').waitFor();
    const nhsMessage = 'Enter a valid NHS number: check each digit has been copied correctly';
    assert.match(await text(page.locator('#nhs-number-error')), new RegExp(nhsMessage));
    assert.deepEqual(
      (await page.locator('.govuk-error-summary__list li').allTextContents()).map((t) => t.trim()),
      [nhsMessage],
    );
    assert.equal(await page.getAttribute('#nhs-number', 'aria-describedby'), 'nhs-number-hint nhs-number-error');
    await assertAccessible(page, 'Submit New Record with errors');
    // The summary's link takes keyboard focus to the field.
    await page.locator('.govuk-error-summary__list a').click();
    await expectFocus(page, '#nhs-number');
    assert.equal(posts.length, 0);

    await page.fill('#nhs-number', ALAN.nhs);
    await page.getByRole('button', { name: 'Submit Record' }).click();
    await page.waitForURL(/\/records\/\d+$/);
    recordId = Number(new URL(page.url()).pathname.split('/').pop());
    assert.equal(posts.length, 1);
    const banner = page.locator('.govuk-notification-banner--success');
    await banner.waitFor();
    assert.match(await text(banner), /Record created/);
    assert.match(await heading(page), /^Alan Harbour/);
    await assertClean(problems);
    await page.close();
  });

  test('submitting the same person again is refused with a link to the record', async () => {
    const { page, problems } = await visit('/records/new', { ignore: expectedStatus(409) });
    await page.locator('#first-name').waitFor();
    await fillRecord(page, ALAN);
    await page.getByRole('button', { name: 'Submit Record' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.equal(
      await text(page.locator('.govuk-error-summary__list li')),
      'Duplicate record already exists. To view this record click here',
    );
    const link = summary.getByRole('link', { name: 'click here' });
    assert.equal(await link.getAttribute('href'), `/records/${recordId}`);
    // Everything typed is kept.
    assert.equal(await page.inputValue('#first-name'), 'Alan');
    assert.equal(await page.inputValue('#postcode'), 'ST5 1DS');
    assert.equal(await page.inputValue('#responsible-la'), 'E10000028');
    await assertAccessible(page, 'the duplicate message');

    await link.click();
    await page.waitForURL(`**/records/${recordId}`);
    assert.match(await heading(page), /^Alan Harbour/);
    await assertClean(problems);
    await page.close();
  });

  test('the record shows the individual, the detention and the history', async () => {
    const { page, problems } = await visit(`/records/${recordId}`);
    assert.match(await heading(page), /^Alan Harbour/);
    await page.locator('.govuk-summary-list').first().waitFor();
    // The history loads after the record (one audited read at a time): wait for it.
    await page.locator('caption', { hasText: 'History' }).waitFor();
    const main = await text(page.locator('main'));
    for (const expected of ['Details of the individual', 'Detention information', '999 000 0018', '13 February 1980',
      'Staffordshire', 'Section 3', 'History', 'Record created']) {
      assert.ok(main.includes(expected), `${expected} in ${main}`);
    }
    for (const action of ['Edit record', 'Record a new detention', 'End entitlement', 'Delete record']) {
      assert.equal(await page.getByRole('button', { name: action }).count(), 1, action);
    }
    await assertAccessible(page, 'View record');
    await assertClean(problems);
    await page.close();
  });

  test('Edit record updates the postcode and the history shows old → new', async () => {
    const { page, problems } = await visit(`/records/${recordId}`);
    await page.getByRole('button', { name: 'Edit record' }).click();
    await page.waitForURL(`**/records/${recordId}/edit`);
    assert.equal(await heading(page), 'Edit record');
    await page.locator('#postcode').waitFor();
    assert.equal(await page.inputValue('#postcode'), 'ST5 1DS');
    assert.equal(await page.inputValue('#nhs-number'), '999 000 0018');
    assert.equal(await page.inputValue('#date-of-birth-day'), '13');
    assert.equal(await page.inputValue('#responsible-commissioner'), 'sicbl:05V');
    await assertAccessible(page, 'Edit record');
    await page.fill('#postcode', 'st4 2dn');
    await page.getByRole('button', { name: 'Update record' }).click();
    await page.waitForURL(`**/records/${recordId}`);
    const banner = page.locator('.govuk-notification-banner--success');
    await banner.waitFor();
    assert.match(await text(banner), /Record updated/);
    await page.locator('table', { hasText: 'History' }).waitFor();
    assert.match(await text(page.locator('main')), /Postcode: ST5 1DS → ST4 2DN/);
    await assertClean(problems);
    await page.close();
  });

  test('an edit after someone else saved is refused, shows their change and keeps mine', async () => {
    const { page, problems } = await visit(`/records/${recordId}/edit`, { ignore: expectedStatus(412) });
    await page.locator('#notes').waitFor();
    await page.waitForFunction(() => document.querySelector('#postcode')?.value === 'ST4 2DN');
    // Someone else saves first (through the API).
    const current = await api('GET', `/api/v1/records/${recordId}`);
    const etag = current.headers.get('etag');
    const record = await current.json();
    const body = {
      nhs_number: record.nhs_number, first_name: record.first_name, family_name: record.family_name,
      date_of_birth: record.date_of_birth, gender: record.gender.code, postcode: record.postcode,
      learning_disability: record.learning_disability, notes: 'Changed by a colleague',
      episode: {
        date_detained: record.episode.date_detained, qualifying_section: record.episode.qualifying_section.code,
        s117_start_date: record.episode.s117_start_date, responsible_la: record.episode.responsible_la.code,
        responsible_commissioner: record.episode.responsible_commissioner.code, gp_out_of_county: false,
      },
    };
    const put = await api('PUT', `/api/v1/records/${recordId}`, body, token, etag);
    assert.equal(put.status, 200, await put.text());

    await page.fill('#gp-practice', 'Example Surgery');
    await page.getByRole('button', { name: 'Update record' }).click();
    const banner = page.locator('.govuk-notification-banner');
    await banner.waitFor();
    assert.match(await text(banner), /Someone else has changed this record since you opened it/);
    const differences = await banner.locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => [...row.children].map((cell) => cell.textContent.trim())));
    assert.deepEqual(differences, [['GP practice', '(blank)', 'Example Surgery'], ['Notes', 'Changed by a colleague', '(blank)']]);
    assert.equal(await page.inputValue('#gp-practice'), 'Example Surgery', 'my edit is still in the form');
    await assertAccessible(page, 'Edit record after a conflict');
    // Saving again now overwrites with my version, on the current version.
    await page.getByRole('button', { name: 'Update record' }).click();
    await page.waitForURL(`**/records/${recordId}`);
    await page.locator('.govuk-notification-banner--success').waitFor();
    await page.locator('.govuk-summary-list').first().waitFor();
    assert.match(await text(page.locator('main')), /Example Surgery/);
    await assertClean(problems);
    await page.close();
  });

  test('End entitlement asks for confirmation, then takes the person off the active register', async () => {
    const { page, problems } = await visit(`/records/${recordId}`);
    await page.getByRole('button', { name: 'End entitlement' }).click();
    await page.waitForURL(`**/records/${recordId}/end`);
    assert.equal(await heading(page), 'End S117 entitlement');
    await assertAccessible(page, 'End entitlement');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await text(page.locator('.govuk-error-summary')), /Enter the date entitlement ended/);
    assert.match(await text(page.locator('.govuk-error-summary')), /Select why entitlement ended/);
    await assertAccessible(page, 'End entitlement with errors');

    const day = yesterday();
    await fillDate(page, 'end-date', [day.day, day.month, day.year]);
    await page.check('#reason');
    await page.fill('#la-agreed-by', 'A. Manager, Staffordshire County Council');
    await page.fill('#nhs-agreed-by', 'B. Lead, Staffordshire and Stoke-on-Trent ICB');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.equal(await heading(page), `Are you sure you want to end this S117 entitlement on ${day.long}?`);
    await expectFocus(page, 'main h1');
    assert.equal(await page.getByRole('button', { name: 'No – cancel' }).getAttribute('href'), `/records/${recordId}`);
    await assertAccessible(page, 'the confirmation of ending');
    await page.getByRole('button', { name: 'Yes – confirm' }).click();
    await page.waitForURL(`**/records/${recordId}`);
    const banner = page.locator('.govuk-notification-banner--success');
    await banner.waitFor();
    assert.match(await text(banner), /Entitlement ended\. Alan Harbour has been removed from the active register\./);
    assert.match(await heading(page), /Ended/);
    assert.equal(await page.getByRole('button', { name: 'End entitlement' }).count(), 0);
    await assertClean(problems);
    await page.close();
  });

  test('a current community treatment order blocks ending, in the words of the rule', async () => {
    const created = await api('POST', '/api/v1/records', {
      nhs_number: '9990000026', first_name: 'Steve', family_name: 'Lowther', date_of_birth: '1992-03-10',
      gender: '1', postcode: 'ST4 2DN', learning_disability: 'not_known',
      episode: {
        date_detained: '2025-01-06', qualifying_section: 's3', s117_start_date: '2025-03-01',
        responsible_la: 'E06000021', responsible_commissioner: 'sicbl:05W', gp_out_of_county: false,
        cto_start_date: '2025-04-01',
      },
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { id } = await created.json();
    const { page, problems } = await visit(`/records/${id}/end`);
    await page.locator('#end-date-day').waitFor();
    const day = yesterday();
    await fillDate(page, 'end-date', [day.day, day.month, day.year]);
    await page.check('#reason');
    await page.fill('#la-agreed-by', 'A. Manager');
    await page.fill('#nhs-agreed-by', 'B. Lead');
    await page.getByRole('button', { name: 'Continue' }).click();
    const summary = page.locator('.govuk-error-summary');
    await summary.waitFor();
    assert.match(await text(summary), /You cannot end entitlement while a community treatment order is in force/);
    assert.equal(await heading(page), 'End S117 entitlement');
    await assertClean(problems);
    await page.close();
  });

  test('Manage Records: ended records leave the default list, and the URL keeps the search', async () => {
    const { page, problems } = await visit('/records');
    assert.equal(await heading(page), 'Manage Records');
    assert.match(await text(page.locator('main')), /Search for your record below to manage it\./);
    await page.locator('table.govuk-table').waitFor();
    const headings = (await page.locator('thead th').allTextContents()).map((t) => t.trim());
    assert.deepEqual(headings, ['NHS NUMBER', 'ID', 'NAME', 'D.O.B', 'POST CODE', 'S117 RESPONSIBLE LOCAL AUTHORITY',
      'S117 RESPONSIBLE CLINICAL COMMISSIONERS', 'ACTIONS']);
    assert.match(await text(page.locator('#records-showing')), /^Showing 1 to 1 of 1 entries$/);
    await assertAccessible(page, 'Manage Records');

    await page.fill('#search', 'harbour');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.search === '?q=harbour');
    await page.waitForFunction(() => /Showing 0 to 0 of 0 entries/.test(document.querySelector('#records-showing')?.textContent ?? ''));

    await page.check('#include-ended');
    await page.selectOption('#per-page', '10');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.search === '?q=harbour&status=all&per_page=10');
    await page.waitForFunction(() => /Showing 1 to 1 of 1 entries/.test(document.querySelector('#records-showing')?.textContent ?? ''));
    const row = page.locator('tbody tr').first();
    const cells = (await row.locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    assert.equal(cells[0], '999 000 0018');
    assert.equal(cells[1], String(recordId));
    assert.match(cells[2], /^Alan Harbour Ended$/);
    assert.equal(cells[3], '13/02/1980');
    assert.equal(cells[4], 'ST4 2DN');
    assert.equal(cells[5], 'Staffordshire');

    // Sorting is a button in the heading; the order is announced with aria-sort.
    const nameHeading = page.locator('thead th', { hasText: 'NAME' }).first();
    await nameHeading.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'name');
    assert.equal(await page.locator('thead th', { hasText: /^NAME$/ }).getAttribute('aria-sort'), 'ascending');
    await page.locator('thead th', { hasText: /^NAME$/ }).getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === '-name');
    assert.equal(await page.locator('thead th', { hasText: /^NAME$/ }).getAttribute('aria-sort'), 'descending');

    // Refresh and back keep the list the URL describes.
    await page.reload();
    await page.waitForFunction(() => /Showing 1 to 1 of 1 entries/.test(document.querySelector('#records-showing')?.textContent ?? ''));
    assert.equal(await page.inputValue('#search'), 'harbour');
    assert.equal(await page.isChecked('#include-ended'), true);
    assert.equal(await page.inputValue('#per-page'), '10');
    await page.goBack();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'name');
    await page.goBack();
    await page.goBack();
    await page.waitForURL((url) => url.search === '?q=harbour');
    await page.waitForFunction(() => /Showing 0 to 0 of 0 entries/.test(document.querySelector('#records-showing')?.textContent ?? ''));
    assert.equal(await page.isChecked('#include-ended'), false);
    await assertClean(problems);
    await page.close();
  });

  test('Delete asks for confirmation, then the record is gone from Manage Records', async () => {
    const { page, problems } = await visit('/records?q=harbour&status=all');
    await page.locator('tbody tr').first().waitFor();
    await page.locator('tbody tr').first().getByRole('link', { name: /^Delete/ }).click();
    await page.waitForURL(`**/records/${recordId}/delete`);
    assert.equal(await heading(page), 'Are you sure you want to delete this record?');
    await assertAccessible(page, 'Delete record');
    await page.getByRole('button', { name: 'Yes – delete record' }).click();
    await page.waitForURL((url) => url.pathname === '/records');
    const banner = page.locator('.govuk-notification-banner--success');
    await banner.waitFor();
    assert.match(await text(banner), /Record deleted/);
    await page.fill('#search', 'harbour');
    await page.check('#include-ended');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => /Showing 0 to 0 of 0 entries/.test(document.querySelector('#records-showing')?.textContent ?? ''));
    const gone = await api('GET', `/api/v1/records/${recordId}`);
    assert.equal(gone.status, 404);
    await assertClean(problems);
    await page.close();
  });

  test('an unknown record says so', async () => {
    const { page, problems } = await visit('/records/999999', { ignore: expectedStatus(404) });
    assert.equal(await heading(page), 'Record not found');
    await assertAccessible(page, 'Record not found');
    await assertClean(problems);
    await page.close();
  });
});
