// Issue 11 item 10: a wasm trap does not poison the process. The package's `__trap` diagnostics op makes the core
// trap for real (`unreachable`, or allocating until linear memory cannot grow); the call throws internal_error with
// no secret in it, the host rebuilds the instance, and later calls, large ones included, work. Before the fix a
// trap inside the large-argument path left the argument buffer borrowed, and every later large call was a RuntimeError.
// The out-of-memory case runs in a child process: it reserves up to 4 GiB of (untouched) address space.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as full from "datadog-oauth-wasm";
import * as auth from "datadog-oauth-wasm/auth";

const SECRET = "trap_secret_0123456789abcdef0123456789";
const site = full.resolveSite("eu1");
const logs = (n) => Array.from({ length: n }, (_, i) => ({ message: `line ${i} ${"z".repeat(40)}` }));
// Over 2048 characters of JSON: goes through the argument buffer (args_buffer / call_bytes).
const bigCall = () => full.encodeLogs({ site, apiKey: "k".repeat(32) }, logs(200), { source: "acme", compress: "none" });

function trapped(dd, args) {
  try {
    dd.__trap(args);
  } catch (e) {
    return e;
  }
  assert.fail("__trap returned");
}

test("full entry: an `unreachable` trap inside a large call is internal_error, and large calls work afterwards", { timeout: 120000 }, () => {
  for (let round = 0; round < 3; round++) {
    const e = trapped(full, { kind: "unreachable", pad: SECRET.repeat(200) });
    assert.ok(full.DatadogError.is(e, "internal_error"), `${e.name}: ${e.message}`);
    assert.ok(e.hint.length > 0);
    assert.match(e.message, /__trap/);
    for (const text of [e.message, e.hint, JSON.stringify(e)]) assert.ok(!text.includes(SECRET), "no argument in the error");
    assert.equal(bigCall().batches[0].items.length, 200);
    assert.equal(full.pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  }
  // The twin: an unknown kind is an ordinary error, no trap, nothing rebuilt.
  const e = trapped(full, { kind: "nothing" });
  assert.equal(e.code, "invalid_input");
});

test("/auth entry: a trap is internal_error and the next call works", { timeout: 120000 }, () => {
  const e = trapped(auth, { kind: "unreachable" });
  assert.ok(auth.DatadogError.is(e, "internal_error"), `${e.name}: ${e.message}`);
  assert.ok(e.hint.length > 0);
  const { url } = auth.startAuthorization({ clientId: "cid", redirectUri: "https://partner.example/cb", site: "eu1" });
  assert.equal(new URL(url).host, "app.datadoghq.eu");
});

test("both entries: running out of memory (a real allocation failure) is internal_error, then calls work", { timeout: 120000 }, () => {
  const script = `
    const out = {};
    for (const name of ["datadog-oauth-wasm", "datadog-oauth-wasm/auth"]) {
      const dd = await import(name);
      let code = null;
      try { dd.__trap({ kind: "oom" }); } catch (e) { code = e.code; }
      out[name] = { code, works: dd.pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") === "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" };
    }
    console.log(JSON.stringify(out));`;
  const cwd = new URL("../..", import.meta.url).pathname;
  const r = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8", timeout: 120_000 }));
  assert.deepEqual(r, { "datadog-oauth-wasm": { code: "internal_error", works: true }, "datadog-oauth-wasm/auth": { code: "internal_error", works: true } });
});

test("CommonJS entries recover too (their bundled glue carries the rebuild)", { timeout: 120000 }, async () => {
  const { createRequire } = await import("node:module");
  const require = createRequire(import.meta.url);
  for (const name of ["datadog-oauth-wasm", "datadog-oauth-wasm/auth"]) {
    const dd = require(name);
    const e = trapped(dd, { kind: "unreachable" });
    assert.equal(e.code, "internal_error", name);
    assert.equal(dd.pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  }
});
