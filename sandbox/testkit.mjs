// Helpers for code that drives the sandbox from outside, as a browser and a partner would:
// PKCE pairs, control-server calls, and the click-through of the consent page.
// Independent of the library under test on purpose; used by sandbox/test and usable by e2e tests.

import { createHash, randomBytes } from 'node:crypto';

export function pkcePair() {
  const verifier = randomBytes(48).toString('base64url'); // 64 chars
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function siteOf(sandbox, siteId) {
  const s = sandbox.sites.find((x) => x.id === siteId);
  if (!s) throw new Error(`unknown site ${siteId}`);
  return s;
}

export async function control(sandbox, method, path, body) {
  const res = await fetch(sandbox.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export async function received(sandbox, kind, org) {
  const q = new URLSearchParams({ kind });
  if (org) q.set('org', org);
  const r = await control(sandbox, 'GET', `/_sandbox/received?${q}`);
  return r.body;
}

export function orgOn(sandbox, siteId) {
  return sandbox.wellKnown().orgs.find((o) => o.site === siteId);
}

// Plays the user at the consent page: GET the authorize URL, then submit the form.
// Returns the redirect target (URL) or, when Datadog answers with a page, { status, html }.
export async function authorizeAs(sandbox, siteId, {
  clientId = 'sandbox-client-id', redirectUri, state = 'st-' + randomBytes(6).toString('hex'),
  challenge, method = 'S256', scope, orgId, ddOid, decision = 'authorize', responseType = 'code',
} = {}) {
  const site = siteOf(sandbox, siteId);
  const q = new URLSearchParams({ response_type: responseType, client_id: clientId, redirect_uri: redirectUri, state });
  if (challenge !== null) q.set('code_challenge', challenge);
  if (method !== null) q.set('code_challenge_method', method);
  if (scope !== undefined) q.set('scope', scope);
  if (ddOid !== undefined) q.set('dd_oid', ddOid);
  const page = await fetch(`${site.appOrigin}/oauth2/v1/authorize?${q}`, { redirect: 'manual' });
  if (page.status === 302) return { redirect: new URL(page.headers.get('location')), state };
  const html = await page.text();
  if (page.status !== 200) return { status: page.status, html, state };
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1], unescapeHtml(m[2]));
  }
  const selected = /<option value="([^"]+)" selected>/.exec(html);
  form.set('org', orgId ?? (selected ? unescapeHtml(selected[1]) : ''));
  form.set('decision', decision);
  const post = await fetch(`${site.appOrigin}/oauth2/v1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  if (post.status === 302) return { redirect: new URL(post.headers.get('location')), state, consentHtml: html };
  return { status: post.status, html: await post.text(), state };
}

function unescapeHtml(s) {
  return s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);
}

export async function tokenRequest(sandbox, siteId, params, { json = false, headers = {} } = {}) {
  const site = siteOf(sandbox, siteId);
  const res = await fetch(`${site.apiOrigin}/oauth2/v1/token`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

// The whole happy path: consent → code → tokens (→ marketplace API key).
export async function connect(sandbox, siteId, {
  clientId = 'sandbox-client-id', clientSecret = 'sandbox-client-secret', redirectUri, scope, orgId, apiKey = true,
} = {}) {
  const { verifier, challenge } = pkcePair();
  const auth = await authorizeAs(sandbox, siteId, { clientId, redirectUri, challenge, scope, orgId });
  if (!auth.redirect) throw new Error(`authorize failed: ${auth.status}`);
  const cb = auth.redirect.searchParams;
  if (!cb.get('code')) throw new Error(`authorize redirected with ${cb.get('error')}: ${cb.get('error_description')}`);
  const tok = await tokenRequest(sandbox, siteId, {
    grant_type: 'authorization_code', code: cb.get('code'), redirect_uri: redirectUri,
    code_verifier: verifier, client_id: clientId, client_secret: clientSecret,
  });
  if (tok.status !== 200) throw new Error(`token failed: ${tok.status} ${JSON.stringify(tok.body)}`);
  const conn = { site: siteOf(sandbox, siteId), callback: cb, orgId: cb.get('dd_oid'), tokens: tok.body, code: cb.get('code'), verifier };
  if (apiKey) {
    const res = await fetch(`${conn.site.apiOrigin}/api/v2/api_keys/marketplace`, {
      method: 'POST', headers: { authorization: `Bearer ${tok.body.access_token}` },
    });
    const body = await res.json();
    if (res.status !== 201) throw new Error(`api key failed: ${res.status} ${JSON.stringify(body)}`);
    conn.apiKey = body.data.attributes.key;
  }
  return conn;
}
