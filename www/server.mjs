// The demo partner backend ("Pipewave"), on Express and the package's drop-in routes: the routes do onboarding,
// callback (code exchange, API key) and disconnect; this file keeps only what is Pipewave's own — its sign-in and
// sessions, its pages, and the buttons that send data. Connections belong to the signed-in Pipewave user.
import http from "node:http";
import express from "express";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import * as dd from "datadog-oauth-wasm";
import { datadogRoutes, sameOriginPath, toNodeHandler } from "datadog-oauth-wasm/routes";
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
 * @param {number} [o.maxSessions]  signed-in sessions kept at most (default 10 000)
 * @param {object} [o.store]       the connection store (default: the client's memoryStore; `npm run demo -- --store postgres`)
 */
export async function startPartner({
  clientId, clientSecret, sites = [], sandboxUrl = null, tiles = [], port = 0, host = "127.0.0.1", fetch: fetchImpl, store,
  maxSessions = MAX_SESSIONS,
} = {}) {
  if (!clientId || !clientSecret) throw new Error("startPartner needs clientId and clientSecret");
  // sid -> { user, created, connectionId, keyNote }. Created only by signing in (never by an anonymous request),
  // and a new id at every sign-in (no fixation).
  const sessions = new Map();
  const ctxBase = () => ({ sandboxUrl, tiles });

  // Express: the routes first (app.use(toNodeHandler(routes))), then Pipewave's own pages.
  let nodeRoutes = null;
  const app = express();
  app.disable("x-powered-by");
  app.use((req, res, next) => nodeRoutes(req, res, next));
  app.use((req, res, next) => handle(req, res).catch(next));
  // Four parameters: that is how Express tells an error handler (`_next` is unused, but must be declared).
  app.use((err, req, res, _next) => {
    console.error(`[partner] ${req.method} ${req.url && req.url.split("?")[0]}: ${err && err.stack}`);
    if (!res.headersSent) send(res, 500, pages.errorPage(ctxBase(), errorInfo(err)), "text/html; charset=utf-8");
    else res.destroy();
  });
  const server = http.createServer(app);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => { server.off("error", reject); resolve(); });
  });
  const addr = server.address();
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
  const redirectUri = `${origin}/datadog/callback`;
  const onboardingUrl = `${origin}/datadog/onboarding`;

  const client = new dd.DatadogClient({ clientId, clientSecret, redirectUri, sites, ...(fetchImpl ? { fetch: fetchImpl } : {}), ...(store ? { store } : {}) });

  // ---- sessions -----------------------------------------------------------------------------------------
  function sessionOf(cookieHeader) {
    const sid = parseCookies(cookieHeader)[SESSION_COOKIE];
    const s = sid && sessions.get(sid);
    if (!s) return null;
    if (Date.now() - s.created > SESSION_TTL_MS) {
      sessions.delete(sid);
      return null;
    }
    return s;
  }

  /** A new session for `user`; the old one (if any) ends. Full: expired ones go first, then unconnected ones. */
  function signIn(req, user) {
    const old = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (old) sessions.delete(old);
    if (sessions.size >= maxSessions) {
      const now = Date.now();
      for (const [k, v] of sessions) if (now - v.created > SESSION_TTL_MS) sessions.delete(k);
      for (const [k, v] of sessions) {
        if (sessions.size < maxSessions) break;
        if (!v.connectionId) sessions.delete(k);
      }
      // Every slot holds a connected session: refuse the newcomer rather than sign anyone out.
      if (sessions.size >= maxSessions) return null;
    }
    const id = randomBytes(32).toString("base64url");
    const s = { id, user, created: Date.now(), connectionId: null, keyNote: null };
    sessions.set(id, s);
    return s;
  }

  const sessionCookie = (s) => `${SESSION_COOKIE}=${s ? s.id : ""}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${s ? SESSION_TTL_MS / 1000 : 0}`;

  /** The session's connection: the one it connected last, or the user's newest connected one. */
  async function connectionOf(session) {
    if (!session) return null;
    if (session.connectionId) {
      const c = await client.getConnection(session.connectionId).catch(() => null);
      if (c && c.owner === session.user && c.status === "connected") return c;
      session.connectionId = null;
    }
    const { connections } = await client.listConnections({ owner: session.user, status: "connected", limit: 100 });
    const newest = connections.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0] ?? null;
    if (newest) session.connectionId = newest.id;
    return newest;
  }

  const pageResponse = (html, status = 200) =>
    new Response(html, { status, headers: { ...SECURITY_HEADERS, "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });

  const routes = datadogRoutes({
    client, clientId, redirectUri, sites, origin,
    cookieSecret: randomBytes(32),
    currentUser: (request) => sessionOf(request.headers.get("cookie"))?.user ?? null,
    loginUrl: "/login?next=",
    // Datadog's tile lands here first: Pipewave shows who is connecting before sending the user to consent.
    onboardingPage: ({ site, user, continueUrl }) => pageResponse(pages.onboardingPage({ ...ctxBase(), user }, { site, continueUrl })),
    onConnected: ({ connection, request, apiKey }) => {
      const s = sessionOf(request.headers.get("cookie"));
      if (s) {
        s.connectionId = connection.id;
        s.keyNote = apiKey;
      }
      // Nothing returned: the routes go to the onboarding's same-origin `returnTo`, or "/".
    },
    errorPage: async ({ error, status, request }) => {
      const s = sessionOf(request.headers.get("cookie"));
      const current = await connectionOf(s).catch(() => null);
      return pageResponse(pages.errorPage(ctxBase(), { ...error, stillConnected: current ? siteOfConn(current).name : null }), status);
    },
    onError: ({ error }) => console.error(`[partner] ${error && error.stack}`),
  });
  nodeRoutes = toNodeHandler(routes);

  // ---- routing ------------------------------------------------------------------------------------------
  async function handle(req, res) {
    const url = new URL(req.url, origin);
    const path = url.pathname;
    // HEAD is answered as GET (Node leaves the body out).
    const method = req.method === "HEAD" ? "GET" : req.method;

    if (method === "GET" && STATIC[path]) return serveStatic(res, ...STATIC[path]);

    if (path === "/login") {
      const next = sameOriginPath(url.searchParams.get("next"), origin) || "/";
      if (method === "GET") return send(res, 200, pages.loginPage(ctxBase(), { next }), "text/html; charset=utf-8");
      if (method === "POST") {
        if (!sameOrigin(req, origin)) return send(res, 403, pages.errorPage(ctxBase(), forbiddenOrigin()), "text/html; charset=utf-8");
        const form = new URLSearchParams(await readBody(req, 16 * 1024));
        const email = (form.get("email") || "").trim().toLowerCase();
        if (!/^[^\s@]{1,64}@[^\s@]{1,190}$/.test(email)) {
          return send(res, 400, pages.loginPage(ctxBase(), { next, error: "Enter an email address." }), "text/html; charset=utf-8");
        }
        const s = signIn(req, email);
        if (!s) return send(res, 503, pages.errorPage(ctxBase(), { code: "busy", message: "too many signed-in sessions", hint: "Try again later." }), "text/html; charset=utf-8");
        return redirect(res, sameOriginPath(form.get("next"), origin) || "/", sessionCookie(s));
      }
    }
    if (method === "POST" && path === "/logout") {
      if (!sameOrigin(req, origin)) return send(res, 403, pages.errorPage(ctxBase(), forbiddenOrigin()), "text/html; charset=utf-8");
      const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      if (sid) sessions.delete(sid);
      return redirect(res, "/", sessionCookie(null));
    }

    if (method === "GET" && path === "/") {
      const session = sessionOf(req.headers.cookie);
      if (!session) return redirect(res, "/login?next=%2F");
      const conn = await connectionOf(session);
      const ctx = { ...ctxBase(), user: session.user };
      const html = conn && !url.searchParams.has("add")
        ? pages.connectedPage(ctx, { ...connectionView(session, conn), csrf: await routes.csrfToken(session.user) })
        : pages.homePage(ctx, { notice: url.searchParams.get("disconnected") ? "Datadog was disconnected." : null });
      return send(res, 200, html, "text/html; charset=utf-8");
    }

    // ---- JSON API used by the connected page ---------------------------------------------------------------
    if (path.startsWith("/api/")) {
      const session = sessionOf(req.headers.cookie);
      if (method !== "GET" && !sameOrigin(req, origin)) return json(res, 403, { error: forbiddenOrigin() });
      const conn = await connectionOf(session);
      if (!conn) {
        return json(res, 401, { error: { code: "not_connected", message: "this user has no Datadog connection", hint: "Connect Datadog first." } });
      }
      if (method === "GET" && path === "/api/connection") return json(res, 200, connectionView(session, conn));
      const sendMatch = /^\/api\/send\/(metric|log|event|check)$/.exec(path);
      if (method === "POST" && sendMatch) {
        const what = sendMatch[1];
        try {
          const report = await submit(conn, what);
          return json(res, 200, { what, report: reportView(report), received: await receivedFor(conn, what) });
        } catch (err) {
          return json(res, errorStatus(err), { what, error: errorInfo(err) });
        }
      }
      const recMatch = /^\/api\/received\/(metric|log|event|check)$/.exec(path);
      if (method === "GET" && recMatch) return json(res, 200, await receivedFor(conn, recMatch[1]));
      return json(res, 404, { error: { code: "not_found", message: "no such API route", hint: "" } });
    }

    return send(res, 404, pages.notFoundPage(ctxBase()), "text/html; charset=utf-8");
  }

  async function submit(conn, what) {
    const now = Math.floor(Date.now() / 1000);
    const tags = ["source:pipewave", "env:demo", `pipeline:checkout-service`];
    switch (what) {
      case "metric":
        return client.submitMetrics(conn, [{
          metric: "pipewave.pipeline.duration", type: 3, unit: "second",
          points: [{ timestamp: now, value: Math.round((40 + Math.random() * 80) * 10) / 10 }], tags,
        }]);
      case "log":
        return client.submitLogs(conn, [{
          message: `Pipeline checkout-service #${1000 + Math.floor(Math.random() * 9000)} finished in 73s`,
          hostname: "pipewave-runner-1", status: "info", ddtags: tags.join(","),
        }], { source: "pipewave", service: "pipewave" });
      case "event":
        return client.submitEvents(conn, [{
          title: "Deployment of checkout-service succeeded", text: "Pipewave deployed checkout-service to production.",
          alert_type: "success", tags, source_type_name: "pipewave", date_happened: now,
        }]);
      case "check":
        return client.submitServiceChecks(conn, [{
          check: "pipewave.runner.can_connect", host_name: "pipewave-runner-1", status: 0,
          message: "Runner reached the build queue", tags, timestamp: now,
        }]);
      default:
        throw new Error(`unknown kind ${what}`);
    }
  }

  async function receivedFor(conn, what) {
    if (!sandboxUrl) return { available: false, count: 0, items: [] };
    const items = [];
    for (const kind of SENDS[what].kinds) {
      const q = new URLSearchParams({ kind });
      if (conn.orgId) q.set("org", conn.orgId);
      const r = await fetch(`${sandboxUrl}/_sandbox/received?${q}`);
      if (!r.ok) continue;
      const body = await r.json();
      for (const item of body.items || []) items.push({ kind, item });
    }
    return { available: true, count: items.length, items: items.slice(-3).reverse() };
  }

  // What the page may show: never a token or a key.
  function connectionView(session, conn) {
    const site = siteOfConn(conn);
    const scopes = Array.isArray(conn.scopes) ? conn.scopes
      : typeof conn.scope === "string" ? conn.scope.split(/\s+/).filter(Boolean) : [];
    const exp = conn.expiresAt ?? null;
    return {
      id: conn.id,
      site: { id: site.id, name: site.name, site: site.site },
      org: { id: conn.orgId || null, name: conn.orgName || null, verified: conn.orgVerified === true },
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
    client,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

// ---- helpers ------------------------------------------------------------------------------------------------

function siteOfConn(conn) {
  return conn.site && typeof conn.site === "object" ? conn.site : { id: String(conn.site || conn.domain || ""), name: String(conn.domain || ""), site: String(conn.domain || "") };
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
  return { code: "internal_error", message: "something failed on the Pipewave server", hint: "See the partner server's log." };
}

function errorStatus(err) {
  if (!err || typeof err.code !== "string") return 500;
  return err.status && err.status >= 400 && err.status < 500 ? 400 : 502;
}

function forbiddenOrigin() {
  return { code: "cross_site_request", message: "the request did not come from this site", hint: "Use the buttons on this page." };
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

function redirect(res, location, cookie) {
  res.writeHead(303, { ...SECURITY_HEADERS, Location: location, "Cache-Control": "no-store", "Content-Length": 0, ...(cookie ? { "Set-Cookie": cookie } : {}) });
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
