// The demo in a real browser (Debian's Chromium through playwright-core): for each of the nine sites, the tile →
// partner onboarding → Datadog consent → callback → API key → one submission of each kind, checked in the
// sandbox's record; then the partner-site flows and the failures a user can meet (deny, tampered state, replayed
// callback, site mismatch). Any console error or page error fails the test.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
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
async function openPage() {
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
  return {
    page,
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
      assert.equal(location.origin + location.pathname, `${partnerOrigin()}/oauth/callback`);
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
  await page.goto(demo.url);
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
  // The org connected from its tile already has its key: the one stored then is reused (Datadog shows it once).
  await expectConnected(page, "ap2", orgOn("ap2"));
  assert.equal(await page.getAttribute("#conn-api-key", "data-state"), "reused");
  await page.click("button[data-send=log]");
  await page.waitForSelector("#result-log[data-status=ok]");
  await done();
});

test("'let me pick on Datadog' starts without a site, on US1; then disconnect", async () => {
  const { page, done } = await openPage();
  await page.goto(demo.url);
  await page.click("#pick-on-datadog");
  await page.waitForSelector("#authorize");
  assert.equal(new URL(page.url()).origin, siteDoc("us1").appOrigin);
  await page.click("#authorize");
  await expectConnected(page, "us1", orgOn("us1"));
  // Disconnecting revokes the grant at Datadog and returns to the connect form.
  await page.waitForSelector("body[data-ready=true]");
  await page.click("#disconnect");
  await page.waitForURL(`${demo.url}?disconnected=1`);
  await page.waitForSelector("#connect-form");
  assert.match(await page.textContent(".banner.info"), /disconnected/);
  await done();
});

test("deny at the consent page shows access_denied with a hint", async () => {
  const { page, expectHttpError, done } = await openPage();
  await tileToConsent(page, "us3");
  expectHttpError("/oauth/callback", 400);
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
  expectHttpError("/oauth/callback", 400);
  await page.click("#authorize");
  await expectErrorPage(page, "state_mismatch");
  const afterStats = await fetch(`${demo.sandbox.url}/_sandbox/stats`).then((r) => r.json());
  assert.deepEqual(tokenCalls(afterStats), tokenCalls(before), "no token request was made");
  await done();
});

test("a callback replayed twice: the second code exchange fails with invalid_grant", async () => {
  const { page, expectHttpError, done } = await openPage();
  await tileToConsent(page, "ap1");
  const callback = page.waitForRequest((r) => new URL(r.url()).pathname === "/oauth/callback");
  await page.click("#authorize");
  const callbackUrl = (await callback).url();
  await expectConnected(page, "ap1", orgOn("ap1"));
  expectHttpError("/oauth/callback", 400);
  await page.goto(callbackUrl);
  const hint = await expectErrorPage(page, "invalid_grant");
  assert.ok(hint);
  assert.match(await page.textContent("#error"), /existing connection to Datadog AP1 is unchanged/);
  await page.goto(demo.url);
  await expectConnected(page, "ap1", orgOn("ap1"));
  await done();
});

test("a callback from another site than the flow started on is refused (site_mismatch)", async () => {
  const { page, expectHttpError, done } = await openPage();
  await tileToConsent(page, "us5");
  await rewriteNextCallback(page, (q) => q.set("domain", siteDoc("eu1").site));
  expectHttpError("/oauth/callback", 400);
  await page.click("#authorize");
  await expectErrorPage(page, "site_mismatch");
  await done();
});

/** Token-endpoint calls per site, from the sandbox's route counters ("<site> token"). */
function tokenCalls(stats) {
  return Object.entries(stats.routes).filter(([k]) => k.endsWith(" token")).sort();
}
