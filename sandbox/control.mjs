// The control server: how tests, the demo and humans inspect and steer the sandbox
// (well-known document, reset, settings, client edits, received data, stats, faults).
// Returns secrets only through the in-process API and `GET /_sandbox/secrets` (the list a test harness scans
// its output for; loopback test tool, never a model of anything Datadog serves).

import {
  HttpError, apiError, sendJson, sendHtml, readBody, parseJson,
} from './http.mjs';
import { RECEIVED_KINDS, ConfigError, applyClientPatch, normalizeSettings, publicClient } from './state.mjs';
import { indexPage } from './pages.mjs';

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
};

async function readJson(req) {
  const { buf } = await readBody(req, 1024 * 1024);
  if (buf.length === 0 || buf.toString('utf8').trim() === '') return undefined;
  return parseJson(buf);
}

function withConfigErrors(fn) {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) throw apiError(400, err.message);
    throw err;
  }
}

export async function handleControl(sb, req, res) {
  const url = new URL(req.url, 'http://sandbox.invalid');
  const path = url.pathname;
  const m = req.method;
  const ok = (status, body) => sendJson(res, status, body, CORS);
  try {
    if (m === 'OPTIONS') {
      res.writeHead(204, { ...CORS, 'Content-Length': 0 });
      res.end();
      return;
    }
    if (m === 'GET' && path === '/') {
      sendHtml(res, 200, indexPage(sb.wellKnown()), CORS);
      return;
    }
    if (m === 'GET' && path === '/.well-known/datadog-sandbox.json') return ok(200, sb.wellKnown());
    if (m === 'POST' && path === '/_sandbox/reset') {
      const body = await readJson(req);
      return ok(200, withConfigErrors(() => sb.reset(body)));
    }
    const st = sb.state;
    if (path === '/_sandbox/settings') {
      if (m === 'POST') {
        const body = (await readJson(req)) ?? {};
        const next = withConfigErrors(() => normalizeSettings(pickSettings(st.config), body));
        Object.assign(st.config, next);
        return ok(200, pickSettings(st.config));
      }
      if (m === 'GET') return ok(200, pickSettings(st.config));
    }
    const clientMatch = /^\/_sandbox\/clients\/([^/]+)$/.exec(path);
    if (clientMatch && m === 'PUT') {
      const clientId = decodeURIComponent(clientMatch[1]);
      const body = (await readJson(req)) ?? {};
      const i = st.config.clients.findIndex((c) => c.clientId === clientId);
      if (i >= 0) {
        st.config.clients[i] = withConfigErrors(() => applyClientPatch(st.config.clients[i], body));
        st.secrets.note('client_secret', st.config.clients[i].clientSecret);
        return ok(200, publicClient(st.config.clients[i]));
      }
      // Unknown id: create a client from defaults (handy for "test vs published client" cases).
      const base = { ...sb.clientDefaults(), clientId };
      const created = withConfigErrors(() => applyClientPatch(base, body));
      st.config.clients.push(created);
      st.secrets.note('client_secret', created.clientSecret);
      return ok(201, publicClient(created));
    }
    if (m === 'GET' && path === '/_sandbox/received') {
      const kind = url.searchParams.get('kind');
      if (!RECEIVED_KINDS.includes(kind)) throw apiError(400, `kind must be one of ${RECEIVED_KINDS.join(', ')}`);
      const org = url.searchParams.get('org');
      const requests = st.received
        .filter((r) => r.kind === kind && (!org || kind === 'agent_traces' || r.org === org))
        .map((r) => ({
          contentEncoding: r.contentEncoding,
          bytes: r.bytes,
          decodedBytes: r.decodedBytes,
          org: r.org,
          site: r.site,
          items: r.items,
        }));
      return ok(200, { items: requests.flatMap((r) => r.items), requests });
    }
    if (m === 'GET' && path === '/_sandbox/stats') return ok(200, st.stats);
    if (m === 'GET' && path === '/_sandbox/secrets') {
      // No CORS header on purpose: a web page open in the same browser cannot read this list.
      const list = st.secrets.list();
      return sendJson(res, 200, { values: list.map((x) => x.value), secrets: list }, { 'Cache-Control': 'no-store' });
    }
    if (path === '/_sandbox/faults') {
      if (m === 'POST') {
        const body = await readJson(req);
        return ok(201, sb.faults.add(body));
      }
      if (m === 'DELETE') {
        sb.faults.clear();
        return ok(200, { faults: [] });
      }
      if (m === 'GET') return ok(200, { faults: sb.faults.list() });
    }
    if (m === 'POST' && path === '/_sandbox/expire-tokens') {
      const now = Date.now();
      let expired = 0;
      for (const t of st.accessTokens.values()) {
        if (!t.revoked && t.expiresAt > now) {
          t.expiresAt = now - 1;
          expired++;
        }
      }
      return ok(200, { expired });
    }
    if (m === 'DELETE' && path === '/_sandbox/api-keys') {
      // Simulates a user revoking the "OAuth Client API Key" in the org's settings.
      const org = url.searchParams.get('org');
      const client = url.searchParams.get('client');
      let revoked = 0;
      for (const k of st.apiKeys.values()) {
        if (k.revoked || (org && k.orgId !== org) || (client && k.clientId !== client)) continue;
        k.revoked = true;
        revoked++;
      }
      return ok(200, { revoked });
    }
    return ok(404, { errors: ['Not Found'] });
  } catch (err) {
    if (err instanceof HttpError) return sendJson(res, err.status, err.body, { ...CORS, ...err.headers });
    throw err;
  }
}

function pickSettings(c) {
  return {
    accessTokenTtlSeconds: c.accessTokenTtlSeconds,
    rotateRefreshTokens: c.rotateRefreshTokens,
    codeTtlSeconds: c.codeTtlSeconds,
    refreshGraceSeconds: c.refreshGraceSeconds,
  };
}
