// The demo in a real browser (Debian's Chromium through playwright-core): for each of the nine sites, sign-in →
// the tile → partner onboarding → Datadog consent → callback (the package's routes, through Express) → API key →
// one submission of each kind, checked in the sandbox's record; then the partner-site flows, the failures a user
// can meet (deny, tampered state, reloaded callback, site mismatch) and the attacks on the browser binding
// (no cookie, another browser's cookie, replay, tampered dd_oid, fixation, open redirect, cross-site disconnect).
// Any console error or page error fails the test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startDemo } from "../../scripts/demo.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARTIFACTS = `${ROOT}test-results`;
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
];
// Sandbox tokens carry these prefixes; marketplace API keys are 32 hex digits. None may reach the browser.
const SECRET_PATTERNS = [/sandbox-client-secret/, /ddsbx_(at|rt|code)_/, /\b[0-9a-f]{32}\b/];
const SEND_KINDS = {
  metric: { kinds: ["metrics_v2", "metrics_v1"], match: (i) => i.metric === "pipewave.pipeline.duration" },
  log: { kinds: ["logs"], match: (i) => i.ddsource === "pipewave" && /Pipeline checkout-service/.test(i.message) },
  event: { kinds: ["events_v1", "events_v2"], match: (i) => /checkout-service/.test(i.title ?? i.attributes?.title ?? "") },
  check: { kinds: ["service_checks"], match: (i) => i.check === "pipewave.runner.can_connect" && i.status === 0 },
};

let demo;
let browser;
let doc;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  demo = await startDemo({ port: 0 });
  doc = await (await fetch(`${demo.sandbox.url}/.well-known/datadog-sandbox.json`)).json();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
});

after(async () => {
  if (browser) await browser.close();
  if (demo) await demo.close();
});

const siteDoc = (id) => doc.sites.find((s) => s.id === id);
const orgOn = (id) => doc.orgs.find((o) => o.site === id);
const partnerOrigin = () => new URL(demo.url).origin;

/**
 * A fresh browser context (own cookies) whose page records every console error, page error, and partner response
 * that carries a secret. `expectHttpError(path, status)` expects (and allows) the one console error Chromium logs
 * for an error page's HTTP status.
 */
async function openPage({ user = DEMO_USER, signIn: doSignIn = true } = {}) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  const allowed = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const where = msg.location().url || "";
    const i = allowed.findIndex((a) => where.startsWith(a.url) && msg.text().includes(`status of ${a.status}`));
    if (i >= 0) {
      allowed.splice(i, 1);
      return;
    }
    problems.push(`console error: ${msg.text()} (${where})`);
  });
  page.on("response", async (res) => {
    if (safeOrigin(res.url()) !== partnerOrigin()) return;
    const type = res.headers()["content-type"] || "";
    if (!/html|json|javascript|css/.test(type)) return;
    const body = await res.text().catch(() => "");
    for (const p of SECRET_PATTERNS) if (p.test(body)) problems.push(`secret-looking text ${p} in ${res.url()}`);
  });
  if (doSignIn) await signIn(page, user);
  return {
    page,
    context,
    expectHttpError(path, status) {
      allowed.push({ url: partnerOrigin() + path, status });
    },
    async done() {
      await context.close();
      assert.deepEqual(problems, [], "no console errors, page errors or leaked secrets");
      assert.deepEqual(allowed, [], "each expected error page answered with its HTTP error status");
    },
  };
}

const DEMO_USER = "demo@pipewave.example";

/** Pipewave's own sign-in (the routes' currentUser is the signed-in Pipewave user). */
async function signIn(page, user, next = "") {
  await page.goto(`${demo.url}login${next ? `?next=${encodeURIComponent(next)}` : ""}`);
  await page.fill("#email", user);
  await page.click("#sign-in");
  await page.waitForLoadState();
}

function safeOrigin(u) {
  try {
    return new URL(u).origin;
  } catch {
    return "";
  }
}

async function received(kind, org) {
  const q = new URLSearchParams({ kind, org });
  const res = await fetch(`${demo.sandbox.url}/_sandbox/received?${q}`);
  assert.equal(res.status, 200);
  return res.json();
}

/** From the org's integration tile to Datadog's consent page (the flow Datadog recommends). */
async function tileToConsent(page, siteId) {
  const org = orgOn(siteId);
  const site = siteDoc(siteId);
  await page.goto(org.tileUrl);
  await page.click("#connect"); // Connect Accounts
  await page.waitForSelector("#continue");
  assert.equal(new URL(page.url()).pathname, "/datadog/onboarding");
  assert.equal(await page.textContent("#onboarding-site"), site.name);
  await page.click("#continue");
  await page.waitForSelector("#authorize");
  assert.equal(new URL(page.url()).origin, site.appOrigin, "consent on the site's own web app");
  return { org, site };
}

/**
 * Alter the redirect Datadog answers the next Authorize click with, as a forged or edited link would: the consent
 * POST goes to the sandbox unchanged, and its `Location` (the partner callback) gets `mutate`d on the way back.
 * (Chromium does not route redirect hops, so the callback request itself cannot be intercepted.)
 */
async function rewriteNextCallback(page, mutate) {
  await page.route(
    (u) => u.pathname === "/oauth2/v1/authorize",
    async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const location = new URL(response.headers().location);
      assert.equal(location.origin + location.pathname, `${partnerOrigin()}/datadog/callback`);
      mutate(location.searchParams);
      await route.fulfill({ status: 302, headers: { location: location.toString() } });
    },
    { times: 1 },
  );
}

async function expectErrorPage(page, code) {
  await page.waitForSelector("#error-code");
  assert.equal(await page.textContent("#error-code"), code);
  const hint = (await page.textContent("#error-hint")).trim();
  assert.ok(hint.length > 20, `a hint is shown for ${code}: ${hint}`);
  return hint;
}

async function expectConnected(page, siteId, org) {
  await page.waitForSelector("#connection");
  assert.equal(page.url(), demo.url, "the callback redirects to the integration page");
  assert.equal(await page.getAttribute("#connection", "data-site"), siteId);
  assert.equal(await page.textContent("#conn-site"), siteDoc(siteId).name);
  if (org) {
    assert.equal(await page.textContent("#conn-org-id"), org.id);
    assert.equal(await page.textContent("#conn-org-name"), org.name);
  }
  assert.equal(await page.textContent("#close-tab"), "You may now close this tab.");
  const scopes = await page.$$eval("#conn-scopes code", (els) => els.map((e) => e.textContent));
  assert.ok(scopes.includes("api_keys_write"), `scopes shown: ${scopes}`);
  assert.match(await page.getAttribute("#conn-expiry", "data-expires"), /^\d{4}-\d\d-\d\dT/);
  assert.match(await page.getAttribute("#conn-api-key", "data-state"), /^(created|reused)$/);
}

async function sendEach(page) {
  await page.waitForSelector("body[data-ready=true]");
  for (const what of Object.keys(SEND_KINDS)) {
    await page.click(`button[data-send=${what}]`);
    await page.waitForSelector(`#result-${what}:not([data-status=pending])`);
    const status = await page.getAttribute(`#result-${what}`, "data-status");
    assert.equal(status, "ok", `${what}: ${await page.textContent(`#result-${what}`)}`);
    assert.match(await page.textContent(`#result-${what} [data-role=report]`), /1 sent · 1 accepted · 0 failed/);
  }
}

async function assertRecorded(siteId, orgId) {
  for (const [what, { kinds, match }] of Object.entries(SEND_KINDS)) {
    const found = [];
    for (const kind of kinds) {
      const r = await received(kind, orgId);
      for (const req of r.requests) {
        for (const item of req.items) if (match(item)) found.push({ kind, site: req.site, org: req.org });
      }
    }
    assert.equal(found.length, 1, `exactly one ${what} recorded for ${orgId}: ${JSON.stringify(found)}`);
    assert.equal(found[0].site, siteId, `${what} arrived at ${siteId}'s intake`);
    assert.equal(found[0].org, orgId);
  }
}

const SITE_IDS = ["us1", "us3", "us5", "eu1", "ap1", "ap2", "uk1", "us1-fed", "us2-fed"];

for (const siteId of SITE_IDS) {
  test(`tile → consent → connected → data, on ${siteId}`, async () => {
    assert.ok(siteDoc(siteId), `the sandbox emulates ${siteId}`);
    const { page, done } = await openPage();
    const { org } = await tileToConsent(page, siteId);
    await page.click("#authorize");
    await expectConnected(page, siteId, org);
    assert.equal(await page.getAttribute("#conn-api-key", "data-state"), "created");
    await sendEach(page);
    await page.screenshot({ path: `${ARTIFACTS}/connected-${siteId}.png`, fullPage: true });
    await assertRecorded(siteId, org.id);
    await done();
  });
}

test("the site picker: pasting a Datadog address picks the site, then connects there", async () => {
  const { page, done } = await openPage();
  // Already connected: "Connect another organization" shows the picker.
  await page.goto(demo.url);
  await page.click("#add-connection");
  await page.waitForSelector("body[data-ready=true]");
  const options = await page.$$eval("#site-select option", (els) => els.map((e) => e.value).filter(Boolean));
  assert.deepEqual(options, SITE_IDS, "all nine sites, from the package's browser build");
  await page.fill("#site-input", "not a datadog host");
  assert.match(await page.textContent("#site-feedback"), /^invalid_site /);
  assert.equal(await page.isDisabled("#connect"), true);
  await page.fill("#site-input", "https://ap2.datadoghq.com");
  assert.equal(await page.inputValue("#site-select"), "ap2");
  await page.click("#connect");
  await page.waitForSelector("#authorize");
  assert.equal(new URL(page.url()).origin, siteDoc("ap2").appOrigin);
  await page.click("#authorize");
  // This user connected the org from its tile already: the key stored then is reused (Datadog shows it once).
  await expectConnected(page, "ap2", orgOn("ap2"));
  assert.equal(await page.getAttribute("#conn-api-key", "data-state"), "reused");
  await page.click("button[data-send=log]");
  await page.waitForSelector("#result-log[data-status=ok]");
  await done();
});

test("another Pipewave user on an org whose key Datadog already issued: Datadog's recovery steps, nobody's key reused", async () => {
  const { page, expectHttpError, done } = await openPage({ user: "colleague@pipewave.example" });
  await page.goto(demo.url);
  await page.waitForSelector("body[data-ready=true]");
  await page.selectOption("#site-select", "ap2");
  await page.click("#connect");
  await page.waitForSelector("#authorize");
  expectHttpError("/datadog/callback", 409);
  await page.click("#authorize");
  const hint = await expectErrorPage(page, "api_key_exists");
  assert.match(hint, /API key/i);
  const { connections } = await demo.partner.client.listConnections({ owner: "colleague@pipewave.example" });
  assert.deepEqual(connections, [], "no keyless connection is left behind");
  await done();
});

test("'let me pick on Datadog' starts without a site, on US1; then disconnect", async () => {
  const { page, done } = await openPage();
  await page.goto(`${demo.url}?add=1`);
  await page.click("#pick-on-datadog");
  await page.waitForSelector("#authorize");
  assert.equal(new URL(page.url()).origin, siteDoc("us1").appOrigin);
  await page.click("#authorize");
  await expectConnected(page, "us1", orgOn("us1"));
  // Disconnecting revokes the grant at Datadog and returns to the connect form.
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#disconnect");
  await page.waitForURL(`${demo.url}?disconnected=1`);
  // Every connection of this user is revoked: the connect form is back.
  await page.waitForSelector("#connect-form");
  assert.match(await page.textContent(".banner.info"), /disconnected/);
  await done();
});

test("deny at the consent page shows access_denied with a hint", async () => {
  const { page, expectHttpError, done } = await openPage();
  await tileToConsent(page, "us3");
  expectHttpError("/datadog/callback", 400);
  await page.click("#deny");
  await expectErrorPage(page, "access_denied");
  assert.equal(await page.$("#connection"), null);
  await done();
});

test("a tampered state in the callback is refused (state_mismatch) before any code exchange", async () => {
  const { page, expectHttpError, done } = await openPage();
  await tileToConsent(page, "eu1");
  const before = await fetch(`${demo.sandbox.url}/_sandbox/stats`).then((r) => r.json());
  await rewriteNextCallback(page, (q) => q.set("state", `${q.get("state")}x`));
  expectHttpError("/datadog/callback", 400);
  await page.click("#authorize");
  await expectErrorPage(page, "state_mismatch");
  const afterStats = await fetch(`${demo.sandbox.url}/_sandbox/stats`).then((r) => r.json());
  assert.deepEqual(tokenCalls(afterStats), tokenCalls(before), "no token request was made");
  await done();
});

test("a reloaded callback shows the connection again and never resends the code; replayed elsewhere it is refused", async () => {
  const { page, done } = await openPage();
  await tileToConsent(page, "ap1");
  const callback = page.waitForRequest((r) => new URL(r.url()).pathname === "/datadog/callback");
  await page.click("#authorize");
  const callbackUrl = (await callback).url();
  await expectConnected(page, "ap1", orgOn("ap1"));
  const before = tokenCalls(await sandboxStats());
  await page.goto(callbackUrl);
  await expectConnected(page, "ap1", orgOn("ap1"));
  assert.deepEqual(tokenCalls(await sandboxStats()), before, "no second token request");
  await done();
  // The same URL in another signed-in browser (a leaked link): no binding there, nothing sent.
  const other = await openPage({ user: "mallory@evil.example" });
  other.expectHttpError("/datadog/callback", 400);
  await other.page.goto(callbackUrl);
  await expectErrorPage(other.page, "no_pending_authorization");
  assert.deepEqual(tokenCalls(await sandboxStats()), before);
  await other.done();
});

test("a callback from another site than the flow started on is refused (site_mismatch)", async () => {
  const { page, expectHttpError, done } = await openPage();
  await tileToConsent(page, "us5");
  await rewriteNextCallback(page, (q) => q.set("domain", siteDoc("eu1").site));
  expectHttpError("/datadog/callback", 400);
  await page.click("#authorize");
  await expectErrorPage(page, "site_mismatch");
  await done();
});

const sandboxStats = () => fetch(`${demo.sandbox.url}/_sandbox/stats`).then((r) => r.json());

/** The consent page's Authorize click, answered to this browser with `then` instead of the callback: returns the callback URL. */
async function captureCallback(page, then = `${partnerOrigin()}/`) {
  let captured;
  await page.route(
    (u) => u.pathname === "/oauth2/v1/authorize",
    async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      captured = response.headers().location;
      await route.fulfill({ status: 302, headers: { location: then } });
    },
    { times: 1 },
  );
  await page.click("#authorize");
  await page.waitForURL(then);
  assert.ok(captured && new URL(captured).pathname === "/datadog/callback", `captured ${captured}`);
  return captured;
}

const bindingCookie = async (context) => (await context.cookies()).find((c) => c.name === "dd_oauth");

test("attack: the callback without the binding cookie is refused before any code exchange", async () => {
  const { page, context, expectHttpError, done } = await openPage();
  await tileToConsent(page, "us3");
  const cookie = await bindingCookie(context);
  assert.ok(cookie, "the onboarding set the binding cookie");
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, "Lax");
  assert.equal(cookie.path, "/datadog");
  await context.clearCookies({ name: "dd_oauth" });
  const before = tokenCalls(await sandboxStats());
  expectHttpError("/datadog/callback", 400);
  await page.click("#authorize");
  await expectErrorPage(page, "no_pending_authorization");
  assert.deepEqual(tokenCalls(await sandboxStats()), before);
  await done();
});

test("attack: another browser's cookie with its callback (a stolen link and cookie) is refused", async () => {
  const victim = await openPage({ user: "victim@pipewave.example" });
  await tileToConsent(victim.page, "eu1");
  const callbackUrl = await captureCallback(victim.page);
  const stolen = await bindingCookie(victim.context);
  const attacker = await openPage({ user: "mallory@evil.example" });
  await attacker.context.addCookies([stolen]);
  const before = tokenCalls(await sandboxStats());
  attacker.expectHttpError("/datadog/callback", 403);
  await attacker.page.goto(callbackUrl);
  await expectErrorPage(attacker.page, "session_mismatch");
  assert.deepEqual(tokenCalls(await sandboxStats()), before, "nothing sent for the attacker");
  await attacker.done();
  await victim.done();
});

test("attack: a fixation attempt (the attacker's binding and callback planted in the victim's browser) connects nothing", async () => {
  // Mallory authorizes her own org and keeps the callback instead of following it.
  const attacker = await openPage({ user: "mallory@evil.example" });
  await tileToConsent(attacker.page, "us5");
  const callbackUrl = await captureCallback(attacker.page);
  const planted = await bindingCookie(attacker.context);
  await attacker.done();
  // The victim's browser gets Mallory's cookie (a cookie-tossing subdomain, say) and then her link.
  const victim = await openPage({ user: "victim@pipewave.example" });
  await victim.context.addCookies([planted]);
  const before = tokenCalls(await sandboxStats());
  victim.expectHttpError("/datadog/callback", 403);
  await victim.page.goto(callbackUrl);
  await expectErrorPage(victim.page, "session_mismatch");
  assert.deepEqual(tokenCalls(await sandboxStats()), before);
  const { connections } = await demo.partner.client.listConnections({ owner: "victim@pipewave.example", status: "connected" });
  assert.equal(connections.filter((c) => (c.site.id ?? c.site) === "us5").length, 0, "the victim is not connected to Mallory's org");
  // A planted cookie does not survive the victim's own start either: the value changes at every step.
  await victim.context.addCookies([planted]);
  await tileToConsent(victim.page, "us5");
  assert.notEqual((await bindingCookie(victim.context)).value, planted.value);
  await victim.done();
});

test("attack: a tampered dd_oid does not decide whose connection it is", async () => {
  // The org's admin deleted the integration's key in Datadog (as api_key_exists's hint says), so a new one is issued.
  const del = await fetch(`${demo.sandbox.url}/_sandbox/api-keys?org=${orgOn("uk1").id}`, { method: "DELETE" });
  assert.equal(del.status, 200);
  const user = "oid@pipewave.example";
  const { page, done } = await openPage({ user });
  const t0 = Date.now();
  await tileToConsent(page, "uk1");
  await rewriteNextCallback(page, (q) => q.set("dd_oid", orgOn("us1").id));
  await page.click("#authorize");
  await page.waitForURL(demo.url);
  const { connections } = await demo.partner.client.listConnections({ owner: user, status: "connected" });
  const conn = connections.find((c) => (c.site.id ?? c.site) === "uk1" && c.createdAt >= t0);
  assert.ok(conn, "the new connection belongs to the signed-in user");
  assert.equal(conn.owner, user);
  assert.ok(conn.apiKey, "with the newly issued key");
  const us1Owners = (await demo.partner.client.listConnections({ site: "us1" })).connections.map((c) => c.owner);
  assert.ok(!us1Owners.includes(undefined) && !us1Owners.includes(null), "every us1 connection has its own owner");
  if (conn.orgVerified === true) assert.equal(conn.orgId, orgOn("uk1").id, "a verified org id is the token's own");
  else assert.notEqual(conn.orgVerified, true, "the edited org id is not marked verified");
  await done();
});

test("attack: next= and returnTo= pointing elsewhere stay on Pipewave", async () => {
  const { page, done } = await openPage({ signIn: false });
  await signIn(page, DEMO_USER, "https://evil.example/");
  assert.equal(safeOrigin(page.url()), partnerOrigin());
  await page.goto(`${demo.url}datadog/onboarding?site=ap2&returnTo=${encodeURIComponent("//evil.example/x")}`);
  await page.waitForSelector("#authorize");
  await page.click("#authorize");
  await page.waitForLoadState();
  assert.equal(safeOrigin(page.url()), partnerOrigin(), `stayed on Pipewave: ${page.url()}`);
  await done();
});

test("attack: a cross-site form cannot disconnect; the session cookie rotates at sign-in", async () => {
  const { page, context, expectHttpError, done } = await openPage({ signIn: false });
  // A session id planted before sign-in is not the one after it.
  await context.addCookies([{ name: "pw_session", value: "planted-by-attacker", url: demo.url }]);
  await signIn(page, DEMO_USER);
  const sid = (await context.cookies()).find((c) => c.name === "pw_session").value;
  assert.notEqual(sid, "planted-by-attacker");
  assert.ok(demo.partner.sessions.has(sid));
  const connectedBefore = (await demo.partner.client.listConnections({ owner: DEMO_USER, status: "connected" })).connections.length;
  assert.ok(connectedBefore > 0);
  // evil: another site (localhost vs 127.0.0.1) whose page posts to Pipewave's disconnect route.
  const evil = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<form id="f" method="post" action="${partnerOrigin()}/datadog/disconnect"><input name="returnTo" value="/"><button id="go">Win a prize</button></form>`);
  });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  try {
    await page.goto(`http://localhost:${evil.address().port}/`);
    expectHttpError("/datadog/disconnect", 403);
    await page.click("#go");
    await page.waitForLoadState();
    assert.equal(await page.textContent("#error-code"), "cross_site_request");
  } finally {
    evil.close();
  }
  const connectedAfter = (await demo.partner.client.listConnections({ owner: DEMO_USER, status: "connected" })).connections.length;
  assert.equal(connectedAfter, connectedBefore, "nothing was disconnected");
  await done();
});

test("anonymous traffic creates no sessions (so it cannot evict signed-in ones)", async () => {
  const before = demo.partner.sessions.size;
  for (let i = 0; i < 50; i++) {
    await fetch(`${demo.url}datadog/onboarding?site=eu1`, { redirect: "manual" });
    await fetch(demo.url, { redirect: "manual" });
  }
  assert.equal(demo.partner.sessions.size, before);
});

/** Token-endpoint calls per site, from the sandbox's route counters ("<site> token"). */
function tokenCalls(stats) {
  return Object.entries(stats.routes).filter(([k]) => k.endsWith(" token")).sort();
}
