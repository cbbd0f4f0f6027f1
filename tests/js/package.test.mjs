// The package as users load it: ESM import and CommonJS require by name, with no init call; custom sites
// for local work; errors that carry a code and a hint and never a secret.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import * as esm from "datadog-oauth-wasm";

const require = createRequire(import.meta.url);

test("CommonJS require works without an init call", () => {
  const cjs = require("datadog-oauth-wasm");
  assert.equal(cjs.sites().length, 9);
  assert.equal(cjs.resolveSite("EU").site, "datadoghq.eu");
  assert.equal(typeof cjs.DatadogError, "function");
  // Two module instances, one error contract: codes, not class identity.
  try {
    cjs.resolveSite("evil.com");
    assert.fail();
  } catch (e) {
    assert.ok(esm.DatadogError.is(e, "invalid_site"));
  }
});

test("ESM import is ready at once", async () => {
  await esm.ready;
  assert.equal(esm.sites().length, 9);
});

test("node:crypto is loaded at the first hash, not at import or by the authorization calls (cold start)", () => {
  // In a fresh ESM process, as a server starts: the entry, then what every flow calls first, then a hash.
  const script = `
    const loaded = () => process.moduleLoadList.includes("NativeModule crypto");
    const dd = await import("datadog-oauth-wasm");
    const atImport = loaded();
    dd.createPkce();
    dd.startAuthorization({ clientId: "c", redirectUri: "https://partner.example/cb", site: "eu1" });
    const afterFlow = loaded();
    const store = dd.memoryStore();
    const client = new dd.DatadogClient({ clientId: "c", clientSecret: "s", redirectUri: "https://partner.example/cb", store, fetch: async () => new Response("{}", { status: 500 }) });
    await client.exchangeCode({ code: "x", codeVerifier: "v".repeat(43), domain: "datadoghq.eu", state: "st" }).catch(() => {});
    console.log(JSON.stringify({ atImport, afterFlow, afterHash: loaded() }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: new URL("../..", import.meta.url), encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { atImport: false, afterFlow: false, afterHash: true });
});

test("custom sites: http only on loopback, never from resolveSite text", () => {
  const local = esm.customSite({ id: "sandbox-eu1", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:9001", apiOrigin: "http://127.0.0.1:9002" });
  assert.equal(local.custom, true);
  assert.equal(local.logsOrigin, "http://127.0.0.1:9002");
  assert.throws(() => esm.customSite({ site: "datadoghq.eu", appOrigin: "http://10.1.2.3", apiOrigin: "http://127.0.0.1:1" }), { code: "invalid_site" });
  assert.throws(() => esm.resolveSite("http://127.0.0.1:9001"), { code: "invalid_site" });
  // Explicitly configured, it resolves and drives the flow.
  assert.equal(esm.resolveSite("http://127.0.0.1:9001", { sites: [local] }).id, "sandbox-eu1");
  const { url, pending } = esm.startAuthorization({ clientId: "c", redirectUri: "http://127.0.0.1:7000/cb", site: local, sites: [local] });
  assert.ok(url.startsWith("http://127.0.0.1:9001/oauth2/v1/authorize?"));
  const cb = `http://127.0.0.1:7000/cb?code=abc&state=${pending.state}&domain=datadoghq.eu&site=http%3A%2F%2F127.0.0.1%3A9001`;
  const r = esm.parseCallback(cb, pending, { sites: [local] });
  assert.equal(r.site.apiOrigin, "http://127.0.0.1:9002");
  const onb = esm.parseOnboardingUrl("http://127.0.0.1:7000/onboard?site=http%3A%2F%2F127.0.0.1%3A9001&domain=datadoghq.eu", { sites: [local] });
  assert.equal(onb.site.id, "sandbox-eu1");
  assert.equal(onb.domain, "datadoghq.eu");
});

test("custom sites: a flow started without a site goes to the configured stand-in for US1", () => {
  const us1 = esm.customSite({ id: "sandbox-us1", site: "datadoghq.com", appOrigin: "http://127.0.0.1:9101", apiOrigin: "http://127.0.0.1:9102" });
  const eu1 = esm.customSite({ id: "sandbox-eu1", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:9001", apiOrigin: "http://127.0.0.1:9002" });
  const { url } = esm.startAuthorization({ clientId: "c", redirectUri: "http://127.0.0.1:7000/cb", sites: [us1, eu1] });
  assert.ok(url.startsWith("http://127.0.0.1:9101/oauth2/v1/authorize?"), url);
  // Without custom sites it is real US1, where Datadog lets the user pick a region.
  assert.ok(esm.startAuthorization({ clientId: "c", redirectUri: "http://127.0.0.1:7000/cb" }).url.startsWith("https://app.datadoghq.com/oauth2/v1/authorize?"));
  // A real Datadog address where a custom site is configured: a mismatch that says so.
  try {
    esm.parseOnboardingUrl("http://127.0.0.1:7000/onboard?site=https://app.datadoghq.eu&domain=datadoghq.eu", { sites: [eu1] });
    assert.fail("expected site_mismatch");
  } catch (e) {
    assert.equal(e.code, "site_mismatch");
    assert.match(e.message, /custom site/);
  }
});

test("endpoints for a site", () => {
  const e = esm.endpoints("us5");
  assert.equal(e.token, "https://api.us5.datadoghq.com/oauth2/v1/token");
  assert.equal(e.logs, "https://http-intake.logs.us5.datadoghq.com/api/v2/logs");
  assert.equal(e.authorize, "https://us5.datadoghq.com/oauth2/v1/authorize");
});

test("errors never carry the verifier", () => {
  const secret = "s3cr3t-verifier-value-that-is-long-enough!!";
  try {
    esm.pkceChallenge(secret);
    assert.fail();
  } catch (e) {
    assert.equal(e.code, "invalid_verifier");
    assert.ok(!JSON.stringify(e).includes("s3cr3t") && !e.message.includes("s3cr3t") && !e.hint.includes("s3cr3t"));
  }
});

test("bad arguments are typed errors, not crashes", () => {
  assert.throws(() => esm.startAuthorization({}), { code: "invalid_input" });
  assert.throws(() => esm.startAuthorization({ clientId: 5, redirectUri: "https://x.example/cb" }), { code: "invalid_input" });
  assert.throws(() => esm.parseCallback("https://x.example/cb", null), { code: "no_pending_authorization" });
});
