// The drop-in routes, unit by unit, with plain Web `Request` objects and an in-memory stand-in for the client's
// store contract (exchangeCode/createApiKey/listConnections/getConnection/revoke/deleteConnection/attachApiKey):
// what each route answers, what it sends to the client, and the hostile cases beside the happy ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DatadogError } from "datadog-oauth-wasm";
import { datadogRoutes, sameOriginPath, toNodeHandler } from "datadog-oauth-wasm/routes";
import http from "node:http";

const ORIGIN = "https://partner.example";
const SECRET = "k".repeat(16) + "0123456789abcdef";

/** The client contract the routes use, in memory; records every call. */
function fakeClient({ keyExists = false } = {}) {
  const conns = new Map();
  const calls = { exchange: [], apiKey: 0, revoke: [], deleted: [], attached: [] };
  let n = 0;
  return {
    conns,
    calls,
    async exchangeCode(p) {
      calls.exchange.push(p);
      const c = { id: `conn-${++n}`, site: p.site, domain: p.domain, orgId: p.orgId, owner: p.owner, status: "connected", accessToken: `at-${n}` };
      conns.set(c.id, c);
      return { ...c };
    },
    async createApiKey(c) {
      calls.apiKey++;
      if (keyExists) throw new DatadogError({ code: "api_key_exists", status: 409, message: "Datadog already has a marketplace API key for this org", hint: "Delete the existing key in Datadog (Organization Settings → API Keys), then connect again." });
      const next = { ...conns.get(c.id), apiKey: `key-${c.id}` };
      conns.set(c.id, next);
      return { ...next };
    },
    async attachApiKey(c, from) {
      calls.attached.push([c.id, from.id]);
      const next = { ...conns.get(c.id), apiKey: from.apiKey };
      conns.set(c.id, next);
      return { ...next };
    },
    async getConnection(id) {
      return conns.has(id) ? { ...conns.get(id) } : null;
    },
    async listConnections({ owner, site, status } = {}) {
      const out = [...conns.values()].filter((c) => (owner === undefined || c.owner === owner)
        && (site === undefined || (c.site?.id ?? c.site) === site) && (status === undefined || c.status === status));
      return { connections: out.map((c) => ({ ...c })), cursor: null };
    },
    async revoke(c) {
      calls.revoke.push(c.id);
      conns.set(c.id, { ...conns.get(c.id), status: "revoked" });
      return { revoked: true };
    },
    async deleteConnection(id) {
      calls.deleted.push(id);
      conns.delete(id);
    },
  };
}

/** Routes whose current user is the `x-user` header of each request (the partner's session, simplified). */
function make(opts = {}) {
  const client = opts.client ?? fakeClient();
  const routes = datadogRoutes({
    client, clientId: "cid", cookieSecret: SECRET, scopes: ["api_keys_write", "metrics_read"],
    currentUser: (req) => req.headers.get("x-user"), loginUrl: "/login?next=", origin: opts.origin,
    ...opts.routes,
  });
  return { client, routes };
}

const req = (path, { user, cookie, headers = {}, method = "GET", body, origin = ORIGIN } = {}) =>
  new Request(origin + path, {
    method, body,
    headers: { ...(user ? { "x-user": user } : {}), ...(cookie ? { cookie } : {}), ...headers },
  });

const setCookie = (res) => res.headers.getSetCookie();
const cookiePair = (res) => setCookie(res)[0].split(";")[0];

/** Onboarding → (consent at Datadog, simulated) → the callback URL with the state the authorize URL carried. */
async function start(routes, user, query = "?site=eu1", origin = ORIGIN) {
  const res = await routes.fetch(req(`/datadog/onboarding${query}`, { user, origin }));
  assert.equal(res.status, 303, await res.clone().text());
  const authorize = new URL(res.headers.get("location"));
  const state = authorize.searchParams.get("state");
  const domain = authorize.hostname.replace(/^app\./, "");
  const callback = `/datadog/callback?code=code-${state.slice(0, 6)}&state=${state}&domain=${domain}&dd_oid=org-1&dd_org_name=Acme`;
  return { res, authorize, state, cookie: cookiePair(res), callback };
}

test("construction: a cookieSecret under 32 bytes, no currentUser or no client is a typed error", () => {
  for (const [opts, field] of [
    [{ cookieSecret: "short" }, "cookieSecret"],
    [{ cookieSecret: new Uint8Array(31) }, "cookieSecret"],
    [{ cookieSecret: undefined }, "cookieSecret"],
    [{ currentUser: undefined }, "currentUser"],
    [{ client: undefined }, "client"],
  ]) {
    const o = { client: fakeClient(), clientId: "cid", cookieSecret: SECRET, currentUser: () => null, ...opts };
    assert.throws(() => datadogRoutes(o), (e) => e.code === "invalid_input" && e.field === field && !e.message.includes("short"), field);
  }
  assert.ok(datadogRoutes({ client: fakeClient(), clientId: "cid", cookieSecret: new Uint8Array(32), currentUser: () => null }));
});

test("onboarding: an anonymous visitor goes to loginUrl with a same-origin return path", async () => {
  const { routes } = make();
  const res = await routes.fetch(req("/datadog/onboarding?site=https://app.datadoghq.eu&domain=datadoghq.eu"));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), `/login?next=${encodeURIComponent("/datadog/onboarding?site=https://app.datadoghq.eu&domain=datadoghq.eu")}`);
  assert.deepEqual(setCookie(res), [], "no binding before the user is known");
});

test("onboarding: the tile flow, the partner's picker and no site (US1) each start at the right consent page", async () => {
  const { routes } = make();
  for (const [query, origin] of [
    ["?site=https://app.datadoghq.eu&domain=datadoghq.eu", "https://app.datadoghq.eu"],
    ["?site=ap1", "https://ap1.datadoghq.com"],
    ["?site=us5", "https://us5.datadoghq.com"],
    ["", "https://app.datadoghq.com"],
  ]) {
    const { authorize } = await start(routes, "alice", query);
    assert.equal(authorize.origin, origin, query);
    assert.equal(authorize.pathname, "/oauth2/v1/authorize");
    assert.equal(authorize.searchParams.get("redirect_uri"), `${ORIGIN}/datadog/callback`);
    assert.equal(authorize.searchParams.get("scope"), "api_keys_write metrics_read");
  }
  // Hostile: a site the table does not have, and a site/domain pair that disagree.
  for (const query of ["?site=evil.example", "?site=https://app.datadoghq.eu&domain=datadoghq.com"]) {
    const res = await routes.fetch(req(`/datadog/onboarding${query}`, { user: "alice", headers: { accept: "application/json" } }));
    assert.equal(res.status, 400);
    const { error } = await res.json();
    assert.match(error.code, /^(invalid_site|site_mismatch)$/);
    assert.ok(error.hint.length > 10);
    assert.deepEqual(setCookie(res), []);
  }
});

test("onboarding: the tile flow may show the partner's confirmation page first; its continue URL starts", async () => {
  const { routes } = make({ routes: { onboardingPage: ({ site, user, continueUrl }) => `<p>${site.id} ${user} <a href="${continueUrl}">go</a></p>` } });
  const res = await routes.fetch(req("/datadog/onboarding?site=https://app.datadoghq.eu&domain=datadoghq.eu", { user: "alice" }));
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /eu1 alice/);
  const next = /href="([^"]+)"/.exec(html)[1];
  const go = await routes.fetch(req(next.replace(/&amp;/g, "&"), { user: "alice" }));
  assert.equal(go.status, 303);
  assert.equal(new URL(go.headers.get("location")).origin, "https://app.datadoghq.eu");
});

test("the binding cookie: HttpOnly, SameSite=Lax, Secure (not on plain-http loopback), sealed, new at every step", async () => {
  const { routes } = make();
  const a = await start(routes, "alice");
  const b = await start(routes, "alice");
  const attrs = setCookie(a.res)[0];
  assert.match(attrs, /^__Secure-dd_oauth=[A-Za-z0-9_-]+; Path=\/datadog; Max-Age=900; HttpOnly; SameSite=Lax; Secure$/);
  assert.notEqual(a.cookie, b.cookie, "a new value at every onboarding");
  const value = a.cookie.split("=")[1];
  for (const needle of [a.state, "alice", "eu1"]) {
    assert.ok(!Buffer.from(value, "base64url").toString("latin1").includes(needle), `the cookie does not show ${needle}`);
  }
  const done = await routes.fetch(req(a.callback, { user: "alice", cookie: a.cookie }));
  assert.equal(done.status, 303);
  assert.notEqual(cookiePair(done), a.cookie, "the callback replaces it");

  const local = make();
  const l = await start(local.routes, "alice", "?site=eu1", "http://127.0.0.1:8080");
  assert.match(setCookie(l.res)[0], /^dd_oauth=.*SameSite=Lax$/, "no Secure on plain-http loopback");
});

test("callback: one code exchange for the signed-in user, the API key, then onConnected's redirect", async () => {
  const seen = [];
  const { routes, client } = make({ routes: { onConnected: (info) => (seen.push(info), "/settings/datadog") } });
  const s = await start(routes, "alice", "?site=eu1&returnTo=/ignored-when-onConnected-answers");
  const res = await routes.fetch(req(s.callback, { user: "alice", cookie: s.cookie }));
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/settings/datadog");
  assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  assert.equal(client.calls.exchange.length, 1);
  const ex = client.calls.exchange[0];
  assert.equal(ex.owner, "alice");
  assert.equal(ex.state, s.state);
  assert.match(ex.codeVerifier, /^[A-Za-z0-9._~-]{43,128}$/);
  assert.equal(ex.code, `code-${s.state.slice(0, 6)}`);
  assert.equal(client.calls.apiKey, 1);
  assert.equal(seen.length, 1);
  assert.equal(seen[0].user, "alice");
  assert.equal(seen[0].apiKey, "created");
  assert.equal(seen[0].reloaded, false);
  assert.equal(seen[0].connection.apiKey, "key-conn-1");
});

test("callback reloaded: the result again, the code never resent; the spent cookie replayed is authorization_used", async () => {
  const seen = [];
  const { routes, client } = make({ routes: { onConnected: (info) => (seen.push(info.reloaded), undefined) } });
  const s = await start(routes, "alice", "?site=eu1&returnTo=/after");
  const first = await routes.fetch(req(s.callback, { user: "alice", cookie: s.cookie }));
  assert.equal(first.headers.get("location"), "/after");
  const doneCookie = cookiePair(first);
  const again = await routes.fetch(req(s.callback, { user: "alice", cookie: doneCookie }));
  assert.equal(again.status, 303);
  assert.equal(again.headers.get("location"), "/after");
  assert.deepEqual(seen, [false, true]);
  // The first cookie again (copied before it was replaced): refused, nothing sent.
  const replay = await routes.fetch(req(s.callback, { user: "alice", cookie: s.cookie, headers: { accept: "application/json" } }));
  assert.equal(replay.status, 409);
  assert.equal((await replay.json()).error.code, "authorization_used");
  // The done cookie with another authorization's callback: no pending authorization.
  const other = await start(routes, "alice");
  const wrong = await routes.fetch(req(other.callback, { user: "alice", cookie: doneCookie, headers: { accept: "application/json" } }));
  assert.equal((await wrong.json()).error.code, "no_pending_authorization");
  assert.equal(client.calls.exchange.length, 1, "one code exchange in all");
});

test("callback without the cookie, with a tampered cookie, or with another user's cookie: refused, nothing sent", async () => {
  const { routes, client } = make();
  const s = await start(routes, "alice");
  const tampered = s.cookie.slice(0, -3) + (s.cookie.endsWith("A") ? "BBB" : "AAA");
  for (const [cookie, user, code, status] of [
    [undefined, "alice", "no_pending_authorization", 400],
    [tampered, "alice", "no_pending_authorization", 400],
    ["__Secure-dd_oauth=not-sealed", "alice", "no_pending_authorization", 400],
    [s.cookie, "mallory", "session_mismatch", 403],
    [s.cookie, undefined, "not_signed_in", 401],
  ]) {
    const res = await routes.fetch(req(s.callback, { user, cookie, headers: { accept: "application/json" } }));
    assert.equal(res.status, status, code);
    const { error } = await res.json();
    assert.equal(error.code, code);
    assert.ok(error.hint.length > 20, `${code} has a hint from the core: ${error.hint}`);
    assert.match(setCookie(res)[0], /^__Secure-dd_oauth=; .*Max-Age=0/, "the binding is cleared");
  }
  assert.equal(client.calls.exchange.length, 0);
});

test("callback: a tampered state or a foreign site is refused by the core's checks before any exchange", async () => {
  const { routes, client } = make();
  const s = await start(routes, "alice");
  const forged = [s.callback.replace(`state=${s.state}`, `state=${s.state}x`), s.callback.replace("domain=datadoghq.eu", "domain=datadoghq.com")];
  const codes = [];
  for (const cb of forged) {
    const fresh = await start(routes, "alice");
    const res = await routes.fetch(req(cb.replace(s.state, fresh.state), { user: "alice", cookie: fresh.cookie, headers: { accept: "application/json" } }));
    codes.push((await res.json()).error.code);
  }
  assert.deepEqual(codes, ["state_mismatch", "site_mismatch"]);
  assert.equal(client.calls.exchange.length, 0);
});

test("callback: a tampered dd_oid does not decide whose connection it is", async () => {
  const { routes, client } = make();
  const s = await start(routes, "alice");
  const res = await routes.fetch(req(s.callback.replace("dd_oid=org-1", "dd_oid=victims-org"), { user: "alice", cookie: s.cookie }));
  assert.equal(res.status, 303);
  const [c] = [...client.conns.values()];
  assert.equal(c.owner, "alice", "the signed-in user owns it, whatever the org id says");
});

test("api_key_exists: the key of the same user's earlier connection to the same site is reused, nobody else's", async () => {
  const client = fakeClient();
  const { routes } = make({ client });
  const a = await start(routes, "alice");
  await routes.fetch(req(a.callback, { user: "alice", cookie: a.cookie }));
  const bob = await start(routes, "bob"); // bob's own first connection on the same site
  await routes.fetch(req(bob.callback, { user: "bob", cookie: bob.cookie }));
  // Now Datadog answers 409 for every new key.
  client.createApiKey = fakeClient({ keyExists: true }).createApiKey;
  const seen = [];
  const { routes: r2 } = make({ client, routes: { onConnected: (i) => (seen.push(i), "/ok") } });
  const again = await start(r2, "alice");
  const res = await r2.fetch(req(again.callback, { user: "alice", cookie: again.cookie }));
  assert.equal(res.headers.get("location"), "/ok");
  assert.equal(seen[0].apiKey, "reused");
  assert.equal(seen[0].connection.apiKey, "key-conn-1", "alice's own key, not bob's");
  // carol has no earlier connection: Datadog's recovery steps, and the keyless grant is revoked and deleted.
  const carol = await start(r2, "carol");
  const fail = await r2.fetch(req(carol.callback, { user: "carol", cookie: carol.cookie }));
  assert.equal(fail.status, 409);
  const html = await fail.text();
  assert.match(html, /id="error-code">api_key_exists</);
  assert.match(html, /Delete the existing key in Datadog/);
  assert.ok(!html.includes("key-conn-"), "no key on the page");
  const carolConn = client.calls.exchange.length;
  assert.equal(client.calls.revoke.length, 1);
  assert.deepEqual(client.calls.deleted, [`conn-${carolConn}`]);
  // Another site: alice's EU key is not reused on US5.
  const us5 = await start(r2, "alice", "?site=us5");
  const r = await r2.fetch(req(us5.callback, { user: "alice", cookie: us5.cookie, headers: { accept: "application/json" } }));
  assert.equal((await r.json()).error.code, "api_key_exists");
});

test("returnTo/next: only same-origin relative paths are followed", async () => {
  const { routes } = make();
  for (const [ret, expected] of [
    ["/settings/datadog?tab=1", "/settings/datadog?tab=1"],
    ["https://evil.example", "/"], ["//evil.example/x", "/"], ["/\\evil.example", "/"], ["javascript:alert(1)", "/"],
    ["/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"],
  ]) {
    for (const name of ["returnTo", "next"]) {
      const s = await start(routes, "alice", `?site=eu1&${name}=${encodeURIComponent(ret)}`);
      const res = await routes.fetch(req(s.callback, { user: "alice", cookie: s.cookie }));
      assert.equal(res.headers.get("location"), expected, `${name}=${ret}`);
    }
  }
  assert.equal(sameOriginPath("/a\nb", ORIGIN), null);
  assert.equal(sameOriginPath("https://partner.example/a", ORIGIN), null, "absolute URLs are refused even on our origin");
});

test("errors: a small escaped HTML page with code and hint, or JSON when asked", async () => {
  const { routes } = make();
  const s = await start(routes, "alice");
  const cb = `/datadog/callback?error=access_denied&error_description=${encodeURIComponent("<script>alert(1)</script>")}&state=${s.state}`;
  const res = await routes.fetch(req(cb, { user: "alice", cookie: s.cookie }));
  assert.equal(res.status, 400);
  assert.match(res.headers.get("content-type"), /^text\/html/);
  assert.match(res.headers.get("content-security-policy"), /default-src 'none'/);
  const html = await res.text();
  assert.match(html, /id="error-code">access_denied</);
  assert.ok(!html.includes("<script>"), "nothing from the URL is markup");
  const notFound = await routes.fetch(req("/datadog/nope", { headers: { accept: "application/json" } }));
  assert.equal(notFound.status, 404);
  const wrongMethod = await routes.fetch(req("/datadog/disconnect", { user: "alice" }));
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get("allow"), "POST");
  // A HEAD (a link scanner) neither starts nor spends an authorization.
  const head = await routes.fetch(req(s.callback, { user: "alice", cookie: s.cookie, method: "HEAD" }));
  assert.equal(head.status, 405);
  assert.deepEqual(setCookie(head), []);
});

async function connectedAs(routes, user, query) {
  const s = await start(routes, user, query);
  const res = await routes.fetch(req(s.callback, { user, cookie: s.cookie }));
  assert.equal(res.status, 303);
}

test("disconnect: same-origin POST revokes and marks revoked; cross-site forms and old browsers without the token are refused", async () => {
  const { routes, client } = make();
  await connectedAs(routes, "alice");
  await connectedAs(routes, "bob");
  const post = (headers, body = "", user = "alice") => routes.fetch(req("/datadog/disconnect", {
    method: "POST", user, body, headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
  }));
  for (const headers of [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "https://evil.example" }, {}, { origin: "null" }]) {
    const res = await post(headers, "csrf=guess");
    assert.equal(res.status, 403, JSON.stringify(headers));
    assert.match(await res.text(), /cross_site_request/);
  }
  assert.deepEqual(client.calls.revoke, [], "nothing revoked");
  // An old browser (neither header) with the form token our page rendered.
  const token = await routes.csrfToken("alice");
  assert.notEqual(token, await routes.csrfToken("bob"));
  const ok = await post({}, `csrf=${token}&returnTo=/integrations`);
  assert.equal(ok.status, 303);
  assert.equal(ok.headers.get("location"), "/integrations");
  assert.deepEqual(client.calls.revoke, ["conn-1"]);
  assert.equal(client.conns.get("conn-1").status, "revoked", "kept, marked revoked (default)");
  assert.equal(client.conns.get("conn-2").status, "connected", "bob's is untouched");
  // bob's token does not work for alice; bob's connection id in alice's request is not hers.
  const again = await post({ "sec-fetch-site": "same-origin", accept: "application/json" }, "connection=conn-2");
  assert.equal(again.status, 404);
  assert.equal((await again.json()).error.code, "not_connected");
  const anon = await post({ "sec-fetch-site": "same-origin" }, "", null);
  assert.equal(anon.status, 401);
  const bob = await post({ origin: ORIGIN, accept: "application/json" }, "", "bob");
  assert.deepEqual(await bob.json(), { disconnected: true, connections: [{ id: "conn-2", revoked: true }] });
});

test("disconnect with onDisconnect: 'delete' removes the record; an oversized body is refused", async () => {
  const { routes, client } = make({ routes: { onDisconnect: "delete" } });
  await connectedAs(routes, "alice");
  const res = await routes.fetch(req("/datadog/disconnect", { method: "POST", user: "alice", headers: { "sec-fetch-site": "same-origin", "content-type": "application/json" }, body: "{}" }));
  assert.equal(res.status, 303);
  assert.deepEqual(client.calls.deleted, ["conn-1"]);
  const big = await routes.fetch(req("/datadog/disconnect", { method: "POST", user: "alice", headers: { "sec-fetch-site": "same-origin" }, body: "x".repeat(100_000) }));
  assert.equal(big.status, 400);
});

test("toNodeHandler: node:http requests become Requests (cookies, form bodies), other paths go to next()", async () => {
  const { routes } = make();
  const handler = toNodeHandler(routes);
  let passed = 0;
  // The next handler reads the body itself: the routes must not have consumed it.
  const server = http.createServer((rq, rs) => handler(rq, rs, async () => {
    passed++;
    let body = "";
    for await (const chunk of rq) body += chunk;
    rs.statusCode = 200;
    rs.end(`next:${body}`);
  }));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const other = await fetch(`${base}/elsewhere`, { method: "POST", body: "kept" });
    assert.equal(await other.text(), "next:kept");
    assert.equal(passed, 1);
    const onb = await fetch(`${base}/datadog/onboarding?site=eu1`, { headers: { "x-user": "alice" }, redirect: "manual" });
    assert.equal(onb.status, 303);
    assert.match(onb.headers.getSetCookie()[0], /^dd_oauth=/, "loopback http: the plain cookie name");
    const authorize = new URL(onb.headers.get("location"));
    assert.equal(authorize.searchParams.get("redirect_uri"), `${base}/datadog/callback`);
    const cookie = onb.headers.getSetCookie()[0].split(";")[0];
    const st = authorize.searchParams.get("state");
    const cb = await fetch(`${base}/datadog/callback?code=c0de&state=${st}&domain=datadoghq.eu`, { headers: { "x-user": "alice", cookie }, redirect: "manual" });
    assert.equal(cb.status, 303);
    const dis = await fetch(`${base}/datadog/disconnect`, { method: "POST", headers: { "x-user": "alice", origin: base, "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: "x=1" });
    assert.equal(dis.status, 200);
    assert.equal((await dis.json()).connections.length, 1);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test("a reloaded callback after disconnect does not show a revoked connection as connected", async () => {
  const { routes } = make();
  const s = await start(routes, "alice");
  const first = await routes.fetch(req(s.callback, { user: "alice", cookie: s.cookie }));
  const doneCookie = cookiePair(first);
  const dis = await routes.fetch(req("/datadog/disconnect", { method: "POST", user: "alice", headers: { "sec-fetch-site": "same-origin" } }));
  assert.equal(dis.status, 303);
  const again = await routes.fetch(req(s.callback, { user: "alice", cookie: doneCookie, headers: { accept: "application/json" } }));
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error.code, "authorization_used");
});

test("CommonJS: require('datadog-oauth-wasm/routes') works beside require('datadog-oauth-wasm')", async () => {
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  const cjs = require("datadog-oauth-wasm/routes");
  const r = cjs.datadogRoutes({ client: fakeClient(), clientId: "cid", cookieSecret: SECRET, currentUser: () => "alice" });
  const res = await r.fetch(req("/datadog/onboarding?site=eu1"));
  assert.equal(res.status, 303);
  assert.equal(new URL(res.headers.get("location")).origin, "https://app.datadoghq.eu");
});

test("hostile inputs from the partner side and the browser: a non-string user id, a broken JSON body", async () => {
  const { routes } = make({ routes: { currentUser: () => ({ id: "alice" }) } });
  const res = await routes.fetch(req("/datadog/onboarding?site=eu1", { headers: { accept: "application/json" } }));
  assert.equal(res.status, 400);
  const { error } = await res.json();
  assert.equal(error.code, "invalid_input");
  assert.equal(setCookie(res).length, 0);
  const ok = make();
  const bad = await ok.routes.fetch(req("/datadog/disconnect", { method: "POST", user: "alice", body: "{not json", headers: { "sec-fetch-site": "same-origin", "content-type": "application/json", accept: "application/json" } }));
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error.code, "invalid_input");
});
