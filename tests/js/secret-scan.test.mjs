// The secret-hygiene scanner (scripts/secret-scan.mjs) itself: it catches a planted secret in stdout or stderr
// (plain, URL-encoded, JSON-escaped), prints it only as a redacted prefix, does not flag `***` or a prefix, passes
// the command's output and exit status through, and collects secrets from the sandbox's DD_SECRET_LOG, the
// vectors and the Rust constants.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  collectSecrets, findSecrets, logSecrets, redact, scan, secretsInJson, variants, vectorSecrets,
} from "../../scripts/secret-scan.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCANNER = join(ROOT, "scripts/secret-scan.mjs");
// Built at run time so this file's own text holds no secret-looking literal worth flagging.
const PLANTED = ["planted", "Secret", "Value", "9f8e7d"].join("_");

/** Run the scanner around `node -e script` with its own DD_SECRET_LOG; returns status and the three outputs. */
function runWrapped(script, { log = [], env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "scan-test-"));
  try {
    const file = join(dir, "secrets.jsonl");
    writeFileSync(file, log.map((v) => JSON.stringify({ kind: "test", value: v })).join("\n") + (log.length ? "\n" : ""));
    const r = spawnSync(process.execPath, [SCANNER, "--", process.execPath, "-e", script], {
      encoding: "utf8", env: { ...process.env, DD_SECRET_LOG: file, ...env }, cwd: ROOT,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, log: readFileSync(file, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a planted secret in stdout fails the run, reported only as a redacted prefix", () => {
  const r = runWrapped(`console.log("token is " + ${JSON.stringify(PLANTED)}); console.log("done")`, { log: [PLANTED] });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /done/, "the output is passed through");
  const report = r.stderr;
  assert.match(report, /secret-scan: 1 secret occurrence/);
  assert.match(report, /stdout:1:10/);
  assert.ok(!report.includes(PLANTED), "the report never prints the secret");
  assert.ok(report.includes(redact(PLANTED)), report);
});

test("a secret written by the command itself to DD_SECRET_LOG (as the sandbox does) is found in stderr", () => {
  const script = `
    const fs = require("node:fs");
    fs.appendFileSync(process.env.DD_SECRET_LOG, JSON.stringify({ kind: "access_token", value: ${JSON.stringify(PLANTED)} }) + "\\n");
    console.error("oops " + encodeURIComponent(${JSON.stringify(PLANTED + "/+")}));`;
  const r = runWrapped(script);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /stderr:1:6 +access_token/);
});

test("redacted output (***), a short prefix and other text pass; the command's status is kept", () => {
  const ok = runWrapped(`console.log("Bearer ***"); console.log(${JSON.stringify(PLANTED.slice(0, 7))} + "…")`, { log: [PLANTED] });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stderr, /secret-scan: ok/);
  const failing = runWrapped("process.exit(3)", { log: [PLANTED] });
  assert.equal(failing.status, 3);
  const leakAndFail = runWrapped(`console.log(${JSON.stringify(PLANTED)}); process.exit(4)`, { log: [PLANTED] });
  assert.equal(leakAndFail.status, 4, "a failing command keeps its own status");
  assert.match(leakAndFail.stderr, /FAILED/);
});

test("the sandbox records what it issues and sees in DD_SECRET_LOG; a leak of one is caught", () => {
  const script = `
    const { startSandbox } = await import(${JSON.stringify(join(ROOT, "sandbox/index.mjs"))});
    const { connect } = await import(${JSON.stringify(join(ROOT, "sandbox/testkit.mjs"))});
    const sb = await startSandbox({ config: { clients: [{ redirectUris: ["https://p.example/cb"] }] } });
    const c = await connect(sb, "eu1", { redirectUri: "https://p.example/cb" });
    const listed = await (await fetch(sb.url + "/_sandbox/secrets")).json();
    const all = [c.tokens.access_token, c.tokens.refresh_token, c.apiKey, c.code, c.verifier, "sandbox-client-secret"];
    console.log("listed: " + all.every((s) => listed.values.includes(s)));
    console.log("an error message: invalid_grant for " + JSON.stringify({ refresh_token: c.tokens.refresh_token }));
    await sb.close();`;
  const dir = mkdtempSync(join(tmpdir(), "scan-test-"));
  try {
    const file = join(dir, "secrets.jsonl");
    writeFileSync(file, "");
    const r = spawnSync(process.execPath, [SCANNER, "--", process.execPath, "--input-type=module", "-e", script], {
      encoding: "utf8", env: { ...process.env, DD_SECRET_LOG: file }, cwd: ROOT,
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /listed: true/);
    assert.match(r.stderr, /stdout:2:\d+ +refresh_token ddsbx_rt_/);
    const kinds = new Set(readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l).kind));
    for (const k of ["client_secret", "code", "code_verifier", "access_token", "refresh_token", "api_key"]) assert.ok(kinds.has(k), k);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("findSecrets: every encoded form, exact positions, one pass for many secrets", () => {
  const s = "s3cr3t~value.with+plus/=";
  const many = new Map([[s, { kind: "client_secret", source: "t" }]]);
  for (let i = 0; i < 5000; i++) many.set(`ddsbx_at_${i.toString(36).padStart(8, "0")}`, { kind: "access_token", source: "t" });
  const text = ["ok ***", `form ${new URLSearchParams({ s }).toString()}`, `json ${JSON.stringify({ s })}`, `url ${encodeURIComponent(s)}`, `raw ${s}`, "ddsbx_at_0000002s end", "ddsbx_at_ (a prefix only)"].join("\n");
  const hits = findSecrets(text, many);
  assert.deepEqual(hits.map((h) => [h.line, h.column, h.info.kind]), [
    [2, 8, "client_secret"], [3, 12, "client_secret"], [4, 5, "client_secret"], [5, 5, "client_secret"], [6, 1, "access_token"],
  ]);
  assert.ok(variants(s).length >= 3);
  assert.deepEqual(findSecrets("short1 short2", new Map([["short1", { kind: "x" }]])), [], "secrets under 8 characters are ignored");
  const findings = scan({ stdout: text }, many);
  assert.ok(findings.every((f) => !f.excerpt.includes(s) && !f.prefix.includes(s)));
});

test("vectors: the fixed secrets are found, OTLP attribute keys are not", () => {
  const secrets = vectorSecrets(ROOT);
  const values = [...secrets.keys()];
  assert.ok(values.includes("s3cr3t~value.with+plus"), "token.json client secret");
  assert.ok(values.includes("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "RFC 7636 verifier");
  assert.ok(values.some((v) => v.startsWith("dd-test-api-key-")), "intake API keys");
  assert.ok(!values.includes("service.name") && !values.includes("operation.name"), "OTLP attribute names are not API keys");
  const nested = secretsInJson({ response: { body: JSON.stringify({ data: { attributes: { key: "abcdef0123456789" } } }) }, request: { body: "grant_type=refresh_token&refresh_token=rt-0123456789&client_id=x", headers: { authorization: "Bearer at-0123456789" } } }, "t");
  assert.deepEqual([...nested.keys()].sort(), ["abcdef0123456789", "at-0123456789", "rt-0123456789"]);
  const all = collectSecrets({ root: ROOT });
  assert.ok([...all.values()].some((i) => i.source.endsWith(".rs")), "Rust secret constants are collected");
});

test("logSecrets reads JSON lines, JSON strings, plain lines and a torn last line", () => {
  const dir = mkdtempSync(join(tmpdir(), "scan-test-"));
  try {
    const f = join(dir, "l");
    writeFileSync(f, `{"kind":"api_key","value":"0123456789abcdef"}\n"json-string-secret"\nplain-text-secret\nshort\n{"kind":"code","val`);
    const got = logSecrets(f);
    assert.deepEqual([...got.keys()], ["0123456789abcdef", "json-string-secret", "plain-text-secret", '{"kind":"code","val']);
    assert.equal(got.get("0123456789abcdef").kind, "api_key");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("GET /_sandbox/secrets: everything since start (across resets), client edits included, no CORS header", async () => {
  const { startSandbox } = await import("../../sandbox/index.mjs");
  const { connect, control } = await import("../../sandbox/testkit.mjs");
  const sb = await startSandbox({ config: { clients: [{ redirectUris: ["https://p.example/cb"] }] } });
  try {
    const c = await connect(sb, "ap1", { redirectUri: "https://p.example/cb" });
    const edited = ["edited", "client", "secret", "42"].join("-");
    await control(sb, "PUT", "/_sandbox/clients/sandbox-client-id", { clientSecret: edited });
    await control(sb, "POST", "/_sandbox/reset");
    const r = await control(sb, "GET", "/_sandbox/secrets");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("access-control-allow-origin"), null);
    const byValue = new Map(r.body.secrets.map((x) => [x.value, x.kind]));
    assert.equal(byValue.get(c.tokens.access_token), "access_token");
    assert.equal(byValue.get(c.tokens.refresh_token), "refresh_token");
    assert.equal(byValue.get(c.apiKey), "api_key");
    assert.equal(byValue.get(c.code), "code");
    assert.equal(byValue.get(c.verifier), "code_verifier");
    assert.equal(byValue.get("sandbox-client-secret"), "client_secret");
    assert.equal(byValue.get(edited), "client_secret");
    assert.deepEqual(r.body.values, r.body.secrets.map((x) => x.value));
  } finally {
    await sb.close();
  }
});
