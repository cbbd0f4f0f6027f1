// The sans-IO surface as a user with their own HTTP stack sees it: request descriptions, and re-encoding the
// halves of a batch after a 413 without knowing where a payload keeps its points.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveSite, encodeMetrics, encodeLogs, splitSelection, tokenRequest, retryDecision } from "datadog-oauth-wasm";

const now = Date.now();
const conn = { site: resolveSite("eu1"), domain: "datadoghq.eu", accessToken: "at-" + "x".repeat(30), tokenType: "Bearer",
  expiresAt: now + 3_600_000, scopes: [], apiKey: "0123456789abcdef0123456789abcdef", createdAt: now, updatedAt: now };
const ts = Math.floor(now / 1000);
const series = [
  { metric: "a", points: [{ timestamp: ts, value: 1 }] },
  { metric: "b", points: Array.from({ length: 5 }, (_, i) => ({ timestamp: ts - i, value: i })) },
];

test("encodeMetrics: one request description per batch, for the connection's site", () => {
  const out = encodeMetrics(conn, series, { compress: "gzip" });
  assert.equal(out.batches.length, 1);
  const { request, items } = out.batches[0];
  assert.equal(request.url, "https://api.datadoghq.eu/api/v2/series");
  assert.equal(request.headers["dd-api-key"], conn.apiKey);
  assert.equal(request.compress, "gzip");
  assert.deepEqual(items, [0, 1]);
  assert.deepEqual(JSON.parse(request.body).series.map((s) => s.metric), ["a", "b"]);
});

test("after a 413: splitSelection halves by items, then a lone series by its points, in the caller's indices", () => {
  const [left, right] = splitSelection("encodeMetrics", series, [{ index: 0 }, { index: 1 }]);
  assert.deepEqual(left.map((e) => e.index), [0]);
  const [p1, p2] = splitSelection("encodeMetrics", series, right);
  assert.deepEqual([p1[0].start, p1[0].end, p2[0].start, p2[0].end], [0, 3, 3, 5]);
  const half = encodeMetrics(conn, series, { select: p2 });
  assert.deepEqual(half.batches[0].items, [1]);
  assert.deepEqual(half.batches[0].parts, [{ index: 1, start: 3, end: 5 }]);
  assert.deepEqual(JSON.parse(half.batches[0].request.body).series[0].points.map((p) => p.value), [3, 4]);
  assert.equal(splitSelection("encodeMetrics", series, [{ index: 0 }]), null);
});

test("tokenRequest and retryDecision are plain data", () => {
  const r = tokenRequest({ clientId: "cid", clientSecret: "s3cret-value", redirectUri: "https://p.example/cb", code: "abc", codeVerifier: "v".repeat(43), domain: "us5.datadoghq.com" });
  assert.equal(r.method, "POST");
  assert.equal(r.url, "https://api.us5.datadoghq.com/oauth2/v1/token");
  assert.equal(new URLSearchParams(r.body).get("grant_type"), "authorization_code");
  assert.deepEqual(retryDecision({ status: 429, headers: { "retry-after": "2" }, attempt: 1, replay: "retry" }).delayMs, 2000);
  assert.equal(retryDecision({ status: 400, attempt: 1, replay: "retry" }).retry, false);
});

test("large arguments go into the core as UTF-8 written in place: any characters, any sizes one after the other", () => {
  // Above 2048 UTF-16 units the host writes the JSON into the core's memory; text outside ASCII needs more bytes
  // than units, which takes the second, larger buffer. Sizes go up and down so a reused buffer would show.
  for (const [n, text] of [[200, "plain"], [300, "é日本😀\"\t\u0001"], [40, "x"], [1000, "ünïcødé"], [120, "a"]]) {
    const logs = Array.from({ length: n }, (_, i) => ({ message: `${text} ${i}`, ddtags: "env:prod", status: "info" }));
    const out = encodeLogs(conn, logs, { source: "acme" });
    const body = JSON.parse(out.batches[0].request.body);
    assert.equal(body.length, n);
    body.forEach((l, i) => assert.deepEqual(l, { ...logs[i], ddsource: "acme", service: "acme" }));
  }
  const big = Array.from({ length: 50 }, (_, i) => ({ metric: `m.${i}`, type: 3, tags: [`city:zürich-${i}`],
    points: Array.from({ length: 50 }, (_, j) => ({ timestamp: ts - j, value: j / 3 })) }));
  const body = JSON.parse(encodeMetrics(conn, big).batches[0].request.body);
  assert.deepEqual(body, { series: big });
});
