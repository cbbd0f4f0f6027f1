// Where a token refresh's client CPU goes, network stubbed: `node bench/tools/refresh.mjs [seconds] [--profile]`.
// `client.refresh(conn)` over 8 connections (one per worker, as table 7's stubbed rows) next to oauth4webapi's
// request + process, alternating; with --profile the heaviest functions of ours by self time (CALLERS=n adds callers).
// --custom runs both clients on a custom site with nine configured (as table 7's real-loopback rows).
// BEFORE=path/to/dist/node.mjs adds another build's client (say, main's) as "before", interleaved, for a before/after.
// --parts adds what a refresh is made of, each alone: "core+stub" (the two core calls through the sans-IO API and the
// stubbed fetch, nothing else: what is left over it is the host's), "core+transport" (that plus the transport's steps
// around fetch, hand-written: what is left over it is the client's lease, reads, commit and cache), "store" (the memory store's share of one refresh:
// lease, read, version-checked write, release, no HTTP) and "timeout" (a request's timeout: one AbortController, its signal, a timer set and cleared).
import { Session } from "node:inspector/promises";
import * as oauth from "oauth4webapi";
import { tally } from "../lib/cpuprofile.mjs";
import { loadOurs } from "../lib/ours.mjs";
import { cpuRounds, median as med, ratioOf } from "../lib/rounds.mjs";

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => !a.startsWith("--")) ?? 3);
const profiling = args.includes("--profile");
const parts = args.includes("--parts");
const IN_FLIGHT = 8;
const dd = await loadOurs();
const before = process.env.BEFORE ? await import(process.env.BEFORE) : null;
let n = 0;
const tokens = async () => {
  n++;
  return new Response(JSON.stringify({ access_token: `at_${n}_${"x".repeat(40)}`, token_type: "bearer", expires_in: 3600, refresh_token: `rt_${n}_${"y".repeat(40)}`, scope: "api_keys_write" }), { status: 200, headers: { "content-type": "application/json" } });
};
// --custom: the client configured with nine custom sites and the connection on one of them, as table 7's
// real-loopback rows run (the sandbox's shape). The sans-IO parts and oauth4webapi stay on us1.
const custom = args.includes("--custom");
const nine = dd.sites().map((s, i) => dd.customSite({ id: `stub-${s.id}`, name: `Stub ${s.name}`, site: s.site, appOrigin: `http://127.0.0.1:${9100 + i}`, apiOrigin: `http://127.0.0.1:${9200 + i}` }));
const site = dd.resolveSite("us1");
const now = Date.now();
const conn = { site, domain: site.site, accessToken: "a".repeat(40), refreshToken: "r".repeat(40), apiKey: "k".repeat(32), tokenType: "Bearer", expiresAt: now + 3600e3, scopes: ["api_keys_write"], createdAt: now, updatedAt: now };
const opts = { clientId: "cid", clientSecret: "secret", redirectUri: "https://p.example/cb", fetch: tokens, ...(custom ? { sites: nine } : {}) };
const worker = (w, onSite = false) => ({ ...conn, accessToken: `a${w}_${"a".repeat(40)}`, refreshToken: `r${w}_${"r".repeat(40)}`, ...(onSite && custom ? { site: nine[0], domain: nine[0].site } : {}) });
const client = new dd.DatadogClient(opts);
const held = Array.from({ length: IN_FLIGHT }, (_, w) => worker(w, true));
const old = before && new before.DatadogClient(opts);
const heldOld = Array.from({ length: IN_FLIGHT }, (_, w) => worker(w, true));
const heldCore = Array.from({ length: IN_FLIGHT }, (_, w) => worker(w));
const utf8 = new TextDecoder();
const as = { issuer: site.apiOrigin, token_endpoint: `${site.apiOrigin}/oauth2/v1/token` };
const rt = held.map((c) => c.refreshToken);
const store = dd.memoryStore();
let version = 0;
const record = { status: "connected", owner: null, site: "us1", connection: conn };
await store.compareAndSet("c", 0, record);
version = 1;
const candidates = {
  ...(old ? { before: async (w) => { heldOld[w] = await old.refresh(heldOld[w]); } } : {}),
  ours: async (w) => {
    held[w] = await client.refresh(held[w]);
  },
  o4w: async (w) => {
    const res = await oauth.refreshTokenGrantRequest(as, { client_id: "cid" }, oauth.ClientSecretPost("secret"), rt[w], { [oauth.customFetch]: tokens });
    rt[w] = (await oauth.processRefreshTokenResponse(as, { client_id: "cid" }, res)).refresh_token;
  },
  ...(parts
    ? {
      "core+stub": async (w) => {
        const req = dd.refreshRequest({ clientId: "cid", clientSecret: "secret", connection: heldCore[w] });
        const res = await tokens(req.url, { method: req.method, headers: req.headers, body: req.body });
        const headers = {};
        res.headers.forEach((v, k) => { headers[k] = v; });
        const response = { status: res.status, headers, body: await res.text() };
        heldCore[w] = dd.parseRefreshResponse({ response, connection: heldCore[w], clientSecret: "secret" });
      },
      // The same with what the transport adds around fetch: an abort signal and timer per request, manual redirects,
      // lower-cased headers, the body read from its stream under a byte cap (the loop of js/body.js).
      "core+transport": async (w) => {
        const req = dd.refreshRequest({ clientId: "cid", clientSecret: "secret", connection: heldCore[w] });
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), 60_000);
        try {
          const res = await tokens(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: "manual", signal: ac.signal });
          const headers = {};
          res.headers.forEach((v, k) => { headers[k.toLowerCase()] = v; });
          if (Number(res.headers.get("content-length")) > 1 << 24) throw new Error("cap");
          const reader = res.body.getReader();
          const chunks = [];
          for (let total = 0; ;) {
            const { done, value } = await reader.read();
            if (done) break;
            total += value.byteLength;
            if (total > 1 << 24) throw new Error("cap");
            chunks.push(value);
          }
          const response = { status: res.status, headers, body: utf8.decode(chunks[0]) };
          heldCore[w] = dd.parseRefreshResponse({ response, connection: heldCore[w], clientSecret: "secret" });
        } finally {
          clearTimeout(timer);
        }
      },
      store: async (w) => {
        const id = `c${w}`;
        if (!(await store.lease(id, "h", 15_000))) throw new Error("lease");
        const rec = await store.get(id);
        const res = await store.compareAndSet(id, rec ? rec.version : 0, record);
        if (!res.ok) throw new Error("cas");
        await store.release(id, "h");
      },
      timeout: async () => {
        const ac = new AbortController();
        const t = setTimeout(() => ac.abort(), 60_000);
        await ac.signal;
        clearTimeout(t);
      },
    }
    : {}),
};
const session = new Session();
session.connect();
if (profiling) {
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 100 });
}
const names = Object.keys(candidates);
const self = new Map();
const inclusive = new Map();
let oursOps = 0;
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const profiled = (name, r) => profiling && name === (process.env.PROFILE ?? "ours") && r > 0;
const cpu = await cpuRounds(candidates, {
  rounds: ROUNDS, inFlight: IN_FLIGHT, ms: (seconds * 1000) / ROUNDS / (names.length / 2), warm: 1,
  start: async (name, r) => { if (profiled(name, r)) await session.post("Profiler.start"); },
  end: async (name, r, k) => {
    if (!profiled(name, r)) return;
    const { profile } = await session.post("Profiler.stop");
    oursOps += k;
    tally(profile, { self, inclusive, callers: Number(process.env.CALLERS ?? 0) });
  },
});
session.disconnect();
console.log(`ours ${med(cpu.ours).toFixed(0)} µs CPU / refresh, oauth4webapi ${med(cpu.o4w).toFixed(0)} µs: ${(med(cpu.ours) / med(cpu.o4w)).toFixed(2)}×`);
if (old) {
  // Rounds run back to back, so a ratio within a round holds up better on a loaded machine than medians of times.
  const r = ratioOf(cpu.ours, cpu.before);
  console.log(`before ${med(cpu.before).toFixed(0)} µs: ours ÷ before, median of ${r.rounds} rounds ${r.median.toFixed(3)}× (p25 ${r.p25.toFixed(2)}, p75 ${r.p75.toFixed(2)})`);
}
if (parts) {
  for (const k of ["core+stub", "core+transport", "store", "timeout"]) console.log(`${k.padEnd(15)} ${med(cpu[k]).toFixed(1).padStart(6)} µs`);
  const share = (name) => `${name}: host share (− core+stub) ${(med(cpu[name]) - med(cpu["core+stub"])).toFixed(0)} µs, of which the transport's steps ${(med(cpu["core+transport"]) - med(cpu["core+stub"])).toFixed(0)} µs and the client's (store, lease, cache, commit) ${(med(cpu[name]) - med(cpu["core+transport"])).toFixed(0)} µs`;
  console.log(share("ours"));
  if (old) console.log(share("before"));
}
if (profiling) {
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30));
  const inc = [...inclusive].filter(([k]) => !k.startsWith("(")).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 30));
  console.log(`\nours: inclusive time per refresh (µs, profiler on; async callers are not on the stack)\n${inc.map(([k, v]) => `${(v / oursOps).toFixed(1).padStart(7)}  ${k}`).join("\n")}`);
  console.log(`\nours: self time per refresh (µs, profiler on)\n${rows.map(([k, v]) => `${(v / oursOps).toFixed(1).padStart(7)}  ${k}`).join("\n")}`);
}
