// Data delivery against the local sandbox: every data type on every site arrives as sent; 50,000 metric points
// arrive complete with gzip and deflate, and also under faults on a third of the requests; oversized items, 413s,
// permanent 4xx and dead networks are reported item by item, never dropped silently; concurrency stays bounded.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { control, received } from "../../sandbox/testkit.mjs";
import { sandbox, stats, fault, clearFaults, hygiene, makeClient, connect } from "./support.mjs";

let sb;
let sites;
let siteOf;
const h = hygiene();
/** One connected client (with its marketplace key) per site, made once. */
const conns = {};
let client;

before(async () => {
  ({ sb, sites, siteOf } = await sandbox());
  ({ client } = makeClient(sites, h));
  for (const s of sb.sites) conns[s.id] = h.conn(await client.createApiKey(await connect(sb, client, siteOf(s.id), h)));
});

after(async () => {
  h.restore();
  await sb?.close();
});

const nowS = () => Math.floor(Date.now() / 1000);

/** Every key of `sent` is in `got` with the same value (the sandbox may add fields, e.g. logs' ddsource). */
function includes(got, sent, where) {
  for (const [k, v] of Object.entries(sent)) assert.deepEqual(got[k], v, `${where}.${k}`);
}

function assertComplete(report, n, { split = false } = {}) {
  h.report(report);
  assert.deepEqual(report.failed, [], JSON.stringify(report.failed.slice(0, 3)));
  assert.equal(report.accepted, n);
  if (!split) assert.equal(report.sent, report.batches, "no batch was split");
}

/** Many series, `perSeries` points each, spread over the last 50 minutes. */
function manySeries(prefix, series, perSeries) {
  const now = nowS();
  return Array.from({ length: series }, (_, i) => ({
    metric: `${prefix}.s${i}`,
    type: 3,
    points: Array.from({ length: perSeries }, (_, j) => ({ timestamp: now - j * Math.floor(3000 / perSeries), value: i * 1000 + j })),
    tags: [`shard:${i % 7}`, "env:test"],
  }));
}

function pointsByMetric(items, prefix) {
  const m = new Map();
  for (const s of items) if (s.metric.startsWith(prefix)) m.set(s.metric, (m.get(s.metric) ?? 0) + s.points.length);
  return m;
}

test("every site: one submission of each data type arrives as sent", async (t) => {
  for (const s of sb.sites) {
    await t.test(s.id, async () => {
      const conn = conns[s.id];
      const org = conn.orgId;
      const now = nowS();

      const v2 = [{ metric: "acme.requests", type: 1, interval: 10, points: [{ timestamp: now, value: 3 }], tags: ["env:test"], resources: [{ name: "web-1", type: "host" }], unit: "request" }];
      assertComplete(await client.submitMetrics(conn, v2), 1);
      assert.deepEqual((await received(sb, "metrics_v2", org)).items, v2);

      const v1 = [{ metric: "acme.temp", type: "gauge", points: [[now, 21.5]], host: "web-1", tags: ["env:test"] }];
      assertComplete(await client.submitMetrics(conn, v1, { version: 1 }), 1);
      assert.deepEqual((await received(sb, "metrics_v1", org)).items, v1);

      const logs = [{ message: "user signed in", hostname: "web-1", ddtags: "env:test", usr: { id: 7 } }];
      assertComplete(await client.submitLogs(conn, logs, { source: "acme", service: "acme-auth" }), 1);
      const gotLogs = (await received(sb, "logs", org)).items;
      assert.equal(gotLogs.length, 1);
      includes(gotLogs[0], { ...logs[0], ddsource: "acme", service: "acme-auth" }, "logs[0]");

      const events = [{ title: "Deploy", text: "v1.2.3 is out", alert_type: "info", priority: "normal", tags: ["env:test"], aggregation_key: "deploy" }];
      const er = await client.submitEvents(conn, events);
      assertComplete(er, 1);
      const gotEvents = (await received(sb, "events_v1", org)).items;
      assert.equal(gotEvents.length, 1);
      includes(gotEvents[0], events[0], "events[0]");

      const checks = [{ check: "acme.can_connect", host_name: "web-1", status: 0, tags: ["env:test"], timestamp: now }];
      assertComplete(await client.submitServiceChecks(conn, checks), 1);
      const gotChecks = (await received(sb, "service_checks", org)).items;
      assert.equal(gotChecks.length, 1);
      includes(gotChecks[0], checks[0], "checks[0]");

      const incident = { title: "Database unreachable", customer_impacted: true, customer_impact_scope: "EU users", fields: { severity: { type: "dropdown", value: "SEV-2" } } };
      const ir = await client.createIncident(conn, incident);
      assertComplete(ir, 1);
      assert.ok(ir.id, "the new incident's id");
      const gotIncidents = (await received(sb, "incidents", org)).items;
      assert.equal(gotIncidents.length, 1);
      includes(gotIncidents[0].attributes, incident, "incident");

      const start = `${BigInt(Date.now()) * 1_000_000n}`;
      const traces = [[
        { trace_id: "12345678901234567890", span_id: "1", parent_id: "0", name: "web.request", resource: "GET /", service: "acme", type: "web", start, duration: 1500, meta: { env: "test" }, metrics: { _sampling_priority_v1: 1 } },
        { trace_id: "12345678901234567890", span_id: "2", parent_id: "1", name: "db.query", resource: "SELECT 1", service: "acme-db", type: "db", start, duration: 500 },
      ]];
      if (s.id.endsWith("-fed")) {
        // Policy 10: Datadog documents no OTLP intake on the gov sites (harden.test.mjs covers it in full).
        await h.rejects(client.submitTraces(conn, traces), "unsupported_on_site");
      } else {
        assertComplete(await client.submitTraces(conn, traces), 1);
        const otlp = (await received(sb, "otlp_traces", org)).items;
        const spans = otlp.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
        assert.deepEqual(spans.map((sp) => sp.name).sort(), ["db.query", "web.request"]);
        assert.ok(spans.every((sp) => BigInt(`0x${sp.traceId}`) === 12345678901234567890n), "the 64-bit trace id survives");
      }

      const agentBefore = (await received(sb, "agent_traces")).items.length;
      assertComplete(await client.submitTraces(conn, traces, { format: "agent", agentUrl: sb.agentOrigin }), 1);
      const agent = (await received(sb, "agent_traces")).items.slice(agentBefore);
      assert.equal(agent.length, 1);
      assert.equal(String(agent[0][0].trace_id), "12345678901234567890");
      assert.deepEqual(agent[0].map((sp) => sp.span_id).map(String), ["1", "2"]);
    });
  }
});

test("small and large bodies, compressed in place or on the thread pool, arrive complete with gzip and deflate", async (t) => {
  // The host compresses bodies up to 64 KB synchronously and larger ones asynchronously: both paths, both formats.
  for (const compress of ["gzip", "deflate"]) {
    await t.test(compress, async () => {
      const conn = conns.us5;
      for (const [n, size] of [[3, "small"], [400, "large"]]) {
        const prefix = `acme.sizes.${compress}.${size}`;
        assertComplete(await client.submitMetrics(conn, manySeries(prefix, n, 50), { compress }), n);
        const got = await received(sb, "metrics_v2", conn.orgId);
        const mine = got.requests.filter((r) => r.items.some((s) => s.metric.startsWith(prefix)));
        assert.ok(mine.length >= 1 && mine.every((r) => r.contentEncoding === compress));
        assert.ok(size === "small" ? mine.every((r) => r.bytes < 64 * 1024) : mine.some((r) => r.bytes > 8 * 1024), `${size}: ${mine.map((r) => r.bytes)}`);
        assert.equal([...pointsByMetric(got.items, prefix).values()].reduce((a, b) => a + b, 0), n * 50);
      }
    });
  }
});

test("50,000 metric points across many series arrive complete, with gzip and with deflate", async (t) => {
  for (const compress of ["gzip", "deflate"]) {
    await t.test(compress, async () => {
      const conn = conns.us5;
      const prefix = `acme.load.${compress}`;
      const series = manySeries(prefix, 500, 100);
      const report = await client.submitMetrics(conn, series, { compress });
      assertComplete(report, 500);
      assert.ok(report.batches >= 2, `${report.batches} batches`);
      const got = await received(sb, "metrics_v2", conn.orgId);
      const mine = got.requests.filter((r) => r.items.some((s) => s.metric.startsWith(prefix)));
      assert.ok(mine.every((r) => r.contentEncoding === compress));
      assert.ok(mine.every((r) => r.bytes <= 512000), "every body within the compressed limit");
      const counts = pointsByMetric(got.items, prefix);
      assert.equal(counts.size, 500);
      assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 50_000);
      assert.ok([...counts.values()].every((n) => n === 100));
    });
  }
});

test("faults on a third of the requests (429, 503, dropped): what arrives equals what was sent, no loss reported", async () => {
  const conn = conns.ap1;
  const choices = [{ status: 429 }, { status: 503 }, "drop"];
  await fault(sb, { route: "metrics_v2", site: "ap1", probability: 0.33, choices, seed: 1 });
  await fault(sb, { route: "logs", site: "ap1", probability: 0.33, choices, seed: 2 });
  const sleeps = [];
  const { client: c } = makeClient(sites, h, { sleep: async (ms) => void sleeps.push(ms), retry: { maxAttempts: 12 } });
  const faultsBefore = (await stats(sb)).faults;
  try {
    const prefix = "acme.faulty";
    const mr = await c.submitMetrics(conn, manySeries(prefix, 1000, 50), { compress: "deflate" });
    assertComplete(mr, 1000);
    const logs = Array.from({ length: 30_000 }, (_, i) => ({ message: `line ${i}`, seq: i }));
    const lr = await c.submitLogs(conn, logs, { source: "acme" });
    assertComplete(lr, 30_000);
    assert.ok(mr.retries + lr.retries >= 8 && sleeps.length === mr.retries + lr.retries);
    assert.equal(mr.requests + lr.requests, mr.batches + lr.batches + mr.retries + lr.retries);
    const counts = pointsByMetric((await received(sb, "metrics_v2", conn.orgId)).items, prefix);
    assert.equal([...counts.values()].reduce((a, b) => a + b, 0), 50_000);
    const gotLogs = (await received(sb, "logs", conn.orgId)).items.filter((l) => l.message.startsWith("line "));
    assert.equal(gotLogs.length, 30_000);
    assert.equal(new Set(gotLogs.map((l) => l.seq)).size, 30_000, "each exactly once");
    assert.equal((await stats(sb)).faults - faultsBefore, mr.retries + lr.retries, "every fault was retried");
  } finally {
    await clearFaults(sb);
  }
});

test("a deliberately oversized item is reported; the rest is delivered", async () => {
  const conn = conns.eu1;
  const logs = Array.from({ length: 10 }, (_, i) => ({ message: `ok ${i}`, big: "oversized-test" }));
  logs[3] = { message: "x".repeat(1_100_000), big: "oversized-test" };
  logs[7] = { msg: "no message field", big: "oversized-test" };
  const r = h.report(await client.submitLogs(conn, logs, { source: "acme" }));
  assert.equal(r.accepted, 8);
  assert.deepEqual(r.failed.map((f) => [f.index, f.code]), [[3, "item_too_large"], [7, "invalid_payload"]]);
  assert.ok(r.failed.every((f) => f.message && f.hint));
  assert.equal(r.failed[0].field, "logs[3]");
  const got = (await received(sb, "logs", conn.orgId)).items.filter((l) => l.big === "oversized-test");
  assert.equal(got.length, 8);

  // A series whose tags alone exceed a request cannot be split by points: reported, the others sent.
  const now = nowS();
  const series = [
    { metric: "acme.fine", points: [{ timestamp: now, value: 1 }] },
    { metric: "acme.huge", points: [{ timestamp: now, value: 1 }, { timestamp: now - 1, value: 2 }], tags: Array.from({ length: 30_000 }, (_, i) => `tag${i}:${"v".repeat(20)}`) },
    { metric: "acme.fine2", points: [{ timestamp: now, value: 2 }] },
  ];
  const mr = h.report(await client.submitMetrics(conn, series));
  assert.equal(mr.accepted, 2);
  assert.deepEqual(mr.failed.map((f) => [f.index, f.code]), [[1, "item_too_large"]]);
});

test("413: a batch is halved and re-sent, recursively; a lone item still too large is reported", async (t) => {
  const conn = conns.uk1;
  await t.test("halves", async () => {
    await fault(sb, { route: "logs", site: "uk1", sequence: [{ status: 413 }, { status: 413 }] });
    const logs = Array.from({ length: 10 }, (_, i) => ({ message: `split ${i}`, tag413: "a" }));
    const r = await client.submitLogs(conn, logs, { source: "acme" });
    assertComplete(r, 10, { split: true });
    // 10 → 413 → 5 + 5; the first 5 → 413 → 3 + 2: five batches, three accepted.
    assert.deepEqual([r.batches, r.sent], [5, 3]);
    const got = (await received(sb, "logs", conn.orgId)).requests.filter((q) => q.items.some((l) => l.tag413 === "a"));
    assert.deepEqual(got.map((q) => q.items.length), [3, 2, 5]);
    assert.deepEqual(got.flatMap((q) => q.items.map((l) => l.message)), logs.map((l) => l.message));
    await clearFaults(sb);
  });
  await t.test("a series is halved by its points", async () => {
    await fault(sb, { route: "metrics_v2", site: "uk1", sequence: [{ status: 413 }, { status: 413 }, { status: 413 }] });
    const [series] = manySeries("acme.split413", 1, 40);
    const r = await client.submitMetrics(conn, [series]);
    assertComplete(r, 1, { split: true });
    assert.deepEqual([r.batches, r.sent], [7, 4]);
    const got = (await received(sb, "metrics_v2", conn.orgId)).items.filter((s) => s.metric === "acme.split413.s0");
    assert.ok(got.length >= 3);
    assert.deepEqual(got.flatMap((s) => s.points), series.points, "every point once, in order");
    await clearFaults(sb);
  });
  await t.test("a single item that keeps getting 413", async () => {
    await fault(sb, { route: "logs", site: "uk1", action: { status: 413 } });
    const r = h.report(await client.submitLogs(conn, [{ message: "one" }, { message: "two" }], { source: "acme" }));
    assert.equal(r.accepted, 0);
    assert.deepEqual(r.failed.map((f) => [f.index, f.code, f.status]), [[0, "payload_too_large", 413], [1, "payload_too_large", 413]]);
    assert.equal(r.sent, 0);
    await clearFaults(sb);
  });
});

test("permanent failures (400, 403, no network) report the batch's items; nothing is thrown away", async (t) => {
  await t.test("400 from Datadog", async () => {
    // A clock two hours behind: the core accepts the points, the (real-time) server refuses them.
    const { client: late } = makeClient(sites, h, { now: () => Date.now() - 2 * 3600 * 1000 });
    const conn = conns.us3;
    const series = manySeries("acme.late", 3, 2).map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, timestamp: p.timestamp - 7200 })) }));
    const r = h.report(await late.submitMetrics(conn, series));
    assert.equal(r.accepted, 0);
    assert.deepEqual(r.failed.map((f) => [f.index, f.code, f.status]), [[0, "bad_request", 400], [1, "bad_request", 400], [2, "bad_request", 400]]);
  });
  await t.test("network down for every try", async () => {
    const conn = conns.us3;
    await fault(sb, { route: "service_checks", site: "us3", action: "drop" });
    const { client: c } = makeClient(sites, h, { retry: { maxAttempts: 2 } });
    const r = h.report(await c.submitServiceChecks(conn, [{ check: "a", host_name: "h", status: 0 }, { check: "b", host_name: "h", status: 1 }]));
    assert.deepEqual(r.failed.map((f) => [f.index, f.code]), [[0, "network_error"], [1, "network_error"]]);
    assert.equal(r.requests, 3);
    await clearFaults(sb);
  });
  await t.test("403 after the user revoked the API key", async () => {
    const conn = conns["us2-fed"];
    await control(sb, "DELETE", `/_sandbox/api-keys?org=${conn.orgId}`);
    const r = h.report(await client.submitLogs(conn, [{ message: "a" }, { message: "b" }, { message: "c" }], { source: "acme" }));
    assert.equal(r.accepted, 0);
    assert.deepEqual(r.failed.map((f) => [f.index, f.code, f.status]), [[0, "forbidden", 403], [1, "forbidden", 403], [2, "forbidden", 403]]);
    assert.ok(r.failed[0].hint.length > 0);
    conns["us2-fed"] = h.conn(await client.createApiKey(conn));
  });
});

test("call-level problems throw typed errors instead of reporting", async () => {
  const { apiKey, ...noKey } = conns.us1;
  void apiKey;
  const { client: fresh } = makeClient(sites, h);
  await h.rejects(fresh.submitMetrics(noKey, [{ metric: "a", points: [{ timestamp: nowS(), value: 1 }] }]), "missing_api_key");
  await h.rejects(client.submitLogs(conns.us1, [{ message: "x" }], { source: "Acme" }), "invalid_input");
  await h.rejects(client.submitMetrics(conns.us1, "not an array"), "invalid_input");
});

test("incidents use the bearer token: refreshed after a 401, like request()", async () => {
  const conn = conns.ap2;
  await control(sb, "POST", "/_sandbox/expire-tokens");
  const before = (await stats(sb)).token.refresh_token;
  const r = await client.createIncident(conn, { title: "After expiry", customer_impacted: false });
  assertComplete(r, 1);
  assert.equal((await stats(sb)).token.refresh_token, before + 1);
  h.conn(client.latest(conn));
});

test("concurrency is bounded: at most the configured number of batches in flight", async () => {
  let inFlight = 0;
  let max = 0;
  const counting = async (url, init) => {
    inFlight++;
    max = Math.max(max, inFlight);
    try {
      return await fetch(url, init);
    } finally {
      inFlight--;
    }
  };
  const { client: c } = makeClient(sites, h, { fetch: counting, concurrency: 3 });
  const logs = Array.from({ length: 9000 }, (_, i) => ({ message: `bounded ${i}` }));
  const r = await c.submitLogs(conns["us1-fed"], logs, { source: "acme" });
  assertComplete(r, 9000);
  assert.equal(r.batches, 9);
  assert.ok(max <= 3 && max >= 2, `max in flight ${max}`);
});

test("secret hygiene: no secret appeared in any error, report or console line of this suite", () => {
  const { secrets, texts } = h.check();
  assert.ok(secrets >= 27 && texts > 20, `${secrets} secrets against ${texts} texts`);
});
