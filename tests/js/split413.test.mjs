// Issue 11 item 11: halving after a 413 is linear. Against a sandbox that answers every metrics request 413 (a
// `fault` rule), each half is re-encoded from its own items only; before the fix each re-encode and each split sent
// the whole original list back into the core, so N = 2000 single-point series took 80 s. The test compares the
// process's CPU time (process.cpuUsage(), sandbox included, never wall time) for N = 1000 and N = 250: halving
// does ~2N requests, so the ratio is ~4 (×log) when linear and ~16 when quadratic; it must stay under 8. The
// series carry realistic tag sets: with bare one-tag series the per-request cost hid the quadratic term (7.5).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { sandbox, fault, makeClient, connect } from "./support.mjs";

let sb;
let client;
let conn;
before(async () => {
  let siteOf;
  let sites;
  ({ sb, sites, siteOf } = await sandbox());
  ({ client } = makeClient(sites, null, { concurrency: 1 }));
  conn = await client.createApiKey(await connect(sb, client, siteOf("us3"), null));
  await fault(sb, { route: "metrics_v2", site: "us3", action: { status: 413 } });
});
after(async () => {
  await sb?.close();
});

const seriesOf = (n) => {
  const now = Math.floor(Date.now() / 1000);
  // A realistic tag set (16 tags, ~0.5 KB a series): the cost of sending the whole list again grows with it.
  const tags = (i) => [`i:${i}`, ...Array.from({ length: 15 }, (_, k) => `dimension_${k}:value-${(i * 7 + k) % 97}-abcdef`)];
  return Array.from({ length: n }, (_, i) => ({ metric: `acme.split.s${i}`, type: 3, points: [{ timestamp: now, value: i }], tags: tags(i) }));
};

async function cpuOf(n) {
  const series = seriesOf(n);
  const start = process.cpuUsage();
  const report = await client.submitMetrics(conn, series, { compress: "none" });
  const used = process.cpuUsage(start);
  assert.equal(report.accepted, 0);
  assert.equal(report.failed.length, n, "every item is reported");
  assert.deepEqual(report.failed.map((f) => f.index), series.map((_, i) => i));
  assert.ok(report.failed.every((f) => f.code === "payload_too_large"), JSON.stringify(report.failed[0]));
  // A binary tree over the items per first batch: 2N - (first batches) requests.
  assert.ok(report.requests > 1.9 * n, `${report.requests} requests for ${n} items: halved down to single items`);
  return used.user + used.system;
}

test("item 11: against an always-413 intake, N = 1000 costs under 8x the CPU of N = 250, and every item is reported", { timeout: 600000 }, async () => {
  await cpuOf(20); // warm-up: the core, the sandbox and undici compiled before measuring
  const small = await cpuOf(250);
  const large = await cpuOf(1000);
  const ratio = large / small;
  console.log(`CPU µs: N=250 ${small}, N=1000 ${large}, ratio ${ratio.toFixed(2)}`);
  assert.ok(ratio < 8, `CPU ${large} µs for 1000 vs ${small} µs for 250: ratio ${ratio.toFixed(2)}`);
});
