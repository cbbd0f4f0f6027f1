// The routes in real servers on loopback: Express 5 and node:http through toNodeHandler, Fastify 5 through the
// README's few-line route, Hono 4 through routes.fetch; each drives the whole flow against the sandbox — sign in,
// onboarding, Datadog's consent (the sandbox testkit's clicks), callback, marketplace key, one metric, reload,
// disconnect — with a real DatadogClient.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { randomBytes } from "node:crypto";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { serve } from "@hono/node-server";
import { DatadogClient } from "datadog-oauth-wasm";
import { datadogRoutes, toNodeHandler } from "datadog-oauth-wasm/routes";
import { authorizeAs, control, orgOn, received } from "../../sandbox/testkit.mjs";
import { sandbox as startSandbox, CLIENT_ID, CLIENT_SECRET, hygiene } from "./support.mjs";

let sb;
let sites;
let siteOf;
const h = hygiene();

before(async () => {
  ({ sb, sites, siteOf } = await startSandbox());
});
after(async () => {
  h.restore();
  await sb.close();
});

/** The partner's own sessions (a cookie → user), login at /login?as=&next=, rotated at every login. */
function partnerSessions() {
  const sessions = new Map();
  const sidOf = (cookieHeader) => /(?:^|;\s*)sid=([^;]+)/.exec(cookieHeader || "")?.[1];
  return {
    currentUser: (request) => sessions.get(sidOf(request.headers.get("cookie"))) ?? null,
    login(url) {
      const sid = randomBytes(16).toString("hex");
      sessions.set(sid, url.searchParams.get("as"));
      return { cookie: `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`, next: url.searchParams.get("next") || "/" };
    },
  };
}

/** Client and routes for a partner served at `origin`. */
function partner(origin, sessions) {
  const client = new DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${origin}/datadog/callback`, sites, onConnectionChange: (c) => h.conn(c) });
  const routes = datadogRoutes({
    client, clientId: CLIENT_ID, sites, cookieSecret: randomBytes(32), scopes: ["api_keys_write", "metrics_read"],
    currentUser: sessions.currentUser, loginUrl: "/login?next=",
    onConnected: ({ reloaded }) => `/connected?reloaded=${reloaded}`,
  });
  return { client, routes };
}

/** A browser in miniature: a cookie jar and manual redirects. */
function browser(base) {
  const jar = new Map();
  return {
    jar,
    base,
    async get(path, { method = "GET", headers = {}, body } = {}) {
      const url = new URL(path, base);
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      const res = await fetch(url, { method, body, redirect: "manual", headers: { ...(cookie ? { cookie } : {}), ...headers } });
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(";");
        const i = pair.indexOf("=");
        const name = pair.slice(0, i).trim();
        if (attrs.some((a) => /max-age=0$/i.test(a.trim()))) jar.delete(name);
        else jar.set(name, pair.slice(i + 1));
      }
      return res;
    },
  };
}

/** The whole flow on `siteId` for `user` against a partner at `base`; returns what the test checks. */
async function flow(base, siteId, user, { expectError } = {}) {
  const b = browser(base);
  // Anonymous → login → back to onboarding → Datadog.
  let res = await b.get(`/datadog/onboarding?site=sandbox-${siteId}`);
  assert.equal(res.status, 303);
  const login = new URL(res.headers.get("location"), base);
  assert.equal(login.pathname, "/login");
  assert.equal(login.searchParams.get("next"), `/datadog/onboarding?site=sandbox-${siteId}`);
  login.searchParams.set("as", user);
  res = await b.get(login.pathname + login.search);
  res = await b.get(res.headers.get("location"));
  assert.equal(res.status, 303);
  const authorize = new URL(res.headers.get("location"));
  assert.equal(authorize.origin, siteOf(siteId).appOrigin, "consent on the site's own app");
  assert.ok(b.jar.has("dd_oauth"), "the binding cookie (plain-http loopback: no Secure, no prefix)");
  const auth = await authorizeAs(sb, siteId, {
    redirectUri: `${base}/datadog/callback`, state: authorize.searchParams.get("state"), challenge: authorize.searchParams.get("code_challenge"),
    scope: authorize.searchParams.get("scope"),
  });
  assert.ok(auth.redirect, `consent: ${auth.status}`);
  const callback = auth.redirect.pathname + auth.redirect.search;
  res = await b.get(callback);
  if (expectError) {
    assert.equal(res.status, expectError.status);
    const page = await res.text();
    assert.match(page, new RegExp(`id="error-code">${expectError.code}<`));
    return { b, callback, page };
  }
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(res.headers.get("location"), "/connected?reloaded=false");
  // Reload: the result again, no second exchange.
  const tokenCalls = await tokenCount(siteId);
  res = await b.get(callback);
  assert.equal(res.headers.get("location"), "/connected?reloaded=true");
  assert.equal(await tokenCount(siteId), tokenCalls, "the reloaded callback sent nothing");
  return { b, callback };
}

async function tokenCount(siteId) {
  return (await control(sb, "GET", "/_sandbox/stats")).body.routes[`${siteId} token`] ?? 0;
}

/** After the flow: the user's connection works (a metric arrives), then disconnect revokes it. */
async function useAndDisconnect(client, b, siteId, user) {
  const { connections } = await client.listConnections({ owner: user, site: `sandbox-${siteId}` });
  assert.equal(connections.length, 1);
  const conn = connections[0];
  assert.equal(conn.owner, user);
  assert.ok(conn.apiKey, "the marketplace key is stored");
  const metric = `routes.${siteId.replace(/-/g, "_")}.${user}`;
  const report = h.report(await client.submitMetrics(conn, [{ metric, points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }]));
  assert.equal(report.accepted, 1);
  const got = await received(sb, "metrics_v2");
  assert.ok(got.requests.some((r) => r.site === siteId && r.items.some((i) => i.metric === metric)), "the metric reached the site's intake");
  // A cross-site form is refused; the page's own POST (Origin) is not.
  let res = await b.get("/datadog/disconnect", { method: "POST", headers: { "sec-fetch-site": "cross-site", "content-type": "application/x-www-form-urlencoded" }, body: "" });
  assert.equal(res.status, 403);
  res = await b.get("/datadog/disconnect", { method: "POST", headers: { origin: b.base, "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" }, body: "returnTo=/bye" });
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(res.headers.get("location"), "/bye");
  const after = await client.getConnection(conn.id);
  assert.equal(after.status, "revoked");
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${server.address().port}`;
}

async function registerRedirect(base) {
  const put = await control(sb, "PUT", `/_sandbox/clients/${CLIENT_ID}`, { redirectUris: [`${base}/datadog/callback`] });
  assert.equal(put.status, 200, JSON.stringify(put.body));
}

/** Run the flow for one framework: `mount(app parts)` gives { base, close }. */
async function runFramework(siteId, mount, more) {
  const sessions = partnerSessions();
  let p;
  const { base, close } = await mount({
    sessions,
    routes: () => p.routes,
  });
  try {
    p = partner(base, sessions);
    await registerRedirect(base);
    const { b } = await flow(base, siteId, "alice");
    await useAndDisconnect(p.client, b, siteId, "alice");
    if (more) await more(base, p);
  } finally {
    await close();
  }
}

const closeNode = (server) => () => new Promise((r) => { server.close(() => r()); server.closeAllConnections(); });

test("Express 5: app.use(toNodeHandler(routes)) — the whole flow on EU1", async () => {
  await runFramework("eu1", async ({ sessions, routes }) => {
    const app = express();
    app.get("/login", (req, res) => {
      const { cookie, next } = sessions.login(new URL(req.originalUrl, "http://x"));
      res.setHeader("set-cookie", cookie);
      res.redirect(303, next);
    });
    app.use(express.urlencoded({ extended: false })); // a partner's body parser in front: the handler copes
    app.use((req, res, next) => toNodeHandler(routes())(req, res, next));
    app.get("/connected", (req, res) => res.send("ok"));
    const server = http.createServer(app);
    return { base: await listen(server), close: closeNode(server) };
  });
});

test("Fastify 5: the README's route — the whole flow on US5", async () => {
  await runFramework("us5", async ({ sessions, routes }) => {
    const app = Fastify();
    app.get("/login", (req, reply) => {
      const { cookie, next } = sessions.login(new URL(req.url, "http://x"));
      reply.header("set-cookie", cookie).redirect(next, 303);
    });
    // README: Fastify.
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (req, body, done) => done(null, body));
    app.route({
      method: ["GET", "POST"], url: "/datadog/*",
      handler: async (req, reply) => {
        const url = `${req.protocol}://${req.host}${req.url}`;
        const res = await routes().fetch(new Request(url, { method: req.method, headers: req.headers, body: req.method === "POST" ? req.body ?? "" : undefined }));
        reply.code(res.status).headers(Object.fromEntries([...res.headers].filter(([k]) => k !== "set-cookie")));
        if (res.headers.getSetCookie().length) reply.header("set-cookie", res.headers.getSetCookie());
        return reply.send(Buffer.from(await res.arrayBuffer()));
      },
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    return { base: `http://127.0.0.1:${app.server.address().port}`, close: () => app.close() };
  });
});

test("Hono 4 on @hono/node-server: app.all('/datadog/*', (c) => routes.fetch(c.req.raw)) — the whole flow on AP1", async () => {
  await runFramework("ap1", async ({ sessions, routes }) => {
    const app = new Hono();
    app.get("/login", (c) => {
      const { cookie, next } = sessions.login(new URL(c.req.url));
      c.header("set-cookie", cookie);
      return c.redirect(next, 303);
    });
    app.all("/datadog/*", (c) => routes().fetch(c.req.raw));
    const server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
    });
    return { base: `http://127.0.0.1:${server.address().port}`, close: closeNode(server) };
  });
});

test("node:http: http.createServer(toNodeHandler(routes)) — the whole flow on US1-FED, and a second user apart", async () => {
  await runFramework("us1-fed", async ({ sessions, routes }) => {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url, "http://x");
      if (url.pathname === "/login") {
        const { cookie, next } = sessions.login(url);
        res.writeHead(303, { "set-cookie": cookie, location: next }).end();
        return;
      }
      toNodeHandler(routes())(req, res);
    });
    return { base: await listen(server), close: closeNode(server) };
  }, async (base, p) => {
    // bob, on the org alice connected: Datadog refuses a second key and alice's is not his to reuse.
    const { page } = await flow(base, "us1-fed", "bob", { expectError: { status: 409, code: "api_key_exists" } });
    assert.match(page, /id="error-hint">[^<]{20,}/, "Datadog's recovery steps");
    assert.deepEqual((await p.client.listConnections({ owner: "bob" })).connections, [], "bob's keyless grant is not kept");
    // alice again (her disconnected connection was kept, revoked): her own key is reused.
    await flow(base, "us1-fed", "alice");
    const { connections } = await p.client.listConnections({ owner: "alice", status: "connected" });
    assert.equal(connections.length, 1);
    assert.ok(connections[0].apiKey);
  });
  assert.ok(h.check().texts > 0, "no secret in any error, report or log line");
});

test("two instances (one shared store, one cookieSecret): the callback lands on the other one; a replay on the first is authorization_used", async () => {
  const { memoryStore } = await import("datadog-oauth-wasm");
  const store = memoryStore();
  const secret = randomBytes(32);
  const sessions = partnerSessions();
  const base = "http://127.0.0.1:7999"; // the support sandbox's registered redirect URI's origin; no server needed
  await registerRedirect(base);
  // The eu1 org's key from the Express test lives in another store: its admin deletes it, so a new one is issued.
  assert.equal((await control(sb, "DELETE", `/_sandbox/api-keys?org=${orgOn(sb, "eu1").id}`)).status, 200);
  const instance = () => {
    const client = new DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: `${base}/datadog/callback`, sites, store });
    return { client, routes: datadogRoutes({ client, clientId: CLIENT_ID, sites, cookieSecret: secret, currentUser: sessions.currentUser, origin: base }) };
  };
  const a = instance();
  const b = instance();
  const { cookie: sid } = sessions.login(new URL(`${base}/login?as=alice`));
  const sidPair = sid.split(";")[0];
  const onb = await a.routes.fetch(new Request(`${base}/datadog/onboarding?site=sandbox-eu1`, { headers: { cookie: sidPair } }));
  assert.equal(onb.status, 303);
  const binding = onb.headers.getSetCookie()[0].split(";")[0];
  const authorize = new URL(onb.headers.get("location"));
  const auth = await authorizeAs(sb, "eu1", { redirectUri: `${base}/datadog/callback`, state: authorize.searchParams.get("state"), challenge: authorize.searchParams.get("code_challenge") });
  const cbUrl = auth.redirect.href;
  const cookie = `${sidPair}; ${binding}`;
  const tokens = await tokenCount("eu1");
  // A third instance with another secret cannot open the binding.
  const stranger = datadogRoutes({ client: a.client, clientId: CLIENT_ID, sites, cookieSecret: randomBytes(32), currentUser: sessions.currentUser, origin: base });
  const refused = await stranger.fetch(new Request(cbUrl, { headers: { cookie, accept: "application/json" } }));
  assert.equal((await refused.json()).error.code, "no_pending_authorization");
  const done = await b.routes.fetch(new Request(cbUrl, { headers: { cookie } }));
  assert.equal(done.status, 303, await done.clone().text());
  assert.equal(await tokenCount("eu1"), tokens + 1);
  const { connections } = await a.client.listConnections({ owner: "alice", status: "connected" });
  assert.equal(connections.length, 1, "instance A sees the connection B stored");
  // The old binding replayed on A, which never saw this callback: the store's claim stops it before any exchange.
  const replay = await a.routes.fetch(new Request(cbUrl, { headers: { cookie, accept: "application/json" } }));
  assert.equal(replay.status, 409);
  assert.equal((await replay.json()).error.code, "authorization_used");
  assert.equal(await tokenCount("eu1"), tokens + 1, "nothing sent for the replay");
});
