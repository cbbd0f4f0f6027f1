// Where the core spends an operation's time, by function: `node bench/tools/profile.mjs [metrics|logs|pkce|authorize|refreshRequest|parseRefreshResponse|parseConnection] [seconds]`
// (env TOP=n rows, PROFILE_ALL=1 to list every frame's inclusive time).
// Runs the operation in a loop under V8's sampling profiler, on the wasm-bindgen output in pkg/node (the core the Node
// entry loads, which keeps the wasm name section there, unlike the optimised dist/ file), and prints the functions with the most self time.
import { Session } from "node:inspector/promises";
import { rawCore } from "../lib/boundary.mjs";
import { tally } from "../lib/cpuprofile.mjs";
import { fakeConnection, loadOurs, logEntries, metricSeries, ROOT, SOURCE } from "../lib/ours.mjs";

const what = process.argv[2] ?? "metrics";
const seconds = Number(process.argv[3] ?? 3);
const dd = await loadOurs();
// The core as js/core.js calls it (large arguments written into its memory), on the module that keeps names.
const core = await rawCore(`${ROOT}pkg/node/datadog_oauth_wasm_bg.wasm`);
const conn = fakeConnection(dd);
// A token endpoint's answer as the host passes it on (js/answer.js reads status, headers and body).
const refreshAnswer = {
  status: 200, headers: { "content-type": "application/json" },
  body: JSON.stringify({ access_token: `at_${"x".repeat(40)}`, token_type: "bearer", expires_in: 3600, refresh_token: `rt_${"y".repeat(40)}`, scope: "api_keys_write" }),
};
const cases = {
  metrics: () => ["encodeMetrics", { connection: conn, series: metricSeries(), now: Date.now() }],
  logs: () => ["encodeLogs", { connection: conn, logs: logEntries(1000), source: SOURCE, now: Date.now() }],
  pkce: () => ["createPkce", {}],
  refreshRequest: () => ["refreshRequest", { clientId: "cid", clientSecret: "secret", redirectUri: "https://p.example/cb", connection: { ...conn, refreshToken: "r".repeat(40) } }],
  parseRefreshResponse: () => ["parseRefreshResponse", { response: refreshAnswer, connection: { ...conn, refreshToken: "r".repeat(40) }, now: Date.now(), clientSecret: "secret" }],
  parseConnection: () => ["parseConnection", { connection: conn }],
  authorize: () => ["startAuthorization", { clientId: "c", redirectUri: "https://partner.example/cb", site: "us1", scopes: [], sites: [], now: Date.now() }],
};
const [op, args] = cases[what]();
const step = () => core.read(core.call(op, JSON.stringify(args))).out;

for (let i = 0; i < 20; i++) step();
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 100 });
await session.post("Profiler.start");
const until = performance.now() + seconds * 1000;
let n = 0;
while (performance.now() < until) {
  step();
  n++;
}
const { profile } = await session.post("Profiler.stop");
session.disconnect();

const nameOf = (f) => (f.functionName || "(anonymous)").replace(/::h[0-9a-f]{16}$/, "") + (f.url && !f.url.includes("wasm") ? ` [${f.url.split("/").pop()}]` : "");
const self = new Map();
const inclusive = new Map();
tally(profile, { self, inclusive, label: nameOf });
const total = profile.timeDeltas.reduce((a, b) => a + b, 0);
console.log(`${what}: ${n} calls in ${seconds}s, ${(seconds * 1000 / n).toFixed(2)} ms per call (profiler on)`);
const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${name.slice(0, 150)}`).join("\n");
console.log(`\nself time:\n${top(self, Number(process.env.TOP ?? 25))}`);
const ours = new Map([...inclusive].filter(([n]) => process.env.PROFILE_ALL === "1" || /datadog_oauth_wasm|serde_json::(de|ser)::|drop_in_place|into_value|to_string|from_str|\[/.test(n)));
console.log(`\ninclusive time (our crate, serde_json entry points, drops, JS; PROFILE_ALL=1 for every frame):\n${top(ours, Number(process.env.TOP ?? 25))}`);
