// Hostile input through the built package, as users import it: the vectors of tests/vectors/hostile.json
// (site spoofing, open redirects through redirect_uri, state replay, repeated callback parameters, megabyte
// values, JSON nested 100,000 deep inside response bodies), deep JS objects, and code replay against the
// sandbox: the parser accepts the same callback twice, and Datadog's single-use code (here the sandbox's)
// refuses the second exchange. Each case ends in the listed DatadogError code, or ok; no test measures time.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as dd from "datadog-oauth-wasm";
import { authorizeAs, control } from "../../sandbox/testkit.mjs";
import { CLIENT_ID, REDIRECT, sandbox, makeClient } from "./support.mjs";

const V = JSON.parse(readFileSync(new URL("../vectors/hostile.json", import.meta.url), "utf8"));

/** The generated-string forms of hostile.json (see its `comment`). */
function expand(v) {
  if (Array.isArray(v)) return v.map(expand);
  if (v === null || typeof v !== "object") return v;
  if ("$repeat" in v) return v.$repeat.repeat(v.times);
  if ("$concat" in v) return v.$concat.map(expand).join("");
  if ("$nest" in v) return v.open.repeat(v.$nest) + (v.inner ?? "") + v.close.repeat(v.$nest);
  if ("$seq" in v) return Array.from({ length: v.$seq }, (_, i) => `${v.prefix}${i}`);
  if ("$join" in v) return expand(v.$join).join(v.with);
  if ("$spans" in v) {
    return Array.from({ length: v.$spans }, (_, k) => ({
      trace_id: 1, span_id: k + 1, name: "n", resource: "r", service: `s${k}`, start: "1700000000000000000", duration: 1,
    }));
  }
  if ("$site" in v) return dd.resolveSite(v.$site);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
}

/** Run `fn`; the DatadogError code it threw, or "ok". Anything else thrown fails the test. */
function outcome(fn, label) {
  try {
    fn();
    return "ok";
  } catch (e) {
    assert.ok(dd.DatadogError.is(e), `${label}: threw ${e?.name}: ${String(e?.message).slice(0, 200)}`);
    for (const k of ["message", "hint"]) assert.ok(String(e[k]).length <= 2000, `${label}: ${k} of ${String(e[k]).length} characters`);
    if (e.body !== undefined) assert.ok([...e.body].length <= 301, `${label}: body excerpt of ${e.body.length}`);
    return e.code;
  }
}

const short = (s) => JSON.stringify(String(s).slice(0, 60));

test("site spoofing: look-alikes, userinfo, ports, IP literals, Unicode, case, trailing dots, percent-encoding", () => {
  const nine = new Map(dd.sites().map((s) => [s.id, s]));
  for (const c of V.sites) {
    const input = expand(c.input);
    if (typeof c.expect === "string") {
      assert.equal(outcome(() => dd.resolveSite(input), short(input)), c.expect, `resolveSite(${short(input)})`);
      assert.equal(outcome(() => dd.startAuthorization({ clientId: "c", redirectUri: "https://partner.example/cb", site: input }), short(input)), c.expect);
    } else {
      const s = dd.resolveSite(input);
      assert.equal(s.id, c.expect.id, short(input));
      assert.equal(s.authorizeOrigin, c.expect.authorizeOrigin);
      assert.equal(s.custom, false);
      // Only the consent page may move to a vanity host; API hosts are the table's.
      for (const k of ["site", "appOrigin", "apiOrigin", "logsOrigin", "eventIntakeOrigin", "otlpOrigin"]) assert.equal(s[k], nine.get(s.id)[k]);
      const { url } = dd.startAuthorization({ clientId: "c", redirectUri: "https://partner.example/cb", site: input });
      assert.ok(url.startsWith(`${c.expect.authorizeOrigin}/oauth2/v1/authorize?`), url);
    }
  }
});

test("open redirects through redirect_uri", () => {
  for (const c of V.redirectUris) {
    const input = expand(c.input);
    const got = outcome(() => dd.startAuthorization({ clientId: "c", redirectUri: input }), short(input));
    assert.equal(got, c.expect, `redirectUri ${short(input)}`);
    if (c.expect === "ok") {
      const u = new URL(dd.startAuthorization({ clientId: "c", redirectUri: input }).url);
      assert.equal(u.origin, "https://app.datadoghq.com");
      assert.deepEqual(u.searchParams.getAll("redirect_uri"), [input]);
    } else {
      const args = { clientId: "c", redirectUri: input, code: "c", codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", domain: "datadoghq.eu" };
      assert.equal(outcome(() => dd.tokenRequest(args), short(input)), c.expect, `tokenRequest redirectUri ${short(input)}`);
    }
  }
});

const swapcase = (s) => [...s].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");

test("callbacks: state replay, repeated code/state, site mismatches, megabyte values, expiry", () => {
  for (const c of V.callbacks.cases) {
    const start = () => dd.startAuthorization({ clientId: "c", redirectUri: V.callbacks.redirectUri, ...(c.site ? { site: c.site } : {}) }).pending;
    let pending = start();
    const other = start();
    const st = pending.state;
    const url = expand(c.url)
      .replaceAll("{state_prefix}", st.slice(0, -1))
      .replaceAll("{state_swapcase}", swapcase(st))
      .replaceAll("{other}", other.state)
      .replaceAll("{state}", st);
    // parseCallback reads the clock: an expired authorization is one created `after` ms ago.
    if (c.after) pending = { ...pending, createdAt: pending.createdAt - c.after };
    if (typeof c.expect === "string") {
      assert.equal(outcome(() => dd.parseCallback(url, pending), c.name), c.expect, c.name);
    } else {
      const r = dd.parseCallback(url, pending);
      assert.equal(r.code, c.expect.code, c.name);
      assert.equal(r.domain, c.expect.domain, c.name);
      assert.deepEqual(dd.parseCallback(url, pending), r, `${c.name}: parsed twice`);
    }
  }
});

test("onboarding URLs", () => {
  for (const c of V.onboarding) {
    const url = expand(c.url);
    if (typeof c.expect === "string") {
      assert.equal(outcome(() => dd.parseOnboardingUrl(url), short(url)), c.expect, short(url));
    } else {
      const o = dd.parseOnboardingUrl(url);
      assert.equal(o.domain, c.expect.domain, short(url));
      if (c.expect.authorizeOrigin) assert.equal(o.site.authorizeOrigin, c.expect.authorizeOrigin);
    }
  }
});

// The package's functions for the operations of hostile.json's `calls` (classifyNetworkError is host-internal).
const CALLS = {
  resolveSite: (a) => dd.resolveSite(a.site, a),
  customSite: (a) => dd.customSite(a),
  startAuthorization: (a) => dd.startAuthorization(a),
  createPkce: (a) => dd.createPkce(a),
  pkceChallenge: (a) => dd.pkceChallenge(a.verifier),
  parseOnboardingUrl: (a) => dd.parseOnboardingUrl(a.text, a),
  tokenRequest: dd.tokenRequest,
  parseTokenResponse: dd.parseTokenResponse,
  parseRefreshResponse: dd.parseRefreshResponse,
  parseRevokeResponse: dd.parseRevokeResponse,
  parseApiKeyResponse: dd.parseApiKeyResponse,
  parseApiResponse: dd.parseApiResponse,
  parseIntakeResponse: dd.parseIntakeResponse,
  retryDecision: dd.retryDecision,
  apiRequest: dd.apiRequest,
  encodeLogs: ({ connection, logs, ...opts }) => dd.encodeLogs(connection, logs, opts),
  encodeTraces: ({ connection, traces, ...opts }) => dd.encodeTraces(connection, traces, opts),
};

test("megabyte values, bodies nested 100,000 deep, and the regressions", () => {
  let ran = 0;
  for (const c of V.calls) {
    const fn = CALLS[c.op];
    if (!fn) continue;
    const args = expand(c.args);
    if (typeof c.expect === "object") {
      const out = fn(args);
      assert.equal(out.rejected[0].error.code, c.expect.rejected, c.name);
    } else {
      assert.equal(outcome(() => fn(args), c.name), c.expect, c.name);
    }
    ran++;
  }
  assert.ok(ran >= V.calls.length - 2);
});

function deepObject(n) {
  const root = {};
  let cur = root;
  for (let i = 0; i < n; i++) cur = cur.a = {};
  return root;
}

function deepArray(n) {
  const root = [];
  let cur = root;
  for (let i = 0; i < n; i++) {
    const next = [];
    cur.push(next);
    cur = next;
  }
  return root;
}

test("JS values nested 3,000 deep (about what JSON.stringify manages) reach the core and get invalid_input, through both readers", () => {
  const conn = { site: dd.resolveSite("eu1"), apiKey: "k", accessToken: "t", expiresAt: 0 };
  for (const [label, fn] of [
    ["resolveSite (hand-written reader)", () => dd.resolveSite(deepObject(3_000))],
    ["startAuthorization scopes", () => dd.startAuthorization({ clientId: "c", redirectUri: "https://partner.example/cb", scopes: deepArray(3_000) })],
    ["parseCallback pending", () => dd.parseCallback("https://partner.example/cb?code=a", deepObject(3_000))],
    ["encodeLogs (serde_json)", () => dd.encodeLogs(conn, deepArray(3_000), { source: "acme" })],
    ["encodeMetrics", () => dd.encodeMetrics(conn, [{ metric: "m", points: deepArray(3_000) }])],
    ["parseTokenResponse headers", () => dd.parseTokenResponse({ response: { status: 200, headers: deepObject(3_000), body: "" }, domain: "datadoghq.eu" })],
    ["apiRequest body", () => dd.apiRequest({ connection: conn, method: "POST", path: "/api/v1/x", body: deepObject(3_000) })],
  ]) {
    assert.equal(outcome(fn, label), "invalid_input", label);
  }
});

test("JS values nested 100,000 deep, or cyclic, fail with a DatadogError, not a RangeError", () => {
  assert.equal(outcome(() => dd.resolveSite(deepObject(100_000)), "resolveSite"), "invalid_input");
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal(outcome(() => dd.resolveSite(cyclic), "cycle"), "invalid_input");
});

let sb;
let sites;
let siteOf;

before(async () => {
  ({ sb, sites, siteOf } = await sandbox());
});

after(async () => {
  await sb?.close();
});

test("code replay: parsing a callback twice is fine; the client refuses the second exchange (authorization_used), and Datadog (the sandbox) refuses a code sent twice", async () => {
  const site = siteOf("eu1");
  const { client } = makeClient(sites);
  const { url, pending } = dd.startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites: [site] });
  const u = new URL(url);
  const auth = await authorizeAs(sb, "eu1", { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge") });
  assert.ok(auth.redirect, `consent failed with ${auth.status}`);
  const first = dd.parseCallback(auth.redirect.href, pending, { sites: [site] });
  const again = dd.parseCallback(auth.redirect.href, pending, { sites: [site] });
  assert.deepEqual(again, first, "the parser is pure; replay protection is the exchange's");
  const conn = await client.exchangeCode({ ...first, codeVerifier: pending.codeVerifier });
  assert.ok(conn.accessToken);
  const noEcho = (e) => assert.ok(!String(e.message).includes(first.code) && !String(e.hint).includes(first.code), "the code is not echoed");
  // With the callback's `state`, the authorization was claimed: the second exchange sends nothing (policy 19).
  const sent = (await control(sb, "GET", "/_sandbox/stats")).body.token.authorization_code;
  await assert.rejects(client.exchangeCode({ ...again, codeVerifier: pending.codeVerifier }), (e) => {
    assert.ok(dd.DatadogError.is(e, "authorization_used"), `${e.code}: ${e.message}`);
    noEcho(e);
    return true;
  });
  assert.equal((await control(sb, "GET", "/_sandbox/stats")).body.token.authorization_code, sent, "the code was not sent again");
  // Without the state (a caller that drops it), the code goes out again and Datadog's single use refuses it.
  const { state: _dropped, ...stateless } = again;
  await assert.rejects(client.exchangeCode({ ...stateless, codeVerifier: pending.codeVerifier }), (e) => {
    assert.ok(dd.DatadogError.is(e, "invalid_grant"), `${e.code}: ${e.message}`);
    noEcho(e);
    return true;
  });
});

test("state replay: a real callback for one authorization is refused by another", async () => {
  const site = siteOf("us3");
  const a = dd.startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites: [site] });
  const b = dd.startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites: [site] });
  const u = new URL(a.url);
  const auth = await authorizeAs(sb, "us3", { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge") });
  assert.ok(auth.redirect);
  assert.equal(outcome(() => dd.parseCallback(auth.redirect.href, b.pending, { sites: [site] }), "replay"), "state_mismatch");
  assert.equal(dd.parseCallback(auth.redirect.href, a.pending, { sites: [site] }).domain, "us3.datadoghq.com");
  // The same callback again, after its authorization expired.
  const old = { ...a.pending, createdAt: a.pending.createdAt - 3_600_001 };
  assert.equal(outcome(() => dd.parseCallback(auth.redirect.href, old, { sites: [site] }), "expired"), "authorization_expired");
});
