// Where a real-network submission's client CPU goes: `node bench/tools/submit.mjs [seconds] [--profile]`.
// Against the sandbox (own process, loopback), 8 in flight like table 7: CPU per 10×10 gzip submission through
// DatadogClient next to hand-written fetch + stringify + gzip, and variants that take one host step away each
// (timer, stream reading, the core's parsing), candidates alternating. With --profile, V8's sampling profiler runs
// over each candidate's phases and the heaviest JS functions by self time are listed per candidate.
import { Session } from "node:inspector/promises";
import { gzipSync } from "node:zlib";
import { tally } from "../lib/cpuprofile.mjs";
import { loadOurs } from "../lib/ours.mjs";
import { cpuRounds, median as med } from "../lib/rounds.mjs";
import { CLIENT_ID, CLIENT_SECRET, connector, REDIRECT, sandboxSites, smallSeries, startSandbox } from "../lib/sandbox.mjs";

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => !a.startsWith("--")) ?? 2);
const profiling = args.includes("--profile");
const IN_FLIGHT = 8;
const dd = await loadOurs();
const sbx = await startSandbox();
try {
  const sites = sandboxSites(dd, sbx);
  const client = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites });
  const untimed = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites, timeoutMs: 0 });
  const connect = connector(dd, sbx, client, sites);
  const conns = [];
  for (const id of ["us1", "eu1", "us3", "ap1"]) conns.push(await client.createApiKey(await connect(id)));
  // The connection's own site only, as the client sends it (js/deliver.js `sitesFor`): every listed site costs the core ~30 µs.
  const own = conns.map((c) => sites.filter((s) => s.apiOrigin === c.site.apiOrigin));
  // BEFORE=path/to/dist/node.mjs adds another build's DatadogClient (say, main's) as "before", for a before/after.
  const before = process.env.BEFORE ? await import(process.env.BEFORE) : null;
  const old = before && new before.DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites });
  const candidates = {
    ...(old ? { before: (w, k) => old.submitMetrics(conns[w % 4], smallSeries(k)) } : {}),
    ours: (w, k) => client.submitMetrics(conns[w % 4], smallSeries(k)),
    "ours-untimed": (w, k) => untimed.submitMetrics(conns[w % 4], smallSeries(k)),
    // The core's encoder and response parser, the rest hand-written: what is left over this is the host's.
    "core+fetch": async (w, k) => {
      const c = conns[w % 4];
      const s0 = performance.now();
      const { request: r } = dd.encodeMetrics(c, smallSeries(k), { sites: own[w % 4] }).batches[0];
      const s1 = performance.now();
      const gz = gzipSync(r.bodyBytes ?? r.body);
      const s2 = performance.now();
      spent.encode += s1 - s0;
      spent.gzip += s2 - s1;
      spent.n++;
      const res = await fetch(r.url, { method: r.method, headers: r.headers, body: gz });
      const headers = {};
      res.headers.forEach((v, h) => { headers[h] = v; });
      const response = { status: res.status, headers, body: await res.text() };
      dd.parseIntakeResponse({ kind: "metrics", response, request: { url: r.url, headers: r.headers }, connection: c });
    },
    fetch: async (w, k) => {
      const c = conns[w % 4];
      const s0 = performance.now();
      const body = gzipSync(JSON.stringify({ series: smallSeries(k) }));
      spent.hand += performance.now() - s0;
      spent.m++;
      const res = await fetch(`${c.site.apiOrigin}/api/v2/series`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", "dd-api-key": c.apiKey }, body });
      await res.text();
    },
    "fetch+signal+manual": async (w, k) => {
      const c = conns[w % 4];
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), 60_000);
      const res = await fetch(`${c.site.apiOrigin}/api/v2/series`, { method: "POST", redirect: "manual", signal: ac.signal, headers: { "content-type": "application/json", "content-encoding": "gzip", "dd-api-key": c.apiKey }, body: gzipSync(JSON.stringify({ series: smallSeries(k) })) });
      const r = res.body.getReader();
      while (!(await r.read()).done);
      clearTimeout(t);
    },
  };
  const spent = { encode: 0, gzip: 0, n: 0, hand: 0, m: 0 };
  // ONLY=before,ours,fetch runs just those (a tighter before/after: more phases of each in the same time).
  const names = process.env.ONLY ? process.env.ONLY.split(",").filter((n) => n in candidates) : Object.keys(candidates);
  const profiles = new Map(names.map((n) => [n, new Map()]));
  const session = new Session();
  session.connect();
  if (profiling) {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 200 });
  }
  const rounds = Number(process.env.ROUNDS ?? 5);
  const t0 = new Map();
  const byName = await cpuRounds(Object.fromEntries(names.map((n) => [n, candidates[n]])), {
    rounds, inFlight: IN_FLIGHT, ms: (seconds * 1000) / rounds, warm: 1,
    start: async (name, r) => {
      t0.set(name, performance.now());
      if (profiling && r > 0) await session.post("Profiler.start");
    },
    end: async (name, r, k) => {
      if (r > 0) console.log(`  ${name}: ${k} in ${(performance.now() - t0.get(name)).toFixed(0)} ms`);
      if (!profiling || r === 0) return;
      const { profile } = await session.post("Profiler.stop");
      // Self time per operation, with its caller chain when CALLERS=n (n frames).
      tally(profile, { self: profiles.get(name), callers: Number(process.env.CALLERS ?? 0), per: k });
    },
  });
  const cpu = new Map(Object.entries(byName));
  for (const n of names) console.log(`${n.padEnd(22)} ${med(cpu.get(n)).toFixed(0).padStart(6)} µs CPU / submission  (${cpu.get(n).map((x) => x.toFixed(0)).join(", ")})`);
  console.log(`inside core+fetch: encodeMetrics ${(spent.encode / spent.n * 1000).toFixed(0)} µs, gzip ${(spent.gzip / spent.n * 1000).toFixed(0)} µs; inside fetch: smallSeries + stringify + gzip ${(spent.hand / spent.m * 1000).toFixed(0)} µs (wall, sync)`);
  if (profiling) {
    for (const n of names) {
      const rows = [...profiles.get(n)].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25));
      console.log(`\n${n}: self time per submission (µs, profiler on)\n${rows.map(([k, v]) => `${(v / (rounds - 1)).toFixed(1).padStart(7)}  ${k}`).join("\n")}`);
    }
  }
  session.disconnect();
} finally {
  sbx.child.disconnect();
}
