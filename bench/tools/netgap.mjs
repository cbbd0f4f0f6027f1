// Why the core's sync calls cost more between real requests than in a tight loop (issue 16, table 7's gap):
// `node [v8 flags] bench/tools/netgap.mjs [--ms N] [--rounds R] [--modes real,stub,sys,idle,sweep1,sweep8]`.
// 8 workers as in table 7; each iteration first does what a mode puts between calls (a real gzip POST to the
// sandbox, a stubbed answer, an idle timer, a memory sweep of N MB, a few system calls), then ONE probe twice in a
// row: the first call is what a submission pays, the second (same tick, new data) says how much of that is "cold".
// Per probe and mode: median wall and process CPU of each call, the share of calls a GC ran into ('gc' entries).
//
// What it showed (Dec 2026, 2-core KVM EPYC, Node 20): the "560 µs encodeMetrics between real requests" was mostly
// the sandbox's nine custom sites sent with every call (the core rebuilds each, ~30 µs in wasm): 546 µs stubbed with
// nine, 273 with the connection's own one, 197 for a built-in site with none (what table 7's stubbed rows measure);
// js/deliver.js now sends only the sites that can match. What is left between real requests is a ~20% cold-cache
// penalty on the wasm calls (first call 326 vs 273 µs stubbed; the second call in the same tick 273); an 8 MB sweep
// between stubbed calls reproduces it (313), system calls alone or an idle timer barely (278, 273); no GC overlapped
// a timed call; it stays with --no-wasm-dynamic-tiering, --no-liftoff and --liftoff-only (tiering is not it). The
// hand-written stringify + gzip shows no such penalty (206 real vs 225 stubbed).
import { openSync, statSync, writeSync } from "node:fs";
import { PerformanceObserver } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { rawCore } from "../lib/boundary.mjs";
import { fakeConnection, loadOurs } from "../lib/ours.mjs";
import { CLIENT_ID, CLIENT_SECRET, connector, REDIRECT, sandboxSites, smallSeries, startSandbox } from "../lib/sandbox.mjs";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? dflt : args[i + 1];
};
const PHASE_MS = Number(opt("ms", 1500));
const ROUNDS = Number(opt("rounds", 4));
const MODES = opt("modes", "real,stub,idle,sweep1,sweep8").split(",");
const PROBES = opt("probes", "series,hand,encode,encode1,encode0,split,parse,parse2xx").split(",");
const IN_FLIGHT = 8;

const dd = await loadOurs();
const raw = await rawCore();
const sbx = await startSandbox();
const gcs = [];
let gcCount = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcs.push([e.startTime, e.startTime + e.duration]);
    gcCount++;
  }
}).observe({ entryTypes: ["gc"] });

try {
  const sites = sandboxSites(dd, sbx);
  const client = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites });
  const connect = connector(dd, sbx, client, sites);
  const conns = [];
  for (const id of ["us1", "eu1", "us3", "ap1"]) conns.push(await client.createApiKey(await connect(id)));

  const own = conns.map((c) => sites.filter((s) => s.apiOrigin === c.site.apiOrigin));
  const builtin = fakeConnection(dd);
  // A 202 answer as the transport hands it to the core (headers as the sandbox sends them), and a 400 one.
  let answer202 = null;
  const answer400 = { status: 400, headers: { "content-type": "application/json" }, body: '{"errors":["Payload is not in the expected format"]}' };

  // Each probe: one sync step of a submission, run on fresh data `k`; returns something so it is not dropped.
  const probes = {
    series: (w, k) => smallSeries(k),
    hand: (w, k) => gzipSync(JSON.stringify({ series: smallSeries(k) })),
    // As the client calls it today (the sandbox's nine custom sites with every call), with the connection's own site
    // only, and a built-in site's connection with no `sites` (what table 7's stubbed rows encode).
    encode: (w, k) => dd.encodeMetrics(conns[w % 4], smallSeries(k), { sites }),
    encode1: (w, k) => dd.encodeMetrics(conns[w % 4], smallSeries(k), { sites: own[w % 4] }),
    encode0: (w, k) => dd.encodeMetrics(builtin, smallSeries(k)),
    // The boundary's three steps (bench/lib/boundary.mjs), each timed: arguments to JSON, the wasm call, the answer read
    // (with the connection's own site, as js/deliver.js sends it).
    split: (w, k, t) => {
      const series = smallSeries(k);
      const a = performance.now();
      const json = JSON.stringify({ sites: own[w % 4], connection: conns[w % 4], series, now: Date.now() });
      const b = performance.now();
      const desc = raw.call("encodeMetrics", json);
      const c = performance.now();
      const out = raw.read(desc);
      const d = performance.now();
      t.push(b - a, c - b, d - c);
      return out;
    },
    parse2xx: () => dd.parseIntakeResponse({ kind: "metrics", response: answer202 }),
    parse: (w) => {
      try {
        return dd.parseIntakeResponse({ kind: "metrics", response: answer400, request: { url: `${conns[w % 4].site.apiOrigin}/api/v2/series`, headers: { "dd-api-key": conns[w % 4].apiKey } }, connection: conns[w % 4] });
      } catch (e) {
        return e;
      }
    },
  };

  const sweepBuf = new Uint8Array(32 << 20);
  let sweepSink = 0;
  const sweep = (mb) => {
    for (let i = 0, n = mb << 20; i < n; i += 64) sweepSink = (sweepSink + sweepBuf[i]++) | 0;
  };
  const stubbed = () => new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
  const between = {
    real: async (w, k) => {
      const c = conns[w % 4];
      const res = await fetch(`${c.site.apiOrigin}/api/v2/series`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", "dd-api-key": c.apiKey }, body: gzipSync(JSON.stringify({ series: smallSeries(k) })) });
      const headers = {};
      res.headers.forEach((v, h) => { headers[h] = v; });
      const body = await res.text();
      answer202 ??= { status: res.status, headers, body };
    },
    stub: async () => {
      await (await stubbed()).text();
    },
    idle: async () => {
      await new Promise((r) => setTimeout(r, 1));
    },
  };
  // Kernel work alone between calls (system calls that touch almost no user memory or code): `sys`.
  const devNull = openSync("/dev/null", "w");
  const byte = new Uint8Array(1);
  between.sys = async () => {
    for (let i = 0; i < 8; i++) writeSync(devNull, byte);
    for (let i = 0; i < 4; i++) statSync("/tmp");
    await (await stubbed()).text();
  };
  for (const m of MODES) {
    const s = /^sweep(\d+)$/.exec(m);
    if (s) between[m] = async () => { sweep(Number(s[1])); await (await stubbed()).text(); };
  }
  await between.real(0, 0);

  // samples[mode][probe] = { first: [[wall, cpu, gc]], second: [...], parts: [[stringify, call, read]] }
  const samples = Object.fromEntries(MODES.map((m) => [m, Object.fromEntries(PROBES.map((p) => [p, { first: [], second: [], parts: [] }]))]));
  const perIter = Object.fromEntries(MODES.map((m) => [m, []]));
  const overlapsGc = (a, b) => gcs.some(([s, e]) => s < b && e > a);
  const timed = (probe, w, k, t) => {
    const c0 = process.cpuUsage();
    const a = performance.now();
    probe(w, k, t);
    const b = performance.now();
    const c = process.cpuUsage(c0);
    return [b - a, (c.user + c.system) / 1000, a, b];
  };

  for (let r = 0; r <= ROUNDS; r++) {
    for (let i = 0; i < MODES.length; i++) {
      const mode = MODES[(i + r) % MODES.length];
      const gap = between[mode];
      const pending = [];
      let k = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: IN_FLIGHT }, async (_, w) => {
        while (performance.now() < t0 + PHASE_MS) {
          const n = k++;
          await gap(w, n);
          const name = PROBES[n % PROBES.length];
          const p1 = [];
          const p2 = [];
          const f = timed(probes[name], w, n, p1);
          const s = timed(probes[name], w, n + 1, p2);
          if (r > 0) pending.push([name, f, s, p1]);
        }
      }));
      const used = process.cpuUsage(c0);
      await new Promise((res) => setImmediate(res)); // the observer's GC entries of this phase
      if (r === 0) continue; // warm-up round
      perIter[mode].push((used.user + used.system) / k);
      for (const [name, f, s, p1] of pending) {
        const box = samples[mode][name];
        box.first.push([f[0], f[1], overlapsGc(f[2], f[3])]);
        box.second.push([s[0], s[1], overlapsGc(s[2], s[3])]);
        if (p1.length) box.parts.push(p1);
      }
      gcs.length = 0;
    }
  }

  const med = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length ? s[s.length >> 1] : NaN;
  };
  const us = (ms) => (ms * 1000).toFixed(0).padStart(5);
  console.log(`flags: ${process.execArgv.join(" ") || "(none)"}; ${PHASE_MS} ms × ${ROUNDS} rounds per mode; sweep sink ${sweepSink & 1}; ${gcCount} GCs seen`);
  console.log(`CPU per iteration (µs, whole process, includes the mode's own work): ${MODES.map((m) => `${m} ${med(perIter[m]).toFixed(0)}`).join(", ")}`);
  console.log("\nmedian µs: wall first / wall second (same tick) / CPU first / CPU second; gc% = calls a GC overlapped; noGC = wall first without them");
  console.log(`${"probe".padEnd(9)}${MODES.map((m) => m.padStart(34)).join("")}`);
  for (const p of PROBES) {
    const cells = MODES.map((m) => {
      const b = samples[m][p];
      const clean = b.first.filter((x) => !x[2]);
      const gcShare = b.first.length ? (100 * (b.first.length - clean.length)) / b.first.length : NaN;
      return `${us(med(b.first.map((x) => x[0])))}/${us(med(b.second.map((x) => x[0])))}/${us(med(b.first.map((x) => x[1])))}/${us(med(b.second.map((x) => x[1])))} ${gcShare.toFixed(0).padStart(2)}%${us(med(clean.map((x) => x[0])))}`;
    });
    console.log(`${p.padEnd(9)}${cells.map((c) => c.padStart(34)).join("")}`);
  }
  if (PROBES.includes("split")) {
    console.log("\nsplit (first call, wall µs): stringify args / wasm call / read answer");
    for (const m of MODES) {
      const parts = samples[m].split.parts;
      console.log(`  ${m.padEnd(8)} ${[0, 1, 2].map((j) => us(med(parts.map((x) => x[j])))).join(" /")}   (n=${parts.length})`);
    }
  }
} finally {
  sbx.child.disconnect();
}
