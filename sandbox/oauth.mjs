// Datadog's OAuth2 authorization server as a partner sees it: the integration tile, the
// authorize/consent page (app host), the token and revoke endpoints and the marketplace
// API-key endpoint (API host). Codes and tokens are single-site, PKCE S256 is mandatory.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  apiError, sendHtml, sendJson, redirect, readBody, decodeBody, parseJson,
} from './http.mjs';
import { authenticateClient, bearerGrant, requireScope, oauthError } from './auth.mjs';
import { randomToken } from './state.mjs';
import { consentPage, errorPage, tilePage, simplePage } from './pages.mjs';

const INVALID_CLIENT = 'invalid_request - Invalid client_id parameter value';
const MISMATCHING_REDIRECT = 'invalid_request - Mismatching redirect URI';
const PKCE_RE = /^[A-Za-z0-9\-._~]{43,128}$/;

function first(v) {
  return Array.isArray(v) ? v[0] : v;
}

// Reads a form-encoded or JSON request body into a flat object of strings.
async function readParams(ctx, { oauth = true } = {}) {
  const { buf } = await readBody(ctx.req, 1024 * 1024);
  const body = await decodeBody(buf, ctx.req.headers['content-encoding'], 1024 * 1024);
  const type = String(ctx.req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  const out = {};
  if (type === 'application/json' || type.endsWith('+json')) {
    if (body.length === 0) return out;
    const data = parseJson(body);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw oauth ? oauthError(400, 'invalid_request', 'The request body must be a JSON object') : apiError(400, 'Malformed JSON');
    }
    for (const [k, v] of Object.entries(data)) {
      if (typeof v === 'string') out[k] = v;
      else if (typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
    }
    return out;
  }
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) {
    if (!(k in out)) out[k] = v;
  }
  return out;
}

function authorizeParams(src) {
  const get = (k) => (src instanceof URLSearchParams ? src.get(k) ?? undefined : first(src[k]));
  return {
    response_type: get('response_type'),
    client_id: get('client_id'),
    redirect_uri: get('redirect_uri'),
    state: get('state'),
    code_challenge: get('code_challenge'),
    code_challenge_method: get('code_challenge_method'),
    scope: get('scope'),
    dd_oid: get('dd_oid'),
  };
}

function redirectWith(res, redirectUri, params) {
  const u = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null) u.searchParams.set(k, v);
  }
  redirect(res, u.toString());
}

function redirectError(ctx, p, error, description) {
  redirectWith(ctx.res, p.redirect_uri, { error, error_description: description, state: p.state });
}

// Checks shared by GET and POST. Returns { client, orgs, scopes } or null once it has responded.
function checkAuthorize(ctx, p, chosenOrgId) {
  const { state, site, res } = ctx;
  const client = p.client_id ? state.client(p.client_id) : null;
  if (!client) {
    sendHtml(res, 400, errorPage(site, INVALID_CLIENT));
    return null;
  }
  if (!p.redirect_uri || !client.redirectUris.includes(p.redirect_uri)) {
    sendHtml(res, 400, errorPage(site, MISMATCHING_REDIRECT));
    return null;
  }
  let orgs = state.orgsOnSite(site.id);
  if (!client.published) {
    // Until published, only the partner's own org may authorize the client.
    if (chosenOrgId && orgs.some((o) => o.id === chosenOrgId) && chosenOrgId !== client.ownerOrg) {
      sendHtml(res, 400, errorPage(site, INVALID_CLIENT));
      return null;
    }
    orgs = orgs.filter((o) => o.id === client.ownerOrg);
    if (orgs.length === 0) {
      sendHtml(res, 400, errorPage(site, INVALID_CLIENT));
      return null;
    }
  }
  try {
    new URL(p.redirect_uri);
  } catch {
    sendHtml(res, 400, errorPage(site, MISMATCHING_REDIRECT));
    return null;
  }
  if (p.response_type !== 'code') {
    redirectError(ctx, p, 'unsupported_response_type', 'response_type must be code');
    return null;
  }
  if (!p.code_challenge || p.code_challenge_method !== 'S256') {
    redirectError(ctx, p, 'invalid_request', 'PKCE with S256 is required');
    return null;
  }
  if (!PKCE_RE.test(p.code_challenge)) {
    redirectError(ctx, p, 'invalid_request', 'code_challenge must be 43-128 characters of [A-Za-z0-9-._~]');
    return null;
  }
  let scopes = client.scopes;
  if (p.scope !== undefined && p.scope.trim() !== '') {
    const requested = [...new Set(p.scope.trim().split(/\s+/))];
    const unknown = requested.filter((s) => !client.scopes.includes(s));
    if (unknown.length) {
      redirectError(ctx, p, 'invalid_scope', `The requested scope is invalid: ${unknown.join(' ')}`);
      return null;
    }
    scopes = requested;
  }
  if (orgs.length === 0) {
    sendHtml(res, 400, simplePage(site, 'No organization', `There is no organization on ${site.name} to authorize.`));
    return null;
  }
  return { client, orgs, scopes };
}

export async function tile(ctx) {
  const { state, site, url, res } = ctx;
  const org = state.org(url.searchParams.get('org') || '');
  if (!org || org.site !== site.id) {
    sendHtml(res, 404, simplePage(site, 'Organization not found', 'No such organization on this site.'));
    return;
  }
  const clientId = url.searchParams.get('client');
  const client = clientId ? state.client(clientId) : state.config.clients[0];
  if (!client) {
    sendHtml(res, 404, simplePage(site, 'Integration not found', 'No such OAuth client.'));
    return;
  }
  let connectUrl = null;
  if (client.onboardingUrl) {
    const extra = { site: site.appOrigin, domain: site.site };
    try {
      const u = new URL(client.onboardingUrl);
      for (const [k, v] of Object.entries(extra)) u.searchParams.append(k, v);
      connectUrl = u.toString();
    } catch {
      const sep = client.onboardingUrl.includes('?') ? '&' : '?';
      connectUrl = client.onboardingUrl + sep + new URLSearchParams(extra).toString();
    }
  }
  sendHtml(res, 200, tilePage({ site, client, org, connectUrl }));
}

export async function authorizeGet(ctx) {
  const p = authorizeParams(ctx.url.searchParams);
  const ok = checkAuthorize(ctx, p, p.dd_oid);
  if (!ok) return;
  const selected = ok.orgs.find((o) => o.id === p.dd_oid) || ok.orgs[0];
  const hidden = { ...p };
  if (p.scope === undefined || p.scope.trim() === '') delete hidden.scope;
  sendHtml(ctx.res, 200, consentPage({
    site: ctx.site, client: ok.client, scopes: ok.scopes, orgs: ok.orgs, selectedOrgId: selected.id, params: hidden,
  }), { 'Cache-Control': 'no-store' });
}

export async function authorizePost(ctx) {
  const form = await readParams(ctx, { oauth: false });
  const p = authorizeParams(form);
  const { state, site, res } = ctx;
  const ok = checkAuthorize(ctx, p, form.org);
  if (!ok) return;
  const org = ok.orgs.find((o) => o.id === form.org);
  if (!org) {
    sendHtml(res, 400, errorPage(site, 'invalid_request - Invalid org parameter value'));
    return;
  }
  if (form.decision === 'deny') {
    redirectError(ctx, p, 'access_denied', 'The user denied access');
    return;
  }
  if (form.decision !== 'authorize') {
    redirectError(ctx, p, 'invalid_request', 'decision must be authorize or deny');
    return;
  }
  const code = randomToken('ddsbx_code_', 24);
  state.codes.set(code, {
    clientId: ok.client.clientId,
    orgId: org.id,
    site: site.id,
    redirectUri: p.redirect_uri,
    challenge: p.code_challenge,
    scopes: ok.scopes,
    expiresAt: Date.now() + state.config.codeTtlSeconds * 1000,
    used: false,
    grantId: null,
  });
  redirectWith(res, p.redirect_uri, {
    code,
    state: p.state,
    domain: site.site,
    site: site.appOrigin,
    dd_oid: org.id,
    dd_org_name: org.name,
  });
}

function tokenResponse(res, state, grant, tokens) {
  const body = {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: state.config.accessTokenTtlSeconds,
    scope: grant.scopes.join(' '),
  };
  if (tokens.refreshToken) body.refresh_token = tokens.refreshToken;
  sendJson(res, 200, body, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
}

function pkceMatches(verifier, challenge) {
  if (typeof verifier !== 'string' || !PKCE_RE.test(verifier)) return false;
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge;
}

export async function token(ctx) {
  const { state, site, req, res } = ctx;
  try {
    const p = await readParams(ctx);
    const client = authenticateClient(state, p, req);
    const grantType = p.grant_type;
    if (!grantType) throw oauthError(400, 'invalid_request', 'grant_type is required');
    if (grantType === 'authorization_code') {
      for (const k of ['code', 'redirect_uri', 'code_verifier']) {
        if (!p[k]) throw oauthError(400, 'invalid_request', `${k} is required`);
      }
      const invalid = () => oauthError(400, 'invalid_grant', 'Invalid code or code verifier');
      const rec = state.codes.get(p.code);
      if (!rec || rec.clientId !== client.clientId || rec.site !== site.id) throw invalid();
      if (rec.used) {
        // RFC 6749 §4.1.2: a replayed code revokes what it already produced.
        if (rec.grantId) state.revokeGrant(rec.grantId);
        throw invalid();
      }
      if (Date.now() > rec.expiresAt) throw invalid();
      if (rec.redirectUri !== p.redirect_uri) throw invalid();
      if (!pkceMatches(p.code_verifier, rec.challenge)) throw invalid();
      rec.used = true;
      const grant = state.newGrant({ clientId: client.clientId, orgId: rec.orgId, site: site.id, scopes: rec.scopes });
      rec.grantId = grant.id;
      const tokens = state.issueTokens(grant, { withRefresh: true });
      state.stats.token.authorization_code++;
      tokenResponse(res, state, grant, tokens);
      return;
    }
    if (grantType === 'refresh_token') {
      if (!p.refresh_token) throw oauthError(400, 'invalid_request', 'refresh_token is required');
      const rec = state.refreshTokens.get(p.refresh_token);
      const grant = rec && state.grants.get(rec.grantId);
      // Rotation with a grace period (refreshGraceSeconds > 0): a rotated-out refresh token still works for that
      // long, as some servers allow so that a client whose answer got lost can recover. 0 (the default) models none.
      const inGrace = rec && rec.revoked && rec.graceUntil !== undefined && Date.now() <= rec.graceUntil;
      if (!rec || (rec.revoked && !inGrace) || !grant || grant.revoked || grant.clientId !== client.clientId || grant.site !== site.id) {
        throw oauthError(400, 'invalid_grant', 'Invalid refresh token');
      }
      const rotate = state.config.rotateRefreshTokens;
      if (rotate && !rec.revoked) {
        rec.revoked = true;
        if (state.config.refreshGraceSeconds > 0) rec.graceUntil = Date.now() + state.config.refreshGraceSeconds * 1000;
      }
      const tokens = state.issueTokens(grant, { withRefresh: rotate });
      state.stats.token.refresh_token++;
      tokenResponse(res, state, grant, tokens);
      return;
    }
    throw oauthError(400, 'unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
  } catch (err) {
    state.stats.token.errors++;
    throw err;
  }
}

// RFC 7009: always 200 for a well-formed request from an authenticated client.
export async function revoke(ctx) {
  const { state, site, req, res } = ctx;
  const p = await readParams(ctx);
  const client = authenticateClient(state, p, req);
  if (!p.token) throw oauthError(400, 'invalid_request', 'token is required');
  const mine = (rec) => {
    const g = rec && state.grants.get(rec.grantId);
    return g && g.clientId === client.clientId && g.site === site.id ? g : null;
  };
  const access = state.accessTokens.get(p.token);
  const refresh = state.refreshTokens.get(p.token);
  if (access && mine(access)) access.revoked = true;
  if (refresh && mine(refresh)) state.revokeGrant(refresh.grantId);
  state.stats.revoke++;
  sendJson(res, 200, {}, { 'Cache-Control': 'no-store' });
}

export async function marketplaceApiKey(ctx) {
  const { state, site, req, res } = ctx;
  const grant = bearerGrant(state, req, site.id, { allowRefresh: true });
  requireScope(grant, 'api_keys_write');
  for (const k of state.apiKeys.values()) {
    if (!k.revoked && k.orgId === grant.orgId && k.clientId === grant.clientId) {
      state.stats.apiKeys.conflicts++;
      throw apiError(409, 'An API key with this name already exists');
    }
  }
  const client = state.client(grant.clientId);
  const now = new Date().toISOString();
  const key = randomBytes(16).toString('hex');
  const userId = randomUUID();
  const rec = {
    id: randomUUID(),
    key,
    orgId: grant.orgId,
    site: site.id,
    clientId: grant.clientId,
    name: `${client ? client.name : grant.clientId} OAuth Client API Key ${randomUUID()}`,
    createdAt: now,
    revoked: false,
  };
  state.apiKeys.set(key, rec);
  state.stats.apiKeys.created++;
  const user = { data: { type: 'users', id: userId } };
  sendJson(res, 201, {
    data: {
      type: 'api_keys',
      id: rec.id,
      attributes: { created_at: now, key, last4: key.slice(-4), modified_at: now, name: rec.name },
      relationships: { created_by: user, modified_by: user },
    },
  });
}

