// The interactive API docs at /api/docs work with no internet: Swagger UI is served by the
// server itself and renders every operation of the OpenAPI document, and no request leaves
// the machine.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser } from './support/browser.mjs';
import { startServer } from './support/server.mjs';

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

test('the API docs render every operation from the server alone', async () => {
  const page = await browser.context.newPage();
  const outside = [];
  const failed = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(server.baseUrl) && !request.url().startsWith('data:')) outside.push(request.url());
  });
  page.on('requestfailed', (request) => failed.push(request.url()));
  await page.goto(`${server.baseUrl}/api/docs`);
  await page.waitForSelector('.opblock', { timeout: 15_000 });
  const spec = await (await fetch(`${server.baseUrl}/api/openapi.json`)).json();
  const operations = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(await page.locator('.opblock').count(), operations);
  // The Authorize button offers both ways in: a person's bearer token and client credentials.
  await page.getByRole('button', { name: /authorize/i }).first().click();
  await page.waitForSelector('.auth-container');
  const schemes = await page.locator('.auth-container h4').allTextContents();
  assert.ok(schemes.some((s) => /bearer/i.test(s)), `schemes: ${schemes}`);
  assert.ok(schemes.some((s) => /client_credentials/i.test(s)), `schemes: ${schemes}`);
  assert.deepEqual(outside, [], 'requests to other origins');
  assert.deepEqual(failed, [], 'failed requests');
  await page.close();
});
