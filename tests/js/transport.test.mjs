// The transport against hostile servers on real loopback sockets (issue 11): redirects are never followed and
// nothing reaches their Location (item 3); the authorization-code exchange is sent exactly once whatever happens
// (item 7); one deadline bounds every call's waits and attempts (item 8); bodies are read up to a cap (item 9).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { DatadogError } from "datadog-oauth-wasm";
import { server, siteAt, connectionOn, clientFor, rejection, CLIENT_SECRET } from "./support/hostile-server.mjs";

const open = [];
after(async () => {
  for (const s of open) await s.close();
});
async function start(handler) {
  const s = await server(handler);
  open.push(s);
  return s;
}

const CODE = "code_0123456789abcdef0123456789";
const VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const exchange = (client) => client.exchangeCode({ code: CODE, codeVerifier: VERIFIER, domain: "datadoghq.eu" });
const series = [{ metric: "hostile.test", type: 3, points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }];

/** No text of `e` (message, hint, body, JSON) holds any of `secrets`. */
function clean(e, secrets) {
  const text = [e.message, e.hint, e.body, e.stack, JSON.stringify(e)].join("\n");
  for (const s of secrets) assert.ok(!text.includes(s), `a secret appeared in: ${text.slice(0, 300)}`);
}

test("item 3: a 307 is unexpected_redirect naming its host, and nothing is sent to the Location", { timeout: 30000 }, async () => {
  const catcher = await start((req, res) => res.end("{}"));
  const redirector = await start((req, res) => {
    res.writeHead(307, { location: `${catcher.origin}${req.url}` });
    res.end();
  });
  const site = siteAt(redirector.origin);
  const { conn, secrets } = connectionOn(site);
  const client = clientFor(site);
  const host = new URL(catcher.origin).host;
  const calls = {
    "token exchange": () => exchange(client),
    refresh: () => client.refresh(conn),
    "API key": () => client.createApiKey(conn),
    metrics: async () => {
      const report = await client.submitMetrics(conn, series);
      assert.equal(report.failed.length, 1);
      throw Object.assign(new DatadogError(report.failed[0]), { fromReport: true });
    },
  };
  for (const [what, run] of Object.entries(calls)) {
    const e = await rejection(run());
    assert.equal(e.code, "unexpected_redirect", `${what}: ${e.code} ${e.message}`);
    assert.ok(e.message.includes(host), `${what}: ${e.message}`);
    assert.ok(e.hint.length > 0);
    if (!e.fromReport) assert.equal(e.status, 307);
    clean(e, [...secrets, CLIENT_SECRET, CODE, VERIFIER]);
  }
  assert.equal(redirector.hits.length, 4, "each call tried once: a redirect is not retried");
  assert.deepEqual(catcher.hits, [], "the code, client_secret and DD-API-KEY never reach the Location");
  // The hostile case's twin: the same calls against a server that answers are not refused.
  assert.ok(redirector.hits.some((h) => h.body.includes("client_secret=")), "the secret did go to the site's own origin");
});

test("item 3: every 3xx, and a browser's opaque redirect (status 0), is unexpected_redirect; redirect: manual is asked for", { timeout: 30000 }, async () => {
  const inits = [];
  for (const status of [301, 302, 303, 308]) {
    const site = siteAt("http://127.0.0.1:9");
    const { conn } = connectionOn(site);
    const fetch = async (url, init) => {
      inits.push(init);
      return new Response(null, { status, headers: { location: "https://evil.example/steal?x=1" } });
    };
    const e = await rejection(clientFor(site, { fetch }).request(conn, { method: "GET", path: "/api/v1/validate" }));
    assert.equal(e.code, "unexpected_redirect");
    assert.match(e.message, /evil\.example/);
    assert.doesNotMatch(e.message, /steal/, "only the host is named");
  }
  const site = siteAt("http://127.0.0.1:9");
  const { conn } = connectionOn(site);
  const opaque = async () => ({ type: "opaqueredirect", status: 0, headers: new Headers(), body: null });
  const e = await rejection(clientFor(site, { fetch: opaque }).request(conn, { method: "GET", path: "/api/v1/validate" }));
  assert.equal(e.code, "unexpected_redirect");
  assert.equal(e.status, undefined);
  assert.ok(inits.every((i) => i.redirect === "manual"));
});

test("item 7: the code exchange is sent exactly once on 503, 500, 429, reset and timeout; the error says start again", { timeout: 30000 }, async () => {
  const modes = {
    503: (req, res) => { res.writeHead(503, { "content-type": "application/json" }); res.end('{"error":"temporarily_unavailable"}'); },
    500: (req, res) => { res.writeHead(500); res.end("oops"); },
    429: (req, res) => { res.writeHead(429, { "retry-after": "1" }); res.end(); },
    reset: (req, res) => { res.socket.destroy(); },
    timeout: () => {}, // never answers
  };
  for (const [mode, handler] of Object.entries(modes)) {
    const srv = await start(handler);
    const site = siteAt(srv.origin);
    const client = clientFor(site, { timeoutMs: mode === "timeout" ? 200 : 60_000, retry: { maxAttempts: 5 } });
    const e = await rejection(exchange(client));
    assert.equal(e.code, "exchange_interrupted", `${mode}: ${e.code} ${e.message}`);
    assert.match(e.hint, /Start the authorization again/);
    assert.match(e.message, /may already have been used/);
    assert.equal(srv.hits.filter((h) => h.body.includes("grant_type=authorization_code")).length, 1, `${mode}: sent once`);
    assert.equal(e.outcomeUnknown, mode === "429" ? undefined : true, mode);
    if (mode === "429") assert.equal(e.retryAfterMs, 1000);
    clean(e, [CLIENT_SECRET, CODE, VERIFIER]);
  }
});

test("item 7: a refresh that got no answer is a network_error flagged outcomeUnknown (a 4xx answer is not)", { timeout: 30000 }, async () => {
  const srv = await start((req, res) => res.socket.destroy());
  const site = siteAt(srv.origin);
  const { conn } = connectionOn(site);
  const e = await rejection(clientFor(site, { retry: false }).refresh(conn));
  assert.equal(e.code, "network_error");
  assert.equal(e.outcomeUnknown, true);
  assert.equal(e.toJSON().outcomeUnknown, true);
  const refused = await start((req, res) => { res.writeHead(400, { "content-type": "application/json" }); res.end('{"error":"invalid_grant"}'); });
  const other = siteAt(refused.origin);
  const e2 = await rejection(clientFor(other).refresh(connectionOn(other).conn));
  assert.equal(e2.code, "invalid_grant");
  assert.equal(e2.outcomeUnknown, undefined);
});

test("item 8: a Retry-After beyond the call's deadline fails at once with retryAfterMs", { timeout: 30000 }, async () => {
  for (const seconds of [1500, 120]) { // 120 s: under the 5-minute cap, past the 60 s deadline
    const srv = await start((req, res) => { res.writeHead(429, { "retry-after": String(seconds), "content-type": "application/json" }); res.end('{"errors":["Rate limit exceeded"]}'); });
    const site = siteAt(srv.origin);
    const { conn } = connectionOn(site);
    const sleeps = [];
    const client = clientFor(site, { sleep: async (ms) => { sleeps.push(ms); } });
    const e = await rejection(client.request(conn, { method: "GET", path: "/api/v1/validate" }));
    assert.equal(e.code, "rate_limited");
    assert.equal(e.retryAfterMs, seconds * 1000);
    assert.deepEqual(sleeps, [], "no wait was started");
    assert.equal(srv.hits.length, 1);
    const report = await client.submitMetrics(conn, series);
    assert.equal(report.failed[0].code, "rate_limited");
    assert.equal(report.failed[0].retryAfterMs, seconds * 1000);
    assert.deepEqual(sleeps, []);
  }
});

test("item 8: an X-RateLimit-Reset beyond the deadline fails at once too, with retryAfterMs from it", { timeout: 30000 }, async () => {
  const srv = await start((req, res) => { res.writeHead(429, { "x-ratelimit-reset": "90", "x-ratelimit-remaining": "0" }); res.end('{"errors":["Rate limit exceeded"]}'); });
  const site = siteAt(srv.origin);
  const { conn } = connectionOn(site);
  const sleeps = [];
  const e = await rejection(clientFor(site, { sleep: async (ms) => { sleeps.push(ms); } }).request(conn, { method: "GET", path: "/api/v1/validate" }));
  assert.equal(e.code, "rate_limited");
  assert.equal(e.retryAfterMs, 90_000);
  assert.equal(e.rateLimit.reset, 90);
  assert.deepEqual(sleeps, []);
  assert.equal(srv.hits.length, 1);
});

test("item 8: a server answering 503 forever is given up by the deadline (fake clock: no wall-clock time)", { timeout: 30000 }, async () => {
  const srv = await start((req, res) => { res.writeHead(503); res.end("unavailable"); });
  const site = siteAt(srv.origin);
  const { conn } = connectionOn(site);
  let t = 1_800_000_000_000;
  let slept = 0;
  for (const deadlineMs of [undefined, 10_000]) {
    const before = srv.hits.length;
    slept = 0;
    const client = clientFor(site, {
      now: () => t, sleep: async (ms) => { slept += ms; t += ms; },
      retry: { maxAttempts: 100_000, capMs: 2_000, ...(deadlineMs ? { deadlineMs } : {}) },
    });
    const e = await rejection(client.request(conn, { method: "GET", path: "/api/v1/validate" }));
    assert.equal(e.status, 503);
    const limit = deadlineMs ?? 60_000;
    assert.ok(slept < limit, `waited ${slept} ms of a ${limit} ms deadline`);
    const sent = srv.hits.length - before;
    assert.ok(sent > 1 && sent < 1000, `${sent} attempts`);
  }
});

test("item 8: the deadline also cuts an attempt short (retry.deadlineMs below timeoutMs)", { timeout: 30000 }, async () => {
  const srv = await start(() => {}); // never answers
  const site = siteAt(srv.origin);
  const { conn } = connectionOn(site);
  const e = await rejection(clientFor(site, { timeoutMs: 600_000, retry: { deadlineMs: 100 } }).request(conn, { method: "GET", path: "/api/v1/validate" }));
  assert.equal(e.code, "network_error");
  assert.match(e.message, /timeout/i);
  assert.equal(e.outcomeUnknown, true);
});

test("item 9: maxResponseBytes caps a body (streamed or declared); a body within it is read", { timeout: 30000 }, async () => {
  const body = JSON.stringify({ valid: true, pad: "x".repeat(2000) });
  const chunked = await start((req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.write(body.slice(0, 1000)); res.end(body.slice(1000)); });
  const declared = await start((req, res) => { res.writeHead(200, { "content-length": String(64 << 20) }); res.write("{"); });
  for (const srv of [chunked, declared]) {
    const site = siteAt(srv.origin);
    const { conn } = connectionOn(site);
    const e = await rejection(clientFor(site, { maxResponseBytes: 1024 }).request(conn, { method: "GET", path: "/api/v1/validate" }));
    assert.equal(e.code, "response_too_large");
    assert.match(e.message, /1024 byte/);
    assert.equal(e.status, 200);
    assert.equal(srv.hits.length, 1, "not retried");
  }
  const site = siteAt(chunked.origin);
  const { conn } = connectionOn(site);
  const ok = await clientFor(site, { maxResponseBytes: 4096 }).request(conn, { method: "GET", path: "/api/v1/validate" });
  assert.equal(ok.body.valid, true);
});

test("items 8, 9: a deadline or a cap that is not a positive number is refused when the client is made", { timeout: 30000 }, () => {
  const site = siteAt("http://127.0.0.1:9");
  for (const [opts, field] of [[{ retry: { deadlineMs: "soon" } }, "retry.deadlineMs"], [{ retry: { deadlineMs: -1 } }, "retry.deadlineMs"],
    [{ retry: { deadlineMs: Number.NaN } }, "retry.deadlineMs"], [{ maxResponseBytes: 0 }, "maxResponseBytes"], [{ maxResponseBytes: "16M" }, "maxResponseBytes"]]) {
    assert.throws(() => clientFor(site, opts), (e) => e.code === "invalid_input" && e.field === field, JSON.stringify(opts));
  }
  assert.doesNotThrow(() => clientFor(site, { retry: { deadlineMs: 5_000 }, maxResponseBytes: 1 << 20 }));
  assert.doesNotThrow(() => clientFor(site, { retry: false }));
});
