// The package as published: `npm pack` of the built package, checked by publint and @arethetypeswrong/cli, then
// installed into a scratch project and bundled by esbuild for --platform=browser, node and neutral (and a
// CommonJS node bundle). Each bundle runs — the node ones in Node, the browser and neutral ones in headless
// Chromium — and computes a PKCE pair and an authorization URL.
//
// publint and attw come from the npm registry: node_modules/.bin when they are devDependencies, else installed
// once (pinned) into a cache folder under the OS temp dir. Known findings are listed below; anything else fails.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { launchChromium, serveDir } from "./support/browser.mjs";

const root = new URL("../..", import.meta.url).pathname;
const PUBLINT = "publint@0.3.25";
const ATTW = "@arethetypeswrong/cli@0.18.5";

// Findings accepted on purpose (none today: `types` sits inside each `import`/`require` branch, and
// `typesVersions` serves `./auth` to TypeScript's old node10 resolution). Anything not listed fails.
const KNOWN_PUBLINT = [];
const KNOWN_ATTW = [];

let work; // scratch folder: the tarball, the unpacked package, the scratch project, the bundles
let tarball;
let project;

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20, ...opts });

/** A tool's executable: the project's own devDependency, or a pinned install cached under the temp dir. */
function tool(bin) {
  const local = join(root, "node_modules", ".bin", bin);
  if (existsSync(local)) return local;
  const cache = join(tmpdir(), `datadog-oauth-wasm-pkgcheck-${PUBLINT}-${ATTW}`.replace(/[@/]/g, "_"));
  const exe = join(cache, "node_modules", ".bin", bin);
  if (!existsSync(exe)) {
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, "package.json"), '{"private":true}');
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", PUBLINT, ATTW], { cwd: cache });
  }
  return exe;
}

before(() => {
  assert.ok(existsSync(join(root, "dist", "node.mjs")), "build the package first: node scripts/build.mjs");
  work = mkdtempSync(join(tmpdir(), "ddoauth-pack-"));
  // The tarball snapshots dist/ at once, so a concurrent rebuild cannot change what the checks see.
  const name = run("npm", ["pack", "--pack-destination", work, "--loglevel=error"], { cwd: root }).trim().split("\n").pop();
  tarball = join(work, name);
  project = join(work, "project");
  mkdirSync(join(project, "node_modules"), { recursive: true });
  run("tar", ["-xzf", tarball, "-C", work]);
  renameSync(join(work, "package"), join(project, "node_modules", "datadog-oauth-wasm"));
  writeFileSync(join(project, "package.json"), '{"private":true,"type":"module"}');
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the tarball holds dist/, the README, the bin and the sandbox (without its tests), nothing else", () => {
  const files = run("tar", ["-tzf", tarball]).trim().split("\n").map((f) => f.replace(/^package\//, "")).sort();
  const shipped = (f) => f === "package.json" || f === "README.md" || f === "LICENSE" || f === "LICENSE-MIT" || f === "LICENSE-APACHE" || f.startsWith("dist/") || f.startsWith("bin/") ||
    /^sandbox\/[a-z]+\.mjs$/.test(f) || f === "sandbox/README.md";
  for (const f of files) assert.ok(shipped(f), `unexpected file in the package: ${f}`);
  for (const f of ["dist/node.mjs", "dist/node.cjs", "dist/browser.mjs", "dist/auth.mjs", "dist/index.d.ts", "dist/datadog_oauth_wasm_bg.wasm", "dist/datadog_oauth_wasm_node_bg.wasm",
    "bin/datadog-oauth-wasm.mjs", "bin/verify/run.mjs", "sandbox/index.mjs", "sandbox/cli.mjs"]) {
    assert.ok(files.includes(f), `${f} is missing from the package`);
  }
});

test("publint", (t) => {
  let out;
  try {
    out = run(tool("publint"), ["run", tarball, "--level", "suggestion"]);
  } catch (e) {
    assert.fail(`publint found errors:\n${e.stdout}${e.stderr}`);
  }
  const findings = out.split("\n").filter((l) => /^\d+\. /.test(l)).map((l) => l.replace(/^\d+\. /, ""));
  for (const f of findings) t.diagnostic(`publint: ${f}`);
  const unknown = findings.filter((f) => !KNOWN_PUBLINT.some((re) => re.test(f)));
  assert.deepEqual(unknown, [], `new publint findings:\n${out}`);
});

test("are the types wrong", (t) => {
  let out;
  try {
    out = run(tool("attw"), [tarball, "--format", "json"]);
  } catch (e) {
    out = e.stdout; // attw exits non-zero when it finds problems; the JSON says which
  }
  const report = JSON.parse(out);
  const problems = report.analysis?.problems ?? report.problems ?? [];
  for (const p of problems) t.diagnostic(`attw: ${p.kind} ${p.entrypoint ?? ""} ${p.resolutionKind ?? ""}`);
  const unknown = problems.filter((p) => !KNOWN_ATTW.some((k) => Object.entries(k).every(([key, v]) => p[key] === v)));
  assert.deepEqual(unknown, [], "new attw problems");
});

// What each bundle runs: a PKCE pair and an authorization URL, checked against each other.
const ENTRY = `
import { createPkce, pkceChallenge, startAuthorization, sites } from "datadog-oauth-wasm";
const pkce = createPkce();
const { url, pending } = startAuthorization({ clientId: "bundle-client", redirectUri: "https://partner.example/cb", site: "eu1", scopes: ["metrics_read"] });
const u = new URL(url);
const result = {
  sites: sites().length,
  pkce: pkce.method === "S256" && pkce.verifier.length >= 43 && pkceChallenge(pkce.verifier) === pkce.challenge,
  authorize: u.origin + u.pathname,
  state: u.searchParams.get("state") === pending.state,
  challenge: u.searchParams.get("code_challenge") === pkceChallenge(pending.codeVerifier),
  redirect: u.searchParams.get("redirect_uri"),
};
globalThis.__bundleResult = result;
if (typeof process === "object" && process.versions && process.versions.node && !globalThis.__inBrowser) console.log(JSON.stringify(result));
`;
const ENTRY_CJS = ENTRY.replace(/^import (.*) from "datadog-oauth-wasm";$/m, 'const $1 = require("datadog-oauth-wasm");');

const WANT = { sites: 9, pkce: true, authorize: "https://app.datadoghq.eu/oauth2/v1/authorize", state: true, challenge: true, redirect: "https://partner.example/cb" };

/** Bundle the entry for a platform into its own folder, with the package's .wasm files beside the bundle. */
async function bundle(platform, format = "esm") {
  const dir = join(work, `bundle-${platform}-${format}`);
  mkdirSync(dir, { recursive: true });
  const entry = join(project, `entry-${format}.${format === "esm" ? "mjs" : "cjs"}`);
  writeFileSync(entry, format === "esm" ? ENTRY : ENTRY_CJS);
  const outfile = join(dir, format === "esm" ? "bundle.mjs" : "bundle.cjs");
  const r = await build({ entryPoints: [entry], bundle: true, platform, format, outfile, absWorkingDir: project, target: "es2022", logLevel: "silent", metafile: true });
  assert.deepEqual(r.errors, []);
  // esbuild does not follow `new URL("./x.wasm", import.meta.url)`: the .wasm must be shipped beside the bundle,
  // as a user's build would copy it (see the report).
  const dist = join(project, "node_modules", "datadog-oauth-wasm", "dist");
  for (const f of readdirSync(dist).filter((f) => f.endsWith(".wasm"))) copyFileSync(join(dist, f), join(dir, f));
  const inputs = Object.keys(r.metafile.inputs).filter((p) => p.includes("datadog-oauth-wasm/"));
  return { dir, outfile, inputs };
}

function runInNode(outfile) {
  return JSON.parse(run(process.execPath, [outfile], { cwd: join(outfile, "..") }).trim().split("\n").pop());
}

async function runInChromium(dir) {
  writeFileSync(join(dir, "index.html"), '<!doctype html><meta charset="utf-8"><script>globalThis.__inBrowser = true</script><script type="module" src="./bundle.mjs"></script>');
  const server = await serveDir(dir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${server.url}/index.html`);
    await page.waitForFunction(() => globalThis.__bundleResult !== undefined, null, { timeout: 20_000 }).catch(() => {});
    const result = await page.evaluate(() => globalThis.__bundleResult);
    assert.deepEqual(errors, [], "errors in the page");
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}

test("esbuild --platform=node (ESM) picks the Node entry and runs in Node", async () => {
  const b = await bundle("node");
  assert.ok(b.inputs.some((p) => p.endsWith("dist/node.mjs")), `bundled ${b.inputs}`);
  assert.deepEqual(runInNode(b.outfile), WANT);
});

test("esbuild --platform=node (CommonJS require) picks the CommonJS entry and runs in Node", async () => {
  const b = await bundle("node", "cjs");
  assert.ok(b.inputs.some((p) => p.endsWith("dist/node.cjs")), `bundled ${b.inputs}`);
  assert.deepEqual(runInNode(b.outfile), WANT);
});

test("esbuild --platform=browser picks the browser entry and runs in headless Chromium", async () => {
  const b = await bundle("browser");
  assert.ok(b.inputs.some((p) => p.endsWith("dist/browser.mjs")), `bundled ${b.inputs}`);
  assert.deepEqual(await runInChromium(b.dir), WANT);
});

test("esbuild --platform=neutral picks the default (browser) entry and runs in headless Chromium", async () => {
  const b = await bundle("neutral");
  assert.ok(b.inputs.some((p) => p.endsWith("dist/browser.mjs")), `bundled ${b.inputs}`);
  assert.deepEqual(await runInChromium(b.dir), WANT);
});
