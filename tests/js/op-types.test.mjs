// The sans-IO functions' declarations (js/auth.d.ts, js/sansio.d.ts, js/paginate.d.ts, as shipped in dist/*.d.ts)
// checked against the core they call: every declared function reaches an operation that exists in that core (the
// full one and /auth), and its required and optional argument fields are what the core requires. Read with the
// TypeScript compiler's own API, so the check sees the declarations exactly as a user's tsc does. The fields checked
// are those of argument objects (`args: {...}`, `...Params`, `...Options`, `...Spec`); data the core produced and
// takes back whole (Site, Connection, PendingAuthorization, responses) is checked by the vectors, not here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import ts from "typescript";
import * as dd from "datadog-oauth-wasm";
import * as ddAuth from "datadog-oauth-wasm/auth";

const root = new URL("../../", import.meta.url);
const read = (rel) => readFileSync(new URL(rel, root), "utf8");

// Each entry reaches its own core (the full one, /auth's): the probes go through the package as users call it.
const entries = { full: dd, auth: ddAuth };

/** Declared functions of the host that call no core operation, with the reason. */
const HOST_ONLY = { memoryStore: "the in-memory connection store lives in the host (js/store/)" };
/** Operations dispatched before the core's table, with the reason (checked in their source instead). */
const BEFORE_TABLE = { __trap: "src/wasm.rs answers it itself (a real trap, to test recovery); trap.test.mjs calls it" };

// ---- the declarations, read by TypeScript ----

/** Properties of an object type: { name, optional }. */
function fieldsOf(checker, type) {
  return checker.getPropertiesOfType(type).map((p) => ({ name: p.name, optional: (p.flags & ts.SymbolFlags.Optional) !== 0 }));
}

/** The argument objects whose fields are the operation's arguments (not data values passed whole, like a Site). */
function isArgumentObject(type) {
  const name = type.aliasSymbol?.name ?? type.symbol?.name;
  return (type.flags & ts.TypeFlags.Object) !== 0 && (name === "__type" || /(Params|Options?|Spec)$/.test(name ?? ""));
}

/** `{ fn: [{ name, optional, fields? }] }` for every exported function of a declaration file. */
function declaredFunctions(dtsPath) {
  const program = ts.createProgram([dtsPath], { strict: true, noEmit: true, types: [], module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(dtsPath);
  assert.ok(file, dtsPath);
  assert.deepEqual(ts.getPreEmitDiagnostics(program, file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")), [], `${dtsPath} compiles`);
  const out = {};
  for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(file))) {
    const decl = sym.declarations?.[0];
    if (!decl || !ts.isFunctionDeclaration(decl)) continue;
    out[sym.name] = decl.parameters.map((p) => {
      const type = checker.getNonNullableType(checker.getTypeAtLocation(p));
      const param = { name: p.name.getText(file), optional: !!p.questionToken };
      if (isArgumentObject(type)) param.fields = fieldsOf(checker, type);
      return param;
    });
  }
  return out;
}

// ---- the host: which operation each function calls ----

/** `{ fn: op }` from the host's wrappers: each exported function's first `call("op"`. */
function hostOps(source) {
  const out = {};
  const starts = [...source.matchAll(/^export (?:const (\w+) =|function\*? (\w+)\(|async function\*? (\w+)\()/gm)];
  starts.forEach((m, i) => {
    const body = source.slice(m.index, i + 1 < starts.length ? starts[i + 1].index : source.length);
    const op = /\bcall\("(\w+)"/.exec(body);
    if (op) out[m[1] ?? m[2] ?? m[3]] = op[1];
  });
  return out;
}

const full = declaredFunctions(new URL("dist/index.d.ts", root).pathname);
const auth = declaredFunctions(new URL("dist/auth.d.ts", root).pathname);
const ops = { ...hostOps(read("js/api.js")), ...hostOps(read("js/sansio.js")), ...hostOps(read("js/paginate.js")) };

/**
 * Whether the core behind `entry[fn]` knows its operation: the function called with `{}` for each argument, and
 * its error (if any) is not "unknown operation". `hostError` catches every failure itself: its operation is known
 * when a code the host raises gets the core's own hint instead of the generic one.
 */
function exists(entry, fn) {
  if (fn === "hostError") return !entry.hostError("secret_in_browser", "m").hint.startsWith("Start the Datadog connection again; see the README");
  try {
    entry[fn](...full[fn].map(() => ({})));
    return true;
  } catch (e) {
    assert.ok(dd.DatadogError.is(e), `${fn}({}): ${e}`);
    return !(e.code === "invalid_input" && e.message.startsWith("unknown operation"));
  }
}

/** The core's own list, once the package has `listOps` (the operation table's answer); null before. */
const listOps = (entry) => (typeof entry.listOps === "function" ? entry.listOps() : null);

test("the checker reads the declarations and the host", () => {
  assert.ok(Object.keys(full).length >= 35, `${Object.keys(full).length} functions in index.d.ts`);
  assert.deepEqual(full.tokenRequest[0].fields.filter((f) => !f.optional).map((f) => f.name), ["clientId", "redirectUri", "code", "codeVerifier", "domain"]);
  assert.equal(full.encodeLogs[2].optional, false);
  assert.equal(full.resolveSite[1].optional, true);
  assert.equal(full.resolveSite[0].fields, undefined, "a site is a value, not an argument object");
  assert.equal(ops.tokenRequest, "tokenRequest");
  assert.equal(ops.resolveSite, "resolveSite");
  assert.equal(ops.nextPage, "nextPage");
  assert.deepEqual(hostOps('export const a = (x) => call("opA", x);\nexport function b(y) {\n  return call("opB", { y });\n}\n'), { a: "opA", b: "opB" });
  const refusal = (message) => () => {
    throw new dd.DatadogError({ code: "invalid_input", message, hint: "h" });
  };
  assert.equal(exists({ tokenRequest: refusal('unknown operation "tokenRequest"') }, "tokenRequest"), false);
  assert.equal(exists({ tokenRequest: refusal("tokenRequest: missing field `clientId`") }, "tokenRequest"), true);
  // ...which is how the core words it (src/).
  const src = readdirSync(new URL("src/", root), { recursive: true }).filter((f) => f.endsWith(".rs")).map((f) => read(`src/${f}`)).join("\n");
  assert.match(src, /"unknown operation \{\}"/);
});

// The functions of the main entry (its classes, DatadogClient and DatadogError, are host code; the routes and
// postgres entries declare no core operation).
const SANS_IO = Object.keys(full);

test("every declared sans-IO function calls a core operation (or is host code, with its reason)", () => {
  const unmapped = SANS_IO.filter((fn) => !ops[fn] && !HOST_ONLY[fn]);
  assert.deepEqual(unmapped, [], "declared in dist/index.d.ts, but js/ calls no operation for them");
  const undeclared = Object.keys(ops).filter((fn) => !full[fn]);
  assert.deepEqual(undeclared, [], "js/ exports these wrappers, dist/index.d.ts does not declare them");
});

for (const [name, declared] of [["full", full], ["auth", auth]]) {
  test(`every operation the ${name} entry declares exists in the ${name} core`, () => {
    const entry = entries[name];
    const fns = Object.keys(declared).filter((fn) => ops[fn]);
    assert.ok(fns.length >= (name === "full" ? 35 : 10), `${fns.length} operations`);
    const missing = fns.filter((fn) => !BEFORE_TABLE[ops[fn]] && !exists(entry, fn)).map((fn) => ops[fn]);
    assert.deepEqual(missing, [], `declared in dist/${name === "full" ? "index" : "auth"}.d.ts, unknown to the ${name} core`);
    const listed = listOps(entry);
    if (listed !== null) assert.deepEqual(fns.map((fn) => ops[fn]).filter((op) => !BEFORE_TABLE[op] && !listed.includes(op)), [], "and in its listOps");
    for (const op of Object.keys(BEFORE_TABLE)) if (fns.some((fn) => ops[fn] === op)) assert.match(read("src/wasm.rs"), new RegExp(`"${op}" =>`));
  });
}

// ---- required and optional fields against what the core requires ----

const now = 1_800_000_000_000;
const tokenBody = JSON.stringify({ access_token: "at-0123456789", refresh_token: "rt-0123456789", token_type: "Bearer", expires_in: 3600, scope: "api_keys_write metrics_read" });
const conn = { ...dd.parseTokenResponse({ response: { status: 200, headers: {}, body: tokenBody }, domain: "datadoghq.com", now }), apiKey: "0123456789abcdef0123456789abcdef" };
const ok = (body = "{}") => ({ status: 200, headers: { "content-type": "application/json" }, body });
const pair = dd.createPkce();
const { url: authUrl, pending } = dd.startAuthorization({ clientId: "cid", redirectUri: "https://p.example/cb", site: "us1" });
const callbackUrl = `https://p.example/cb?code=c0de&state=${pending.state}&domain=datadoghq.com`;

/** A valid value for each argument (positional name or field), per function: the declaration decides which are sent. */
const VALUES = {
  tokenRequest: { clientId: "cid", clientSecret: "secret", redirectUri: "https://p.example/cb", code: "c0de", codeVerifier: pair.verifier, domain: "datadoghq.com", sites: [], site: "us1" },
  parseTokenResponse: { response: ok(tokenBody), domain: "datadoghq.com", sites: [], orgId: "o", orgName: "n", previous: conn, now },
  refreshRequest: { clientId: "cid", clientSecret: "secret", connection: conn },
  parseRefreshResponse: { response: ok(tokenBody), connection: conn, now },
  revokeRequest: { clientId: "cid", clientSecret: "secret", connection: conn, token: "refresh", bearer: false, sites: [] },
  parseRevokeResponse: { response: ok(""), connection: conn, clientSecret: "secret", bearer: false, sites: [] },
  currentUserRequest: { connection: conn, sites: [] },
  parseCurrentUserResponse: { response: ok(JSON.stringify({ data: { relationships: { org: { data: { id: "org-1" } } } } })), connection: conn, previous: conn, sites: [] },
  apiKeyRequest: { connection: conn },
  parseApiKeyResponse: { response: ok(JSON.stringify({ data: { id: "k", attributes: { key: "0123456789abcdef0123456789abcdef" } } })), connection: conn, now },
  apiRequest: { connection: conn, method: "GET", path: "/api/v2/incidents", query: { a: 1 }, body: null },
  parseApiResponse: { response: ok('{"a":1}') },
  refreshDue: { connection: conn, now, marginMs: 1000 },
  retryDecision: { status: 503, headers: {}, attempt: 1, replay: "retry", random: 0.5, now, baseMs: 100, capMs: 1000, maxAttempts: 3, maxServerDelayMs: 10_000, deadline: now + 60_000 },
  parseConnection: { connection: conn, opts: { sites: [] } },
  encodeMetrics: { connection: conn, series: [{ metric: "m", points: [{ timestamp: 1_800_000_000, value: 1 }] }], opts: { version: 2, compress: "none", now, select: [{ index: 0 }] } },
  encodeLogs: { connection: conn, logs: [{ message: "m" }], opts: { source: "partner", service: "partner", compress: "none", now, select: [{ index: 0 }] } },
  encodeEvents: { connection: conn, events: [{ title: "t", text: "x" }], opts: { version: 1, applicationKey: "0123456789abcdef0123456789abcdef01234567", compress: "none", now, select: [{ index: 0 }] } },
  encodeServiceChecks: { connection: conn, checks: [{ check: "partner.ok", host_name: "h", status: 0 }], opts: { compress: "none", now, select: [{ index: 0 }] } },
  encodeIncident: { connection: conn, incident: { data: { type: "incidents", attributes: { title: "t" } } }, opts: { now } },
  encodeTraces: { connection: conn, traces: [[{ trace_id: 1, span_id: 1, name: "n", resource: "r", service: "s", start: 1, duration: 1 }]], opts: { format: "agent", agentUrl: "http://127.0.0.1:8126", compress: "none", now, select: [{ index: 0 }] } },
  splitSelection: { op: "encodeMetrics", items: [{ metric: "m", points: [{ timestamp: 1, value: 1 }] }, { metric: "n", points: [{ timestamp: 1, value: 1 }] }], select: [{ index: 0 }, { index: 1 }] },
  parseIntakeResponse: { response: { status: 202, headers: {}, body: '{"errors":[]}' }, kind: "metrics", format: "otlp" },
  nextPage: { query: {}, body: { data: [] }, rateLimit: {}, now, deadlineAt: now + 60_000 },
  resolveSite: { input: "EU", opts: { sites: [] } },
  customSite: { id: "local", name: "Local", site: "datadoghq.eu", appOrigin: "http://127.0.0.1:1", apiOrigin: "http://127.0.0.1:2", logsOrigin: "http://127.0.0.1:3", eventIntakeOrigin: "http://127.0.0.1:4", otlpOrigin: "http://127.0.0.1:5" },
  endpoints: { site: "eu1", opts: { sites: [] } },
  createPkce: { length: 64 },
  pkceChallenge: { verifier: pair.verifier },
  parseOnboardingUrl: { url: "https://p.example/onboard?site=https://app.datadoghq.eu&domain=datadoghq.eu", opts: { sites: [] } },
  startAuthorization: { clientId: "cid", redirectUri: "https://p.example/cb", site: "us1", scopes: ["api_keys_write"], orgId: "o", verifierLength: 43, sites: [] },
  parseCallback: { callbackUrl, pending, opts: { maxAgeMs: 3_600_000, sites: [] } },
};

/**
 * Calls that are not about an argument's presence, with the reason: `hostError` answers an error object by design;
 * `errorCodes`, `sites`, `createState` take no arguments; `__trap` traps on purpose.
 */
const NOT_CALLED = new Set(["hostError", "errorCodes", "sites", "createState", "__trap", "memoryStore"]);

/**
 * A required positional argument left out that the host turns into text (`String(url)`) or the core reports with
 * its own code: what it answers instead of invalid_input, and why.
 */
const REFUSED_OTHERWISE = {
  "parseOnboardingUrl.url": ["invalid_callback", "the host passes String(url): \"undefined\" is no URL"],
  "parseCallback.callbackUrl": ["invalid_callback", "the host passes String(url): \"undefined\" is no URL"],
  "parseCallback.pending": ["no_pending_authorization", "a missing pending authorization has its own code"],
  "splitSelection.op": ["invalid_input", "the core reads a missing `op` as an encoder that takes no selection, and names `select`"],
  // Refused, but serde's message for a null where a list or an object is wanted names no field (the core's wording).
  "splitSelection.select": ["invalid_input", "refused as `invalid type: null, expected a sequence`, without the field's name"],
  "parseIntakeResponse.response": ["invalid_input", "refused as `invalid type: null, expected struct HttpResponse`, without the field's name"],
};
/** Where the host renames a positional argument for the core. */
const CORE_NAME = { "resolveSite.input": "site", "parseOnboardingUrl.url": "text", "parseCallback.callbackUrl": "url", "splitSelection.items": "series" };
/**
 * Declared required, read as optional by the core, with the reason (the declaration is stricter on purpose).
 * Data the core itself produced and the caller hands back whole are declared as the core writes them.
 */
const STRICTER = {
  "nextPage.body": "the core reads a missing body as an empty last page; declared required so that a forgotten body is a compile error, not a list silently ended",
};

/** The positional arguments for `fn` from its declaration: `drop` leaves one argument or one field out. */
function argsFor(fn, { drop = null, requiredOnly = false } = {}) {
  const values = VALUES[fn];
  assert.ok(values, `VALUES.${fn}: give a valid value for each of its arguments`);
  return full[fn].map((p) => {
    if (p.fields) {
      if (requiredOnly && p.optional) return undefined;
      const obj = {};
      // A lone argument object's fields are listed flat; next to other arguments, under the argument's name.
      const source = full[fn].length > 1 ? values[p.name] : values;
      assert.ok(source, `VALUES.${fn}.${p.name}: give its fields`);
      for (const f of p.fields) {
        if (f.name === drop || (requiredOnly && f.optional)) continue;
        assert.ok(f.name in source, `VALUES.${fn}: no value for ${p.name}.${f.name}`);
        obj[f.name] = source[f.name];
      }
      return obj;
    }
    if (p.name === drop || (requiredOnly && p.optional)) return undefined;
    assert.ok(p.name in values, `VALUES.${fn}: no value for argument ${p.name}`);
    return values[p.name];
  });
}

function run(fn, args) {
  try {
    return { value: dd[fn](...args) };
  } catch (e) {
    assert.ok(dd.DatadogError.is(e), `${fn}: ${e}`);
    return { error: e };
  }
}

/** Whether an error says that `name` is missing or wrong (the core names fields in `field` or in the message). */
const names = (e, name) => e.field === name || (e.field ?? "").split(/[.[]/)[0] === name || e.message.includes(`\`${name}\``) || e.message.includes(`\`${name}.`);

const CHECKED = SANS_IO.filter((fn) => !NOT_CALLED.has(fn));

test("every checked function has sample values, and with every argument given the core accepts the call", () => {
  assert.ok(CHECKED.length >= 30, `${CHECKED.length} functions`);
  for (const fn of CHECKED) {
    const r = run(fn, argsFor(fn));
    assert.ok(!r.error, `${fn} with every declared argument: ${r.error?.code} ${r.error?.message}`);
  }
});

test("with only the declared required arguments, nothing is refused for being missing", () => {
  const wrong = [];
  for (const fn of CHECKED) {
    const r = run(fn, argsFor(fn, { requiredOnly: true }));
    if (!r.error) continue;
    const omitted = full[fn].flatMap((p) => (p.fields ? p.fields.filter((f) => f.optional || p.optional).map((f) => f.name) : p.optional ? [p.name] : []));
    const refused = omitted.filter((n) => names(r.error, CORE_NAME[`${fn}.${n}`] ?? n));
    if (refused.length) wrong.push(`${fn}: ${refused.join(", ")} declared optional, but the core requires it (${r.error.message})`);
    else wrong.push(`${fn} with its required arguments only: ${r.error.code} ${r.error.message}`);
  }
  assert.deepEqual(wrong, []);
});

test("each declared required argument, left out, is refused by the core, naming it", () => {
  let checked = 0;
  const wrong = [];
  const seen = new Set();
  for (const fn of CHECKED) {
    const required = full[fn].flatMap((p) => (p.fields ? (p.optional ? [] : p.fields.filter((f) => !f.optional).map((f) => f.name)) : p.optional ? [] : [p.name]));
    for (const name of required) {
      const key = `${fn}.${name}`;
      seen.add(key);
      checked++;
      const r = run(fn, argsFor(fn, { drop: name }));
      if (STRICTER[key]) {
        if (r.error) wrong.push(`${key}: listed as stricter than the core, but the core refuses it missing (${r.error.code}): drop the entry`);
      } else if (!r.error) wrong.push(`${key}: declared required, but the core accepts the call without it`);
      else if (REFUSED_OTHERWISE[key]) {
        if (r.error.code !== REFUSED_OTHERWISE[key][0]) wrong.push(`${key}: ${r.error.code}, expected ${REFUSED_OTHERWISE[key][0]}`);
      } else if (r.error.code !== "invalid_input" || !names(r.error, CORE_NAME[key] ?? name)) {
        wrong.push(`${key}: refused as ${r.error.code} naming ${r.error.field}: ${r.error.message}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  const stale = [...Object.keys(REFUSED_OTHERWISE), ...Object.keys(CORE_NAME), ...Object.keys(STRICTER)].filter((k) => !seen.has(k));
  assert.deepEqual(stale, [], "exceptions for arguments that are no longer declared required");
  assert.ok(checked >= 40, `${checked} required arguments checked`);
  console.log(`op-types: ${checked} required arguments of ${CHECKED.length} functions checked`);
});
