// "policy N" in a comment, a doc or a vector means policy N of docs/datadog-behaviour.md ("Library policy for the
// open questions"): every number cited anywhere in the repository exists there, and nothing cites a spec the
// repository does not ship (the team's old datadog-spec.md lives on as that same document).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const DOC = "docs/datadog-behaviour.md";
const SCANNED = ["src", "js", "sandbox", "www", "scripts", "bin", "tests", "fuzz/fuzz_targets", "docs", "README.md"];
const SKIP = new Set(["node_modules", "target", "dist", "pkg", "test-results"]);
const TEXT = /\.(rs|js|mjs|cjs|ts|json|md|html|sh)$/;
const SELF = "tests/js/policies.test.mjs";

function files(rel) {
  const url = new URL(rel, root);
  let entries;
  try {
    entries = readdirSync(url, { withFileTypes: true });
  } catch (e) {
    if (e.code === "ENOTDIR") return [rel];
    throw e;
  }
  return entries.flatMap((e) => (SKIP.has(e.name) ? [] : e.isDirectory() ? files(`${rel}/${e.name}`) : TEXT.test(e.name) ? [`${rel}/${e.name}`] : []));
}

/** The policy numbers the document defines: the numbered items of its "Library policy" section. */
function definedPolicies(doc) {
  const start = doc.indexOf("\n## Library policy");
  assert.ok(start >= 0, `${DOC} has a "## Library policy" section`);
  const rest = doc.slice(start + 1);
  const end = rest.indexOf("\n## ", 3);
  const section = end < 0 ? rest : rest.slice(0, end);
  return new Set([...section.matchAll(/^(\d+)\. \S/gm)].map((m) => Number(m[1])));
}

/** Every cited number: "policy 8", "policies 17, 20", "policies 16 and 21", "Policy 20". */
function citations(text) {
  const out = [];
  for (const m of text.matchAll(/\bpolic(?:y|ies) (\d+(?:(?:, ?| and | or )\d+)*)/gi)) {
    for (const n of m[1].split(/, ?| and | or /)) out.push({ n: Number(n), at: m.index });
  }
  return out;
}

const lineOf = (text, at) => text.slice(0, at).split("\n").length;

test(`${DOC} numbers its policies 1..N without gaps`, () => {
  const defined = [...definedPolicies(readFileSync(new URL(DOC, root), "utf8"))];
  assert.ok(defined.length >= 22, `${defined.length} policies`);
  assert.deepEqual(defined, defined.map((_, i) => i + 1));
});

test(`every "policy N" cited in the repository exists in ${DOC}`, () => {
  const defined = definedPolicies(readFileSync(new URL(DOC, root), "utf8"));
  const missing = [];
  let count = 0;
  for (const f of SCANNED.flatMap(files)) {
    const text = readFileSync(new URL(f, root), "utf8");
    for (const { n, at } of citations(text)) {
      count++;
      if (!defined.has(n)) missing.push(`${f}:${lineOf(text, at)} cites policy ${n}`);
    }
  }
  assert.ok(count >= 30, `found ${count} citations (the scan reads the tree)`);
  assert.deepEqual(missing, []);
});

test("nothing cites a spec file the repository does not ship", () => {
  const stale = [];
  for (const f of SCANNED.flatMap(files).filter((f) => f !== SELF)) {
    const text = readFileSync(new URL(f, root), "utf8");
    for (const m of text.matchAll(/datadog-spec(?:\.md)?/g)) stale.push(`${f}:${lineOf(text, m.index)}`);
  }
  assert.deepEqual(stale, [], `cite ${DOC} (same section numbers) instead`);
});

test("the checker reads every citation form and sees an undefined number", () => {
  assert.deepEqual(citations("(policy 8) Policy 20: x; policies 17, 20 and policies 16 and 21, policy 5 or 6").map((c) => c.n), [8, 20, 17, 20, 16, 21, 5, 6]);
  const doc = "# t\n## Library policy for the open questions\n\n1. a\n2. b\n   3. not an item\n## Next\n4. elsewhere\n";
  assert.deepEqual([...definedPolicies(doc)], [1, 2]);
  assert.ok(!definedPolicies(doc).has(citations("see policy 4")[0].n));
});
