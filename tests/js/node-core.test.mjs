// The Node entries load the full core compiled for speed (scripts/build.mjs flavour "node", opt-level 3), browsers
// the same code compiled for size (flavour "full"). Two builds of one source must answer alike: this runs every
// operation of the table on both, through their own glue, with every vector call that names an operation plus
// generic and hostile argument texts, and compares the answers as text, byte for byte. Operations whose answers are
// random (PKCE, state) are recognised by answering twice differently on one core; for those the answers' shape is compared.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import * as sizeGlue from "../../pkg/full/datadog_oauth_wasm.js";
import * as speedGlue from "../../pkg/node/datadog_oauth_wasm.js";

const root = new URL("../../", import.meta.url);
sizeGlue.initSync({ module: readFileSync(new URL("dist/datadog_oauth_wasm_bg.wasm", root)) });
speedGlue.initSync({ module: readFileSync(new URL("dist/datadog_oauth_wasm_node_bg.wasm", root)) });

test("the Node entries load the speed-compiled core, the browser entry the size-compiled one, and they differ", () => {
  const text = (f) => readFileSync(new URL(`dist/${f}`, root), "utf8");
  for (const f of ["node.mjs", "node.cjs"]) {
    assert.match(text(f), /datadog_oauth_wasm_node_bg\.wasm/, f);
    assert.doesNotMatch(text(f), /datadog_oauth_wasm_bg\.wasm/, f);
  }
  assert.match(text("browser.mjs"), /"\.\/datadog_oauth_wasm_bg\.wasm"/);
  const bytes = (f) => readFileSync(new URL(`dist/${f}`, root));
  assert.ok(bytes("datadog_oauth_wasm_node_bg.wasm").length > bytes("datadog_oauth_wasm_bg.wasm").length, "the speed build is the larger one");
});

/** A site id resolved to its descriptor, as a user passes it (through the core, so nothing here knows the sites). */
const descriptor = (id) => JSON.parse(sizeGlue.call("resolveSite", JSON.stringify({ site: id }))).ok;

/**
 * Every `{op, args}` in the vector files, completed the way their native runners complete them (tests/vectors_*.rs):
 * a file-level `op`, `now` and `connection` apply to its cases; a connection's site id becomes its descriptor;
 * `"$connection"` (`+apiKey`) is the file's connection on the call's domain, and a file's `sites` table gives each
 * request every site's domain; an operation about a stored connection
 * given none gets the file's; `now` is added when missing, as the host does.
 */
function vectorCalls() {
  const calls = [];
  const hasMarker = (v) => v !== null && typeof v === "object" && Object.entries(v).some(([k, x]) => k.startsWith("$") || hasMarker(x));
  const dir = new URL("tests/vectors/", root);
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const file = JSON.parse(readFileSync(new URL(f, dir), "utf8"));
    const stored = (domain, withKey) => {
      const site = descriptor(domain ?? "us1");
      return { ...file.connection, ...(withKey ? file.connectionApiKey : {}), site, domain: site.site };
    };
    const complete = (op, given) => {
      const args = { now: file.now ?? 1_700_000_000_000, ...given };
      if (args.connection === undefined && file.connection !== undefined && /^(refresh|revoke|currentUser|apiKey|parseRefresh|api)/.test(op)) args.connection = "$connection";
      for (const k of ["connection", "previous"]) {
        if (args[k] === "$connection" || args[k] === "$connection+apiKey") args[k] = stored(args.domain, args[k] !== "$connection");
        else if (args[k] !== null && typeof args[k] === "object" && typeof args[k].site === "string") args[k] = { ...args[k], site: descriptor(args[k].site) };
      }
      return args;
    };
    const walk = (v, fileOp) => {
      if (v === null || typeof v !== "object") return;
      if (Array.isArray(v)) return v.forEach((x) => walk(x, fileOp));
      const op = typeof v.op === "string" ? v.op : fileOp;
      if (op && v.args && typeof v.args === "object" && !Array.isArray(v.args) && !hasMarker(v.args)) {
        const own = typeof v.op === "string" && v !== file;
        const given = own ? v.args : { connection: file.connection, ...v.args };
        // A file with a `sites` table runs each request on every site's domain (unless the case names its own).
        const domains = given.domain === undefined && Array.isArray(file.sites) && file.sites.every((x) => typeof x.domain === "string") ? file.sites.map((x) => x.domain) : [given.domain];
        for (const domain of domains) calls.push([op, JSON.stringify(complete(op, domain === undefined ? given : { ...given, domain }))]);
      }
      for (const x of Object.values(v)) walk(x, op);
    };
    walk(file, typeof file.op === "string" ? file.op : undefined);
  }
  return calls;
}

// Arguments every operation gets: empty, wrong types, truncated, deep, huge numbers, lone surrogates, NUL.
const GENERIC = ["{}", "[]", "null", "{", "\"x\"", "{\"a\":".repeat(300), `{"now":1e400,"connection":{"site":"us1"}}`,
  `{"connection":{"site":"us1","domain":"datadoghq.com","accessToken":"a\\ud800b","tokenType":"Bearer","expiresAt":1,"createdAt":1,"updatedAt":1}}`,
  "{\"series\":[{\"metric\":\"a\\u0000b\",\"points\":[{\"timestamp\":1,\"value\":-0.0}]}]}"];

/** The answer's text with random values (strings and numbers) replaced by their kind, for the random operations. */
const shape = (text) => JSON.stringify(JSON.parse(text), (k, v) => (typeof v === "string" ? `<string ${v.length}>` : typeof v === "number" ? "<number>" : v));

test("both builds of the full core answer every operation alike, byte for byte", () => {
  const ops = JSON.parse(sizeGlue.call("listOps", "{}")).ok;
  assert.deepEqual(JSON.parse(speedGlue.call("listOps", "{}")).ok, ops);
  const calls = [...vectorCalls(), ...ops.flatMap((op) => GENERIC.map((a) => [op, a]))];
  const fromVectors = calls.length - ops.length * GENERIC.length;
  assert.ok(fromVectors >= 120, `only ${fromVectors} vector calls found: the walk over tests/vectors missed them`);
  let ok = 0;
  let random = 0;
  for (const [op, args] of calls) {
    const a = sizeGlue.call(op, args);
    const b = speedGlue.call(op, args);
    if (a === b) {
      if (a.startsWith("{\"ok\"")) ok++;
      continue;
    }
    // Random answers differ call to call on one core too; then only their shape must match.
    assert.notEqual(sizeGlue.call(op, args), a, `${op} ${args.slice(0, 120)}: the builds differ\n size:  ${a.slice(0, 400)}\n speed: ${b.slice(0, 400)}`);
    assert.equal(shape(b), shape(a), `${op}: the builds' random answers differ in shape`);
    random++;
  }
  // The comparison reached real answers, not only refusals, and random ones stayed few.
  assert.ok(ok >= 100, `only ${ok} successful answers compared`);
  assert.ok(random < calls.length / 10, `${random} of ${calls.length} answers were random`);
});
