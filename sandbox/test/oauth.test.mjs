// OAuth side of the sandbox: well-known document, tile, authorize/consent, token, revoke,
// marketplace key, cross-site refusal, rotation, replay and expiry.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox } from '../index.mjs';
import {
  pkcePair, siteOf, control, authorizeAs, tokenRequest, connect, orgOn,
} from '../testkit.mjs';

const REDIRECT = 'http://localhost:7777/callback';
const CONFIG = {
  clients: [{ redirectUris: [REDIRECT, 'http://localhost:7777/cb?x=1'], onboardingUrl: 'http://localhost:7777/onboarding' }],
};
const SECRET = 'sandbox-client-secret';
let sb;

before(async () => { sb = await startSandbox({ config: CONFIG }); });
after(async () => { await sb.close(); });
beforeEach(() => { sb.reset(); });

async function codeFor(siteId, opts = {}) {
  const { verifier, challenge } = pkcePair();
  const r = await authorizeAs(sb, siteId, { redirectUri: REDIRECT, challenge, ...opts });
  return { code: r.redirect.searchParams.get('code'), verifier, redirect: r.redirect };
}

function exchange(siteId, code, verifier, extra = {}, opts) {
  return tokenRequest(sb, siteId, {
    grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT,
    client_id: 'sandbox-client-id', client_secret: SECRET, ...extra,
  }, opts);
}

function refresh(siteId, rt, extra = {}) {
  return tokenRequest(sb, siteId, {
    grant_type: 'refresh_token', refresh_token: rt, client_id: 'sandbox-client-id', client_secret: SECRET, ...extra,
  });
}

function bearerGet(siteId, path, token) {
  return fetch(siteOf(sb, siteId).apiOrigin + path, { headers: { authorization: `Bearer ${token}` } });
}

test('well-known document lists nine sites, clients without secrets, orgs with tile URLs', async () => {
  const r = await fetch(`${sb.url}/.well-known/datadog-sandbox.json`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('access-control-allow-origin'), '*');
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const doc = await r.json();
  assert.deepEqual(doc.sites.map((s) => [s.id, s.name, s.site]), [
    ['us1', 'US1', 'datadoghq.com'], ['us3', 'US3', 'us3.datadoghq.com'], ['us5', 'US5', 'us5.datadoghq.com'],
    ['eu1', 'EU1', 'datadoghq.eu'], ['ap1', 'AP1', 'ap1.datadoghq.com'], ['ap2', 'AP2', 'ap2.datadoghq.com'],
    ['uk1', 'UK1', 'uk1.datadoghq.com'], ['us1-fed', 'US1-FED', 'ddog-gov.com'], ['us2-fed', 'US2-FED', 'us2.ddog-gov.com'],
  ]);
  const origins = doc.sites.flatMap((s) => [s.appOrigin, s.apiOrigin, s.logsOrigin, s.eventIntakeOrigin, s.otlpOrigin]);
  assert.equal(new Set([...origins, doc.agentOrigin, sb.url]).size, 47);
  assert.deepEqual(doc.sites, sb.sites);
  assert.equal(doc.clients.length, 1);
  assert.equal(doc.clients[0].clientId, 'sandbox-client-id');
  assert.equal(doc.clients[0].name, 'Sandbox Partner');
  assert.equal(doc.clients[0].published, true);
  assert.ok(!JSON.stringify(doc).includes(SECRET));
  assert.equal(doc.orgs.length, 9);
  const eu = doc.orgs.find((o) => o.site === 'eu1');
  assert.equal(eu.id, '0b8a1c52-0000-4000-8000-0000000000e1');
  assert.equal(eu.name, 'Acme EU1');
  assert.equal(eu.tileUrl, `${siteOf(sb, 'eu1').appOrigin}/account/integrations/tile?org=${eu.id}`);
});

test('tile page links Connect Accounts to the onboarding URL with site and domain', async () => {
  const eu = orgOn(sb, 'eu1');
  let html = await (await fetch(eu.tileUrl)).text();
  assert.match(html, /Sandbox Partner integration/);
  const href = /<a id="connect"[^>]*href="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&');
  const u = new URL(href);
  assert.equal(u.origin + u.pathname, 'http://localhost:7777/onboarding');
  assert.equal(u.searchParams.get('site'), siteOf(sb, 'eu1').appOrigin);
  assert.equal(u.searchParams.get('domain'), 'datadoghq.eu');

  await control(sb, 'PUT', '/_sandbox/clients/sandbox-client-id', { onboardingUrl: 'http://localhost:7777/start?partner=1' });
  html = await (await fetch(orgOn(sb, 'us1-fed').tileUrl)).text();
  const u2 = new URL(/<a id="connect"[^>]*href="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&'));
  assert.equal(u2.searchParams.get('partner'), '1');
  assert.equal(u2.searchParams.get('domain'), 'ddog-gov.com');

  await control(sb, 'PUT', '/_sandbox/clients/sandbox-client-id', { onboardingUrl: null });
  html = await (await fetch(eu.tileUrl)).text();
  assert.doesNotMatch(html, /id="connect"/);
  assert.match(html, /no onboarding URL/);

  // An org of another site is not on this site's tile.
  const wrong = await fetch(`${siteOf(sb, 'us1').appOrigin}/account/integrations/tile?org=${eu.id}`);
  assert.equal(wrong.status, 404);
});

test('authorize: bad client_id and redirect_uri render Datadog error pages', async () => {
  const { challenge } = pkcePair();
  let r = await authorizeAs(sb, 'us1', { clientId: 'nope', redirectUri: REDIRECT, challenge });
  assert.equal(r.status, 400);
  assert.ok(r.html.includes('invalid_request - Invalid client_id parameter value'));
  r = await authorizeAs(sb, 'us1', { redirectUri: 'http://localhost:7777/other', challenge });
  assert.equal(r.status, 400);
  assert.ok(r.html.includes('invalid_request - Mismatching redirect URI'));
  // Exact match only: a trailing slash is a different URI.
  r = await authorizeAs(sb, 'us1', { redirectUri: REDIRECT + '/', challenge });
  assert.equal(r.status, 400);
  const noRedirect = await fetch(`${siteOf(sb, 'us1').appOrigin}/oauth2/v1/authorize?response_type=code&client_id=sandbox-client-id`);
  assert.equal(noRedirect.status, 400);
  assert.match(noRedirect.headers.get('content-type'), /text\/html/);
  assert.ok((await noRedirect.text()).includes('invalid_request - Mismatching redirect URI'));
});

test('authorize: protocol errors redirect back with error, error_description and state', async () => {
  const { challenge } = pkcePair();
  const check = (r, error, desc) => {
    assert.ok(r.redirect, 'expected a redirect');
    assert.equal(r.redirect.origin + r.redirect.pathname, REDIRECT);
    assert.equal(r.redirect.searchParams.get('error'), error);
    if (desc) assert.equal(r.redirect.searchParams.get('error_description'), desc);
    assert.equal(r.redirect.searchParams.get('state'), r.state);
    assert.equal(r.redirect.searchParams.get('code'), null);
  };
  check(await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, responseType: 'token' }), 'unsupported_response_type');
  check(await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge: null }), 'invalid_request', 'PKCE with S256 is required');
  check(await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, method: 'plain' }), 'invalid_request', 'PKCE with S256 is required');
  check(await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, method: null }), 'invalid_request', 'PKCE with S256 is required');
  check(await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, scope: 'api_keys_write dashboards_write' }), 'invalid_scope');
  check(await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, decision: 'deny' }), 'access_denied', 'The user denied access');
});

test('consent page names the client, scopes and only this site\'s orgs; dd_oid preselects', async () => {
  const extra = { id: 'org-eu-2', name: 'Beta <EU>', site: 'eu1' };
  sb.reset({ ...CONFIG, orgs: [...sb.wellKnown().orgs.map(({ id, name, site }) => ({ id, name, site })), extra] });
  const { challenge } = pkcePair();
  const q = new URLSearchParams({
    response_type: 'code', client_id: 'sandbox-client-id', redirect_uri: REDIRECT, state: 's1',
    code_challenge: challenge, code_challenge_method: 'S256', scope: 'api_keys_write incident_read', dd_oid: 'org-eu-2',
  });
  const r = await fetch(`${siteOf(sb, 'eu1').appOrigin}/oauth2/v1/authorize?${q}`);
  assert.equal(r.status, 200);
  const html = await r.text();
  assert.match(html, /Sandbox Partner/);
  assert.match(html, /<code>api_keys_write<\/code>/);
  assert.match(html, /<code>incident_read<\/code>/);
  assert.doesNotMatch(html, /<code>events_read<\/code>/);
  assert.match(html, /<select name="org" id="org">/);
  assert.match(html, /<option value="org-eu-2" selected>Beta &lt;EU&gt;/);
  assert.match(html, /<option value="0b8a1c52-0000-4000-8000-0000000000e1">/);
  assert.doesNotMatch(html, /0000000000a1/); // AP1 org not offered on EU1
  assert.match(html, /<button id="authorize" type="submit" name="decision" value="authorize">Authorize<\/button>/);
  assert.match(html, /<button id="deny" type="submit" name="decision" value="deny">Deny<\/button>/);
  assert.match(html, /<form method="post" action="\/oauth2\/v1\/authorize">/);
  for (const k of ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scope']) {
    assert.match(html, new RegExp(`<input type="hidden" name="${k}"`));
  }

  // Approving returns every callback parameter, properly encoded.
  const { verifier, challenge: ch2 } = pkcePair();
  const a = await authorizeAs(sb, 'eu1', { redirectUri: REDIRECT, challenge: ch2, ddOid: 'org-eu-2', state: 'a b&c' });
  const p = a.redirect.searchParams;
  assert.match(p.get('code'), /^ddsbx_code_/);
  assert.equal(p.get('state'), 'a b&c');
  assert.equal(p.get('domain'), 'datadoghq.eu');
  assert.equal(p.get('site'), siteOf(sb, 'eu1').appOrigin);
  assert.equal(p.get('dd_oid'), 'org-eu-2');
  assert.equal(p.get('dd_org_name'), 'Beta <EU>');
  const t = await exchange('eu1', p.get('code'), verifier);
  assert.equal(t.status, 200);

  // A redirect URI with its own query keeps it.
  const b = await authorizeAs(sb, 'eu1', { redirectUri: 'http://localhost:7777/cb?x=1', challenge: ch2 });
  assert.equal(b.redirect.searchParams.get('x'), '1');
  assert.ok(b.redirect.searchParams.get('code'));
});

test('authorize POST rejects an org of another site', async () => {
  const { challenge } = pkcePair();
  const r = await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, orgId: orgOn(sb, 'eu1').id });
  assert.equal(r.status, 400);
});

test('unpublished client: only the owner org may authorize', async () => {
  const owner = orgOn(sb, 'us3').id;
  await control(sb, 'PUT', '/_sandbox/clients/sandbox-client-id', { published: false, ownerOrg: owner });
  const { challenge } = pkcePair();
  // Owner org lives on US3; US1's org is refused.
  let r = await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge });
  assert.equal(r.status, 400);
  assert.ok(r.html.includes('invalid_request - Invalid client_id parameter value'));
  r = await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge, ddOid: orgOn(sb, 'us1').id });
  assert.equal(r.status, 400);
  assert.ok(r.html.includes('invalid_request - Invalid client_id parameter value'));
  r = await authorizeAs(sb, 'us3', { redirectUri: REDIRECT, challenge });
  assert.equal(r.redirect.searchParams.get('dd_oid'), owner);
  // Published again: everyone may.
  await control(sb, 'PUT', '/_sandbox/clients/sandbox-client-id', { published: true });
  r = await authorizeAs(sb, 'us1', { redirectUri: REDIRECT, challenge });
  assert.ok(r.redirect.searchParams.get('code'));
});

test('token: code exchange with form and JSON bodies', async () => {
  const a = await codeFor('us5');
  const t = await exchange('us5', a.code, a.verifier);
  assert.equal(t.status, 200);
  assert.equal(t.headers.get('cache-control'), 'no-store');
  assert.match(t.headers.get('content-type'), /^application\/json/);
  assert.match(t.body.access_token, /^ddsbx_at_/);
  assert.match(t.body.refresh_token, /^ddsbx_rt_/);
  assert.equal(t.body.token_type, 'Bearer');
  assert.equal(t.body.expires_in, 3600);
  assert.equal(t.body.scope, 'api_keys_write incident_write incident_read events_read metrics_read');

  const b = await codeFor('us5', { scope: 'incident_read' });
  const tj = await exchange('us5', b.code, b.verifier, {}, { json: true });
  assert.equal(tj.status, 200);
  assert.equal(tj.body.scope, 'incident_read');

  // HTTP Basic client authentication works too.
  const c = await codeFor('us5');
  const basic = Buffer.from(`sandbox-client-id:${SECRET}`).toString('base64');
  const tb = await tokenRequest(sb, 'us5', {
    grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier, redirect_uri: REDIRECT,
  }, { headers: { authorization: `Basic ${basic}` } });
  assert.equal(tb.status, 200);

  const stats = (await control(sb, 'GET', '/_sandbox/stats')).body;
  assert.equal(stats.token.authorization_code, 3);
  assert.equal(stats.routes['us5 token'], 3);
  assert.equal(stats.routes['us5 authorize'], 6);
});

test('token: client authentication errors are 401 invalid_client', async () => {
  const a = await codeFor('us1');
  let t = await exchange('us1', a.code, a.verifier, { client_id: 'unknown' });
  assert.equal(t.status, 401);
  assert.deepEqual(t.body, { error: 'invalid_client', error_description: 'Invalid client_id parameter value' });
  t = await exchange('us1', a.code, a.verifier, { client_secret: '' });
  assert.equal(t.status, 401);
  assert.deepEqual(t.body, { error: 'invalid_client', error_description: 'Client authentication failed: client_secret is required' });
  t = await exchange('us1', a.code, a.verifier, { client_secret: 'wrong' });
  assert.equal(t.status, 401);
  assert.equal(t.body.error, 'invalid_client');
  // The code survived the failed attempts.
  t = await exchange('us1', a.code, a.verifier);
  assert.equal(t.status, 200);
  const stats = (await control(sb, 'GET', '/_sandbox/stats')).body;
  assert.equal(stats.token.errors, 3);
});

test('token: request and grant errors', async () => {
  const a = await codeFor('ap1');
  let t = await tokenRequest(sb, 'ap1', { client_id: 'sandbox-client-id', client_secret: SECRET });
  assert.equal(t.status, 400);
  assert.equal(t.body.error, 'invalid_request');
  t = await exchange('ap1', a.code, a.verifier, { grant_type: 'password' });
  assert.equal(t.status, 400);
  assert.equal(t.body.error, 'unsupported_grant_type');
  for (const missing of ['code', 'redirect_uri', 'code_verifier']) {
    t = await exchange('ap1', a.code, a.verifier, { [missing]: '' });
    assert.equal(t.status, 400, missing);
    assert.equal(t.body.error, 'invalid_request', missing);
  }
  const invalid = { error: 'invalid_grant', error_description: 'Invalid code or code verifier' };
  t = await exchange('ap1', a.code, pkcePair().verifier);
  assert.deepEqual([t.status, t.body], [400, invalid]);
  t = await exchange('ap1', a.code, a.verifier, { redirect_uri: 'http://localhost:7777/cb?x=1' });
  assert.deepEqual([t.status, t.body], [400, invalid]);
  t = await exchange('ap1', 'ddsbx_code_bogus', a.verifier);
  assert.deepEqual([t.status, t.body], [400, invalid]);
  t = await exchange('ap2', a.code, a.verifier); // right code, wrong site
  assert.deepEqual([t.status, t.body], [400, invalid]);
  t = await exchange('ap1', a.code, 'short');
  assert.deepEqual([t.status, t.body], [400, invalid]);
  const malformed = await fetch(`${siteOf(sb, 'ap1').apiOrigin}/oauth2/v1/token`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":',
  });
  assert.equal(malformed.status, 400);
  assert.deepEqual(await malformed.json(), { errors: ['Malformed JSON'] });

  // Expired code.
  await control(sb, 'POST', '/_sandbox/settings', { codeTtlSeconds: 0 });
  const b = await codeFor('ap1');
  await new Promise((r) => setTimeout(r, 5));
  t = await exchange('ap1', b.code, b.verifier);
  assert.deepEqual([t.status, t.body], [400, invalid]);
});

test('token: replaying a code fails and revokes the tokens it produced', async () => {
  const a = await codeFor('eu1');
  const first = await exchange('eu1', a.code, a.verifier);
  assert.equal(first.status, 200);
  assert.equal((await bearerGet('eu1', '/api/v2/incidents', first.body.access_token)).status, 200);
  const again = await exchange('eu1', a.code, a.verifier);
  assert.deepEqual([again.status, again.body.error], [400, 'invalid_grant']);
  const r = await bearerGet('eu1', '/api/v2/incidents', first.body.access_token);
  assert.equal(r.status, 403);
  assert.deepEqual(await r.json(), { errors: ['Forbidden'] });
  const rt = await refresh('eu1', first.body.refresh_token);
  assert.deepEqual([rt.status, rt.body.error], [400, 'invalid_grant']);
});

test('refresh: rotation on issues a new refresh token and retires the old one', async () => {
  const a = await codeFor('uk1');
  const t = (await exchange('uk1', a.code, a.verifier)).body;
  const r1 = await refresh('uk1', t.refresh_token);
  assert.equal(r1.status, 200);
  assert.notEqual(r1.body.access_token, t.access_token);
  assert.match(r1.body.refresh_token, /^ddsbx_rt_/);
  assert.notEqual(r1.body.refresh_token, t.refresh_token);
  const old = await refresh('uk1', t.refresh_token);
  assert.deepEqual([old.status, old.body], [400, { error: 'invalid_grant', error_description: 'Invalid refresh token' }]);
  const r2 = await refresh('uk1', r1.body.refresh_token);
  assert.equal(r2.status, 200);
  assert.equal((await bearerGet('uk1', '/api/v2/incidents', r2.body.access_token)).status, 200);
  const missing = await refresh('uk1', '');
  assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
  const noSecret = await refresh('uk1', r2.body.refresh_token, { client_secret: '' });
  assert.equal(noSecret.status, 401);
  assert.equal((await control(sb, 'GET', '/_sandbox/stats')).body.token.refresh_token, 2);
});

test('refresh: rotation off omits refresh_token and keeps the old one valid', async () => {
  const s = await control(sb, 'POST', '/_sandbox/settings', { rotateRefreshTokens: false, accessTokenTtlSeconds: 120 });
  assert.deepEqual(s.body, { accessTokenTtlSeconds: 120, rotateRefreshTokens: false, codeTtlSeconds: 60, refreshGraceSeconds: 0 });
  const a = await codeFor('us2-fed');
  const t = (await exchange('us2-fed', a.code, a.verifier)).body;
  assert.equal(t.expires_in, 120);
  for (let i = 0; i < 2; i++) {
    const r = await refresh('us2-fed', t.refresh_token);
    assert.equal(r.status, 200);
    assert.equal('refresh_token' in r.body, false);
    assert.equal(r.body.expires_in, 120);
  }
});

test('refresh: rotation with a grace period keeps a rotated-out token usable for refreshGraceSeconds, then refuses it', async () => {
  await control(sb, 'POST', '/_sandbox/settings', { rotateRefreshTokens: true, refreshGraceSeconds: 1 });
  try {
    const a = await codeFor('eu1');
    const t = (await exchange('eu1', a.code, a.verifier)).body;
    const r1 = await refresh('eu1', t.refresh_token);
    assert.equal(r1.status, 200);
    // The answer was lost, say: the old token still works once more within the grace period, and rotates again.
    const again = await refresh('eu1', t.refresh_token);
    assert.equal(again.status, 200);
    assert.notEqual(again.body.refresh_token, r1.body.refresh_token);
    assert.equal((await refresh('eu1', r1.body.refresh_token)).status, 200, 'the first successor is not retired by the grace use');
    await new Promise((r) => setTimeout(r, 1100));
    const late = await refresh('eu1', t.refresh_token);
    assert.deepEqual([late.status, late.body.error], [400, 'invalid_grant']);
    const bad = await control(sb, 'POST', '/_sandbox/settings', { refreshGraceSeconds: -1 });
    assert.equal(bad.status, 400);
  } finally {
    await control(sb, 'POST', '/_sandbox/settings', { rotateRefreshTokens: true, refreshGraceSeconds: 0 });
  }
});

test('expire-tokens makes bearer calls 401 until refreshed', async () => {
  const a = await codeFor('us3');
  const t = (await exchange('us3', a.code, a.verifier)).body;
  const e = await control(sb, 'POST', '/_sandbox/expire-tokens');
  assert.equal(e.body.expired, 1);
  const r = await bearerGet('us3', '/api/v2/incidents', t.access_token);
  assert.equal(r.status, 401);
  assert.deepEqual(await r.json(), { errors: ['Unauthorized'] });
  const n = (await refresh('us3', t.refresh_token)).body;
  assert.equal((await bearerGet('us3', '/api/v2/incidents', n.access_token)).status, 200);
});

test('revoke: RFC 7009 behaviour, access vs refresh token', async () => {
  const revoke = (params, headers = {}, json = false) => fetch(`${siteOf(sb, 'eu1').apiOrigin}/oauth2/v1/revoke`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  const creds = { client_id: 'sandbox-client-id', client_secret: SECRET };
  const a = await codeFor('eu1');
  const t = (await exchange('eu1', a.code, a.verifier)).body;

  let r = await revoke({ ...creds });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'invalid_request');
  r = await revoke({ token: t.access_token, client_id: 'sandbox-client-id', client_secret: 'bad' });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error, 'invalid_client');
  r = await revoke({ token: t.access_token, client_id: 'sandbox-client-id' });
  assert.equal(r.status, 401);
  r = await revoke({ token: 'not-a-token', ...creds });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), {});

  // Revoking the access token leaves the grant alive.
  r = await revoke({ token: t.access_token, token_type_hint: 'access_token', ...creds }, { authorization: `Bearer ${t.access_token}` });
  assert.equal(r.status, 200);
  assert.equal((await bearerGet('eu1', '/api/v2/incidents', t.access_token)).status, 403);
  const n = (await refresh('eu1', t.refresh_token)).body;
  assert.equal((await bearerGet('eu1', '/api/v2/incidents', n.access_token)).status, 200);

  // Revoking the refresh token (JSON body) ends the whole grant.
  r = await revoke({ token: n.refresh_token, ...creds }, {}, true);
  assert.equal(r.status, 200);
  assert.equal((await bearerGet('eu1', '/api/v2/incidents', n.access_token)).status, 403);
  assert.equal((await refresh('eu1', n.refresh_token)).status, 400);
  assert.equal((await control(sb, 'GET', '/_sandbox/stats')).body.revoke, 3);
});

test('tokens and API keys are refused on other sites', async () => {
  const eu = await connect(sb, 'eu1', { redirectUri: REDIRECT });
  const r = await bearerGet('us1', '/api/v2/incidents', eu.tokens.access_token);
  assert.equal(r.status, 403);
  assert.deepEqual(await r.json(), { errors: ['Forbidden'] });
  const k = await fetch(`${siteOf(sb, 'us1').apiOrigin}/api/v1/validate`, { headers: { 'DD-API-KEY': eu.apiKey } });
  assert.equal(k.status, 403);
  assert.deepEqual(await k.json(), { errors: ['Forbidden'] });
  const ok = await fetch(`${siteOf(sb, 'eu1').apiOrigin}/api/v1/validate`, { headers: { 'DD-API-KEY': eu.apiKey } });
  assert.deepEqual([ok.status, await ok.json()], [200, { valid: true }]);
  const rt = await refresh('us1', eu.tokens.refresh_token);
  assert.deepEqual([rt.status, rt.body.error], [400, 'invalid_grant']);
  const mk = await fetch(`${siteOf(sb, 'us1').apiOrigin}/api/v2/api_keys/marketplace`, {
    method: 'POST', headers: { authorization: `Bearer ${eu.tokens.access_token}` },
  });
  assert.equal(mk.status, 403);
});

test('marketplace API key: 201 shape, 409 on repeat, refresh token as bearer, scope required', async () => {
  const conn = await connect(sb, 'ap2', { redirectUri: REDIRECT, apiKey: false });
  const url = `${conn.site.apiOrigin}/api/v2/api_keys/marketplace`;
  // A refresh token is accepted as bearer here.
  const r = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${conn.tokens.refresh_token}` } });
  assert.equal(r.status, 201);
  const body = await r.json();
  assert.equal(body.data.type, 'api_keys');
  assert.ok(body.data.id);
  const at = body.data.attributes;
  assert.match(at.key, /^[0-9a-f]{32}$/);
  assert.equal(at.last4, at.key.slice(-4));
  assert.match(at.name, /^Sandbox Partner OAuth Client API Key [0-9a-f-]{36}$/);
  assert.ok(at.created_at && at.modified_at);
  assert.equal(body.data.relationships.created_by.data.type, 'users');
  assert.equal(body.data.relationships.modified_by.data.type, 'users');

  const again = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${conn.tokens.access_token}` } });
  assert.equal(again.status, 409);
  assert.deepEqual(await again.json(), { errors: ['An API key with this name already exists'] });

  // After the user revokes the key in Datadog, the flow can create a new one.
  const del = await control(sb, 'DELETE', `/_sandbox/api-keys?org=${conn.orgId}`);
  assert.equal(del.body.revoked, 1);
  const old = await fetch(`${conn.site.apiOrigin}/api/v1/validate`, { headers: { 'dd-api-key': at.key } });
  assert.equal(old.status, 403);
  const third = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${conn.tokens.access_token}` } });
  assert.equal(third.status, 201);

  const noBearer = await fetch(url, { method: 'POST' });
  assert.equal(noBearer.status, 403);
  const limited = await connect(sb, 'ap2', { redirectUri: REDIRECT, scope: 'incident_read', apiKey: false });
  const denied = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${limited.tokens.access_token}` } });
  assert.equal(denied.status, 403);
  assert.deepEqual(await denied.json(), { errors: ['Forbidden'] });
  const stats = (await control(sb, 'GET', '/_sandbox/stats')).body;
  assert.deepEqual(stats.apiKeys, { created: 2, conflicts: 1 });
});

test('bearer-only read endpoints check scopes', async () => {
  const c = await connect(sb, 'us1', { redirectUri: REDIRECT, scope: 'incident_read', apiKey: false });
  assert.equal((await bearerGet('us1', '/api/v2/incidents', c.tokens.access_token)).status, 200);
  assert.equal((await bearerGet('us1', '/api/v1/events', c.tokens.access_token)).status, 403);
  // A refresh token is not an access token for ordinary API calls.
  assert.equal((await bearerGet('us1', '/api/v2/incidents', c.tokens.refresh_token)).status, 403);
});
