// 5. Cold start: a fresh `node` per run; time from the first line of the script to the candidate being imported
// and used once, and the process's memory right after. Candidates alternate run by run.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { fmtRatio, fmtTime, mb, QUICK, result, summary } from "../lib/harness.mjs";
import { nodeEntry } from "../lib/ours.mjs";

const CHILD = fileURLToPath(new URL("../lib/cold-child.mjs", import.meta.url));

const CANDIDATES = [
  { name: "empty", label: "empty script (node itself)", runs: QUICK ? 3 : 11 },
  { name: "ours-full", label: "datadog-oauth-wasm (Node entry) + `createPkce()` + `new DatadogClient()`", arg: nodeEntry("."), runs: QUICK ? 3 : 15 },
  { name: "ours-auth", label: "datadog-oauth-wasm/auth (Node entry) + `createPkce()`", arg: nodeEntry("./auth"), runs: QUICK ? 3 : 11 },
  { name: "oauth4webapi", label: "oauth4webapi + PKCE pair (awaited)", runs: QUICK ? 3 : 11 },
  { name: "datadog-deep", label: "@datadog/datadog-api-client, v2 `MetricsApi` only (deep import) + `new MetricsApi()`", runs: QUICK ? 2 : 5 },
  { name: "datadog", label: "@datadog/datadog-api-client `{ client, v2 }` + `new v2.MetricsApi()`", runs: QUICK ? 2 : 5 },
];

export async function run() {
  const runs = new Map(CANDIDATES.map((c) => [c.name, []]));
  const most = Math.max(...CANDIDATES.map((c) => c.runs));
  for (let r = 0; r < most; r++) {
    for (const c of CANDIDATES) {
      if (r >= c.runs) continue;
      const out = execFileSync(process.execPath, [CHILD, c.name, ...(c.arg ? [c.arg] : [])], { encoding: "utf8" });
      runs.get(c.name).push(JSON.parse(out.trim().split("\n").pop()));
    }
  }
  const med = (name, k) => summary(runs.get(name).map((x) => x[k])).median;
  const base = { rss: med("empty", "rss"), heap: med("empty", "heapUsed") };
  const ours = med("ours-full", "importMs");
  const rows = CANDIDATES.map((c) => {
    const t = summary(runs.get(c.name).map((x) => x.importMs));
    const rss = med(c.name, "rss");
    const heap = med(c.name, "heapUsed");
    return [
      c.label, String(runs.get(c.name).length), c.name === "empty" ? "–" : fmtTime(med(c.name, "importOnlyMs")), c.name === "empty" ? "–" : fmtTime(t.median), c.name === "empty" ? "–" : `${fmtTime(t.p10)} – ${fmtTime(t.p90)}`,
      fmtTime(med(c.name, "sinceStartMs")), mb(rss), c.name === "empty" ? "–" : `+${mb(rss - base.rss)}`, mb(heap), c.name === "empty" ? "–" : `+${mb(heap - base.heap)}`,
      c.name === "empty" ? "–" : c.name === "ours-full" ? "1 (baseline)" : fmtRatio(t.median / ours),
    ];
  });
  return result({
    id: "cold",
    title: "5. Cold start in a fresh Node process",
    what: "Each run is a new `node` process (run after run, candidates alternating). *Import alone* = until the dynamic `import()` resolved; *ready* = until the first real calls returned as well (ours: V8 compiles wasm functions lazily, so the first call into the core compiles the code it reaches). Memory is `process.memoryUsage()` right after; Δ is against an empty script.",
    headers: ["candidate", "runs", "import alone", "import → ready (median)", "p10 – p90", "process start → ready", "RSS", "Δ RSS", "heap used", "Δ heap", "time ÷ ours"],
    rows,
    notes: [
      "Node 20 has no on-disk compile cache for ES modules, so every run compiles the JS again; the OS file cache is warm after the first run, as on a server.",
    ],
    targets: [
      { name: "cold start < 15 ms (import → ready, whole package)", issues: [6, 16], met: ours < 15, detail: `median ${fmtTime(ours)}, target < 15 ms (/auth on Node: ${fmtTime(med("ours-auth", "importMs"))}; import alone ${fmtTime(med("ours-full", "importOnlyMs"))}, the rest is the first calls)` },
    ],
  });
}
