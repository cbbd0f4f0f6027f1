// The host's own CPU per token refresh, without the core or fetch: `node bench/tools/refresh-host.mjs [--parts]`.
// A copy of the built package (and of BEFORE=path/to/dist, say main's, for a before/after) whose two core calls of a
// refresh (refreshRequest, parseRefreshResponse) answer canned results at once, driven with a fetch double that has no
// streams: what is left is js/client.js, js/transport.js and the store, which the full tool (refresh.mjs) cannot see
// apart from the core's ~200 µs and its noise. --parts adds this build with a bare Map store (no copies, no LRU order,
// the lease always granted): the memory store's share. Candidates interleaved, 8 in flight, median of the rounds.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeEntry } from "../lib/ours.mjs";
import { cpuRounds, median as med, ratioOf } from "../lib/rounds.mjs";

const parts = process.argv.includes("--parts");
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const work = mkdtempSync(join(tmpdir(), "refresh-host-"));
const CORE_ENTRY = "function call2(op, args) {";

/** A copy of the dist directory holding `entry`, its core doorway answering a refresh's two calls from `__canned`. */
async function cannedBuild(name, entry) {
  const dir = join(work, name);
  cpSync(dirname(entry), dir, { recursive: true });
  const file = join(dir, entry.split("/").pop());
  const src = readFileSync(file, "utf8");
  // The bundler names js/core.js's `call` call2 (the glue has its own `call`): fail loudly if that ever changes.
  if (!src.includes(CORE_ENTRY)) throw new Error(`${name}: no \`${CORE_ENTRY}\` in ${file}; update refresh-host.mjs`);
  writeFileSync(file, src.replace(CORE_ENTRY, `${CORE_ENTRY}
  if (op === "refreshRequest") return globalThis.__canned.request(args);
  if (op === "parseRefreshResponse") return globalThis.__canned.parsed(args);
  return call2_canned(op, args);
}
function call2_canned(op, args) {`));
  return import(file);
}

const builds = { ours: fileURLToPath(nodeEntry()) };
if (process.env.BEFORE) builds.before = process.env.BEFORE;
const mods = {};
try {
  for (const [name, entry] of Object.entries(builds)) mods[name] = await cannedBuild(name, entry);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const site = mods.ours.resolveSite("us1");
const now = Date.now();
let n = 0;
globalThis.__canned = {
  request: () => ({ method: "POST", url: `${site.apiOrigin}/oauth2/v1/token`, headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: "grant_type=refresh_token&refresh_token=r&client_id=cid&client_secret=secret", replay: "safe" }),
  // What parseRefreshResponse answers: the connection with new tokens, keys in the core's order.
  parsed: ({ connection: c }) => {
    n++;
    return { accessToken: `at_${n}_${"x".repeat(40)}`, apiKey: c.apiKey, createdAt: c.createdAt, domain: c.domain, expiresAt: now + 3600e3, id: c.id, orgVerified: false, refreshToken: `rt_${n}_${"y".repeat(40)}`, scopes: ["api_keys_write"], site: { ...site }, tokenType: "Bearer", updatedAt: Date.now() };
  },
};
const headers = { forEach: (f) => f("application/json", "content-type"), get: () => null };
const fetchDouble = async () => ({ status: 200, type: "basic", headers, body: null, text: async () => "{}" });
const conn = { site, domain: site.site, accessToken: "a".repeat(40), refreshToken: "r".repeat(40), apiKey: "k".repeat(32), tokenType: "Bearer", expiresAt: now + 3600e3, scopes: ["api_keys_write"], createdAt: now, updatedAt: now };

/** A store that keeps rows in a Map and nothing else. */
function bareStore() {
  const rows = new Map();
  return {
    get: async (id) => rows.get(id) ?? null,
    compareAndSet: async (id, expected, r) => {
      const cur = rows.get(id);
      if ((cur ? cur.version : 0) !== expected) return { ok: false, current: cur ?? null };
      rows.set(id, { id, version: expected + 1, status: r.status, owner: r.owner, site: r.site, connection: r.connection });
      return { ok: true, version: expected + 1 };
    },
    lease: async () => true, release: async () => {}, list: async () => ({ records: [], cursor: null }), delete: async () => rows.delete(n), claim: async () => true,
  };
}

const candidates = {};
const add = (name, dd, o = {}) => {
  const client = new dd.DatadogClient({ clientId: "cid", clientSecret: "secret", redirectUri: "https://p.example/cb", fetch: fetchDouble, ...o });
  const held = Array.from({ length: IN_FLIGHT }, (_, w) => ({ ...conn, accessToken: `a${w}_${"a".repeat(40)}`, refreshToken: `r${w}_${"r".repeat(40)}` }));
  candidates[name] = async (w) => {
    held[w] = await client.refresh(held[w]);
  };
};
if (mods.before) add("before", mods.before);
add("ours", mods.ours);
if (parts) add("ours, bare store", mods.ours, { store: bareStore() });
const names = Object.keys(candidates);
const cpu = await cpuRounds(candidates, { rounds: ROUNDS, inFlight: IN_FLIGHT, warm: 3 });
for (const k of names) console.log(`${k.padEnd(17)} ${med(cpu[k]).toFixed(1).padStart(6)} µs host CPU / refresh`);
if (mods.before) console.log(`ours ÷ before, median of ${cpu.ours.length} rounds: ${ratioOf(cpu.ours, cpu.before).median.toFixed(3)}×`);
