// `npm run bench`: installs bench/'s comparison libraries when missing, makes sure the package is built, runs every
// table (each in its own Node process, with --expose-gc) and writes bench/RESULTS.md from a full run.
//
//   node bench/run.mjs                 all eight tables, writes bench/RESULTS.md
//   node bench/run.mjs pkce size       only those tables (ids: pkce authorize metrics logs cold size throughput fanout)
//   node bench/run.mjs --quick         shorter runs, for trying things out (never written to RESULTS.md)
//   node bench/run.mjs --no-write      do not touch RESULTS.md
import { execFileSync, fork, spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { render } from "./lib/harness.mjs";

const BENCH = fileURLToPath(new URL("./", import.meta.url));
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TABLES = [
  ["pkce", "1-pkce.mjs"],
  ["authorize", "2-authorize-url.mjs"],
  ["metrics", "3-metrics.mjs"],
  ["logs", "4-logs.mjs"],
  ["cold", "5-cold-start.mjs"],
  ["size", "6-size.mjs"],
  ["throughput", "7-throughput.mjs"],
  ["fanout", "8-fanout.mjs"],
];

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.filter((a) => !a.startsWith("--"));
for (const id of only) if (!TABLES.some(([t]) => t === id)) throw new Error(`unknown table ${id}; tables: ${TABLES.map(([t]) => t).join(" ")}`);
const selected = only.length ? TABLES.filter(([id]) => only.includes(id)) : TABLES;
const write = !quick && !args.includes("--no-write") && selected.length === TABLES.length;

function ensureBenchDeps() {
  const pkg = JSON.parse(readFileSync(`${BENCH}package.json`, "utf8"));
  const missing = Object.keys(pkg.dependencies).filter((d) => !existsSync(`${BENCH}node_modules/${d}/package.json`));
  if (missing.length === 0) return;
  console.log(`bench: installing the comparison libraries (${missing.join(", ")} missing)`);
  const r = spawnSync("npm", ["install", "--prefix", "bench", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm install --prefix bench failed");
}

const DIST = ["node.mjs", "node-auth.mjs", "browser.mjs", "auth.mjs", "datadog_oauth_wasm_bg.wasm", "datadog_oauth_wasm_node_bg.wasm", "datadog_oauth_wasm_auth_bg.wasm"];

async function ensureBuilt() {
  const missing = () => DIST.filter((f) => !existsSync(`${ROOT}dist/${f}`));
  if (missing().length === 0) return;
  // A build removes dist/ and recreates it at once; a missing dir that stays missing means nobody is building.
  if (!existsSync(`${ROOT}dist`)) await new Promise((r) => setTimeout(r, 5000));
  if (!existsSync(`${ROOT}dist`)) {
    // A fresh clone: build it (the build needs the root's devDependencies and the Rust toolchain).
    console.log("bench: dist/ is missing; building the package (node scripts/build.mjs)");
    if (!existsSync(`${ROOT}node_modules/esbuild`)) {
      const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
      if (r.status !== 0) throw new Error("npm ci failed");
    }
    const r = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) throw new Error("the build failed; on a new machine run `bash scripts/setup.sh` first (Rust target, wasm-bindgen CLI)");
    return;
  }
  // dist/ exists but is incomplete: a build is running (it empties dist/ first). Wait for it.
  console.log(`bench: dist/ is incomplete (${missing().join(", ")}); waiting for the build in progress`);
  const until = Date.now() + 10 * 60_000;
  while (missing().length) {
    if (Date.now() > until) throw new Error(`dist/ still lacks ${missing().join(", ")}; run node scripts/build.mjs`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  await new Promise((r) => setTimeout(r, 3000)); // the last files of the build
}

function runTable(file) {
  return new Promise((resolve, reject) => {
    const child = fork(`${BENCH}lib/child.mjs`, [file], {
      execArgv: ["--expose-gc"], env: { ...process.env, BENCH_QUICK: quick ? "1" : "0" }, stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result = null;
    child.on("message", (m) => {
      if (m && m.result) result = m.result;
    });
    child.on("exit", (code) => (result ? resolve(result) : reject(new Error(`${file} exited with ${code} and no result`))));
  });
}

function version(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "not installed";
  }
}

function machine() {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) model = m[1].trim();
  } catch {}
  const lib = (name) => {
    try {
      return JSON.parse(readFileSync(`${BENCH}node_modules/${name}/package.json`, "utf8")).version;
    } catch {
      return "?";
    }
  };
  const ours = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8"));
  return {
    cores: cpus().length, model, memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB (${(freemem() / 2 ** 30).toFixed(1)} GiB free at start)`,
    load: loadavg().map((x) => x.toFixed(2)).join(", "),
    os: `${process.platform} ${process.arch}`, node: process.version, rust: version("rustc", ["--version"]),
    libs: `${ours.name} ${ours.version} (this checkout), oauth4webapi ${lib("oauth4webapi")}, pkce-challenge ${lib("pkce-challenge")}, @datadog/datadog-api-client ${lib("@datadog/datadog-api-client")}, pako ${lib("pako")}, esbuild ${lib("esbuild")}`,
  };
}

const started = Date.now();
ensureBenchDeps();
await ensureBuilt();
const m = machine();
console.log(`bench: ${selected.map(([id]) => id).join(", ")}${quick ? " (quick)" : ""} — ${m.cores} × ${m.model}, Node ${m.node}, load ${m.load}`);
// Other people may rebuild dist/ while this runs: wait for a complete dist/ before each table, retry a table once
// if it failed while dist/ was being rebuilt, and say in RESULTS.md if the build changed during the run.
const buildStamp = () => statSync(`${ROOT}dist/datadog_oauth_wasm_node_bg.wasm`).mtime;
const builds = new Set([buildStamp().toISOString()]);
const results = [];
for (const [id, file] of selected) {
  console.log(`\nbench: ${id} …`);
  await ensureBuilt();
  let r;
  try {
    r = await runTable(file);
  } catch (err) {
    if (DIST.every((f) => existsSync(`${ROOT}dist/${f}`))) throw err;
    console.log(`bench: ${id} failed while dist/ was being rebuilt; running it again once the build is done`);
    await ensureBuilt();
    r = await runTable(file);
  }
  builds.add(buildStamp().toISOString());
  results.push(r);
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
const targets = results.flatMap((r) => r.targets.filter((t) => !t.informational).map((t) => ({ ...t, table: r.title })));
// Each target says which issues set it (`issues`, issue 6 when unsaid); the verdicts are listed per issue.
const ISSUES = [6, 16];
const ofIssue = (n) => targets.filter((t) => (t.issues ?? [6]).includes(n));
console.log(`\nbench: done in ${seconds} s`);
for (const n of ISSUES) {
  if (ofIssue(n).length) console.log(`  issue ${n}:`);
  for (const t of ofIssue(n)) console.log(`    target ${t.met ? "met   " : "MISSED"}  ${t.name} — ${t.detail}`);
}

if (write) {
  const date = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const doc = [
    "# Benchmark results",
    "",
    "Written by `npm run bench` (`node bench/run.mjs`) from one full run; every ratio compares candidates measured in the same run, interleaved. Medians; spread is p10 – p90 unless stated. Times are this machine's and vary run to run; the ratios are the point.",
    "",
    `- Date: ${date}`,
    `- Machine: ${m.cores} cores, ${m.model}; ${m.memory}; load average at start ${m.load}; ${m.os}`,
    `- Node ${m.node}; ${m.rust}`,
    `- Libraries: ${m.libs}`,
    `- Duration of the run: ${seconds} s`,
    `- Package build measured (dist/ wasm modified at): ${[...builds].join(", ")}${builds.size > 1 ? " — dist/ was rebuilt during the run, so tables may come from different builds" : ""}`,
    "",
    ...ISSUES.flatMap((n) => (ofIssue(n).length ? [`## Targets (issue ${n})`, "", ...ofIssue(n).map((t) => `- **${t.met ? "Met" : "Missed"}** — ${t.name}: ${t.detail}`), ""] : [])),
    ...results.flatMap((r) => [render(r), ""]),
  ].join("\n");
  writeFileSync(`${BENCH}RESULTS.md`, doc);
  console.log(`bench: wrote bench/RESULTS.md`);
}
