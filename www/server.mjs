// The demo partner backend ("Pipewave"): serves the partner pages, keeps each browser's pending authorization
// and Datadog connection server-side (keyed by an HttpOnly session cookie), exchanges the code with the client
// secret, creates the marketplace API key and sends data. Node standard library plus the package only.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as dd from "datadog-oauth-wasm";
import * as pages from "./pages.mjs";

const HERE = new URL("./", import.meta.url);
const DIST = new URL("../dist/", import.meta.url);
const SESSION_COOKIE = "pw_session";
const SESSION_TTL_MS = 8 * 3600 * 1000;
const MAX_SESSIONS = 10_000;

// Static files: an explicit list, so nothing else in the repository is ever served.
const STATIC = {
  "/assets/app.js": [new URL("public/app.js", HERE), "text/javascript; charset=utf-8"],
  "/assets/style.css": [new URL("public/style.css", HERE), "text/css; charset=utf-8"],
  "/favicon.svg": [new URL("public/favicon.svg", HERE), "image/svg+xml"],
  "/favicon.ico": [new URL("public/favicon.svg", HERE), "image/svg+xml"],
  // The package's authorization-only browser build, next to its wasm (it loads it relative to itself).
  "/pkg/auth.mjs": [new URL("auth.mjs", DIST), "text/javascript; charset=utf-8"],
  "/pkg/datadog_oauth_wasm_auth_bg.wasm": [new URL("datadog_oauth_wasm_auth_bg.wasm", DIST), "application/wasm"],
};

// What the data buttons send, and where the sandbox files what it received.
const SENDS = {
  metric: { label: "metric", kinds: ["metrics_v2", "metrics_v1"] },
  log: { label: "log", kinds: ["logs"] },
  event: { label: "event", kinds: ["events_v1", "events_v2"] },
  check: { label: "service check", kinds: ["service_checks"] },
};

const SECURITY_HEADERS = {
  // 'wasm-unsafe-eval' lets the page compile the package's wasm; nothing inline is allowed.
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  // The callback URL carries the authorization code: never leak it in a Referer.
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
};

/**
 * Start the partner backend.
 * @param {object} o
 * @param {string} o.clientId
 * @param {string} o.clientSecret  stays on this server; never sent to a browser
 * @param {object[]} [o.sites]     custom site descriptors (the sandbox's), passed to every package call
 * @param {string} [o.sandboxUrl]  the sandbox control server, to show what it received
 * @param {object[]} [o.tiles]     sandbox tiles to link from the home page: { name, site, tileUrl }
 * @param {number} [o.port] @param {string} [o.host]
 */
export async function startPartner({
  clientId, clientSecret, sites = [], sandboxUrl = null, tiles = [], port = 0, host = "127.0.0.1", fetch: fetchImpl,
} = {}) {
  if (!clientId || !clientSecret) throw new Error("startPartner needs clientId and clientSecret");
  const opts = { sites };
  const sessions = new Map(); // sid -> { pending, onboardingSite, conn, org, created }
  // The partner's "database": marketplace API keys by org. Datadog shows a key once and refuses a second one
  // for the same org (409), so a real partner stores it and reuses it when the org reconnects.
  const keysByOrg = new Map();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error(`[partner] ${req.method} ${req.url && req.url.split("?")[0]}: ${err && err.stack}`);
      if (!res.headersSent) send(res, 500, pages.errorPage(ctxBase(), errorInfo(err)), "text/html; charset=utf-8");
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  const addr = server.address();
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
  const redirectUri = `${origin}/oauth/callback`;
  const onboardingUrl = `${origin}/datadog/onboarding`;

  let client = null;
  function getClient() {
    if (client) return client;
    if (typeof dd.DatadogClient !== "function") {
      throw new dd.DatadogError({
        code: "not_ready", message: "this build of datadog-oauth-wasm has no DatadogClient",
        hint: "Rebuild the package (node scripts/build.mjs) once js/client.js exists.",
      });
    }
    client = new dd.DatadogClient({
      clientId, clientSecret, redirectUri, sites,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
      // Token refreshes hand back a new connection: keep the stored one current.
      onConnectionChange: (conn) => {
        if (!conn) return;
        for (const s of sessions.values()) if (s.conn && sameConnection(s.conn, conn)) s.conn = conn;
      },
    });
    return client;
  }

  const ctxBase = (session) => ({ sandboxUrl, tiles, connected: !!(session && session.conn) });

  function siteById(id) {
    // Custom (sandbox) sites first: they are what this server talks to.
    return dd.resolveSite(id, opts);
  }

  // ---- sessions -----------------------------------------------------------------------------------------
  function getSession(req, res, create) {
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const now = Date.now();
    let s = sid && sessions.get(sid);
    if (s && now - s.created > SESSION_TTL_MS) { sessions.delete(sid); s = null; }
    if (s || !create) return s || null;
    if (sessions.size >= MAX_SESSIONS) {
      for (const [k, v] of sessions) if (now - v.created > SESSION_TTL_MS || sessions.size >= MAX_SESSIONS) sessions.delete(k);
    }
    const id = randomBytes(32).toString("base64url");
    s = { id, created: now, pending: null, onboardingSite: null, conn: null, org: null, keyNote: null };
    sessions.set(id, s);
    res.setHeader("Set-Cookie", `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}`);
    return s;
  }

  // ---- routing ------------------------------------------------------------------------------------------
  async function handle(req, res) {
    const url = new URL(req.url, origin);
    const path = url.pathname;
    const method = req.method;

    if (method === "GET" && STATIC[path]) return serveStatic(res, ...STATIC[path]);

    if (method === "GET" && path === "/") {
      const session = getSession(req, res, false);
      const html = session && session.conn
        ? pages.connectedPage(ctxBase(session), connectionView(session))
        : pages.homePage(ctxBase(session), { notice: url.searchParams.get("disconnected") ? "Datadog was disconnected." : null });
      return send(res, 200, html, "text/html; charset=utf-8");
    }

    // The onboarding URL registered with Datadog: the tile's "Connect Accounts" lands here with site and domain.
    if (method === "GET" && path === "/datadog/onboarding") {
      let onboarding;
      try {
        onboarding = dd.parseOnboardingUrl(url.href, opts);
      } catch (err) {
        return send(res, 400, pages.errorPage(ctxBase(), errorInfo(err)), "text/html; charset=utf-8");
      }
      const session = getSession(req, res, true);
      session.onboardingSite = onboarding.site; // null when the flow did not start at a tile
      return send(res, 200, pages.onboardingPage(ctxBase(session), { site: onboarding.site }), "text/html; charset=utf-8");
    }

    // Start the authorization: from the onboarding page (tile site), the site picker, or "pick on Datadog".
    if (method === "POST" && path === "/datadog/connect") {
      if (!sameOrigin(req, origin)) return send(res, 403, pages.errorPage(ctxBase(), forbiddenOrigin()), "text/html; charset=utf-8");
      const form = new URLSearchParams(await readBody(req, 16 * 1024));
      const session = getSession(req, res, true);
      let site = null;
      try {
        const flow = form.get("flow");
        if (flow === "tile") {
          site = session.onboardingSite;
          if (!site) throw new dd.DatadogError({ code: "invalid_site", message: "no site from the Datadog tile in this session", hint: "Start again from the integration tile in Datadog, or pick your site on this page." });
        } else if (flow === "site") {
          const picked = (form.get("site") || "").trim();
          if (!picked) throw new dd.DatadogError({ code: "invalid_site", message: "no Datadog site was picked", hint: "Pick your Datadog site, or choose to pick it on Datadog." });
          site = siteById(picked);
        } else if (flow !== "datadog") {
          throw new dd.DatadogError({ code: "invalid_input", message: "unknown connect flow", hint: "Use the buttons on the Datadog integration page." });
        }
        const auth = dd.startAuthorization({ clientId, redirectUri, site, sites });
        session.pending = auth.pending;
        return redirect(res, site ? auth.url : onSandboxUs1(auth.url));
      } catch (err) {
        return send(res, 400, pages.errorPage(ctxBase(session), errorInfo(err)), "text/html; charset=utf-8");
      }
    }

    // The redirect URI: check the callback against this browser's pending authorization, then exchange the code.
    if (method === "GET" && path === "/oauth/callback") {
      const session = getSession(req, res, false);
      try {
        if (!session || !session.pending) {
          throw new dd.DatadogError({
            code: "state_mismatch", message: "there is no authorization in progress in this browser session",
            hint: "The callback does not belong to this browser session (a replay, a second tab, or a forged link). Start the authorization again.",
          });
        }
        // The pending authorization stays until it expires or a new one starts: the code itself is single-use at
        // Datadog, and a replayed callback must surface Datadog's answer (invalid_grant), not hide it.
        const cb = dd.parseCallback(url.href, session.pending, opts);
        const c = getClient();
        const conn = await c.exchangeCode({ code: cb.code, codeVerifier: session.pending.codeVerifier, domain: cb.domain });
        const org = { id: cb.orgId, name: cb.orgName, site: cb.site };
        const keyNote = await ensureApiKey(c, conn, org);
        session.conn = conn;
        session.org = org;
        session.keyNote = keyNote;
        session.onboardingSite = null;
        return redirect(res, "/");
      } catch (err) {
        const info = errorInfo(err);
        info.stillConnected = session && session.conn ? connectionView(session).site.name : null;
        return send(res, 400, pages.errorPage(ctxBase(session), info), "text/html; charset=utf-8");
      }
    }

    // ---- JSON API used by the connected page ---------------------------------------------------------------
    if (path.startsWith("/api/")) {
      const session = getSession(req, res, false);
      if (method !== "GET" && !sameOrigin(req, origin)) return json(res, 403, { error: forbiddenOrigin() });
      if (!session || !session.conn) {
        return json(res, 401, { error: { code: "not_connected", message: "this browser has no Datadog connection", hint: "Connect Datadog first." } });
      }
      if (method === "GET" && path === "/api/connection") return json(res, 200, connectionView(session));

      const sendMatch = /^\/api\/send\/(metric|log|event|check)$/.exec(path);
      if (method === "POST" && sendMatch) {
        const what = sendMatch[1];
        try {
          const report = await submit(getClient(), session, what);
          const received = await receivedFor(session, what);
          return json(res, 200, { what, report: reportView(report), received });
        } catch (err) {
          return json(res, errorStatus(err), { what, error: errorInfo(err) });
        }
      }
      const recMatch = /^\/api\/received\/(metric|log|event|check)$/.exec(path);
      if (method === "GET" && recMatch) return json(res, 200, await receivedFor(session, recMatch[1]));

      if (method === "POST" && path === "/api/disconnect") {
        const conn = session.conn;
        session.conn = null;
        session.org = null;
        session.pending = null;
        let revoked = false;
        try {
          const c = getClient();
          if (typeof c.revoke === "function") { await c.revoke(conn); revoked = true; }
        } catch (err) {
          return json(res, 200, { disconnected: true, revoked: false, error: errorInfo(err) });
        }
        return json(res, 200, { disconnected: true, revoked });
      }
      return json(res, 404, { error: { code: "not_found", message: "no such API route", hint: "" } });
    }

    return send(res, 404, pages.notFoundPage(ctxBase()), "text/html; charset=utf-8");
  }

  // A flow started without a site goes to US1 (the library's default, real Datadog). Against the sandbox, US1 is
  // the sandbox's US1 web app: the same place, on loopback.
  function onSandboxUs1(authUrl) {
    const us1 = sites.find((s) => s.id === "us1");
    const u = new URL(authUrl);
    if (!us1 || u.origin !== "https://app.datadoghq.com") return authUrl;
    const target = new URL(us1.authorizeOrigin || us1.appOrigin);
    u.protocol = target.protocol;
    u.host = target.host;
    return u.toString();
  }

  async function ensureApiKey(c, conn, org) {
    const key = orgKey(org);
    try {
      await c.createApiKey(conn);
      const apiKey = apiKeyOf(conn);
      if (apiKey) keysByOrg.set(key, apiKey);
      return "created";
    } catch (err) {
      // Datadog keeps one marketplace key per org and shows it once: reuse the one stored when this org first
      // connected. Without it, the user must revoke the key in Datadog and connect again (the error's hint).
      if (dd.DatadogError.is(err, "api_key_exists") && keysByOrg.has(key)) {
        setApiKey(conn, keysByOrg.get(key));
        return "reused";
      }
      throw err;
    }
  }

  async function submit(c, session, what) {
    const conn = session.conn;
    const now = Math.floor(Date.now() / 1000);
    const tags = ["source:pipewave", "env:demo", `pipeline:checkout-service`];
    switch (what) {
      case "metric":
        return c.submitMetrics(conn, [{
          metric: "pipewave.pipeline.duration", type: 3, unit: "second",
          points: [{ timestamp: now, value: Math.round((40 + Math.random() * 80) * 10) / 10 }], tags,
        }]);
      case "log":
        return c.submitLogs(conn, [{
          message: `Pipeline checkout-service #${1000 + Math.floor(Math.random() * 9000)} finished in 73s`,
          hostname: "pipewave-runner-1", status: "info", ddtags: tags.join(","),
        }], { source: "pipewave", service: "pipewave" });
      case "event":
        return c.submitEvents(conn, [{
          title: "Deployment of checkout-service succeeded", text: "Pipewave deployed checkout-service to production.",
          alert_type: "success", tags, source_type_name: "pipewave", date_happened: now,
        }]);
      case "check":
        return c.submitServiceChecks(conn, [{
          check: "pipewave.runner.can_connect", host_name: "pipewave-runner-1", status: 0,
          message: "Runner reached the build queue", tags, timestamp: now,
        }]);
      default:
        throw new Error(`unknown kind ${what}`);
    }
  }

  async function receivedFor(session, what) {
    if (!sandboxUrl) return { available: false, count: 0, items: [] };
    const orgId = session.org && session.org.id;
    const items = [];
    for (const kind of SENDS[what].kinds) {
      const q = new URLSearchParams({ kind });
      if (orgId) q.set("org", orgId);
      const r = await fetch(`${sandboxUrl}/_sandbox/received?${q}`);
      if (!r.ok) continue;
      const body = await r.json();
      for (const item of body.items || []) items.push({ kind, item });
    }
    return { available: true, count: items.length, items: items.slice(-3).reverse() };
  }

  function connectionView(session) {
    const conn = session.conn;
    const org = session.org || {};
    const site = org.site || conn.site || {};
    const scopes = Array.isArray(conn.scopes) ? conn.scopes
      : typeof conn.scope === "string" ? conn.scope.split(/\s+/).filter(Boolean)
        : Array.isArray(conn.scope) ? conn.scope : [];
    const exp = conn.expiresAt ?? conn.accessTokenExpiresAt ?? conn.tokenExpiresAt ?? null;
    return {
      site: { id: site.id, name: site.name, site: site.site },
      org: { id: org.id || conn.orgId || null, name: org.name || conn.orgName || null },
      scopes,
      expiresAt: typeof exp === "number" ? new Date(exp).toISOString() : exp,
      apiKey: apiKeyOf(conn) ? session.keyNote || "created" : "missing",
      sandbox: !!sandboxUrl,
    };
  }

  return {
    url: origin + "/",
    origin,
    redirectUri,
    onboardingUrl,
    sessions,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

// ---- helpers ------------------------------------------------------------------------------------------------

function orgKey(org) {
  return `${org.site && org.site.id}:${org.id}`;
}

// The connection is the client's plain data; these two accessors keep the rest of this file independent of
// where exactly it keeps the key.
function apiKeyOf(conn) {
  return conn.apiKey ?? null;
}
function setApiKey(conn, key) {
  conn.apiKey = key;
}

function sameConnection(a, b) {
  const id = (c) => `${c.site && (c.site.id || c.site)}:${c.orgId ?? ""}:${c.domain ?? ""}`;
  return a === b || (a.refreshToken && a.refreshToken === b.refreshToken) || id(a) === id(b);
}

function reportView(r) {
  if (!r || typeof r !== "object") return { batches: 0, sent: 0, accepted: 0, failed: [] };
  return {
    batches: r.batches ?? 0, sent: r.sent ?? 0, accepted: r.accepted ?? 0,
    failed: (r.failed || []).map((f) => (f && typeof f === "object" ? { ...(f.error ? errorInfo(f.error) : {}), index: f.index, code: f.code ?? (f.error && f.error.code), message: f.message ?? (f.error && f.error.message), hint: f.hint ?? (f.error && f.error.hint) } : f)),
  };
}

/** A DatadogError (or anything thrown) as { code, message, hint, status }: what the pages show. */
export function errorInfo(err) {
  if (err && typeof err.code === "string" && typeof err.message === "string") {
    return { code: err.code, message: err.message, hint: err.hint || "", ...(err.status ? { status: err.status } : {}) };
  }
  return { code: "internal_error", message: String((err && err.message) || err), hint: "See the partner server's log." };
}

function errorStatus(err) {
  if (!err || typeof err.code !== "string") return 500;
  if (err.code === "not_ready") return 503;
  return err.status && err.status >= 400 && err.status < 500 ? 400 : 502;
}

function forbiddenOrigin() {
  return { code: "forbidden", message: "the request did not come from this site", hint: "Use the buttons on this page." };
}

// Requests that change state must come from our own pages (the session cookie is SameSite=Lax too).
function sameOrigin(req, origin) {
  const o = req.headers.origin;
  return o === undefined ? (req.headers["sec-fetch-site"] || "same-origin") === "same-origin" : o === origin;
}

function parseCookies(header) {
  const out = {};
  for (const part of String(header || "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on("data", (c) => {
      size += c.length;
      if (size > limit) { reject(new Error("request body too large")); req.destroy(); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body, type, extra = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": buf.length, "Cache-Control": "no-store", ...extra,
  });
  res.end(buf);
}

function json(res, status, body) {
  send(res, status, JSON.stringify(body), "application/json; charset=utf-8");
}

function redirect(res, location) {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, "Cache-Control": "no-store", "Content-Length": 0 });
  res.end();
}

async function serveStatic(res, fileUrl, type) {
  let body;
  try {
    body = await readFile(fileUrl);
  } catch {
    return send(res, 404, "not found", "text/plain; charset=utf-8");
  }
  send(res, 200, body, type, { "Cache-Control": "no-cache" });
}
