// Before/after of the host's other paths with fetch stubbed: `BEFORE=path/to/dist/node.mjs node bench/tools/stubbed-ab.mjs`.
// CPU per 10×10 metrics submission (gzip and "none", table 7's stubbed row) and per bearer `client.request()` through
// this build's DatadogClient and BEFORE's, 8 in flight, candidates interleaved; the ratio is the median of per-round
// ratios (rounds run back to back, so it holds up better than times on a loaded machine).
import { smallSeries } from "../lib/sandbox.mjs";
import { loadOurs } from "../lib/ours.mjs";
import { cpuRounds, median as med, ratioOf } from "../lib/rounds.mjs";

if (!process.env.BEFORE) throw new Error("set BEFORE=path/to/another/dist/node.mjs");
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const accepted = async () => new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
const ok = async () => new Response('{"data":[]}', { status: 200, headers: { "content-type": "application/json" } });
const candidates = {};
for (const [name, dd] of [["before", await import(process.env.BEFORE)], ["ours", await loadOurs()]]) {
  const site = dd.resolveSite("us1");
  const now = Date.now();
  const conn = { site, domain: site.site, accessToken: "a".repeat(40), refreshToken: "r".repeat(40), apiKey: "k".repeat(32), tokenType: "Bearer", expiresAt: now + 3600e3, scopes: ["incident_read"], createdAt: now, updatedAt: now };
  const opts = { clientId: "cid", clientSecret: "s", redirectUri: "https://p.example/cb" };
  const gzip = new dd.DatadogClient({ ...opts, fetch: accepted });
  const none = new dd.DatadogClient({ ...opts, fetch: accepted, compress: "none" });
  const api = new dd.DatadogClient({ ...opts, fetch: ok });
  const held = Array.from({ length: IN_FLIGHT }, (_, w) => ({ ...conn, accessToken: `a${w}_${"a".repeat(40)}`, refreshToken: `r${w}_${"r".repeat(40)}` }));
  candidates[`metrics gzip, ${name}`] = (w, k) => gzip.submitMetrics(conn, smallSeries(k));
  candidates[`metrics none, ${name}`] = (w, k) => none.submitMetrics(conn, smallSeries(k));
  candidates[`request(), ${name}`] = (w) => api.request(held[w], { method: "GET", path: "/api/v2/incidents" });
}
const cpu = await cpuRounds(candidates, { rounds: ROUNDS, inFlight: IN_FLIGHT });
for (const what of ["metrics gzip", "metrics none", "request()"]) {
  const [b, o] = [cpu[`${what}, before`], cpu[`${what}, ours`]];
  console.log(`${what.padEnd(13)} before ${med(b).toFixed(0).padStart(4)} µs, ours ${med(o).toFixed(0).padStart(4)} µs CPU / call: ours ÷ before ${ratioOf(o, b).median.toFixed(3)}× (median of ${o.length} rounds)`);
}
