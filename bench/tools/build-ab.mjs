// Builds side by side on the core's own paths, to weigh a build setting (say wasm-opt's inlining) against its bytes:
// `node bench/tools/build-ab.mjs path/to/distA/node.mjs path/to/distB/node.mjs ...` (the first is the reference).
// CPU per call of: 10k metric points encoded (table 3), a stubbed 10×10 gzip submission and a stubbed refresh
// through DatadogClient (table 7's stubbed rows), and an authorization URL; candidates interleaved (bench/lib/rounds.mjs).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { fakeConnection, metricSeries } from "../lib/ours.mjs";
import { smallSeries } from "../lib/sandbox.mjs";
import { cpuRounds, median, ratioOf } from "../lib/rounds.mjs";

const paths = process.argv.slice(2);
if (paths.length < 2) throw new Error("give two or more dist/node.mjs paths, the reference first");
const ROUNDS = Number(process.env.ROUNDS ?? 30);
const accepted = async () => new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
const token = async () => new Response('{"access_token":"at-new","refresh_token":"rt-new","expires_in":3600,"token_type":"bearer","scope":"metrics_write"}',
  { status: 200, headers: { "content-type": "application/json" } });
const work = { encode10k: {}, submit: {}, refresh: {}, authorize: {} };
for (const [i, p] of paths.entries()) {
  // Paths as given on the command line, relative to the working directory (import() would take them as packages).
  const dd = await import(pathToFileURL(resolve(p)).href);
  const name = `${i}`;
  const conn = fakeConnection(dd);
  const series = metricSeries();
  const opts = { clientId: "cid", clientSecret: "s", redirectUri: "https://p.example/cb" };
  const submitter = new dd.DatadogClient({ ...opts, fetch: accepted });
  const refresher = new dd.DatadogClient({ ...opts, fetch: token });
  const held = Array.from({ length: 8 }, (_, w) => ({ ...conn, accessToken: `a${w}_${"a".repeat(40)}`, refreshToken: `r${w}_${"r".repeat(40)}` }));
  work.encode10k[name] = async () => dd.encodeMetrics(conn, series);
  work.submit[name] = (w, k) => submitter.submitMetrics(conn, smallSeries(k));
  work.refresh[name] = async (w) => { held[w] = await refresher.refresh(held[w]); };
  work.authorize[name] = async () => dd.startAuthorization({ clientId: "cid", redirectUri: "https://p.example/cb", site: "us1", scopes: ["api_keys_write", "metrics_read"] }).url;
}
for (const [what, candidates] of Object.entries(work).filter(([w]) => !process.env.ONLY || process.env.ONLY.split(",").includes(w))) {
  const sync = what === "encode10k" || what === "authorize";
  const cpu = await cpuRounds(candidates, { rounds: ROUNDS, inFlight: sync ? 1 : 8, ms: sync ? 150 : 100 });
  const row = paths.map((_, i) => `${i}: ${median(cpu[i]).toFixed(1)} µs` + (i ? ` (${ratioOf(cpu[i], cpu[0]).median.toFixed(3)}×)` : "")).join(", ");
  console.log(`${what.padEnd(10)} ${row}`);
}
