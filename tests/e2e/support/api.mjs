// Talking to the API directly from a browser test, to set up what the journey under test
// starts from (an administrator's token, records to find) without clicking through it.

import assert from 'node:assert/strict';

import { oneTimePassword, outboxNames, securityCode, waitForEmail } from './mail.mjs';

/** A JSON call to `server`'s API, with a bearer token and an If-Match when given. */
export async function callApi(server, method, path, body, bearer, ifMatch) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined && body !== null) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (ifMatch) headers['If-Match'] = ifMatch;
  return fetch(server.baseUrl + path, {
    method,
    headers,
    body: body === undefined || body === null ? undefined : JSON.stringify(body),
  });
}

/**
 * Creates the first administrator with `s117 create-admin`, signs in over the API the way a
 * person does (one-time password, then the emailed security code, both read from the
 * development mailbox), replaces the one-time password with `newPassword`, and returns the
 * bearer token.
 */
export async function signInAsAdmin(server, { email, name = 'Test Admin', newPassword }) {
  const created = await server.cli(['create-admin', '--email', email, '--name', name]);
  assert.equal(created.code, 0, `create-admin failed:\n${created.stdout}\n${created.stderr}`);
  const welcome = await waitForEmail(server.dataDir, email, { test: (m) => /one-time password/i.test(m.text) });
  const password = oneTimePassword(welcome);
  const seen = await outboxNames(server.dataDir);
  const login = await callApi(server, 'POST', '/api/v1/auth/login', { email, password });
  assert.equal(login.status, 202, await login.clone().text());
  const { challenge_id } = await login.json();
  const pin = await waitForEmail(server.dataDir, email, { seen, test: (m) => /security code is/i.test(m.text) });
  const verify = await callApi(server, 'POST', '/api/v1/auth/verify', { challenge_id, pin: securityCode(pin) });
  assert.equal(verify.status, 200, await verify.clone().text());
  const { access_token } = await verify.json();
  const change = await callApi(server, 'PUT', '/api/v1/me/password',
    { current_password: password, new_password: newPassword }, access_token);
  assert.ok(change.ok, `password change: ${change.status} ${await change.text()}`);
  return access_token;
}
