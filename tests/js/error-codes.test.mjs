// The error codes from the source: the TypeScript `ErrorCode` union (js/auth.d.ts) is the core's code table
// (src/error.rs, through the `errorCodes` operation) exactly, and every code the JS host raises is in that table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { errorCodes, hostError } from "datadog-oauth-wasm";

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
    for (const m of readFileSync(f, "utf8").matchAll(/\bcode: ["']([a-z_]+)["']/g)) raised.set(m[1], f.pathname.replace(/.*\/js\//, "js/"));
  }
  assert.ok(raised.size >= 10, `found ${raised.size} raised codes`);
  assert.deepEqual([...raised].filter(([c]) => !table.has(c)), [], "raised by the host, missing from src/error.rs");
});

test("the hints of the codes the host raises are the core's, not written again in js/", () => {
  const sources = jsFiles(js).map((f) => readFileSync(f, "utf8")).join("\n");
  for (const code of ["secret_in_browser", "authorization_used", "store_unavailable", "connection_not_found", "decryption_failed"]) {
    const { hint } = hostError(code, "m");
    assert.ok(hint.length > 40 && !hint.startsWith("Start the Datadog connection again; see the README"), `${code} has its own hint in the core`);
    assert.ok(!sources.includes(hint.slice(0, 40)), `${code}'s hint is also written in js/`);
  }
});
