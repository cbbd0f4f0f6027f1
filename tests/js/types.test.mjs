// TypeScript: a usage sample compiles against the published declarations, wrong calls (tests/types/wrong.ts, each
// under `@ts-expect-error`) do not, and every runtime export of both entries has a declaration (so no export ships
// untyped).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, rmSync } from "node:fs";
import * as full from "datadog-oauth-wasm";
import * as auth from "datadog-oauth-wasm/auth";
import * as routes from "datadog-oauth-wasm/routes";

const root = new URL("../..", import.meta.url).pathname;

test("usage sample type-checks and every wrong call in wrong.ts is refused (strict, nodenext)", () => {
  // An unused `@ts-expect-error` is itself an error: a declaration that became too loose fails here.
  execFileSync(`${root}node_modules/.bin/tsc`, ["-p", `${root}tests/types/tsconfig.json`], { stdio: "pipe" });
});

test("the harness bites: wrong.ts without its directives fails on exactly the lines they covered", () => {
  const dir = `${root}tests/types/`;
  const lines = readFileSync(`${dir}wrong.ts`, "utf8").split("\n");
  const expected = lines.flatMap((l, i) => (l.startsWith("// @ts-expect-error") ? [i + 2] : []));
  assert.ok(expected.length >= 50, `${expected.length} wrong calls`);
  // Same place and config as wrong.ts (the package resolves by its own name from here); removed afterwards.
  const base = `.bites-${process.pid}`;
  writeFileSync(`${dir}${base}.ts`, lines.map((l) => (l.startsWith("// @ts-expect-error") ? "//" : l)).join("\n"));
  writeFileSync(`${dir}${base}.json`, JSON.stringify({ extends: "./tsconfig.json", files: [`${base}.ts`] }));
  try {
    const r = spawnSync(`${root}node_modules/.bin/tsc`, ["-p", `${dir}${base}.json`, "--pretty", "false"], { encoding: "utf8" });
    assert.notEqual(r.status, 0, "tsc must exit non-zero on wrong calls");
    const failing = [...new Set([...r.stdout.matchAll(new RegExp(`^(?:tests/types/)?${base}\\.ts\\((\\d+),\\d+\\): error`, "gm"))].map((m) => Number(m[1])))];
    assert.deepEqual(failing, expected, "an error on each uncovered wrong call, and nowhere else");
  } finally {
    rmSync(`${dir}${base}.ts`, { force: true });
    rmSync(`${dir}${base}.json`, { force: true });
  }
});

for (const [name, mod, dts] of [["datadog-oauth-wasm", full, "index.d.ts"], ["datadog-oauth-wasm/auth", auth, "auth.d.ts"], ["datadog-oauth-wasm/routes", routes, "routes.d.ts"]]) {
  test(`every export of ${name} is declared in ${dts}`, () => {
    const text = readFileSync(`${root}dist/${dts}`, "utf8");
    const declared = new Set([...text.matchAll(/export declare (?:function|class|const) (\w+)/g)].map((m) => m[1]));
    const missing = Object.keys(mod).filter((k) => !declared.has(k));
    assert.deepEqual(missing, []);
  });
}
