// Before/after of a submission on a custom site with fetch stubbed: `BEFORE=path/to/dist/node.mjs node bench/tools/custom-ab.mjs`.
// CPU per 10×10 gzip metrics submission through this build's DatadogClient and BEFORE's, 8 in flight, on a built-in
// site (no `sites`) and on a custom one with nine configured (table 7's `ours-custom`, the shape the real-loopback
// rows run), beside hand-written stringify + gzip + the same stub; candidates interleaved, ratios the median of
// per-round ratios.
import { gzipSync } from "node:zlib";
import { smallSeries } from "../lib/sandbox.mjs";
import { loadOurs } from "../lib/ours.mjs";
import { cpuRounds, median as med, ratioOf } from "../lib/rounds.mjs";

if (!process.env.BEFORE) throw new Error("set BEFORE=path/to/another/dist/node.mjs");
const IN_FLIGHT = 8;
const ROUNDS = Number(process.env.ROUNDS ?? 40);
const accepted = async () => new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
const candidates = {};
for (const [name, dd] of [["before", await import(process.env.BEFORE)], ["ours", await loadOurs()]]) {
  const site = dd.resolveSite("us1");
  const now = Date.now();
  const conn = { site, domain: site.site, apiKey: "k".repeat(32), accessToken: "a".repeat(40), tokenType: "Bearer", expiresAt: now + 3600e3, scopes: [], createdAt: now, updatedAt: now };
  const opts = { clientId: "cid", clientSecret: "s", redirectUri: "https://p.example/cb", fetch: accepted };
  const nine = dd.sites().map((s, i) => dd.customSite({ id: `stub-${s.id}`, name: `Stub ${s.name}`, site: s.site, appOrigin: `http://127.0.0.1:${9100 + i}`, apiOrigin: `http://127.0.0.1:${9200 + i}` }));
  const plain = new dd.DatadogClient(opts);
  const custom = new dd.DatadogClient({ ...opts, sites: nine });
  const conns = nine.slice(0, 4).map((s) => ({ ...conn, site: s, domain: s.site }));
  candidates[`plain, ${name}`] = (w, k) => plain.submitMetrics(conn, smallSeries(k));
  candidates[`custom, ${name}`] = (w, k) => custom.submitMetrics(conns[w % 4], smallSeries(k));
}
candidates.hand = async (w, k) => {
  const res = await accepted("", { method: "POST", body: gzipSync(JSON.stringify({ series: smallSeries(k) })) });
  await res.text();
};
const cpu = await cpuRounds(candidates, { rounds: ROUNDS, inFlight: IN_FLIGHT });
const ratio = (a, b) => ratioOf(cpu[a], cpu[b]).median.toFixed(3);
for (const what of ["plain", "custom"]) {
  const [b, o] = [`${what}, before`, `${what}, ours`];
  console.log(`${what.padEnd(7)} before ${med(cpu[b]).toFixed(0).padStart(4)} µs, ours ${med(cpu[o]).toFixed(0).padStart(4)} µs CPU / call: ours ÷ before ${ratio(o, b)}×, ÷ hand: before ${ratio(b, "hand")}×, ours ${ratio(o, "hand")}×`);
}
console.log(`hand    ${med(cpu.hand).toFixed(0)} µs; custom ÷ plain: before ${ratio("custom, before", "plain, before")}×, ours ${ratio("custom, ours", "plain, ours")}× (median of ${cpu.hand.length} rounds)`);
