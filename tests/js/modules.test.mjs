// The core's module graph has no cycle (issue 15): read every src/**/*.rs, take the edges its `use crate::…`,
// `crate::x::…` and `super::…` paths name (test modules and comments left out), fold submodules into their
// top-level module (intake/* is one node), and fail on any cycle. The graph is printed for the closing note.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";

const src = new URL("../../src/", import.meta.url);


function rustFiles(dir, prefix = []) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return rustFiles(new URL(`${e.name}/`, dir), [...prefix, e.name]);
    if (!e.name.endsWith(".rs")) return [];
    const path = e.name === "mod.rs" || e.name === "lib.rs" ? prefix : [...prefix, e.name.slice(0, -3)];
    return [{ path, text: readFileSync(new URL(e.name, dir), "utf8") }];
  });
}

/** The code that ships: no `//` comments, no `#[cfg(test)] mod …` block (they close a file, by convention here). */
function shipped(text) {
  const cut = text.search(/#\[cfg\(test\)\]\s*(pub(\([a-z]+\))?\s+)?mod\s+\w+\s*\{/);
  return (cut < 0 ? text : text.slice(0, cut)).replace(/\/\/.*$/gm, "");
}

/** The modules a file's text names: `crate::a::b`, `use crate::{a, b::c}`, `super::x` (relative to `path`). */
export function named(text, path) {
  const out = new Set();
  const code = shipped(text);
  for (const m of code.matchAll(/\bcrate::\{([^}]*(?:\{[^}]*\}[^}]*)*)\}/g)) {
    for (const part of m[1].split(",")) {
      const head = part.trim().split("::")[0].replace(/[{}\s]/g, "");
      if (/^[a-z_][a-z0-9_]*$/.test(head)) out.add(head);
    }
  }
  for (const m of code.matchAll(/\bcrate::([a-z_][a-z0-9_]*)/g)) out.add(m[1]);
  // `super::` from a submodule file names its parent's module or a sibling: the top-level node either way.
  if (path.length > 1 && /\bsuper::/.test(code)) out.add(path[0]);
  return out;
}

export function graph(files) {
  const nodes = new Set(files.filter((f) => f.path.length > 0).map((f) => f.path[0]));
  const edges = new Map([...nodes].map((n) => [n, new Set()]));
  for (const f of files) {
    if (f.path.length === 0) continue; // lib.rs declares the modules; it is the root, not a node.
    const from = f.path[0];
    for (const to of named(f.text, f.path)) if (to !== from && nodes.has(to)) edges.get(from).add(to);
  }
  return edges;
}

/** Every cycle's node list (Tarjan's strongly connected components with more than one node). */
export function cycles(edges) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) out.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

const print = (edges) => [...edges].sort().map(([k, v]) => `${k} -> ${[...v].sort().join(", ") || "(nothing)"}`).join("\n");

test("the core's module graph has no cycle", () => {
  const edges = graph(rustFiles(src));
  console.log(`module graph of src/ (top-level modules):\n${print(edges)}`);
  assert.ok(edges.size > 20, `${edges.size} modules`);
  assert.ok(edges.get("api")?.has("error"), "the reader sees api's use of error");
  assert.deepEqual(cycles(edges), [], "modules that reach each other (see the graph above)");
});

test("the checker sees a cycle, grouped imports and super paths", () => {
  const files = [
    { path: ["a"], text: "use crate::{b::X, c};\n// crate::d in a comment\n" },
    { path: ["b"], text: "fn f() { crate::c::g() }\n#[cfg(test)]\nmod tests { use crate::a; }\n" },
    { path: ["c"], text: "use crate::a::Y;" },
    { path: ["d"], text: "" },
    { path: ["d", "e"], text: "use super::F; use crate::b;" },
  ];
  const edges = graph(files);
  assert.deepEqual([...edges.get("a")].sort(), ["b", "c"]);
  assert.deepEqual([...edges.get("b")], ["c"], "test modules are not shipped code");
  assert.deepEqual([...edges.get("d")], ["b"], "a submodule folds into its top-level module");
  assert.deepEqual(cycles(edges), [["a", "b", "c"]]);
  assert.deepEqual(cycles(new Map([["x", new Set(["y"])], ["y", new Set()]])), []);
});
