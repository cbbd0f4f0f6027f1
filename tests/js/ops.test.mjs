// The host against the core's one operation table (src/ops.rs, answered by `listOps`): every operation name the host
// code calls (js/, the routes and store under it, bin/) is an operation of the core that file loads — the
// authorization-only core for what the `/auth` entries import, the full core for the rest — and `/auth`'s core has
// exactly the table's authorization rows. The shipped wasm files (dist/) are asked, through their own glue; which
// feature a row belongs to is read from the table's source (listOps answers names only: the /auth bytes are budgeted).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as fullGlue from "../../pkg/full/datadog_oauth_wasm.js";
import * as authGlue from "../../pkg/auth/datadog_oauth_wasm.js";

const root = new URL("../../", import.meta.url);
fullGlue.initSync({ module: readFileSync(new URL("dist/datadog_oauth_wasm_bg.wasm", root)) });
authGlue.initSync({ module: readFileSync(new URL("dist/datadog_oauth_wasm_auth_bg.wasm", root)) });

const answer = (glue, op, args = "{}") => JSON.parse(glue.call(op, args));
const listOps = (glue) => {
  const out = answer(glue, "listOps");
  assert.ok(Array.isArray(out.ok) && out.ok.every((n) => typeof n === "string"), JSON.stringify(out));
  return out.ok;
};
const full = listOps(fullGlue);
const auth = listOps(authGlue);
const fullNames = new Set(full);
const authNames = new Set(auth);
const isUnknown = (out) => out.error?.code === "invalid_input" && out.error.message.startsWith("unknown operation");

/** The table's rows by feature, from src/ops.rs: `authorization! { "name" => handler, ... }`, `client! { ... }`, `INTAKE`. */
const opsRs = readFileSync(new URL("src/ops.rs", root), "utf8");
function rows(start, end, pattern) {
  const from = opsRs.indexOf(start);
  assert.ok(from >= 0, `src/ops.rs has ${start}`);
  return [...opsRs.slice(from, opsRs.indexOf(end, from)).matchAll(pattern)].map((m) => m[1]);
}
const table = {
  auth: rows("\nauthorization! {", "\n}\n", /^\s*"(\w+)" => /gm),
  client: rows("\nclient! {", "\n}\n", /^\s*"(\w+)" => /gm),
  intake: rows("\nconst INTAKE: &[Op]", "\n};\n", /name: "(\w+)"/g),
};

/** Operations the wasm boundary (src/wasm.rs) answers before the table: `"__trap" => ...`. */
const boundary = new Set([...readFileSync(new URL("src/wasm.rs", root), "utf8").matchAll(/"(__\w+)" =>/g)].map((m) => m[1]));

function files(dir, ext) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const u = new URL(e.name + (e.isDirectory() ? "/" : ""), dir);
    return e.isDirectory() ? files(u, ext) : ext.some((x) => e.name.endsWith(x)) ? [u] : [];
  });
}
const hostFiles = [...files(new URL("js/", root), [".js"]), ...files(new URL("bin/", root), [".mjs", ".js"])];
const rel = (u) => u.href.slice(root.href.length);

// Calls into the core: `call("op", ...)` (core.js), `this.#core("op", ...)` (client.js), `callCore("op", ...)`.
const CALL = /(?:(?<![.\w]|function )call|#core|callCore)\(\s*([^,)\s]+)/g;
// The few places whose operation name is not a literal, and what they pass on: the doorway itself, the client's
// `#core` forwarding its own literal calls, and the delivery loop calling the encoders `intakeKinds` names. The byte
// doorway's `call(glue, memory, op, json)` (answer.js, reached as `bytes.call(...)` from core.js) is a method call or a
// definition, which the pattern leaves out: core.js hands it its own `op`.
const DYNAMIC = { "js/core.js": ["op"], "js/client.js": ["op"], "js/deliver.js": ["spec.op"] };

function opsCalledIn(u) {
  const text = readFileSync(u, "utf8").replace(/^\s*\/\/.*$/gm, "");
  const names = [];
  for (const [, arg] of text.matchAll(CALL)) {
    const lit = /^["']([A-Za-z_]\w*)["']$/.exec(arg);
    if (lit) names.push(lit[1]);
    else assert.ok((DYNAMIC[rel(u)] ?? []).includes(arg), `${rel(u)} calls the core with a computed operation name (${arg}): list it here and check what it can be`);
  }
  return names;
}

/** Files reachable from `entry` through relative imports (what that entry's bundle holds). */
function closure(entry) {
  const seen = new Set();
  const visit = (u) => {
    if (seen.has(u.href)) return;
    seen.add(u.href);
    const text = readFileSync(u, "utf8");
    for (const [, spec] of text.matchAll(/(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']/g)) visit(new URL(spec, u));
  };
  visit(entry);
  return seen;
}

test("the full core answers its whole operation table, in order, each name once", () => {
  assert.deepEqual(full, [...table.auth, ...table.client, ...table.intake]);
  assert.equal(fullNames.size, full.length, "no name twice");
  for (const op of full) assert.match(op, /^[a-z][A-Za-z]*$/);
  for (const op of ["startAuthorization", "tokenRequest", "encodeMetrics", "listOps", "intakeKinds"]) assert.ok(fullNames.has(op), op);
  // Its arguments are read like any operation's (hostile input is refused, typed).
  assert.equal(answer(fullGlue, "listOps", "[").error.code, "invalid_input");
  assert.equal(answer(authGlue, "listOps", "{\"a\":".repeat(1000)).error.code, "invalid_input");
});

test("/auth's core has exactly the authorization operations, and dispatches exactly those", () => {
  assert.deepEqual(auth, table.auth);
  assert.ok(table.auth.length >= 12 && table.client.length > 0 && table.intake.length > 0);
  // The listing and the dispatch agree, in both cores: a listed op is run, an unlisted one is refused by name.
  for (const op of full) {
    assert.equal(isUnknown(answer(authGlue, op)), !authNames.has(op), `/auth core, ${op}`);
    assert.ok(!isUnknown(answer(fullGlue, op)), `full core, ${op}`);
  }
  for (const op of ["nope", "", "listops", "encodeMetrics "]) {
    assert.ok(isUnknown(answer(fullGlue, op)), JSON.stringify(op));
    assert.ok(isUnknown(answer(authGlue, op)), JSON.stringify(op));
  }
});

test("every operation the host calls is in listOps of the core its file loads", () => {
  const authFiles = new Set([...closure(new URL("js/entry-node-auth.js", root)), ...closure(new URL("js/entry-web-auth.js", root))]);
  assert.ok(authFiles.has(new URL("js/api.js", root).href) && authFiles.has(new URL("js/core.js", root).href));
  assert.ok(!authFiles.has(new URL("js/client.js", root).href), "the /auth entries do not load the client");
  const called = new Set();
  for (const u of hostFiles) {
    for (const op of opsCalledIn(u)) {
      called.add(op);
      if (boundary.has(op)) continue;
      assert.ok(fullNames.has(op), `${rel(u)} calls ${op}, which the full core does not have`);
      if (authFiles.has(u.href)) assert.ok(authNames.has(op), `${rel(u)} (loaded by /auth) calls ${op}, which the /auth core does not have`);
    }
  }
  // The scan sees the host's calls (a broken pattern would pass vacuously).
  for (const op of ["startAuthorization", "tokenRequest", "refreshRequest", "parseIntakeResponse", "splitSelection", "hostError", "intakeKinds", "__trap"]) {
    assert.ok(called.has(op), `the scan found no call of ${op}`);
  }
});

test("intakeKinds names encoders of the table, with what the delivery loop needs", () => {
  const kinds = answer(fullGlue, "intakeKinds").ok;
  assert.deepEqual(Object.keys(kinds).sort(), ["events", "incidents", "logs", "metrics", "serviceChecks", "traces"]);
  for (const [kind, k] of Object.entries(kinds)) {
    assert.ok(table.intake.includes(k.op) && fullNames.has(k.op), `${kind}: ${k.op}`);
    assert.equal(typeof k.key, "string");
    assert.ok(["apiKey", "bearer"].includes(k.auth), `${kind}: ${k.auth}`);
    assert.equal(typeof k.single, "boolean");
    assert.equal(typeof k.compress, "boolean");
  }
  assert.deepEqual(kinds.incidents, { op: "encodeIncident", key: "incident", single: true, auth: "bearer", compress: false });
  assert.deepEqual(kinds.metrics, { op: "encodeMetrics", key: "series", single: false, auth: "apiKey", compress: true });
  assert.ok(isUnknown(answer(authGlue, "intakeKinds")), "the /auth core has no intake");
});
