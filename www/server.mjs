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

// Where the sandbox files what each data button sent (the client picks the API version).
const SENDS = {
  metric: { kinds: ["metrics_v2", "metrics_v1"] },
  log: { kinds: ["logs"] },
  event: { kinds: ["events_v1", "events_v2"] },
  check: { kinds: ["service_checks"] },
};

const SECURITY_HEADERS = {
  // 'wasm-unsafe-eval' lets the page compile the package's wasm; nothing inline is allowed.
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  // The callback URL carries the authorization code: never send it to another origin in a Referer.
  "Referrer-Policy": "same-origin",
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
 * @param {object} [o.store]       the connection store (default: the client's memoryStore; `npm run demo -- --store postgres`)
 */
export async function startPartner({
  clientId, clientSecret, sites = [], sandboxUrl = null, tiles = [], port = 0, host = "127.0.0.1", fetch: fetchImpl, store,
} = {}) {
  if (!clientId || !clientSecret) throw new Error("startPartner needs clientId and clientSecret");
  const opts = { sites };
  const sessions = new Map(); // sid -> { pending, onboardingSite, orgKey, keyNote, created }
  // The partner's "database", keyed by Datadog org. Connections are saved whenever the client hands out a new one
  // (exchange, refresh, API key). API keys are kept apart too: Datadog shows a key once and refuses a second one
  // for the same org (409), so when an org connects again the stored key is reused.
  const connections = new Map();
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
      ...(store ? { store } : {}),
      // The persistence hook: every new connection (exchange, refresh, rotation, API key) is saved before use.
      onConnectionChange: (conn) => saveConnection(conn),
    });
    return client;
  }

  const ctxBase = () => ({ sandboxUrl, tiles });
  const connOf = (session) => (session && session.orgKey ? connections.get(session.orgKey) || null : null);

  function saveConnection(conn) {
    if (!conn) return;
    const key = orgKeyOf(conn);
    connections.set(key, conn);
    if (conn.apiKey) keysByOrg.set(key, conn.apiKey);
  }

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
    s = { id, created: now, pending: null, onboardingSite: null, orgKey: null, keyNote: null };
    sessions.set(id, s);
    res.setHeader("Set-Cookie", `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_MS / 1000}`);
    return s;
  }

  // ---- routing ------------------------------------------------------------------------------------------
  async function handle(req, res) {
    const url = new URL(req.url, origin);
    const path = url.pathname;
    // HEAD is answered as GET (Node leaves the body out).
    const method = req.method === "HEAD" ? "GET" : req.method;

    if (method === "GET" && STATIC[path]) return serveStatic(res, ...STATIC[path]);

    if (method === "GET" && path === "/") {
      const session = getSession(req, res, false);
      const html = connOf(session)
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
        return redirect(res, auth.url);
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
        // The whole callback result goes in: org id and name end up on the connection.
        const conn = await c.exchangeCode({ ...cb, codeVerifier: session.pending.codeVerifier });
        const { keyNote } = await ensureApiKey(c, conn);
        session.orgKey = orgKeyOf(conn);
        session.keyNote = keyNote;
        session.onboardingSite = null;
        return redirect(res, "/");
      } catch (err) {
        const info = errorInfo(err);
        const current = connOf(session);
        info.stillConnected = current ? siteOfConn(current).name : null;
        return send(res, 400, pages.errorPage(ctxBase(session), info), "text/html; charset=utf-8");
      }
    }

    // ---- JSON API used by the connected page ---------------------------------------------------------------
    if (path.startsWith("/api/")) {
      const session = getSession(req, res, false);
      if (method !== "GET" && !sameOrigin(req, origin)) return json(res, 403, { error: forbiddenOrigin() });
      if (!connOf(session)) {
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
        // Revoke the grant at Datadog, then forget the tokens. The API key stays valid in Datadog until the user
        // deletes it there, so it stays stored for this org (the next connection of the org reuses it).
        const key = session.orgKey;
        const conn = connections.get(key);
        session.orgKey = null;
        session.pending = null;
        connections.delete(key);
        try {
          await getClient().revoke(conn);
          getClient().forget(conn);
        } catch (err) {
          return json(res, 200, { disconnected: true, revoked: false, error: errorInfo(err) });
        }
        return json(res, 200, { disconnected: true, revoked: true });
      }
      return json(res, 404, { error: { code: "not_found", message: "no such API route", hint: "" } });
    }

    return send(res, 404, pages.notFoundPage(ctxBase()), "text/html; charset=utf-8");
  }

  async function ensureApiKey(c, conn) {
    const key = orgKeyOf(conn);
    try {
      await c.createApiKey(conn); // saved through onConnectionChange before it resolves
      return { keyNote: "created" };
    } catch (err) {
      // Datadog keeps one marketplace key per org and shows it once: reuse the one stored when this org first
      // connected. Without one, the user must delete the key in Datadog and connect again (the error's hint).
      if (dd.DatadogError.is(err, "api_key_exists") && keysByOrg.has(key)) {
        const withKey = { ...c.latest(conn), apiKey: keysByOrg.get(key) };
        c.forget(conn); // the client adopts our copy (with the key) on its next use
        saveConnection(withKey);
        return { keyNote: "reused" };
      }
      throw err;
    }
  }

  async function submit(c, session, what) {
    const conn = connOf(session);
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
    const orgId = connOf(session).orgId;
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

  // What the page may show: never a token or a key.
  function connectionView(session) {
    const conn = connOf(session);
    const site = siteOfConn(conn);
    const scopes = Array.isArray(conn.scopes) ? conn.scopes
      : typeof conn.scope === "string" ? conn.scope.split(/\s+/).filter(Boolean) : [];
    const exp = conn.expiresAt ?? null;
    return {
      site: { id: site.id, name: site.name, site: site.site },
      org: { id: conn.orgId || null, name: conn.orgName || null },
      scopes,
      expiresAt: typeof exp === "number" ? new Date(exp).toISOString() : exp,
      apiKey: conn.apiKey ? session.keyNote || "created" : "missing",
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

function siteOfConn(conn) {
  return conn.site && typeof conn.site === "object" ? conn.site : { id: String(conn.site || conn.domain || ""), name: String(conn.domain || ""), site: String(conn.domain || "") };
}

function orgKeyOf(conn) {
  return `${siteOfConn(conn).id}:${conn.orgId ?? conn.domain}`;
}

// The delivery report as the page shows it (failed items carry index, code, message, hint).
function reportView(r) {
  return {
    batches: r.batches, sent: r.sent, accepted: r.accepted,
    failed: r.failed.map((f) => ({ index: f.index, code: f.code, message: f.message, hint: f.hint, ...(f.status ? { status: f.status } : {}) })),
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
  const site = req.headers["sec-fetch-site"];
  if (site) return site === "same-origin";
  const o = req.headers.origin;
  return o === undefined || o === origin;
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
