// Signing in and out, the forced password change, the idle-timeout warning, and the
// administration pages (users, API clients), against the real server with development mail:
// one-time passwords and security codes are read from `<dataDir>/outbox/*.eml`.
//
// Run: `cargo xtask test --browser-only`, or after a build `node --test tests/e2e/`.
// The tests run in order and share the server: the first one gives the administrator a
// password the others use.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { audit, describe as describeViolations } from './support/axe.mjs';
import { expectFocus, heading, launchBrowser, openPage } from './support/browser.mjs';
import { oneTimePassword, outboxNames, securityCode, waitForEmail } from './support/mail.mjs';
import { startServer } from './support/server.mjs';

const SERVICE = 'S117 Register';
const ADMIN = 'admin@example.org';
const ADMIN_NAME = 'Ada Admin';
const ADMIN_PASSWORD = 'Harbour#2025';
// A second administrator for the later tests: the server sends at most 4 security codes per
// account in 10 minutes.
const OPS = 'ops@example.org';
const OPS_PASSWORD = 'Quokka-Tundra-59';
/** Responses the tests provoke on purpose, which Chromium logs as console errors. */
const EXPECTED_HTTP_ERRORS = [/the server responded with a status of (401|409|422|429)/];

let server;
let browser;

before(async () => {
  server = await startServer({
    env: {
      // Short enough for the idle test's fake clock; long enough for the real-time tests.
      S117_IDLE_TIMEOUT_MINUTES: '3',
      S117_LOGIN_LIMIT_PER_IP: '1000',
      S117_LOGIN_LIMIT_PER_ACCOUNT: '1000',
    },
  });
  const created = await server.cli(['create-admin', '--email', ADMIN, '--name', ADMIN_NAME]);
  assert.equal(created.code, 0, `create-admin failed:\n${created.stdout}\n${created.stderr}`);
  const ops = await server.cli(['create-admin', '--email', OPS, '--name', 'Olu Ops']);
  assert.equal(ops.code, 0, `create-admin failed:\n${ops.stdout}\n${ops.stderr}`);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function assertClean(problems) {
  assert.deepEqual(await problems(), [], 'console errors, exceptions or CSP violations');
}

async function assertAccessible(page, what) {
  const { blocking } = await audit(page);
  assert.equal(blocking.length, 0, `${what}: axe found serious/critical violations:\n${describeViolations(blocking)}`);
}

async function navLabels(page) {
  return (await page.locator('.govuk-service-navigation__link').allTextContents()).map((t) => t.trim());
}

async function errorSummary(page) {
  const summary = page.locator('.govuk-error-summary');
  await summary.waitFor();
  return (await summary.locator('li').allTextContents()).map((t) => t.trim());
}

const path = (page) => new URL(page.url()).pathname;

/** Signs in through the pages, reading the security code from the mailbox. */
async function signIn(page, email, password, { audits = false } = {}) {
  if (path(page) !== '/sign-in') await page.goto(`${server.baseUrl}/sign-in`);
  assert.equal(await heading(page), 'Sign in');
  if (audits) await assertAccessible(page, 'Sign in');
  const seen = await outboxNames(server.dataDir);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const refused = page.locator('.govuk-error-summary');
  await Promise.race([page.waitForURL('**/sign-in/code**'), refused.waitFor()]);
  if (await refused.count()) throw new Error(`sign-in refused: ${await refused.textContent()}`);
  assert.equal(await heading(page), 'Check your email');
  const mail = await waitForEmail(server.dataDir, email, { seen, test: (m) => /security code is/i.test(m.text) });
  const pin = securityCode(mail);
  if (audits) {
    assert.match(await page.locator('main').textContent(), /We have sent a 6-digit security code to your email\. The code lasts 10 minutes\./);
    const input = page.getByLabel('Security code');
    assert.equal(await input.getAttribute('autocomplete'), 'one-time-code');
    assert.equal(await input.getAttribute('inputmode'), 'numeric');
    await assertAccessible(page, 'Check your email');
  }
  // Spaces are allowed, as people copy "123 456".
  await page.getByLabel('Security code').fill(`${pin.slice(0, 3)} ${pin.slice(3)}`);
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** Signs in over the API (for set-up): returns a bearer token. */
async function apiToken(email, password) {
  const seen = await outboxNames(server.dataDir);
  const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(login.status, 202, await login.clone().text());
  const { challenge_id: challengeId } = await login.json();
  const mail = await waitForEmail(server.dataDir, email, { seen, test: (m) => /security code is/i.test(m.text) });
  const verify = await fetch(`${server.baseUrl}/api/v1/auth/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ challenge_id: challengeId, pin: securityCode(mail) }),
  });
  assert.equal(verify.status, 200, await verify.clone().text());
  return (await verify.json()).access_token;
}

let opsReady;
/** The second administrator, with their one-time password changed over the API (once). */
function ops() {
  opsReady ??= (async () => {
    const mail = await waitForEmail(server.dataDir, OPS, { test: (m) => /one-time password/i.test(m.text) });
    const oneTime = oneTimePassword(mail);
    const token = await apiToken(OPS, oneTime);
    const changed = await fetch(`${server.baseUrl}/api/v1/me/password`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ current_password: oneTime, new_password: OPS_PASSWORD }),
    });
    assert.equal(changed.status, 204, await changed.clone().text());
  })();
  return opsReady;
}

async function signOut(page) {
  await page.locator('.govuk-service-navigation__link', { hasText: 'Logout' }).click();
  await page.waitForURL('**/sign-in?signed_out=1');
  assert.match(await page.locator('.govuk-notification-banner').textContent(), /You have signed out/);
}

describe('signing in', () => {
  test('the first administrator signs in with the emailed password, must change it, and signs out', async () => {
    const { page, problems } = await openPage(browser.context, { ignore: EXPECTED_HTTP_ERRORS });
    const welcome = await waitForEmail(server.dataDir, ADMIN, { test: (m) => /one-time password/i.test(m.text) });
    const oneTime = oneTimePassword(welcome);

    // Home needs signing in.
    await page.goto(`${server.baseUrl}/`);
    await page.waitForURL('**/sign-in');
    assert.equal(await heading(page), 'Sign in');
    assert.deepEqual(await navLabels(page), ['Help and Support', 'Sign in']);

    // Nothing typed: the shared crate's words, before any request.
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.deepEqual(await errorSummary(page), ['Enter an email address', 'Enter your password']);
    assert.equal(await page.title(), `Error: Sign in – ${SERVICE}`);
    await expectFocus(page, '.govuk-error-summary');
    await page.locator('.govuk-error-summary a', { hasText: 'Enter your password' }).click();
    await expectFocus(page, '#password');

    // A wrong password: the generic answer and the fact sheet's locked-account hint.
    await page.getByLabel('Email address').fill(ADMIN);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.govuk-inset-text').waitFor();
    assert.match((await errorSummary(page)).join(), /Enter a correct email address and password/);
    assert.match(await page.locator('.govuk-inset-text').textContent(), /incorrectly 5 times your account will be locked/);
    await assertAccessible(page, 'Sign in with errors');

    await signIn(page, ADMIN, oneTime, { audits: true });

    // Forced change: nothing else is reachable.
    await page.waitForURL('**/account/password');
    assert.equal(await heading(page), 'Update password');
    assert.deepEqual(await navLabels(page), ['Help and Support', 'Logout']);
    const tokens = await page.evaluate(() => [sessionStorage.getItem('s117.token') !== null, localStorage.length]);
    assert.deepEqual(tokens, [true, 0], 'the token is in sessionStorage, never localStorage');
    await page.goto(`${server.baseUrl}/admin`);
    await page.waitForURL('**/account/password');
    assert.equal(await heading(page), 'Update password');

    // The live checklist.
    const met = () => page.locator('.s117-checklist__item--met').allTextContents();
    assert.deepEqual(await met(), []);
    await page.getByLabel('New password', { exact: true }).fill('abc1');
    assert.deepEqual((await met()).map((t) => t.replace(/^✓\s*Done:\s*/, '').trim()), ['a number (0 to 9)', 'a lower case letter']);
    assert.equal((await page.locator('[role="status"]').textContent()).trim(), '2 of 5 password requirements met');
    await assertAccessible(page, 'Update password');

    // Too short.
    await page.getByLabel('Current password').fill(oneTime);
    await page.getByLabel('New password', { exact: true }).fill('Ab1#x');
    await page.getByLabel('Confirm new password').fill('Ab1#x');
    await page.getByRole('button', { name: 'Update password' }).click();
    assert.deepEqual(await errorSummary(page), ['Password must be 8 characters or more']);
    assert.equal(await page.title(), `Error: Update password – ${SERVICE}`);
    assert.match(await page.locator('#new-password-error').textContent(), /Password must be 8 characters or more/);
    await assertAccessible(page, 'Update password with errors');

    await page.getByLabel('New password', { exact: true }).fill(ADMIN_PASSWORD);
    await page.getByLabel('Confirm new password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Update password' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    assert.equal(await heading(page), SERVICE);
    assert.match(await page.locator('.govuk-notification-banner').textContent(), /Successfully updated password\. Use this when logging in next\./);
    const labels = await navLabels(page);
    assert.equal(labels[0], 'Home');
    assert.ok(labels.includes('Administration'), `an administrator sees Administration: ${labels}`);
    assert.deepEqual(labels.slice(-2), ['Logout', `User logged in: ${ADMIN_NAME}`]);
    const cards = await page.locator('.s117-card a').allTextContents();
    assert.ok(cards.map((c) => c.trim()).includes('Administration'), `cards: ${cards}`);
    await assertAccessible(page, 'Home');

    // A reload keeps the session (sessionStorage).
    await page.reload();
    assert.equal(await heading(page), SERVICE);
    await page.locator('.govuk-service-navigation__link', { hasText: 'User logged in' }).waitFor();

    // Signed in, an unknown address is the SPA's Page not found.
    await page.goto(`${server.baseUrl}/no/such/page`);
    assert.equal(await heading(page), 'Page not found');

    await signOut(page);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('s117.token')), null);
    await assertAccessible(page, 'Sign in after signing out');
    await page.goto(`${server.baseUrl}/admin/users`);
    await page.waitForURL('**/sign-in?next=%2Fadmin%2Fusers');
    await assertClean(problems);
    await page.close();
  });
});

describe('administration', () => {
  test('an administrator creates a user, who signs in with the emailed password', async () => {
    const { page, problems } = await openPage(browser.context, { ignore: EXPECTED_HTTP_ERRORS });
    // Deep link: after signing in, the user lands where they were going.
    await page.goto(`${server.baseUrl}/admin/users`);
    await page.waitForURL('**/sign-in?next=**');
    await signIn(page, ADMIN, ADMIN_PASSWORD);
    await page.waitForURL('**/admin/users');
    assert.equal(await heading(page), 'Users');
    assert.match(await page.locator('table').textContent(), new RegExp(ADMIN));
    await assertAccessible(page, 'Users');

    await page.getByRole('button', { name: 'Create user' }).click();
    await page.waitForURL('**/admin/users/new');
    assert.equal(await heading(page), 'Create user');
    await page.locator('form').getByRole('button', { name: 'Create user' }).click();
    assert.deepEqual(await errorSummary(page), ['Enter an email address']);
    await assertAccessible(page, 'Create user with errors');

    await page.getByLabel('Email address').fill('casey@example.org');
    await page.getByLabel('Full name').fill('Casey Worker');
    await page.getByLabel('Caseworker', { exact: true }).check();
    assert.equal(await page.getByLabel('Submit new records').isChecked(), true);
    assert.equal(await page.locator('input[value="admin.users"]').isChecked(), false);
    const seen = await outboxNames(server.dataDir);
    await page.locator('form').getByRole('button', { name: 'Create user' }).click();
    await page.waitForURL(/\/admin\/users\/\d+$/);
    assert.equal(await heading(page), 'Casey Worker');
    assert.match(await page.locator('.govuk-notification-banner').textContent(), /Account created\. We have emailed the password to casey@example\.org/);
    assert.match(await page.locator('.govuk-summary-list').textContent(), /Must change password/);
    await assertAccessible(page, 'User');

    const welcome = await waitForEmail(server.dataDir, 'casey@example.org', { seen, test: (m) => /one-time password/i.test(m.text) });
    const oneTime = oneTimePassword(welcome);
    await signOut(page);

    await signIn(page, 'casey@example.org', oneTime);
    await page.waitForURL('**/account/password');
    await page.getByLabel('Current password').fill(oneTime);
    await page.getByLabel('New password', { exact: true }).fill('Lantern!84k');
    await page.getByLabel('Confirm new password').fill('Lantern!84k');
    await page.getByRole('button', { name: 'Update password' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    const labels = await navLabels(page);
    assert.equal(labels.includes('Administration'), false, `a caseworker sees no Administration: ${labels}`);
    assert.equal(labels.at(-1), 'User logged in: Casey Worker');
    await page.goto(`${server.baseUrl}/admin`);
    assert.equal(await heading(page), 'You do not have permission to see this page');
    await page.goto(`${server.baseUrl}/`);
    await heading(page);
    await signOut(page);
    await assertClean(problems);
    await page.close();
  });

  test('an administrator unlocks an account locked by 5 wrong passwords', async () => {
    const token = await apiToken(ADMIN, ADMIN_PASSWORD);
    const seen = await outboxNames(server.dataDir);
    const created = await fetch(`${server.baseUrl}/api/v1/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ email: 'lee@example.org', name: 'Lee Brown', permissions: ['records.view'] }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const oneTime = oneTimePassword(await waitForEmail(server.dataDir, 'lee@example.org', { seen, test: (m) => /one-time password/i.test(m.text) }));
    for (let i = 0; i < 5; i += 1) {
      const wrong = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'lee@example.org', password: 'Wrong#pass1' }),
      });
      assert.equal(wrong.status, 401);
    }

    const { page, problems } = await openPage(browser.context, { ignore: EXPECTED_HTTP_ERRORS });
    await page.goto(`${server.baseUrl}/sign-in`);
    await signIn(page, ADMIN, ADMIN_PASSWORD);
    await page.goto(`${server.baseUrl}/admin/users?status=locked`);
    const row = page.locator('tr', { hasText: 'lee@example.org' });
    await row.waitFor();
    assert.match(await row.textContent(), /Locked/);
    await row.getByRole('link', { name: 'Lee Brown' }).click();
    await page.waitForURL(/\/admin\/users\/\d+$/);
    await page.getByRole('button', { name: 'Unlock account' }).click();
    await page.waitForURL(/\/unlock$/);
    assert.equal(await heading(page), 'Are you sure you want to unlock Lee Brown’s account?');
    await assertAccessible(page, 'Unlock confirmation');
    await page.getByRole('button', { name: 'Yes, unlock account' }).click();
    await page.waitForURL(/\/admin\/users\/\d+$/);
    assert.match(await page.locator('.govuk-notification-banner').textContent(), /Account unlocked/);
    assert.doesNotMatch(await page.locator('.govuk-summary-list .govuk-tag').textContent(), /Locked/);
    assert.equal(await page.getByRole('button', { name: 'Unlock account' }).count(), 0);

    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'lee@example.org', password: oneTime }),
    });
    assert.equal(login.status, 202, 'the unlocked account can sign in again');

    // The last administrator rule: the API's 409 shows in the error summary.
    await page.goto(`${server.baseUrl}/admin/users?q=admin`);
    await page.locator('tr', { hasText: ADMIN }).getByRole('link').click();
    await page.waitForURL(/\/admin\/users\/\d+$/);
    await page.getByRole('button', { name: 'Disable account' }).click();
    await page.getByRole('button', { name: 'Yes, disable account' }).click();
    assert.match((await errorSummary(page)).join(), /cannot disable your own account/);
    await assertClean(problems);
    await page.close();
  });

  test('API clients: create (secret shown once, copied), rotate and revoke', async () => {
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.baseUrl });
    const { page, problems } = await openPage(browser.context, { ignore: EXPECTED_HTTP_ERRORS });
    await ops();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signIn(page, OPS, OPS_PASSWORD);
    await page.locator('.govuk-service-navigation__link', { hasText: 'Administration' }).click();
    assert.equal(await heading(page), 'Administration');
    await assertAccessible(page, 'Administration');
    await page.getByRole('link', { name: 'API clients' }).click();
    assert.equal(await heading(page), 'API clients');
    await assertAccessible(page, 'API clients');

    await page.getByRole('button', { name: 'Create API client' }).click();
    assert.equal(await heading(page), 'Create API client');
    assert.equal(await page.locator('input[value="admin.users"]').count(), 0, 'no administration scopes for a machine');
    await page.getByLabel('Name').fill('Mosaic');
    await page.locator('form').getByRole('button', { name: 'Create API client' }).click();
    assert.deepEqual(await errorSummary(page), ['Select at least one scope']);
    await assertAccessible(page, 'Create API client with errors');
    await page.getByLabel('Search and view records').check();
    await page.locator('form').getByRole('button', { name: 'Create API client' }).click();
    const secret = page.locator('#client-secret');
    await secret.waitFor();
    const first = (await secret.textContent()).trim();
    assert.ok(first.length >= 20, 'a secret is shown');
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), first);
    await assertAccessible(page, 'API client created');

    await page.getByRole('link', { name: 'Back to API clients' }).click();
    const row = page.locator('tr', { hasText: 'Mosaic' });
    await row.waitFor();
    assert.match(await row.textContent(), /records\.view/);
    assert.match(await row.textContent(), /Never/);
    await row.getByRole('link', { name: /Rotate secret/ }).click();
    assert.equal(await heading(page), 'Are you sure you want to rotate the secret of Mosaic?');
    await assertAccessible(page, 'Rotate confirmation');
    await page.getByRole('button', { name: 'Yes, rotate secret' }).click();
    await secret.waitFor();
    assert.notEqual((await secret.textContent()).trim(), first);

    await page.getByRole('link', { name: 'Back to API clients' }).click();
    await page.locator('tr', { hasText: 'Mosaic' }).getByRole('link', { name: /Revoke/ }).click();
    assert.equal(await heading(page), 'Are you sure you want to revoke Mosaic?');
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page.waitForURL('**/admin/clients');
    assert.match(await page.locator('.govuk-notification-banner').textContent(), /API client Mosaic revoked/);
    assert.match(await page.locator('tr', { hasText: 'Mosaic' }).textContent(), /Revoked/);
    await assertClean(problems);
    await page.close();
  });
});

describe('the idle timeout', () => {
  test('warns two minutes before, "Stay signed in" keeps the session and what was typed, then signs out', async () => {
    const { page, problems } = await openPage(browser.context, { ignore: EXPECTED_HTTP_ERRORS });
    await page.clock.install();
    await ops();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signIn(page, OPS, OPS_PASSWORD);
    await page.goto(`${server.baseUrl}/admin/users/new`);
    assert.equal(await heading(page), 'Create user');
    await page.getByLabel('Full name').fill('Typed before the warning');

    const dialog = page.locator('dialog.s117-timeout-dialog');
    assert.equal(await dialog.isVisible(), false);
    // The server's limit is 3 minutes: the warning comes at 1 minute idle.
    await page.clock.fastForward('01:05');
    await dialog.waitFor({ state: 'visible' });
    assert.equal((await dialog.locator('h2').textContent()).trim(), 'You will be signed out soon');
    assert.equal(await page.evaluate(() => document.activeElement.closest('dialog') !== null), true, 'focus is in the dialog');
    await assertAccessible(page, 'Idle warning');

    const refreshed = page.waitForResponse((response) => response.url().endsWith('/api/v1/me'));
    await dialog.getByRole('button', { name: 'Stay signed in' }).click();
    assert.equal((await refreshed).status(), 200);
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.getByLabel('Full name').inputValue(), 'Typed before the warning');

    // Escape also means stay.
    await page.clock.fastForward('01:05');
    await dialog.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(path(page), '/admin/users/new');

    // No activity until the limit: signed out, with the reason.
    await page.clock.fastForward('03:10');
    await page.waitForURL('**/sign-in?expired=1');
    assert.match(await page.locator('.govuk-notification-banner').textContent(), /You have been signed out because you were inactive/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('s117.token')), null);
    await assertClean(problems);
    await page.close();
  });

  test('a session ended on the server sends the user to sign in', async () => {
    const { page, problems } = await openPage(browser.context, { ignore: EXPECTED_HTTP_ERRORS });
    await ops();
    await page.goto(`${server.baseUrl}/sign-in`);
    await signIn(page, OPS, OPS_PASSWORD);
    // Sign the session out behind the page's back, then make the page call the API.
    const token = await page.evaluate(() => sessionStorage.getItem('s117.token'));
    const out = await fetch(`${server.baseUrl}/api/v1/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(out.status, 204);
    await page.locator('.govuk-service-navigation__link', { hasText: 'Administration' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.waitForURL('**/sign-in?ended=1');
    assert.match(await page.locator('.govuk-notification-banner').textContent(), /You have been signed out/);
    await assertClean(problems);
    await page.close();
  });
});
