// Drop-in routes (`datadog-oauth-wasm/routes`): onboarding, callback and disconnect as Web-standard
// Request → Response handlers, bound to the partner's own user through a sealed, single-use browser cookie.
// Everything Datadog-specific (URLs, checks, error meanings) comes from the package's core; this file is the glue.
import {
  DatadogError, hostError, parseCallback, parseOnboardingUrl, resolveSite, startAuthorization,
} from "datadog-oauth-wasm";
import { sealer } from "./seal.js";
import { readTextCapped } from "./body.js";

const MIN_SECRET_BYTES = 32;
const DEFAULT_MAX_AGE_MS = 15 * 60 * 1000;
const MAX_FORM_BYTES = 16 * 1024;
/** Authorizations this instance already completed (their state's hash), kept for the pending cookie's lifetime. */
const USED_LIMIT = 10_000;

const STATUS = {
  not_signed_in: 401, session_mismatch: 403, cross_site_request: 403, not_connected: 404, not_found: 404, no_pending_authorization: 400,
  authorization_used: 409, api_key_exists: 409, internal_error: 500,
};

function optionError(field, message) {
  return new DatadogError({ code: "invalid_input", field, message, hint: `Check the \`${field}\` option of datadogRoutes() against the README's routes section.` });
}

/** A route error with its hint from the core's table (a core that predates the code still gives a useful hint). */
function routeError(code, message) {
  return hostError(code, message);
}

function byteLength(secret) {
  if (typeof secret === "string") return new TextEncoder().encode(secret).length;
  if (secret instanceof Uint8Array || secret instanceof ArrayBuffer) return secret.byteLength;
  return -1;
}

/** `value` when it is a path on this origin ("/settings?x=1"), else null: never "//host", "/\host", or a URL. */
export function sameOriginPath(value, origin) {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return null;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a redirect path must not hold
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  try {
    const u = new URL(value, origin);
    return u.origin === origin ? u.pathname + u.search + u.hash : null;
  } catch {
    return null;
  }
}

function isLoopback(hostname) {
  return hostname === "localhost" || hostname.endsWith(".localhost") || /^127\./.test(hostname) || hostname === "[::1]";
}

function readCookie(header, name) {
  for (const part of String(header || "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

export function escapeHtml(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const PAGE_HEADERS = {
  "cache-control": "no-store",
  // The callback URL carries the authorization code: it must not travel to another origin in a Referer.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

function errorHtml(info, homePath) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Datadog could not be connected</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#222}code{background:#f3f0f8;padding:.1rem .35rem;border-radius:4px}.hint{border-left:4px solid #632ca6;padding:.25rem 1rem;background:#faf8fd}</style>
</head><body><main id="error" role="alert">
<h1>Datadog could not be connected</h1>
<p><code id="error-code">${escapeHtml(info.code)}</code></p>
<p id="error-message">${escapeHtml(info.message)}</p>
${info.hint ? `<div class="hint"><strong>What to do</strong><p id="error-hint">${escapeHtml(info.hint)}</p></div>` : ""}
<p><a id="error-home" href="${escapeHtml(homePath)}">Back</a></p>
</main></body></html>
`;
}

/** The fields of an error a page may show: code, message, hint (and status). Never a stack or a cause. */
export function errorInfo(err) {
  if (DatadogError.is(err)) {
    return { code: err.code, message: err.message, hint: err.hint || "", ...(err.status ? { status: err.status } : {}) };
  }
  return { code: "internal_error", message: "the Datadog connection failed on the server", hint: "See the server's log; try again." };
}

function statusOf(info) {
  if (STATUS[info.code]) return STATUS[info.code];
  if (info.status >= 500 || ["network_error", "request_timeout", "server_error", "temporarily_unavailable"].includes(info.code)) return 502;
  return 400;
}

function wantsJson(request) {
  const accept = request.headers.get("accept") || "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

function redirect(location, extraHeaders) {
  const headers = new Headers({ ...PAGE_HEADERS, location });
  for (const c of extraHeaders || []) headers.append("set-cookie", c);
  return new Response(null, { status: 303, headers });
}

/** `res` with the cookies appended (a partner's Response may have immutable headers: rebuilt). */
function withCookies(res, cookies) {
  if (!cookies.length) return res;
  const headers = new Headers(res.headers);
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function sha256(text) {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(d))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The request body as URLSearchParams (form or JSON), capped. */
async function readForm(request) {
  const type = (request.headers.get("content-type") || "").toLowerCase();
  if (!request.body) return new URLSearchParams();
  const text = await readTextCapped(request.body, MAX_FORM_BYTES, () =>
    new DatadogError({ code: "invalid_input", message: "the request body is too large", hint: "Send the disconnect form as it is on the integration page." }));
  if (type.startsWith("application/json")) {
    let obj;
    try {
      obj = JSON.parse(text || "{}");
    } catch {
      throw new DatadogError({ code: "invalid_input", message: "the request body is not JSON", hint: "Send a JSON object, or the form as it is on the integration page." });
    }
    const out = new URLSearchParams();
    if (obj && typeof obj === "object") for (const [k, v] of Object.entries(obj)) if (typeof v === "string") out.set(k, v);
    return out;
  }
  return new URLSearchParams(text);
}

/**
 * The routes. `fetch(request)` answers GET {basePath}/onboarding, GET {basePath}/callback and
 * POST {basePath}/disconnect; any other path is a 404 (`handles(request)` says beforehand).
 */
export function datadogRoutes(options) {
  const o = options ?? {};
  const client = o.client;
  if (!client || typeof client.exchangeCode !== "function") throw optionError("client", "datadogRoutes needs `client`, a DatadogClient");
  if (typeof o.currentUser !== "function") throw optionError("currentUser", "datadogRoutes needs `currentUser(request)`, which returns your signed-in user's id or null");
  if (byteLength(o.cookieSecret) < MIN_SECRET_BYTES) {
    // Never echo the value: it is a secret.
    throw optionError("cookieSecret", `\`cookieSecret\` must be a string or bytes of at least ${MIN_SECRET_BYTES} bytes (random, e.g. crypto.randomBytes(32).toString("base64url"))`);
  }
  const basePath = (o.basePath ?? "/datadog").replace(/\/+$/, "");
  if (basePath !== "" && !/^\/[A-Za-z0-9._~\-/]*$/.test(basePath)) throw optionError("basePath", "`basePath` must be a path such as \"/datadog\"");
  const clientId = o.clientId ?? client.clientId;
  if (typeof clientId !== "string" || clientId === "") throw optionError("clientId", "datadogRoutes needs `clientId` (the OAuth client ID given to the DatadogClient)");
  const sites = o.sites ?? client.sites ?? [];
  const scopes = o.scopes;
  const maxAgeMs = o.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const onDisconnect = o.onDisconnect ?? "keep";
  if (!["keep", "delete"].includes(onDisconnect)) throw optionError("onDisconnect", "`onDisconnect` must be \"keep\" or \"delete\"");
  for (const k of ["onConnected", "onboardingPage", "errorPage", "onError", "onDisconnected"]) {
    if (o[k] !== undefined && typeof o[k] !== "function") throw optionError(k, `\`${k}\` must be a function`);
  }
  if (o.loginUrl !== undefined && typeof o.loginUrl !== "string" && typeof o.loginUrl !== "function") {
    throw optionError("loginUrl", "`loginUrl` must be a string such as \"/login?next=\" or a function of the return path");
  }
  const home = o.homePath ?? "/";
  const paths = { onboarding: `${basePath}/onboarding`, callback: `${basePath}/callback`, disconnect: `${basePath}/disconnect` };
  const seal = sealer(o.cookieSecret);
  const used = new Map(); // hash of state -> expiry (ms)

  const originOf = (url) => o.origin ?? url.origin;
  const redirectUriOf = (url) => o.redirectUri ?? client.redirectUri ?? originOf(url) + paths.callback;
  const secureFor = (url) => o.secureCookie ?? !(new URL(originOf(url)).protocol === "http:" && isLoopback(new URL(originOf(url)).hostname));
  const cookieName = (url) => o.cookieName ?? (secureFor(url) ? "__Secure-dd_oauth" : "dd_oauth");
  const cookie = (url, value, maxAgeS) =>
    `${cookieName(url)}=${value}; Path=${basePath || "/"}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secureFor(url) ? "; Secure" : ""}`;
  const clearCookie = (url) => cookie(url, "", 0);

  async function userOf(request) {
    const u = await o.currentUser(request);
    if (u === null || u === undefined || u === "" || u === false) return null;
    if (typeof u !== "string") throw optionError("currentUser", "`currentUser(request)` must return a string id (or null for an anonymous visitor)");
    return u;
  }

  async function fail(request, url, err, cookies = []) {
    const info = errorInfo(err);
    if (info.code === "internal_error" && o.onError) await Promise.resolve(o.onError({ error: err, request })).catch(() => {});
    const status = statusOf(info);
    if (o.errorPage && !wantsJson(request)) {
      const page = await o.errorPage({ error: info, status, request });
      if (page instanceof Response) return withCookies(page, cookies);
      if (typeof page === "string") return withCookies(html(page, status), cookies);
    }
    const body = wantsJson(request) ? JSON.stringify({ error: info }) : errorHtml(info, home);
    const headers = new Headers({ ...PAGE_HEADERS, "content-type": wantsJson(request) ? "application/json; charset=utf-8" : "text/html; charset=utf-8" });
    for (const c of cookies) headers.append("set-cookie", c);
    return new Response(body, { status, headers });
  }

  function html(text, status = 200) {
    return new Response(text, { status, headers: { ...PAGE_HEADERS, "content-type": "text/html; charset=utf-8" } });
  }

  function loginRedirect(url) {
    const back = url.pathname + url.search;
    const target = typeof o.loginUrl === "function" ? o.loginUrl(back) : `${o.loginUrl}${encodeURIComponent(back)}`;
    return redirect(target);
  }

  function markUsed(hash, now) {
    if (used.size >= USED_LIMIT) {
      for (const [k, exp] of used) if (exp <= now || used.size >= USED_LIMIT) used.delete(k);
    }
    used.set(hash, now + maxAgeMs);
  }

  // ---- GET {basePath}/onboarding ---------------------------------------------------------------------------
  async function onboarding(request, url) {
    const user = await userOf(request);
    if (!user) {
      if (!o.loginUrl) return fail(request, url, routeError("not_signed_in", "nobody is signed in to start a Datadog connection"));
      return loginRedirect(url);
    }
    // The tile flow (Datadog appends site and domain), or the partner's own picker (?site=eu1), or none (US1).
    const { site } = parseOnboardingUrl(url.href, { sites });
    const fromTile = url.searchParams.has("domain");
    const returnTo = sameOriginPath(url.searchParams.get("returnTo") ?? url.searchParams.get("next"), originOf(url));
    if (fromTile && o.onboardingPage && url.searchParams.get("confirm") !== "1") {
      const next = new URL(url.href);
      next.searchParams.set("confirm", "1");
      const page = await o.onboardingPage({ site, user, request, continueUrl: next.pathname + next.search });
      if (page instanceof Response) return page;
      if (typeof page === "string") return html(page);
    }
    const params = { clientId, redirectUri: redirectUriOf(url), site, sites };
    if (scopes !== undefined) params.scopes = scopes;
    const { url: authorizeUrl, pending } = startAuthorization(params);
    const now = Date.now();
    // The site travels as its id and is rebuilt from the table at the callback (smaller cookie, nothing to forge).
    const sealed = await seal.seal({ k: "p", u: user, p: { ...pending, site: pending.site ? pending.site.id : null }, r: returnTo, exp: now + maxAgeMs }, cookieName(url));
    return redirect(authorizeUrl, [cookie(url, sealed, Math.ceil(maxAgeMs / 1000))]);
  }

  // ---- GET {basePath}/callback -----------------------------------------------------------------------------
  async function callback(request, url) {
    const now = Date.now();
    const raw = readCookie(request.headers.get("cookie"), cookieName(url));
    const bound = raw ? await seal.open(raw, cookieName(url), now) : null;
    // Whatever happens now, the pending authorization is spent: the cookie is replaced or cleared.
    const spent = [clearCookie(url)];
    const user = await userOf(request);
    if (!user) return fail(request, url, routeError("not_signed_in", "the Datadog callback arrived for a browser where nobody is signed in"), spent);
    if (!bound) return fail(request, url, routeError("no_pending_authorization", "this browser has no Datadog authorization in progress"), spent);
    if (bound.u !== user) return fail(request, url, routeError("session_mismatch", "the Datadog authorization was started by another signed-in user"), spent);
    const stateHash = await sha256(url.searchParams.get("state") ?? "");

    if (bound.k === "d") {
      // A reloaded (or reopened) callback page: show the result again; the code is never sent twice.
      if (bound.s !== stateHash) return fail(request, url, routeError("no_pending_authorization", "this callback does not belong to the authorization this browser completed"), spent);
      const connection = bound.c && typeof client.getConnection === "function" ? await client.getConnection(bound.c).catch(() => null) : null;
      if (!connection || connection.status === "revoked" || (connection.owner !== undefined && connection.owner !== user)) {
        return fail(request, url, routeError("authorization_used", "this authorization already completed; its code is not sent again"), spent);
      }
      return connected({ connection, user, request, url, returnTo: bound.r, apiKey: bound.a, reloaded: true }, [await doneCookie(url, bound)]);
    }
    if (bound.k !== "p" || !bound.p) return fail(request, url, routeError("no_pending_authorization", "this browser has no Datadog authorization in progress"), spent);
    if (used.has(stateHash)) return fail(request, url, routeError("authorization_used", "this authorization already completed; its code is not sent again"), spent);

    let cb;
    const pending = { ...bound.p };
    try {
      pending.site = pending.site ? resolveSite(pending.site, { sites }) : null;
      cb = parseCallback(url.href, pending, { sites, maxAgeMs });
    } catch (err) {
      return fail(request, url, err, spent);
    }
    // Only a callback that matched the pending state spends the authorization on this instance; the store's
    // claim in exchangeCode does it across instances (docs/datadog-behaviour.md policy 19).
    markUsed(stateHash, now);
    let connection;
    let apiKey = "created";
    try {
      connection = await client.exchangeCode({ ...cb, state: pending.state, codeVerifier: pending.codeVerifier, redirectUri: pending.redirectUri, owner: user });
      try {
        connection = await client.createApiKey(connection);
      } catch (err) {
        if (!DatadogError.is(err, "api_key_exists")) throw err;
        const earlier = await earlierKey(user, connection);
        if (!earlier) {
          // No key of this user's to reuse: the user must follow Datadog's recovery steps (the hint), and the new
          // grant is not left behind without a key.
          await discard(connection);
          throw err;
        }
        connection = await client.attachApiKey(connection, earlier);
        apiKey = "reused";
      }
    } catch (err) {
      return fail(request, url, err, spent);
    }
    const done = { k: "d", u: user, s: stateHash, c: connection.id ?? null, r: bound.r ?? null, a: apiKey, exp: now + maxAgeMs };
    return connected({ connection, user, request, url, returnTo: bound.r, apiKey, reloaded: false }, [await doneCookie(url, done)]);
  }

  async function doneCookie(url, done) {
    return cookie(url, await seal.seal(done, cookieName(url)), Math.max(1, Math.ceil((done.exp - Date.now()) / 1000)));
  }

  /** The API key of this same user's own earlier connection to the same site (and org, when both name one). */
  async function earlierKey(user, connection) {
    if (typeof client.listConnections !== "function" || typeof client.attachApiKey !== "function") return null;
    const siteId = connection.site && typeof connection.site === "object" ? connection.site.id : connection.site;
    let cursor;
    do {
      const page = await client.listConnections({ owner: user, site: siteId, limit: 100, cursor });
      for (const c of page.connections || []) {
        if (c.id === connection.id || !c.apiKey || c.owner !== user) continue;
        const cSite = c.site && typeof c.site === "object" ? c.site.id : c.site;
        if (cSite !== siteId) continue;
        if (c.orgId && connection.orgId && c.orgId !== connection.orgId) continue;
        return c;
      }
      cursor = page.cursor;
    } while (cursor);
    return null;
  }

  async function discard(connection) {
    await client.revoke(connection).catch(() => {});
    if (typeof client.deleteConnection === "function") await client.deleteConnection(connection.id ?? connection).catch(() => {});
  }

  async function connected({ connection, user, request, returnTo, apiKey, reloaded }, cookies) {
    let out;
    if (o.onConnected) out = await o.onConnected({ connection, user, request, apiKey, reloaded });
    if (out instanceof Response) return withCookies(out, cookies);
    if (typeof out === "string") return redirect(out, cookies);
    if (wantsJson(request)) {
      const headers = new Headers({ ...PAGE_HEADERS, "content-type": "application/json; charset=utf-8" });
      for (const c of cookies) headers.append("set-cookie", c);
      return new Response(JSON.stringify({ connected: true, id: connection.id ?? null, apiKey, reloaded }), { status: 200, headers });
    }
    return redirect(returnTo || home, cookies);
  }

  // ---- POST {basePath}/disconnect --------------------------------------------------------------------------
  /** The form token for browsers that send neither Sec-Fetch-Site nor Origin: HMAC of the user id. */
  async function csrfToken(user) {
    return seal.mac(`disconnect\n${user}`);
  }

  async function crossSite(request, url, form, user) {
    const fetchSite = request.headers.get("sec-fetch-site");
    if (fetchSite) return fetchSite !== "same-origin";
    const origin = request.headers.get("origin");
    if (origin && origin !== "null") return origin !== originOf(url);
    // An old browser: neither header, so the form must carry the token only our own page could render.
    const token = form.get("csrf") ?? request.headers.get("x-csrf-token");
    return !(token && user && (await seal.verifyMac(`disconnect\n${user}`, token)));
  }

  async function disconnect(request, url) {
    const user = await userOf(request);
    const form = await readForm(request);
    if (await crossSite(request, url, form, user)) {
      return fail(request, url, routeError("cross_site_request", "the disconnect request did not come from this site's own pages"));
    }
    if (!user) return fail(request, url, routeError("not_signed_in", "nobody is signed in to disconnect Datadog"));
    const id = form.get("connection");
    let targets;
    if (id) {
      const c = typeof client.getConnection === "function" ? await client.getConnection(id).catch(() => null) : null;
      // Another user's connection is answered exactly like a missing one.
      targets = c && c.owner === user && c.status !== "revoked" ? [c] : [];
    } else {
      targets = [];
      let cursor;
      do {
        // Every connection of the user's that is not revoked yet (connected or needs_reauth).
        const page = await client.listConnections({ owner: user, limit: 100, cursor });
        for (const c of page.connections || []) if (c.owner === user && c.status !== "revoked") targets.push(c);
        cursor = page.cursor;
      } while (cursor);
    }
    if (!targets.length) return fail(request, url, routeError("not_connected", "this user has no Datadog connection to disconnect"));
    const results = [];
    for (const c of targets) {
      let revoked = true;
      let error;
      try {
        await client.revoke(c);
      } catch (err) {
        // The grant may outlive this failure at Datadog; the connection is still retired here.
        revoked = false;
        error = errorInfo(err);
      }
      if (onDisconnect === "delete" && typeof client.deleteConnection === "function") await client.deleteConnection(c.id ?? c);
      results.push({ id: c.id ?? null, revoked, ...(error ? { error } : {}) });
    }
    if (o.onDisconnected) {
      const out = await o.onDisconnected({ user, request, results });
      if (out instanceof Response) return out;
      if (typeof out === "string") return redirect(out);
    }
    if (wantsJson(request)) {
      return new Response(JSON.stringify({ disconnected: true, connections: results }), { status: 200, headers: { ...PAGE_HEADERS, "content-type": "application/json; charset=utf-8" } });
    }
    return redirect(sameOriginPath(form.get("returnTo") ?? url.searchParams.get("returnTo"), originOf(url)) || home);
  }

  const table = [
    // GET only: a HEAD from a link scanner must not start an authorization, let alone spend one.
    [paths.onboarding, ["GET"], onboarding],
    [paths.callback, ["GET"], callback],
    [paths.disconnect, ["POST"], disconnect],
  ];

  function route(request) {
    const path = new URL(request.url).pathname;
    return table.find(([p]) => p === path) ?? null;
  }

  return {
    basePath,
    paths,
    csrfToken,
    /** Whether `request` is for one of these routes (adapters pass other requests on). */
    handles: (request) => route(request) !== null,
    async fetch(request) {
      const url = new URL(request.url);
      const r = route(request);
      try {
        if (!r) return fail(request, url, new DatadogError({ code: "not_found", message: "no such Datadog route", hint: `The routes are ${Object.values(paths).join(", ")}.` }));
        if (!r[1].includes(request.method)) {
          const res = await fail(request, url, new DatadogError({ code: "invalid_request", message: `${request.method} is not allowed here`, hint: `Use ${r[1][0]} ${r[0]}.` }));
          const headers = new Headers(res.headers);
          headers.set("allow", r[1].join(", "));
          return new Response(res.body, { status: 405, headers });
        }
        return await r[2](request, url);
      } catch (err) {
        return fail(request, url, err);
      }
    },
  };
}

/**
 * A node:http / Express handler: `(req, res, next?)`. Requests these routes do not serve go to `next` (Express)
 * or get a 404. `origin` (e.g. "https://app.example") overrides the scheme and host seen on the socket.
 */
export function toNodeHandler(routes, { origin } = {}) {
  return async (req, res, next) => {
    try {
      const base = origin ?? `${req.socket && req.socket.encrypted ? "https" : "http"}://${req.headers.host || "localhost"}`;
      const url = new URL(req.originalUrl ?? req.url, base);
      // Before anything reads the body: a request for another route keeps its stream for the next handler.
      if (!routes.handles(new Request(url)) && typeof next === "function") return next();
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.append(k, x);
        else if (typeof v === "string") headers.set(k, v);
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      let body;
      if (hasBody) {
        if (req.body !== undefined && req.readableEnded !== false) {
          // A body parser (express.urlencoded / express.json) already read it: hand the parsed form back.
          if (typeof req.body === "string" || req.body instanceof Uint8Array) body = req.body;
          else if (req.body && typeof req.body === "object") {
            const json = (headers.get("content-type") || "").includes("json");
            body = json ? JSON.stringify(req.body) : new URLSearchParams(Object.entries(req.body).filter(([, v]) => typeof v === "string")).toString();
          }
        } else {
          body = await readNodeBody(req, MAX_FORM_BYTES);
        }
      }
      const request = new Request(url, { method: req.method, headers, body });
      const response = await routes.fetch(request);
      res.statusCode = response.status;
      for (const [k, v] of response.headers) if (k !== "set-cookie") res.setHeader(k, v);
      const cookies = response.headers.getSetCookie();
      if (cookies.length) res.setHeader("set-cookie", cookies);
      const buf = Buffer.from(await response.arrayBuffer());
      res.setHeader("content-length", buf.length);
      res.end(req.method === "HEAD" ? undefined : buf);
    } catch (err) {
      if (typeof next === "function") return next(err);
      res.statusCode = 500;
      res.end();
    }
  };
}

function readNodeBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      chunks.push(c);
      // Past the cap is enough for the routes to refuse it; the rest is not read.
      if (size > limit) {
        req.pause();
        resolve(Buffer.concat(chunks));
      }
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
