// Issue 11, the items the core decides, through the package and against the real sandbox: forged site descriptors
// (arguments, pending authorizations, stored connections), org verification with GET /api/v2/current_user, RFC 7009
// revocation with one bearer fallback, exact redaction and host names in network errors, service checks uncompressed,
// OTLP traces on gov sites and when the org is not enabled, and the pending-authorization checks of parseCallback.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { authorizeAs, control } from "../../sandbox/testkit.mjs";
import * as dd from "datadog-oauth-wasm";
import { CLIENT_ID, REDIRECT, sandbox, routeCount, fault, clearFaults, settings, hygiene, makeClient, connect } from "./support.mjs";

const { DatadogError, customSite, endpoints, parseCallback, resolveSite, startAuthorization } = dd;

let sb;
let sites;
let siteOf;
const h = hygiene();

before(async () => {
  ({ sb, sites, siteOf } = await sandbox());
});

after(async () => {
  h.restore();
  await sb?.close();
});

const codeOf = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(DatadogError.is(e), `not a DatadogError: ${e}`);
    h.error(e);
    return e.code;
  }
  assert.fail("expected an error");
};

/** A fetch that records what was asked and sends nothing anywhere. */
function spyFetch() {
  const calls = [];
  const f = async (url) => {
    calls.push(String(url));
    throw new TypeError("fetch failed (spy: nothing is sent)");
  };
  return { f, calls };
}

test("item 1: a forged custom descriptor is refused everywhere unless it equals one in `sites`", async () => {
  const eu = siteOf("eu1");
  const forged = { ...eu, apiOrigin: "https://evil.example", logsOrigin: "https://evil.example" };
  const stranger = customSite({ site: "datadoghq.eu", appOrigin: "https://evil.example", apiOrigin: "https://evil.example" });
  for (const d of [forged, stranger]) {
    assert.equal(codeOf(() => startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site: d })), "invalid_site");
    assert.equal(codeOf(() => resolveSite(d)), "invalid_site");
    assert.equal(codeOf(() => endpoints(d)), "invalid_site");
    assert.equal(codeOf(() => startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site: d, sites: [eu] })), "invalid_site");
  }
  // The listed descriptor itself is honoured, by the call's `sites`.
  assert.equal(resolveSite(eu, { sites: [eu] }).apiOrigin, eu.apiOrigin);
  assert.equal(endpoints(eu, { sites: [eu] }).token, `${eu.apiOrigin}/oauth2/v1/token`);
  assert.ok(startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site: eu, sites: [eu] }).url.startsWith(eu.appOrigin));
  // A pending authorization carrying a forged site (a tampered session row).
  const { pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site: eu, sites: [eu] });
  const url = `${REDIRECT}?code=c0de-1&state=${pending.state}&domain=datadoghq.eu`;
  assert.equal(parseCallback(url, pending, { sites: [eu] }).site.apiOrigin, eu.apiOrigin);
  assert.equal(codeOf(() => parseCallback(url, { ...pending, site: forged }, { sites: [eu] })), "invalid_site");
  assert.equal(codeOf(() => parseCallback(url, pending)), "invalid_site", "a custom pending site needs `sites` too");

  // exchangeCode with a descriptor from a browser: refused before anything is sent.
  const spy = spyFetch();
  const { client } = makeClient(sites, h, { fetch: spy.f });
  await h.rejects(client.exchangeCode({ code: "c0de-1", codeVerifier: pending.codeVerifier, domain: "datadoghq.eu", site: forged }), "invalid_site");
  assert.deepEqual(spy.calls, [], "nothing was sent");
  const { client: bare } = makeClient([], h, { fetch: spy.f });
  await h.rejects(bare.exchangeCode({ code: "c0de-1", codeVerifier: pending.codeVerifier, domain: "datadoghq.eu", site: eu }), "invalid_site");
  assert.deepEqual(spy.calls, [], "a custom site passed to exchangeCode is not an allowlist");
});

test("item 1: a stored connection whose custom site was tampered with is refused before any request", async () => {
  const { client } = makeClient(sites, h);
  const conn = await connect(sb, client, siteOf("us3"), h);
  const spy = spyFetch();
  const { client: other } = makeClient(sites, h, { fetch: spy.f });
  const tampered = { ...conn, id: undefined, site: { ...conn.site, apiOrigin: "https://evil.example" } };
  await h.rejects(other.request(tampered, { method: "GET", path: "/api/v2/incidents" }), "invalid_site");
  await h.rejects(other.submitMetrics(tampered, [{ metric: "m", points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }]), "invalid_site");
  await h.rejects(other.refresh(tampered), "invalid_site");
  // Without the client's allowlist the sandbox site itself is not trusted either.
  const { client: noSites } = makeClient([], h, { fetch: spy.f });
  await h.rejects(noSites.request({ ...conn, id: undefined }, { method: "GET", path: "/api/v2/incidents" }), "invalid_site");
  assert.deepEqual(spy.calls, []);
  assert.equal(codeOf(() => dd.parseConnection(tampered, { sites })), "invalid_site");
  assert.equal(codeOf(() => dd.parseConnection({ ...conn, id: undefined })), "invalid_site", "not without `sites`");
  assert.equal(dd.parseConnection(conn, { sites }).site.apiOrigin, conn.site.apiOrigin);
});

/** The consent click-through, with the callback URL edited by `edit` before the partner sees it. */
async function callbackFor(siteId, edit) {
  const site = siteOf(siteId);
  const { url, pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites });
  h.secret(pending.codeVerifier);
  const u = new URL(url);
  const auth = await authorizeAs(sb, siteId, { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge") });
  assert.ok(auth.redirect, `consent failed with ${auth.status}`);
  const cbUrl = new URL(auth.redirect.href);
  if (edit) edit(cbUrl.searchParams);
  const cb = parseCallback(cbUrl.href, pending, { sites });
  h.secret(cb.code);
  return { cb, pending };
}

test("item 2: the org is verified with GET /api/v2/current_user; an edited dd_oid does not stick", async () => {
  await settings(sb, { currentUser: "ok" });
  const org = sb.wellKnown().orgs.find((o) => o.site === "eu1");
  const { client, changes } = makeClient(sites, h);
  const before = await routeCount(sb, "eu1", "current_user");
  const conn = await connect(sb, client, siteOf("eu1"), h);
  assert.equal(await routeCount(sb, "eu1", "current_user"), before + 1);
  assert.equal(conn.orgId, org.id);
  assert.equal(conn.orgName, org.name);
  assert.equal(conn.orgVerified, true);
  assert.equal(changes.at(-1).conn.orgVerified, true, "the verified connection is what was committed");

  // Hostile: the user edits dd_oid (and the name) to another customer's org.
  const victim = "deadbeef-0000-4000-8000-000000000001";
  const { cb, pending } = await callbackFor("eu1", (q) => {
    q.set("dd_oid", victim);
    q.set("dd_org_name", "Victim Inc");
  });
  assert.equal(cb.orgId, victim, "parseCallback reports the hint as given");
  const edited = h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier }));
  assert.equal(edited.orgId, org.id, "the verified org wins");
  assert.equal(edited.orgName, org.name);
  assert.equal(edited.orgVerified, true);
});

test("item 2: when current_user fails the connection is made, unverified, and takes nothing from `previous`", async (t) => {
  const { client } = makeClient(sites, h);
  await settings(sb, { currentUser: "ok" });
  const mine = h.conn(await client.createApiKey(await connect(sb, client, siteOf("us5"), h)));
  assert.equal(mine.orgVerified, true);
  await t.test("403 from current_user", async () => {
    await settings(sb, { currentUser: "fail" });
    const { cb, pending } = await callbackFor("us5", (q) => q.set("dd_oid", "deadbeef-0000-4000-8000-000000000002"));
    const c = h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier, previous: mine }));
    assert.equal(c.orgVerified, false);
    assert.equal(c.orgId, "deadbeef-0000-4000-8000-000000000002", "the hint stays, marked unverified");
    assert.notEqual(c.id, mine.id);
    assert.equal(c.apiKey, undefined, "an unverified grant never receives a stored API key");
  });
  await t.test("current_user dropped (network failure)", async () => {
    await settings(sb, { currentUser: "ok" });
    await fault(sb, { route: "current_user", site: "us5", action: "drop" });
    const { cb, pending } = await callbackFor("us5");
    const c = h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier }));
    assert.equal(c.orgVerified, false);
    assert.ok(c.accessToken);
    await clearFaults(sb);
  });
  await t.test("an explicit previous connection of the same verified org keeps its id and API key", async () => {
    await settings(sb, { currentUser: "ok" });
    const { cb, pending } = await callbackFor("us5");
    const c = h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier, previous: mine }));
    assert.equal(c.orgVerified, true);
    assert.equal(c.id, mine.id);
    assert.equal(c.apiKey, mine.apiKey);
    assert.notEqual(c.accessToken, mine.accessToken);
  });
  await t.test("a previous connection of another org lends nothing", async () => {
    const { client: c2 } = makeClient(sites, h);
    const other = h.conn(await c2.createApiKey(await connect(sb, c2, siteOf("us3"), h)));
    const { cb, pending } = await callbackFor("us5");
    const c = h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier, previous: { ...other, site: mine.site, domain: mine.domain } }));
    assert.notEqual(c.id, other.id);
    assert.equal(c.apiKey, undefined);
  });
});

/** Headers of the revoke requests the client sends, seen through a fetch wrapper. */
function watchingFetch() {
  const revokes = [];
  const f = (url, init) => {
    if (String(url).endsWith("/oauth2/v1/revoke")) revokes.push({ authorization: init.headers.authorization, body: init.body });
    return fetch(url, init);
  };
  return { f, revokes };
}

test("item 14: revoke as RFC 7009 says, against lenient, strict and bearer-demanding servers, with expired tokens", async (t) => {
  for (const mode of ["lenient", "strict", "bearer"]) {
    await t.test(mode, async () => {
      await settings(sb, { revokeAuth: "lenient", currentUser: "ok" });
      const w = watchingFetch();
      const { client } = makeClient(sites, h, { fetch: w.f });
      const conn = await connect(sb, client, siteOf("ap1"), h);
      await settings(sb, { revokeAuth: mode });
      await control(sb, "POST", "/_sandbox/expire-tokens");
      const out = await client.revoke(conn);
      assert.deepEqual(out, { revoked: true });
      assert.equal(w.revokes[0].authorization, undefined, "the first request carries no Authorization header");
      assert.match(w.revokes[0].body, /client_secret=/);
      if (mode === "bearer") {
        assert.equal(w.revokes.length, 2, "one fallback");
        assert.match(w.revokes[1].authorization, /^Bearer /);
        assert.notEqual(w.revokes[1].authorization, `Bearer ${conn.accessToken}`, "an expired access token was refreshed first");
      } else {
        assert.equal(w.revokes.length, 1);
      }
      // The grant is gone at the server: its refresh token no longer works for a fresh client.
      const { client: fresh } = makeClient(sites, h);
      await h.rejects(fresh.refresh(client.latest(conn)), "invalid_grant");
      await h.rejects(client.request(conn, { method: "GET", path: "/api/v2/incidents" }), "token_revoked");
    });
  }
  await settings(sb, { revokeAuth: "lenient" });
});

test("item 14: a strict server that refuses the fallback too ends in a typed error after two requests", async () => {
  await settings(sb, { revokeAuth: "lenient" });
  const w = watchingFetch();
  const { client } = makeClient(sites, h, { fetch: w.f });
  const conn = await connect(sb, client, siteOf("ap2"), h);
  await fault(sb, { route: "revoke", site: "ap2", action: { status: 401 } });
  await h.rejects(client.revoke(conn), "invalid_client");
  assert.equal(w.revokes.length, 2, "the fallback is sent once, never more");
  await clearFaults(sb);
});

/** A one-route server that echoes what it was sent in a 400 error, on 127.0.0.1. */
async function echoServer() {
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [`echo: ${decodeURIComponent(body)} auth=${req.headers.authorization ?? ""} key=${req.headers["dd-api-key"] ?? ""}`] }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

test("item 5: secrets the request carried are scrubbed by value from errors, however short", async () => {
  const { server, origin } = await echoServer();
  try {
    const site = customSite({ id: "echo", site: "datadoghq.eu", appOrigin: origin, apiOrigin: origin });
    const secret = "pw-9";
    const client = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: secret, redirectUri: REDIRECT, sites: [site], sleep: async () => {} });
    const e = await h.rejects(client.exchangeCode({ code: "c0d3", codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", domain: "datadoghq.eu" }), "bad_request");
    const text = JSON.stringify(e) + e.message + (e.body ?? "");
    assert.match(text, /echo:/, "the server's text is kept");
    for (const s of [secret, "c0d3", "dBjftJeZ4CVP"]) assert.ok(!text.includes(s), `${s} leaked: ${text}`);
    // An intake answer that echoes the (short) API key.
    const conn = { site, domain: "datadoghq.eu", accessToken: "tok1", apiKey: "ky-1", expiresAt: Date.now() + 3_600_000, tokenType: "Bearer", scopes: [] };
    const r = h.report(await client.submitLogs(conn, [{ message: "m" }], { source: "acme" }));
    assert.equal(r.failed[0].code, "bad_request");
    assert.ok(!JSON.stringify(r).includes("ky-1"), JSON.stringify(r));
    const api = await h.rejects(client.request(conn, { method: "GET", path: "/api/v1/x" }), "bad_request");
    assert.ok(!JSON.stringify(api).includes("tok1") && !api.message.includes("tok1"), api.message);
  } finally {
    server.close();
  }
});

test("item 5: a network error names the host it tried", async () => {
  // A real connection refusal: a port nothing listens on (bound and closed again just now).
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, "127.0.0.1", r));
  const port = probe.address().port;
  await new Promise((r) => probe.close(r));
  const origin = `http://127.0.0.1:${port}`;
  const site = customSite({ id: "closed", site: "datadoghq.eu", appOrigin: origin, apiOrigin: origin });
  const client = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: "s3cr3t-value", redirectUri: REDIRECT, sites: [site], sleep: async () => {}, retry: false });
  // The code exchange is single-use (item 7): exchange_interrupted, with the network failure and its host inside.
  const e = await h.rejects(client.exchangeCode({ code: "c0de", codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", domain: "datadoghq.eu" }), "exchange_interrupted");
  assert.ok(e.message.includes(`127.0.0.1:${port}`), e.message);
  // DNS: undici's words, with the host Datadog's name; it must survive the token-like heuristic.
  const dns = new dd.DatadogClient({
    clientId: CLIENT_ID, redirectUri: REDIRECT, retry: false,
    fetch: async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND api.us3.datadoghq.com"), { code: "ENOTFOUND" }) });
    },
  });
  const d = await h.rejects(dns.exchangeCode({ code: "c0de", codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", domain: "us3.datadoghq.com" }), "exchange_interrupted");
  assert.match(d.message, /api\.us3\.datadoghq\.com/);
  assert.ok(!d.message.includes("***"), d.message);
});

test("item 15: service checks arrive uncompressed by default, compressed only when asked", async () => {
  const { client } = makeClient(sites, h);
  const conn = h.conn(await client.createApiKey(await connect(sb, client, siteOf("uk1"), h)));
  const check = (tag) => [{ check: "acme.up", host_name: "h", status: 0, tags: [`t:${tag}`] }];
  assert.equal((await client.submitServiceChecks(conn, check("plain"))).accepted, 1);
  assert.equal((await client.submitServiceChecks(conn, check("deflate"), { compress: "deflate" })).accepted, 1);
  const got = (await (await import("../../sandbox/testkit.mjs")).received(sb, "service_checks", conn.orgId)).requests;
  const enc = (tag) => got.find((r) => r.items.some((c) => c.tags.includes(`t:${tag}`))).contentEncoding;
  assert.equal(enc("plain"), "identity");
  assert.equal(enc("deflate"), "deflate");
});

test("item 17: OTLP traces on a gov site are unsupported_on_site before sending; a 403 from the intake is traces_not_enabled", async () => {
  const { client } = makeClient(sites, h);
  const spans = [[{ trace_id: 1, span_id: 1, name: "n", resource: "r", service: "s", start: String(BigInt(Date.now()) * 1_000_000n), duration: 1 }]];
  for (const gov of ["us1-fed", "us2-fed"]) {
    const conn = h.conn(await client.createApiKey(await connect(sb, client, siteOf(gov), h)));
    const before = await routeCount(sb, gov, "otlp_traces");
    const e = await h.rejects(client.submitTraces(conn, spans), "unsupported_on_site");
    assert.match(e.hint, /agent/i);
    assert.equal(await routeCount(sb, gov, "otlp_traces"), before, "nothing was sent");
  }
  const conn = h.conn(await client.createApiKey(await connect(sb, client, siteOf("eu1"), h)));
  assert.equal((await client.submitTraces(conn, spans)).accepted, 1);
  await fault(sb, { route: "otlp_traces", site: "eu1", action: { status: 403 } });
  const r = h.report(await client.submitTraces(conn, spans));
  assert.equal(r.failed[0].code, "traces_not_enabled");
  assert.match(r.failed[0].hint, /enabled per org/);
  await clearFaults(sb);
});

test("item 12: parseCallback without a pending authorization, and with one from the future", () => {
  const { pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site: "eu1" });
  const url = `${REDIRECT}?code=c0de-2&state=${pending.state}&domain=datadoghq.eu`;
  for (const p of [undefined, null]) {
    try {
      parseCallback(url, p);
      assert.fail("expected no_pending_authorization");
    } catch (e) {
      h.error(e);
      assert.equal(e.code, "no_pending_authorization");
      assert.match(e.hint, /start the authorization again/i);
    }
  }
  assert.equal(codeOf(() => parseCallback(url, { ...pending, createdAt: Date.now() + 3_600_000 })), "invalid_input");
  assert.equal(parseCallback(url, pending).state, pending.state, "the result carries the state to claim");
  assert.equal(codeOf(() => parseCallback(`${url}&iss=${encodeURIComponent("https://app.datadoghq.com")}`, pending)), "issuer_mismatch");
  assert.equal(parseCallback(`${url}&iss=${encodeURIComponent("https://app.datadoghq.eu")}`, pending).code, "c0de-2");
});

test("secret hygiene: no secret appeared in any error, report or console line of this suite", () => {
  h.check();
});
