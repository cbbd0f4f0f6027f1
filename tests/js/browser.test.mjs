// The package in a real browser: native ESM straight from dist/ (top-level await loads the wasm, no init
// call), and a Vite production build of a small app importing it by name, both run in headless Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, serveDir } from "./support/browser.mjs";

const repo = new URL("../..", import.meta.url).pathname;
let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

// What the page computes, in the browser, with whichever module it imported as `dd`.
const probe = `
  const p = dd.createPkce();
  const { url, pending } = dd.startAuthorization({ clientId: "cid", redirectUri: "https://partner.example/cb", site: "eu1" });
  let code = null;
  try { dd.resolveSite("datadoghq.com.evil.com"); } catch (e) { code = e.code; }
  // The full entry: a large argument (written straight into the core's memory) with characters outside ASCII.
  let big = null;
  if (dd.encodeLogs) {
    const logs = Array.from({ length: 400 }, (_, i) => ({ message: "é日本😀 " + i + " " + "x".repeat(20) }));
    const out = dd.encodeLogs({ site: dd.resolveSite("eu1"), apiKey: "k".repeat(32) }, logs, { source: "acme" });
    const body = JSON.parse(out.batches[0].request.body);
    big = body.length === 400 && body.every((l, i) => l.message === logs[i].message && l.ddsource === "acme");
  }
  window.__result = { big, sites: dd.sites().length, verifierLength: p.verifier.length, challengeOk: dd.pkceChallenge(p.verifier) === p.challenge,
    host: new URL(url).host, state: pending.state.length, rejected: code, rfc: dd.pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") };
`;

function check(r, full) {
  assert.equal(r.big, full ? true : null);
  assert.equal(r.sites, 9);
  assert.equal(r.verifierLength, 43);
  assert.equal(r.challengeOk, true);
  assert.equal(r.host, "app.datadoghq.eu");
  assert.equal(r.state, 43);
  assert.equal(r.rejected, "invalid_site");
  assert.equal(r.rfc, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

async function run(url) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.__result, null, { timeout: 15000 });
  const r = await page.evaluate(() => window.__result);
  await page.close();
  assert.deepEqual(errors, []);
  return r;
}

for (const entry of ["auth.mjs", "browser.mjs"]) {
  test(`native ESM in Chromium: dist/${entry}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "dd-esm-"));
    try {
      symlinkSync(join(repo, "dist"), join(dir, "dist"));
      writeFileSync(join(dir, "index.html"), `<!doctype html><link rel="icon" href="data:,"><script type="module">import * as dd from "./dist/${entry}"; ${probe}</script>`);
      const srv = await serveDir(dir);
      try { check(await run(`${srv.url}/index.html`), entry === "browser.mjs"); } finally { await srv.close(); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

test("Vite bundles the package (both entries) and the bundle runs in Chromium", async () => {
  const { build } = await import("vite");
  const dir = mkdtempSync(join(tmpdir(), "dd-vite-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(repo, join(dir, "node_modules", "datadog-oauth-wasm"));
    writeFileSync(join(dir, "index.html"), `<!doctype html><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`);
    writeFileSync(join(dir, "main.js"), `import * as dd from "datadog-oauth-wasm/auth";\nimport { DatadogClient } from "datadog-oauth-wasm";\n${probe}\nwindow.__result.client = typeof DatadogClient;`);
    await build({ root: dir, logLevel: "silent", build: { outDir: join(dir, "out"), emptyOutDir: true } });
    const srv = await serveDir(join(dir, "out"));
    try {
      const r = await run(`${srv.url}/index.html`);
      check(r);
      assert.equal(r.client, "function");
    } finally { await srv.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

// Issue 11 item 19: the /auth glue once named the full core's file as its default URL, so a bundler shipped both
// cores with an app that only authorizes. The app also checks, in the browser, that a trap is recovered from.
test("Vite: an app importing only datadog-oauth-wasm/auth ships exactly one .wasm, and survives a core trap", async () => {
  const { build } = await import("vite");
  const { readdirSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "dd-vite-auth-"));
  try {
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(repo, join(dir, "node_modules", "datadog-oauth-wasm"));
    writeFileSync(join(dir, "index.html"), `<!doctype html><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`);
    writeFileSync(join(dir, "main.js"), `import * as dd from "datadog-oauth-wasm/auth";\n` +
      `let trap = null;\ntry { dd.__trap({ kind: "unreachable" }); } catch (e) { trap = e.code; }\n${probe}\nwindow.__result.trap = trap;`);
    await build({ root: dir, logLevel: "silent", build: { outDir: join(dir, "out"), emptyOutDir: true } });
    const files = readdirSync(join(dir, "out"), { recursive: true }).map(String);
    const wasm = files.filter((f) => f.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `wasm files emitted: ${wasm.join(", ")}`);
    assert.match(wasm[0], /datadog_oauth_wasm_auth_bg/);
    const srv = await serveDir(join(dir, "out"));
    try {
      const r = await run(`${srv.url}/index.html`);
      assert.equal(r.trap, "internal_error");
      check(r, false);
    } finally { await srv.close(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
