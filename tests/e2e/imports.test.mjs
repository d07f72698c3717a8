// CSV bulk upload in the browser, against the real server: from Manage Records to "Add /
// manage multiple records", an empty upload (error summary), a file uploaded and checked
// (the report with its four tabs and counts, an error row's reasons), "Process CSV Data"
// with its confirmation, and the result; the records are then on the register. Every step
// is audited with axe and must log no console error, throw nothing and break no CSP rule.
//
// Run: `cargo xtask test --browser-only`, or after a build `node --test tests/e2e/imports.test.mjs`.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { callApi, signInAsAdmin } from './support/api.mjs';
import { audit, describe as describeViolations } from './support/axe.mjs';
import { expectFocus, heading, launchBrowser, openPage } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

const ADMIN = 'admin@example.org';
const NEW_PASSWORD = 'Imports-Test-2026!';

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
  await browser.context.addInitScript((value) => {
    window.sessionStorage.setItem('s117.token', value);
  }, token);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertAccessible(page, what) {
  const { blocking } = await audit(page);
  assert.equal(blocking.length, 0, `axe found serious/critical violations on ${what}:\n${describeViolations(blocking)}`);
}

const HEADER = 'NHS Number,System ID,First Name,Family Name,Date of Birth,Gender,Ethnicity,Postcode,Learning Disability,GP Practice,GP Out of County,Responsible Local Authority,Responsible Clinical Commissioner,Place Detained,Date Detained,S117 Start Date,S117 Qualifying Section,S117 End Date,End Reason';
const FILE = [
  HEADER,
  '999 000 0018,9057499,Alan,Harbour,13/02/1980,Male,A,ST5 1DS,No,Example Surgery,No,Staffordshire,NHS STAFFORD AND SURROUNDS CCG,harplands,06/01/2025,01/03/2025,s3,,',
  '999 000 0026,9057500,Zoë,O’Neil,1/3/1992,2,,ST4 2DN,Yes,,No,Stoke-on-Trent,05W,,2025-01-06,2025-03-01,Section 3,,',
  ',9057501,Steve,Lowther,00/00/0000,1,,ST4 2DN,No,,No,Stoke-on-Trent,05W,,06/01/2025,01/03/2025,s3,,',
].join('\r\n') + '\r\n';

/** The named entries of a zip file (an .xlsx workbook), read from its central directory. */
function unzip(bytes) {
  const entries = new Map();
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'a zip file (end of central directory record)');
  let at = bytes.readUInt32LE(end + 16);
  for (let i = 0; i < bytes.readUInt16LE(end + 10); i += 1) {
    assert.equal(bytes.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = bytes.readUInt16LE(at + 10);
    const size = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    const local = bytes.readUInt32LE(at + 42);
    const start = local + 30 + bytes.readUInt16LE(local + 26) + bytes.readUInt16LE(local + 28);
    const data = bytes.subarray(start, start + size);
    entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

describe('imports', () => {
  test('the CSV and Excel templates download from the upload page', async () => {
    const { page, problems } = await openPage(browser.context);
    await page.goto(server.baseUrl + '/records/import');
    assert.equal(await heading(page), 'Add / manage multiple records');
    const save = async (link) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(link)]);
      return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
    };

    const csv = await save('#template-link');
    assert.equal(csv.name, 's117-upload-template.csv');
    const text = csv.bytes.toString('utf8');
    assert.ok(text.startsWith('\ufeff'), 'UTF-8 BOM, so Excel reads the file as UTF-8');
    assert.equal(text.slice(1), `${HEADER},LA Agreed By,NHS Agreed By\r\n`);

    const guidance = await save('#guidance-link');
    assert.equal(guidance.name, 's117-upload-guidance.csv');
    assert.match(guidance.bytes.toString('utf8'), /S117 Qualifying Section/);

    const xlsx = await save('#template-xlsx-link');
    assert.equal(xlsx.name, 's117-upload-template.xlsx');
    const entries = unzip(xlsx.bytes);
    const workbook = entries.get('xl/workbook.xml').toString('utf8');
    for (const sheet of ['Records', 'Guidance', 'Lists']) {
      assert.match(workbook, new RegExp(`<sheet name="${sheet}"`), `the ${sheet} sheet`);
    }
    const strings = entries.get('xl/sharedStrings.xml')?.toString('utf8') ?? '';
    const sheets = [...entries.keys()].filter((n) => n.startsWith('xl/worksheets/'));
    const cells = strings + sheets.map((n) => entries.get(n).toString('utf8')).join('');
    for (const column of HEADER.split(',')) {
      assert.ok(cells.includes(column), `the Excel template has the ${column} column`);
    }
    assert.match(cells, /<dataValidation /, 'drop-down lists on the coded columns');
    assert.deepEqual(await problems(), []);
    await page.close();
  });

  test('upload, check, confirm and process a CSV file', async () => {
    const file = path.join(server.dataDir, 'abc.csv');
    await writeFile(file, FILE);
    const { page, problems } = await openPage(browser.context, { ignore: [/status of 4\d\d/] });
    await page.goto(server.baseUrl + '/records');
    await heading(page);
    await page.click('a[href="/records/import"]');
    assert.equal(await heading(page), 'Add / manage multiple records');
    assert.equal(await page.title(), 'Add / manage multiple records – S117 Register');
    await assertAccessible(page, 'the upload page');

    // Nothing chosen: the error summary, linked to the file input.
    await page.click('button:has-text("Upload file")');
    await page.locator('.govuk-error-summary').waitFor();
    assert.match(await page.locator('.govuk-error-summary').textContent(), /Select a CSV file to upload/);
    await assertAccessible(page, 'the upload page with an error');

    await page.setInputFiles('#file', file);
    await page.click('button:has-text("Upload file")');
    await expectFocus(page, '#report-heading', 20000);
    const report = (await page.locator('main').textContent()).replace(/\s+/g, ' ');
    assert.match(report, /File name: abc\.csv/);
    assert.match(report, /Total records in file: 3/);
    assert.match(report, /New Records 2/);
    assert.match(report, /Errors Encountered 1/);
    assert.match(report, /Zoë O’Neil/);
    assert.match(report, /Upload in check mode, record not added\./);
    await assertAccessible(page, 'the report');

    await page.click('#tab-error');
    await page.locator('#import-rows td:has-text("Date of Birth")').waitFor();
    assert.match(await page.locator('#import-rows').textContent(), /real date/);

    await page.click('button:has-text("Process CSV Data")');
    await expectFocus(page, '#confirm-heading');
    assert.match(await page.locator('main').textContent(), /2 new records will be added/);
    await assertAccessible(page, 'the confirmation');
    await page.click('button:has-text("Yes – process CSV data")');
    await page.locator('.govuk-panel__title').waitFor({ timeout: 20000 });
    assert.equal((await page.locator('.govuk-panel__title').textContent()).trim(), 'CSV data processed');
    assert.match(await page.locator('main').textContent(), /Record added\./);
    await assertAccessible(page, 'the result');
    assert.deepEqual(await problems(), []);

    const list = await (await api('GET', '/api/v1/records?q=harbour')).json();
    assert.equal(list.total, 1);
  });

  test('Submit New Record links to the upload page', async () => {
    const { page } = await openPage(browser.context);
    await page.goto(server.baseUrl + '/records/new');
    await heading(page);
    await page.locator('a[href="/records/import"]').waitFor();
  });
});
