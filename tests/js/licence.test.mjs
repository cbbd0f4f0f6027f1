// Issue 11 item 20: the package is "MIT OR Apache-2.0", and its tarball carries both licence texts, checked on
// `npm pack --dry-run --json`'s own file list (what npm would publish), with the copyright line and the standard texts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const root = new URL("../..", import.meta.url).pathname;

test("npm pack lists LICENSE-MIT and LICENSE-APACHE, and package.json names both licences", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [pack] = JSON.parse(out);
  const files = pack.files.map((f) => f.path);
  for (const f of ["LICENSE-MIT", "LICENSE-APACHE"]) assert.ok(files.includes(f), `${f} is not in the tarball: ${files.join(", ")}`);
  assert.equal(JSON.parse(readFileSync(`${root}package.json`, "utf8")).license, "MIT OR Apache-2.0");
  const mit = readFileSync(`${root}LICENSE-MIT`, "utf8");
  assert.match(mit, /Copyright \(c\) the datadog-oauth-wasm authors/);
  assert.match(mit, /Permission is hereby granted, free of charge/);
  const apache = readFileSync(`${root}LICENSE-APACHE`, "utf8");
  assert.match(apache, /Apache License\s+Version 2\.0, January 2004/);
  assert.match(apache, /END OF TERMS AND CONDITIONS/);
});
