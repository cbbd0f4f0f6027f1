// TypeScript: a usage sample compiles against the published declarations, and every runtime export of
// both entries has a declaration (so no export ships untyped).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as full from "datadog-oauth-wasm";
import * as auth from "datadog-oauth-wasm/auth";
import * as routes from "datadog-oauth-wasm/routes";

const root = new URL("../..", import.meta.url).pathname;

test("usage sample type-checks (strict, nodenext)", () => {
  execFileSync(`${root}node_modules/.bin/tsc`, ["-p", `${root}tests/types/tsconfig.json`], { stdio: "pipe" });
});

for (const [name, mod, dts] of [["datadog-oauth-wasm", full, "index.d.ts"], ["datadog-oauth-wasm/auth", auth, "auth.d.ts"], ["datadog-oauth-wasm/routes", routes, "routes.d.ts"]]) {
  test(`every export of ${name} is declared in ${dts}`, () => {
    const text = readFileSync(`${root}dist/${dts}`, "utf8");
    const declared = new Set([...text.matchAll(/export declare (?:function|class|const) (\w+)/g)].map((m) => m[1]));
    const missing = Object.keys(mod).filter((k) => !declared.has(k));
    assert.deepEqual(missing, []);
  });
}
