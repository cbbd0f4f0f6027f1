// Who is calling: OAuth client authentication (token/revoke), bearer tokens and API keys.
// Every credential is bound to one site; presenting it to another site's servers is 403.

import { HttpError, forbidden, apiError } from './http.mjs';
import { safeEqual } from './state.mjs';

export function oauthError(status, error, description) {
  return new HttpError(status, { error, error_description: description }, { 'Cache-Control': 'no-store' });
}

// RFC 6749 §2.3.1: client_id/client_secret in the body, or HTTP Basic (body wins).
export function authenticateClient(state, params, req) {
  let clientId = params.client_id;
  let secret = params.client_secret;
  const auth = req.headers.authorization || '';
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(auth);
  if (basic && clientId === undefined) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i >= 0) {
      try {
        clientId = decodeURIComponent(decoded.slice(0, i));
        secret = decodeURIComponent(decoded.slice(i + 1));
      } catch {
        clientId = undefined;
      }
    }
  }
  // What the caller presented (right or wrong) is a secret the test harness must not see printed.
  state.secrets?.note('client_secret', secret);
  state.secrets?.note('code_verifier', params.code_verifier);
  const client = typeof clientId === 'string' && clientId ? state.client(clientId) : null;
  if (!client) throw oauthError(401, 'invalid_client', 'Invalid client_id parameter value');
  if (client.clientSecret) {
    if (typeof secret !== 'string' || secret === '') {
      throw oauthError(401, 'invalid_client', 'Client authentication failed: client_secret is required');
    }
    if (!safeEqual(secret, client.clientSecret)) {
      throw oauthError(401, 'invalid_client', 'Client authentication failed');
    }
  }
  return client;
}

// Resolves `Authorization: Bearer <token>` to its grant on this site.
// Unknown, revoked or foreign-site token → 403; expired access token → 401.
export function bearerGrant(state, req, siteId, { allowRefresh = false } = {}) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization || '');
  if (!m) throw forbidden();
  const token = m[1];
  let rec = state.accessTokens.get(token);
  let isAccess = true;
  if (!rec && allowRefresh) {
    rec = state.refreshTokens.get(token);
    isAccess = false;
  }
  if (!rec || rec.revoked) throw forbidden();
  const grant = state.grants.get(rec.grantId);
  if (!grant || grant.revoked || grant.site !== siteId) throw forbidden();
  if (isAccess && Date.now() >= rec.expiresAt) throw apiError(401, 'Unauthorized');
  return grant;
}

export function requireScope(grant, ...anyOf) {
  if (!anyOf.some((s) => grant.scopes.includes(s))) throw forbidden();
}

// `DD-API-KEY` (header names are case-insensitive) → the API key record on this site.
export function apiKeyAuth(state, req, siteId) {
  const key = req.headers['dd-api-key'];
  if (typeof key !== 'string' || !key) throw forbidden();
  const rec = state.apiKeys.get(key.trim());
  if (!rec || rec.revoked || rec.site !== siteId) throw forbidden();
  return rec;
}
