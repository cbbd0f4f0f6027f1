// GET /api/v2/current_user (users.mjs) and the revoke endpoint's client-authentication settings (`revokeAuth`):
// the sandbox's side of org verification (policy 18) and of RFC 7009 revocation with a bearer fallback (policy 5).

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../index.mjs';
import { siteOf, control, connect, orgOn } from '../testkit.mjs';

const REDIRECT = 'http://localhost:7777/callback';
const SECRET = 'sandbox-client-secret';
let sb;

before(async () => { sb = await startSandbox({ config: { clients: [{ redirectUris: [REDIRECT] }] } }); });
after(async () => { await sb.close(); });
beforeEach(() => { sb.reset(); });

const currentUser = (site, headers) => fetch(`${site.apiOrigin}/api/v2/current_user`, { headers });

test('current_user answers the bearer token\'s own org, on its own site only', async () => {
  const c = await connect(sb, 'ap1', { redirectUri: REDIRECT, apiKey: false });
  const org = orgOn(sb, 'ap1');
  const res = await currentUser(c.site, { authorization: `Bearer ${c.tokens.access_token}` });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.data.type, 'users');
  assert.equal(body.data.relationships.org.data.id, org.id);
  assert.deepEqual(body.included.map((o) => [o.type, o.id, o.attributes.name]), [['orgs', org.id, org.name]]);
  // Hostile: no token, a wrong one, the refresh token, another site's host.
  assert.equal((await currentUser(c.site, {})).status, 403);
  assert.equal((await currentUser(c.site, { authorization: 'Bearer nope' })).status, 403);
  assert.equal((await currentUser(c.site, { authorization: `Bearer ${c.tokens.refresh_token}` })).status, 403);
  assert.equal((await currentUser(siteOf(sb, 'ap2'), { authorization: `Bearer ${c.tokens.access_token}` })).status, 403);
  // An expired token is 401, as elsewhere.
  await control(sb, 'POST', '/_sandbox/expire-tokens');
  assert.equal((await currentUser(c.site, { authorization: `Bearer ${c.tokens.access_token}` })).status, 401);
});

test('setting currentUser: "fail" makes it answer 403; bad values are refused', async () => {
  const c = await connect(sb, 'eu1', { redirectUri: REDIRECT, apiKey: false });
  assert.equal((await control(sb, 'POST', '/_sandbox/settings', { currentUser: 'fail' })).body.currentUser, 'fail');
  assert.equal((await currentUser(c.site, { authorization: `Bearer ${c.tokens.access_token}` })).status, 403);
  assert.equal((await control(sb, 'POST', '/_sandbox/settings', { currentUser: 'maybe' })).status, 400);
  assert.equal((await control(sb, 'POST', '/_sandbox/settings', { revokeAuth: 'loose' })).status, 400);
});

function revoke(site, form, headers = {}) {
  return fetch(`${site.apiOrigin}/oauth2/v1/revoke`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString(),
  });
}

test('revokeAuth: lenient, strict (one client-auth method) and bearer (Datadog\'s example form)', async () => {
  const form = (c) => ({ client_id: 'sandbox-client-id', client_secret: SECRET, token: c.tokens.refresh_token, token_type_hint: 'refresh_token' });
  const bearer = (c) => ({ authorization: `Bearer ${c.tokens.access_token}` });

  let c = await connect(sb, 'us3', { redirectUri: REDIRECT, apiKey: false });
  assert.equal((await revoke(c.site, form(c), bearer(c))).status, 200, 'lenient takes both');

  await control(sb, 'POST', '/_sandbox/settings', { revokeAuth: 'strict' });
  c = await connect(sb, 'us3', { redirectUri: REDIRECT, apiKey: false });
  const two = await revoke(c.site, form(c), bearer(c));
  assert.equal(two.status, 400);
  assert.equal((await two.json()).error, 'invalid_request');
  assert.equal((await revoke(c.site, form(c))).status, 200, 'strict takes the body alone');

  await control(sb, 'POST', '/_sandbox/settings', { revokeAuth: 'bearer' });
  c = await connect(sb, 'us3', { redirectUri: REDIRECT, apiKey: false });
  const none = await revoke(c.site, form(c));
  assert.equal(none.status, 400);
  assert.match((await none.json()).error_description, /Authorization/);
  assert.equal((await revoke(c.site, form(c), { authorization: 'Bearer nope' })).status, 403);
  assert.equal((await revoke(c.site, form(c), bearer(c))).status, 200);
  await control(sb, 'POST', '/_sandbox/expire-tokens');
  c = await connect(sb, 'us3', { redirectUri: REDIRECT, apiKey: false });
  await control(sb, 'POST', '/_sandbox/expire-tokens');
  assert.equal((await revoke(c.site, form(c), bearer(c))).status, 401, 'an expired access token is refused');
});
