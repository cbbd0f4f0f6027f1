// Issue 14's "done": from the packed tarball installed in an empty folder (no runtime dependencies, nothing beyond
// the npm registry), `npx datadog-oauth-wasm sandbox` starts and prints what a partner needs, and
// `npx datadog-oauth-wasm verify --sandbox` passes on all nine sites and writes the report.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
let work;
let project;

before(() => {
  assert.ok(existsSync(join(root, "dist", "node.mjs")), "build the package first: node scripts/build.mjs");
  work = mkdtempSync(join(tmpdir(), "ddverify-pack-"));
  const name = execFileSync("npm", ["pack", "--pack-destination", work, "--loglevel=error"], { cwd: root, encoding: "utf8" }).trim().split("\n").pop();
  project = join(work, "app");
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), '{"name":"partner-app","private":true}');
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", join(work, name)], { cwd: project, encoding: "utf8" });
});
after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

function npx(args, { until, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    // Its own process group, so the sandbox behind npx's shell is stopped with it.
    const child = spawn("npx", ["--no", "datadog-oauth-wasm", ...args], { cwd: project, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => { process.kill(-child.pid, "SIGKILL"); reject(new Error(`timed out: ${out} ${err}`)); }, timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      if (until && until.test(out)) {
        until = null;
        process.kill(-child.pid, "SIGTERM");
      }
    });
    child.stderr.on("data", (d) => { err += d; });
    child.on("exit", (code, signal) => { clearTimeout(timer); resolve({ code, signal, out, err }); });
  });
}

test("npx datadog-oauth-wasm sandbox (installed from the tarball) starts and prints sites, client and registration", async () => {
  const r = await npx(["sandbox", "--port", "0"], { until: /agent +http/ });
  assert.match(r.out, /^Datadog sandbox: http:\/\/127\.0\.0\.1:\d+$/m, r.err);
  assert.match(r.out, /client secret +sandbox-client-secret/);
  assert.match(r.out, /redirect URI +http:\/\/localhost:3000\/oauth\/callback/);
  for (const id of ["us1", "us3", "us5", "eu1", "ap1", "ap2", "uk1", "us1-fed", "us2-fed"]) assert.match(r.out, new RegExp(`^ {2}${id} +\\S+ +app http`, "m"), id);
});

test("npx datadog-oauth-wasm verify --sandbox passes on all nine sites and writes the report", async () => {
  const r = await npx(["verify", "--sandbox", "--client-id", "sandbox-client-id", "--scopes", "api_keys_write metrics_read monitors_read", "--report", "out"]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^PASS: 36\/36 steps passed on 9 site\(s\)$/m);
  const json = JSON.parse(readFileSync(join(project, "out", "report.json"), "utf8"));
  assert.equal(json.sites.length, 9);
  const md = readFileSync(join(project, "out", "report.md"), "utf8");
  const html = readFileSync(join(project, "out", "report.html"), "utf8");
  assert.match(html, /<table id="grid">/);
  // The sandbox's secrets have recognisable shapes: its client secret, token prefixes, 32-hex API keys.
  for (const [name, text] of Object.entries({ md, html, json: JSON.stringify(json), out: r.out })) {
    assert.doesNotMatch(text, /sandbox-client-secret|ddsbx_(at|rt|code)_|\b[0-9a-f]{32}\b/, name);
  }
});

test("from the repository itself (a fresh clone, built): npx datadog-oauth-wasm verify --sandbox passes", async () => {
  const out = join(work, "repo-report");
  const r = await new Promise((resolve) => {
    const child = spawn("npx", ["--no", "datadog-oauth-wasm", "verify", "--sandbox", "--site-ids", "us2-fed", "--report", out], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let o = "";
    child.stdout.on("data", (d) => { o += d; });
    child.stderr.on("data", (d) => { o += d; });
    child.on("exit", (code) => resolve({ code, out: o }));
  });
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^PASS: 4\/4 steps passed on 1 site\(s\)$/m);
  assert.ok(existsSync(join(out, "report.html")));
});
