// The shared vectors again, this time through the package exactly as a user imports it (ESM, by name),
// so the JSON boundary, the JS wrappers and DatadogError are covered, not just the Rust core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as dd from "datadog-oauth-wasm";

const vec = (name) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8"));
const codeOf = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(dd.DatadogError.is(e), `expected DatadogError, got ${e}`);
    assert.equal(typeof e.hint, "string");
    assert.ok(e.hint.length > 0);
    return e.code;
  }
  assert.fail("expected an error");
};

test("sites(): the nine-site table", () => {
  const v = vec("sites.json");
  const got = dd.sites();
  assert.equal(got.length, 9);
  v.table.forEach((want, i) => {
    for (const [k, val] of Object.entries(want)) assert.equal(got[i][k], val, `${want.id}.${k}`);
  });
});

test("resolveSite: every accepted form", () => {
  for (const c of vec("sites.json").accept) {
    const s = dd.resolveSite(c.input);
    assert.equal(s.id, c.id, c.input);
    assert.equal(s.authorizeOrigin, c.authorizeOrigin, c.input);
    assert.equal(s.apiOrigin, `https://api.${s.site}`);
  }
});

test("resolveSite: look-alikes and injections give invalid_site", () => {
  for (const input of vec("sites.json").reject) assert.equal(codeOf(() => dd.resolveSite(input)), "invalid_site", JSON.stringify(input));
});

test("resolveSite: a descriptor round-trips, a tampered one is refused", () => {
  const eu = dd.resolveSite("acme.datadoghq.eu");
  assert.deepEqual(dd.resolveSite(eu), eu);
  assert.equal(codeOf(() => dd.resolveSite({ ...eu, vanity: "evil.com" })), "invalid_site");
  assert.equal(dd.resolveSite({ ...eu, apiOrigin: "https://evil.example" }).apiOrigin, "https://api.datadoghq.eu");
});

test("PKCE vectors, RFC 7636 appendix B included", () => {
  const v = vec("pkce.json");
  for (const c of v.valid) assert.equal(dd.pkceChallenge(c.verifier), c.challenge);
  for (const c of v.invalid) assert.equal(codeOf(() => dd.pkceChallenge(c.verifier)), "invalid_verifier", c.why);
  const p = dd.createPkce();
  assert.equal(p.verifier.length, 43);
  assert.equal(p.method, "S256");
  assert.equal(dd.pkceChallenge(p.verifier), p.challenge);
  assert.equal(dd.createPkce({ length: 128 }).verifier.length, 128);
  assert.notEqual(dd.createPkce().verifier, p.verifier);
});

test("startAuthorization: right host and parameters on every site", () => {
  for (const c of vec("authorize.json").cases) {
    const { url, pending } = dd.startAuthorization(c.params);
    const want = new URL(c.url);
    const got = new URL(url);
    assert.equal(got.origin + got.pathname, want.origin + want.pathname, c.name);
    for (const k of ["response_type", "client_id", "redirect_uri", "code_challenge_method", "scope", "dd_oid"]) {
      assert.equal(got.searchParams.get(k), want.searchParams.get(k), `${c.name}: ${k}`);
    }
    assert.equal(got.searchParams.get("state"), pending.state);
    assert.ok(pending.state.length >= 22, "state carries at least 128 bits");
    assert.equal(got.searchParams.get("code_challenge"), dd.pkceChallenge(pending.codeVerifier));
    assert.equal(pending.redirectUri, c.params.redirectUri);
    assert.ok(Math.abs(pending.createdAt - Date.now()) < 60_000);
    assert.equal(pending.site ? pending.site.id : null, c.pendingSite);
    // pending is plain JSON
    assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending);
  }
  for (const c of vec("authorize.json").errors) assert.equal(codeOf(() => dd.startAuthorization(c.params)), c.code, JSON.stringify(c.params));
});

test("parseCallback and parseOnboardingUrl vectors", () => {
  const v = vec("callbacks.json");
  for (const c of v.callbacks) {
    let pending = { state: v.state, codeVerifier: "v".repeat(43), site: c.pendingSite ? dd.resolveSite(c.pendingSite) : null,
      redirectUri: v.redirectUri, clientId: "cid", createdAt: Date.now() - (c.ageMs ?? 1000), ...c.pendingPatch };
    if (c.noPending) pending = c.noPending === "null" ? null : undefined;
    const opts = { sites: c.sites ?? [] };
    if (c.error) {
      assert.equal(codeOf(() => dd.parseCallback(c.url, pending, opts)), c.error, c.name);
    } else {
      const r = dd.parseCallback(c.url, pending, opts);
      if (c.expect.state) assert.equal(r.state, c.expect.state, c.name);
      assert.equal(r.code, c.expect.code, c.name);
      assert.equal(r.domain, c.expect.domain, c.name);
      assert.equal(r.site.id, c.expect.siteId, c.name);
      assert.equal(r.orgId, c.expect.orgId, c.name);
      assert.equal(r.orgName, c.expect.orgName, c.name);
    }
  }
  for (const c of v.onboarding) {
    if (c.error) {
      assert.equal(codeOf(() => dd.parseOnboardingUrl(c.url)), c.error, c.url);
    } else {
      const r = dd.parseOnboardingUrl(c.url);
      assert.equal(r.domain, c.domain, c.url);
      assert.equal(r.site ? r.site.id : null, c.siteId, c.url);
      if (c.siteId) assert.equal(r.site.authorizeOrigin, c.authorizeOrigin);
    }
  }
});
