// The error codes from the source: the TypeScript `ErrorCode` union (js/auth.d.ts) is the core's code table
// (src/error.rs, through the `errorCodes` operation) exactly, and every code the JS host raises is in that table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { DatadogClient, errorCodes, hostError } from "datadog-oauth-wasm";

const js = new URL("../../js/", import.meta.url);

function unionOf(dts) {
  const m = /export type ErrorCode =([^;]*);/.exec(dts);
  assert.ok(m, "js/auth.d.ts declares `export type ErrorCode = ...;`");
  const members = m[1].split("|").map((s) => s.trim()).filter(Boolean);
  for (const s of members) assert.match(s, /^"[a-z_]+"$/, `ErrorCode member ${s} is a string literal`);
  return members.map((s) => s.slice(1, -1));
}

function jsFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const u = new URL(e.name + (e.isDirectory() ? "/" : ""), dir);
    return e.isDirectory() ? jsFiles(u) : e.name.endsWith(".js") ? [u] : [];
  });
}

test("the core's code table is non-empty, unique, snake_case", () => {
  const table = errorCodes();
  assert.ok(table.length > 40, `${table.length} codes`);
  assert.equal(new Set(table).size, table.length);
  for (const c of table) assert.match(c, /^[a-z][a-z_]*$/);
});

test("the ErrorCode union in js/auth.d.ts equals the core's code table", () => {
  const union = unionOf(readFileSync(new URL("auth.d.ts", js), "utf8"));
  const table = errorCodes();
  assert.equal(new Set(union).size, union.length, "no code listed twice in the union");
  assert.deepEqual(union.filter((c) => !table.includes(c)), [], "in the union, not in src/error.rs");
  assert.deepEqual(table.filter((c) => !union.includes(c)), [], "in src/error.rs, not in the union");
});

test("the checker sees a union that drifted", () => {
  assert.deepEqual(unionOf('export type ErrorCode =\n  | "a" | "b_c";'), ["a", "b_c"]);
  assert.throws(() => unionOf("export type ErrorCode = string;"));
});

test("every code the JS host raises is in the core's code table", () => {
  const table = new Set(errorCodes());
  const raised = new Map();
  for (const f of jsFiles(js)) {
    // `{ code: "x" }` literals, and the host's helpers that take the code first (hostRaised, hostError, storeError, routeError).
    const text = readFileSync(f, "utf8");
    for (const m of text.matchAll(/\bcode: ["']([a-z_]+)["']|\b(?:hostRaised|hostError|storeError|routeError)\(["']([a-z_]+)["']/g)) {
      raised.set(m[1] ?? m[2], f.pathname.replace(/.*\/js\//, "js/"));
    }
  }
  assert.ok(raised.size >= 10, `found ${raised.size} raised codes`);
  assert.deepEqual([...raised].filter(([c]) => !table.has(c)), [], "raised by the host, missing from src/error.rs");
});

test("the hints of the codes the host raises are the core's, not written again in js/", () => {
  const sources = jsFiles(js).map((f) => readFileSync(f, "utf8")).join("\n");
  for (const code of ["secret_in_browser", "authorization_used", "store_unavailable", "connection_not_found", "decryption_failed", "token_revoked", "not_signed_in", "not_connected"]) {
    const { hint } = hostError(code, "m");
    assert.ok(hint.length > 40 && !hint.startsWith("Start the Datadog connection again; see the README"), `${code} has its own hint in the core`);
    assert.ok(!sources.includes(hint.slice(0, 40)), `${code}'s hint is also written in js/`);
  }
});

test("Datadog's advice (the Developer Platform, the integration tile) is in no string of js/", () => {
  for (const f of jsFiles(js)) {
    const text = readFileSync(f, "utf8").replace(/^\s*(\/\/|\*|\/\*).*$/gm, "");
    const found = [...text.matchAll(/(["'`])(?:(?!\1)[^\n\\]|\\.)*(Developer Platform|integration tile)(?:(?!\1)[^\n\\]|\\.)*\1/g)].map((m) => m[0]);
    assert.deepEqual(found, [], `${f.pathname.replace(/.*\/js\//, "js/")} words Datadog's advice itself`);
  }
  // The checker sees such a string.
  assert.match(`hint: "Copy it from the Developer Platform."`, /(["'`])(?:(?!\1)[^\n\\]|\\.)*(Developer Platform|integration tile)(?:(?!\1)[^\n\\]|\\.)*\1/);
});

test("the client's own errors take their hint from the core by code and case", () => {
  assert.throws(() => new DatadogClient({ clientSecret: "s" }), (e) => {
    assert.equal(e.code, "invalid_input");
    assert.equal(e.field, "clientId");
    assert.equal(e.message, "DatadogClient needs `clientId`");
    assert.equal(e.hint, "Copy the client ID from your OAuth client in Datadog's Developer Platform.");
    return true;
  });
  // A message longer than a quoted value (80 characters) is the host's own sentence, kept whole.
  const long = "this authorization (its `state`) was already exchanged for a connection; the code was not sent again";
  assert.equal(hostError("authorization_used", long).message, long);
  // Hostile: control characters do not reach a terminal, and a huge message is bounded.
  const e = hostError("token_revoked", `x\u001b[2J${"y".repeat(100_000)}`);
  assert.ok(!e.message.includes("\u001b") && e.message.length < 400, `${e.message.length}`);
  // A core code cannot be dressed up with a host message: it comes back as a generic host error, not the core's hint.
  assert.ok(!hostError("invalid_grant", "m").hint.includes("authorize again"));
});

test("not_ready's hint, written in js/core.js (the core is not loaded yet), is the core table's", () => {
  const core = readFileSync(new URL("core.js", js), "utf8");
  const m = /code: "not_ready",[^}]*hint: "((?:[^"\\]|\\.)*)"/.exec(core);
  assert.ok(m, "js/core.js raises not_ready with a literal hint");
  assert.equal(JSON.parse(`"${m[1]}"`), hostError("not_ready", "m").hint);
});
