// `datadog-oauth-wasm verify` and `sandbox` (issue 14): the checklist passes on the sandbox, and fails at the right
// step with the right hint when a scope is not granted, the onboarding URL is not registered, the redirect URI does
// not match, the sandbox injects faults, or the sites list sends a call to another region. The stored-connection
// mode is read-only unless --allow-writes. No secret reaches the progress output or any report.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../../sandbox/index.mjs";
import { control } from "../../sandbox/testkit.mjs";
import { parseArgs, verify } from "../../bin/verify/run.mjs";
import { makeClient, connect, CLIENT_ID, CLIENT_SECRET } from "./support.mjs";
import { customSite } from "datadog-oauth-wasm";

const BIN = fileURLToPath(new URL("../../bin/datadog-oauth-wasm.mjs", import.meta.url));
const REDIRECT = "http://localhost:3000/oauth/callback";
const ONBOARDING = "http://localhost:3000/oauth/onboarding";
const SCOPES = "api_keys_write metrics_read events_read incident_read incident_write monitors_read monitors_write cases_read";
let work;
let sb;
before(() => { work = mkdtempSync(join(tmpdir(), "ddverify-")); });
after(async () => {
  if (sb) await sb.close();
  rmSync(work, { recursive: true, force: true });
});

/** A running sandbox configured as the test says (what `datadog-oauth-wasm sandbox` starts). */
async function runningSandbox(client = {}) {
  if (sb) await sb.close();
  sb = await startSandbox({ config: { clients: [{ redirectUris: [REDIRECT], onboardingUrl: ONBOARDING, scopes: SCOPES.split(" "), ...client }] } });
  return sb;
}

/** verify in-process, its progress lines collected; every file it wrote read back. */
async function run(args) {
  const lines = [];
  const dir = join(work, `r${Math.random().toString(36).slice(2)}`);
  const out = await verify(parseArgs([...args, "--report", dir]), { log: (l) => lines.push(l) });
  const files = Object.fromEntries(["report.json", "report.md", "report.html"].map((f) => [f, readFileSync(join(dir, f), "utf8")]));
  return { ...out, lines, files, json: JSON.parse(files["report.json"]) };
}

async function assertNoSecrets(sandbox, texts) {
  const { values } = (await control(sandbox, "GET", "/_sandbox/secrets")).body;
  assert.ok(values.length > 5, "the sandbox issued secrets");
  for (const v of values) for (const [name, t] of Object.entries(texts)) assert.ok(!t.includes(v), `a secret (${v.slice(0, 4)}…) is in ${name}`);
}

const stepOf = (r, site, step) => r.json.sites.find((s) => s.id === site).steps[step];
const scopeOf = (r, site, scope) => r.json.sites.find((s) => s.id === site).scopes.find((x) => x.scope === scope);

test("against a running sandbox: every step passes, not-in-table scopes are 'not checked', reports carry no secret", async () => {
  const s = await runningSandbox();
  const r = await run(["--sandbox", s.url, "--scopes", SCOPES, "--site-ids", "eu1,us1-fed"]);
  assert.equal(r.exitCode, 0, r.lines.join("\n"));
  assert.deepEqual(r.json.sites.map((x) => x.id), ["eu1", "us1-fed"]);
  for (const site of r.json.sites) for (const st of r.json.steps) assert.equal(site.steps[st].status, "pass", `${site.id} ${st}`);
  assert.equal(scopeOf(r, "eu1", "cases_read").status, "not_checked");
  assert.equal(scopeOf(r, "eu1", "monitors_write").status, "pass");
  assert.match(scopeOf(r, "eu1", "api_keys_write").detail, /found at the intake/);
  assert.match(scopeOf(r, "eu1", "events_read").detail, /on 2 page\(s\)/, "read checks page through the list");
  assert.deepEqual(r.json.summary.notChecked, ["cases_read"]);
  // One progress line per site and step (scope lines in between).
  for (const site of ["eu1", "us1-fed"]) for (const st of r.json.steps) assert.equal(r.lines.filter((l) => l.startsWith(site.padEnd(8) + " " + st + " ")).length, 1, `${site} ${st}`);
  assert.match(r.files["report.html"], /<table id="grid">/);
  assert.match(r.files["report.md"], /\| eu1 \(datadoghq\.eu\) \| ✅ pass \| ✅ pass \| ✅ pass \| ✅ pass \|/);
  // Cross-region evidence: per request, each on eu1's own hosts; API calls never on the app host.
  const reqs = r.json.sites[0].requests;
  assert.ok(reqs.length > 10);
  for (const q of reqs) assert.match(q.hostOf, /^eu1 /);
  assert.ok(reqs.some((q) => q.hostOf === "eu1 logs") && reqs.some((q) => q.hostOf === "eu1 app"));
  await assertNoSecrets(s, { ...r.files, progress: r.lines.join("\n") });
});

test("a scope the client was not granted: data_flow fails for that scope with Datadog's Forbidden and the scope hint", async () => {
  const s = await runningSandbox({ scopes: ["api_keys_write", "incident_read"] });
  const r = await run(["--sandbox", s.url, "--scopes", "api_keys_write incident_read monitors_read", "--site-ids", "ap1"]);
  assert.equal(r.exitCode, 1);
  for (const st of ["authorization", "api_key", "cross_region"]) assert.equal(stepOf(r, "ap1", st).status, "pass", st);
  const df = stepOf(r, "ap1", "data_flow");
  assert.equal(df.status, "fail");
  assert.equal(df.error.code, "forbidden");
  assert.match(df.error.hint, /OAuth scope/);
  const m = scopeOf(r, "ap1", "monitors_read");
  assert.equal(m.status, "fail");
  assert.equal(m.error.status, 403);
  assert.equal(scopeOf(r, "ap1", "incident_read").status, "pass");
  assert.ok(r.lines.some((l) => /hint: .*OAuth scope/.test(l)), "the hint is in the progress output");
});

test("every scope of the table is enforced: granted only api_keys_write, each other scope fails with forbidden", async () => {
  const { SCOPE_TABLE } = await import("../../bin/verify/scopes.mjs");
  const s = await runningSandbox({ scopes: ["api_keys_write"] });
  const all = Object.keys(SCOPE_TABLE);
  const r = await run(["--sandbox", s.url, "--scopes", all.join(" "), "--site-ids", "us1"]);
  assert.equal(r.exitCode, 1);
  for (const scope of all) {
    const x = scopeOf(r, "us1", scope);
    if (scope === "api_keys_write") assert.equal(x.status, "pass");
    else assert.deepEqual([x.status, x.error.code, x.error.status], ["fail", "forbidden", 403], scope);
  }
});

test("no onboarding URL registered: authorization fails with the registration hint; later steps do not pass", async () => {
  const s = await runningSandbox({ onboardingUrl: null });
  const r = await run(["--sandbox", s.url, "--site-ids", "us3"]);
  assert.equal(r.exitCode, 1);
  const a = stepOf(r, "us3", "authorization");
  assert.equal(a.status, "fail");
  assert.equal(a.error.code, "onboarding_url_not_registered");
  assert.match(a.error.hint, /onboarding URL/);
  assert.equal(stepOf(r, "us3", "api_key").status, "fail");
});

test("the tile opens another page than --onboarding-url: authorization fails with onboarding_url_mismatch", async () => {
  const s = await runningSandbox({ onboardingUrl: "https://elsewhere.example/start" });
  const r = await run(["--sandbox", s.url, "--site-ids", "us1"]);
  assert.equal(r.exitCode, 1);
  const a = stepOf(r, "us1", "authorization");
  assert.equal(a.error.code, "onboarding_url_mismatch");
  assert.match(a.error.message, /elsewhere\.example/);
});

test("the redirect URI does not match: authorization fails with redirect_uri_mismatch from Datadog's page", async () => {
  const s = await runningSandbox({ redirectUris: ["https://partner.example/other"] });
  const r = await run(["--sandbox", s.url, "--site-ids", "us5"]);
  assert.equal(r.exitCode, 1);
  const a = stepOf(r, "us5", "authorization");
  assert.equal(a.error.code, "redirect_uri_mismatch");
  assert.match(a.error.message, /Mismatching redirect URI/);
  assert.ok(a.error.hint.length > 20);
});

test("injected faults: a 500 from the marketplace key endpoint fails api_key with the status's code and hint", async () => {
  const s = await runningSandbox();
  await control(s, "POST", "/_sandbox/faults", { route: "api_key", site: "uk1", action: { status: 500 } });
  const r = await run(["--sandbox", s.url, "--scopes", "api_keys_write", "--site-ids", "uk1,us1"]);
  assert.equal(r.exitCode, 1);
  const k = stepOf(r, "uk1", "api_key");
  assert.equal(k.status, "fail");
  assert.equal(k.error.status, 500);
  assert.ok(k.error.hint.length > 0);
  assert.equal(stepOf(r, "uk1", "authorization").status, "pass");
  for (const st of r.json.steps) assert.equal(stepOf(r, "us1", st).status, "pass", `us1 ${st} is not affected`);
});

test("a misconfigured sites list sends eu1's logs to us1: cross_region fails naming the foreign host, with the sites hint", async () => {
  const s = await runningSandbox();
  const specs = s.sites.map((x) => ({ ...x }));
  specs.find((x) => x.id === "eu1").logsOrigin = s.sites.find((x) => x.id === "us1").logsOrigin;
  const file = join(work, "sites-bad.json");
  writeFileSync(file, JSON.stringify(specs));
  const r = await run(["--sandbox", s.url, "--sites", file, "--scopes", "api_keys_write", "--site-ids", "eu1"]);
  assert.equal(r.exitCode, 1);
  const x = stepOf(r, "eu1", "cross_region");
  assert.equal(x.status, "fail");
  assert.match(x.error.message, /POST \/api\/v2\/logs went to http:\/\/127\.0\.0\.1:\d+, us1's logs host/);
  assert.match(x.error.hint, /sites/);
  assert.equal(stepOf(r, "eu1", "data_flow").status, "fail", "us1 refuses eu1's key");
});

test("a stored connection: read-only by default (no write reaches the org), writes with --allow-writes", async () => {
  const s = await runningSandbox();
  const sites = s.sites.map((x) => customSite({ id: x.id, name: x.name, site: x.site, appOrigin: x.appOrigin, apiOrigin: x.apiOrigin, logsOrigin: x.logsOrigin, eventIntakeOrigin: x.eventIntakeOrigin, otlpOrigin: x.otlpOrigin }));
  await control(s, "PUT", `/_sandbox/clients/${CLIENT_ID}`, { redirectUris: ["http://127.0.0.1:7999/oauth/callback"] });
  const { client } = makeClient(sites);
  const conn = await client.createApiKey(await connect(s, client, sites.find((x) => x.id === "ap2"), null));
  const connFile = join(work, "conn.json");
  const sitesFile = join(work, "sites.json");
  writeFileSync(connFile, JSON.stringify(conn));
  writeFileSync(sitesFile, JSON.stringify(s.sites));
  process.env.VERIFY_TEST_SECRET = CLIENT_SECRET;
  const base = ["--connection", connFile, "--sites", sitesFile, "--client-id", CLIENT_ID, "--client-secret-env", "VERIFY_TEST_SECRET", "--scopes", "api_keys_write incident_read incident_write"];
  const before = (await control(s, "GET", "/_sandbox/stats")).body.routes;
  const ro = await run(base);
  assert.equal(ro.exitCode, 0, ro.lines.join("\n"));
  assert.equal(ro.json.sites.length, 1);
  assert.equal(stepOf(ro, "ap2", "authorization").status, "skipped");
  assert.equal(stepOf(ro, "ap2", "api_key").status, "pass");
  assert.equal(stepOf(ro, "ap2", "cross_region").status, "pass");
  assert.equal(scopeOf(ro, "ap2", "incident_read").status, "pass");
  assert.equal(scopeOf(ro, "ap2", "incident_write").status, "skipped");
  assert.equal(scopeOf(ro, "ap2", "api_keys_write").status, "skipped");
  const afterRo = (await control(s, "GET", "/_sandbox/stats")).body.routes;
  for (const route of ["incidents", "metrics_v2", "logs", "events_v1", "service_checks", "api_key"]) {
    assert.equal(afterRo[`ap2 ${route}`] ?? 0, before[`ap2 ${route}`] ?? 0, `read-only run sent ${route}`);
  }
  const rw = await run([...base, "--allow-writes"]);
  assert.equal(rw.exitCode, 0, rw.lines.join("\n"));
  assert.equal(scopeOf(rw, "ap2", "incident_write").status, "pass");
  assert.equal(scopeOf(rw, "ap2", "api_keys_write").status, "pass");
  assert.equal((await control(s, "GET", "/_sandbox/received?kind=metrics_v2")).body.items.length, 1);
  await assertNoSecrets(s, { ...ro.files, ...Object.fromEntries(Object.entries(rw.files).map(([k, v]) => [`rw ${k}`, v])), progress: [...ro.lines, ...rw.lines].join("\n") });
  // A tampered stored row cannot choose its hosts: a custom site outside --sites sends nothing and fails.
  const seen = [];
  const { createServer } = await import("node:http");
  const evil = createServer((req, res) => { seen.push(req.url); res.end("{}"); });
  await new Promise((r) => evil.listen(0, "127.0.0.1", r));
  writeFileSync(connFile, JSON.stringify({ ...conn, site: { ...conn.site, apiOrigin: `http://127.0.0.1:${evil.address().port}` } }));
  const tampered = await run(base);
  evil.close();
  assert.equal(tampered.exitCode, 1);
  assert.equal(tampered.json.sites[0].steps.api_key.error.code, "invalid_site");
  assert.deepEqual(seen, [], "nothing was sent to the host the stored row named");
  writeFileSync(connFile, JSON.stringify({ ...conn, domain: "datadoghq.evil" }));
  assert.equal((await run(base)).exitCode, 1);
  // A connection without an API key fails step 2 with the createApiKey hint.
  writeFileSync(connFile, JSON.stringify({ ...conn, apiKey: undefined }));
  const nokey = await run(base);
  assert.equal(nokey.exitCode, 1);
  assert.equal(stepOf(nokey, "ap2", "api_key").error.code, "missing_api_key");
});

/** Runs the bin to its exit: { code, out, err }. */
function node(args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`timed out: ${out} ${err}`)); }, timeoutMs);
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    child.on("exit", (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

/** Starts the bin and resolves once its output matches `until`: { child, out(), exited }. */
function start(args, until, { timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const exited = new Promise((r) => child.on("exit", (code) => r(code)));
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`not ready: ${out} ${err}`)); }, timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      if (until.test(out)) {
        clearTimeout(timer);
        resolve({ child, out: () => out, exited });
      }
    });
    child.stderr.on("data", (d) => { err += d; });
    exited.then((code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${out} ${err}`)); });
  });
}

test("the bin: `sandbox` prints client, registration and the sites JSON; `verify --sandbox URL` against it exits 0; bad usage exits 2", async () => {
  const sbx = await start([BIN, "sandbox", "--port", "0", "--redirect-uri", "http://localhost:4000/cb", "--onboarding-url", "http://localhost:4000/start", "--scopes", "api_keys_write teams_read"], /agent +http/);
  try {
    const out = sbx.out();
    const url = /^Datadog sandbox: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)[1];
    assert.match(out, /client ID +sandbox-client-id/);
    assert.match(out, /client secret +sandbox-client-secret/);
    assert.match(out, /redirect URI +http:\/\/localhost:4000\/cb/);
    assert.match(out, /onboarding URL http:\/\/localhost:4000\/start/);
    assert.match(out, /loopback only/);
    const json = JSON.parse(/^ {2}(\[\{.*\}\])$/m.exec(out)[1]);
    const doc = await (await fetch(`${url}/.well-known/datadog-sandbox.json`)).json();
    assert.equal(json.length, 9);
    assert.deepEqual(json.map((x) => x.apiOrigin), doc.sites.map((x) => x.apiOrigin));
    const dir = join(work, "bin-report");
    const v = await node([BIN, "verify", "--sandbox", url, "--redirect-uri", "http://localhost:4000/cb", "--onboarding-url", "http://localhost:4000/start", "--scopes", "api_keys_write teams_read", "--site-ids", "us1", "--report", dir]);
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, /^PASS: 4\/4 steps passed on 1 site/m);
    assert.match(readFileSync(join(dir, "report.md"), "utf8"), /teams_read/);
    const bad = await node([BIN, "verify", "--sandbox", url, "--site-ids", "us1", "--report", join(work, "bad"), "--redirect-uri", "http://localhost:4000/other"]);
    assert.equal(bad.code, 1);
  } finally {
    sbx.child.kill("SIGTERM");
    assert.equal(await sbx.exited, 0);
  }
  const badSites = join(work, "sites-not-a-list.json");
  writeFileSync(badSites, '{"sites": "http://evil.example"}');
  const unreadable = await node([BIN, "verify", "--sandbox", "--sites", badSites, "--report", join(work, "x")]);
  assert.equal(unreadable.code, 2);
  assert.match(unreadable.err, /^verify: /m);
  const wrongShape = join(work, "sites-evil.json");
  writeFileSync(wrongShape, JSON.stringify([{ id: "eu1", site: "datadoghq.eu", appOrigin: "https://evil.example", apiOrigin: "http://evil.example" }]));
  const refused = await node([BIN, "verify", "--sandbox", "--sites", wrongShape, "--report", join(work, "y")]);
  assert.equal(refused.code, 2, refused.out + refused.err);
  assert.match(refused.err, /invalid_site|invalid_input/);
  const usage = await node([BIN, "verify", "--bogus"]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /unknown argument --bogus/);
  const noEnv = await node([BIN, "verify", "--client-secret-env", "SURELY_UNSET_VAR_X"]);
  assert.equal(noEnv.code, 2);
});

test("cross-region evidence: another site's host, an unknown host, and an API call on the web app host are each flagged", async () => {
  const { Recorder } = await import("../../bin/verify/record.mjs");
  const r = new Recorder();
  r.knowSites([
    { id: "eu1", appOrigin: "https://app.datadoghq.eu", apiOrigin: "https://api.datadoghq.eu", logsOrigin: "https://http-intake.logs.datadoghq.eu" },
    { id: "us1", appOrigin: "https://app.datadoghq.com", apiOrigin: "https://api.datadoghq.com" },
  ]);
  r.begin("eu1");
  r.requests.push(
    { site: "eu1", step: "authorization", method: "GET", origin: "https://app.datadoghq.eu", path: "/oauth2/v1/authorize", status: 200 },
    { site: "eu1", step: "api_key", method: "POST", origin: "https://api.datadoghq.eu", path: "/api/v2/api_keys/marketplace", status: 201 },
    { site: "eu1", step: "data_flow", method: "POST", origin: "https://api.datadoghq.com", path: "/api/v2/series", status: 403 },
    { site: "eu1", step: "data_flow", method: "GET", origin: "https://acme.datadoghq.eu", path: "/api/v2/users", status: 200 },
    { site: "eu1", step: "data_flow", method: "GET", origin: "https://app.datadoghq.eu", path: "/api/v2/incidents", status: 200 },
    { site: "us1", step: "data_flow", method: "GET", origin: "https://api.datadoghq.com", path: "/api/v2/users", status: 200 },
  );
  const { requests, problems } = r.check("eu1");
  assert.equal(requests.length, 5);
  assert.deepEqual(problems, [
    "POST /api/v2/series went to https://api.datadoghq.com, us1's api host",
    "GET /api/v2/users went to https://acme.datadoghq.eu, a host of no known site",
    "GET /api/v2/incidents went to https://app.datadoghq.eu, the app (web) host, for an API call",
  ]);
  assert.deepEqual(r.check("us1").problems, []);
});
