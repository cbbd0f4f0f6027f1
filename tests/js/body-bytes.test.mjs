// Issue 16: an encoder's body leaves the core as bytes (`request.bodyBytes`) and reaches gzip and fetch without a
// string in between; `body` stays readable as text. Checked on the sans-IO surface and through DatadogClient with
// a fetch that records what it was given, including item text (NUL, non-ASCII) that must survive the byte path.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync } from "node:zlib";
import { resolveSite, encodeMetrics, encodeLogs, tokenRequest, DatadogClient } from "datadog-oauth-wasm";

const now = Date.now();
const conn = { site: resolveSite("us1"), domain: "datadoghq.com", accessToken: "at-" + "x".repeat(30), tokenType: "Bearer",
  expiresAt: now + 3_600_000, scopes: [], apiKey: "0123456789abcdef0123456789abcdef", createdAt: now, updatedAt: now };
const ts = Math.floor(now / 1000);
const text = (b) => new TextDecoder().decode(b);

test("an encoder's request: bodyBytes (UTF-8, not enumerable) and body (the same text)", () => {
  const { request } = encodeMetrics(conn, [{ metric: "a.b", points: [{ timestamp: ts, value: 1 }], tags: ["city:zürich", "emoji:🚀"] }]).batches[0];
  assert.ok(request.bodyBytes instanceof Uint8Array);
  assert.equal(text(request.bodyBytes), request.body);
  assert.deepEqual(JSON.parse(request.body).series[0].tags, ["city:zürich", "emoji:🚀"]);
  assert.equal(request.bodyBytes.length, Buffer.byteLength(request.body), "bytes are UTF-8, not UTF-16 units");
  assert.ok(!Object.keys(request).includes("bodyBytes") && Object.keys(request).includes("body"));
  assert.equal(JSON.parse(JSON.stringify(request)).body, request.body, "JSON carries the text");
  assert.equal({ ...request }.body, request.body);
  assert.equal(request.bodyRef, undefined);
});

test("assigning body replaces the bytes; other builders' bodies stay plain strings", () => {
  const { request } = encodeMetrics(conn, [{ metric: "a.b", points: [{ timestamp: ts, value: 1 }] }]).batches[0];
  request.body = '{"series":[]}';
  assert.equal(request.body, '{"series":[]}');
  assert.equal(request.bodyBytes, undefined);
  const r = tokenRequest({ clientId: "cid", redirectUri: "https://p.example/cb", code: "abc", codeVerifier: "v".repeat(43), domain: "datadoghq.com" });
  assert.equal(typeof r.body, "string");
  assert.equal(r.bodyBytes, undefined);
});

test("hostile item text: a NUL and non-ASCII text in a log message do not cut or shift the bodies", () => {
  // The bodies follow the answer after raw NULs; JSON escapes a NUL in the data, so it cannot end a body early.
  const logs = Array.from({ length: 3 }, (_, i) => ({ message: `line ${i}\u0000after-nul ${"é".repeat(i)}`, hostname: "h" }));
  const out = encodeLogs(conn, logs, { source: "acme" });
  const all = out.batches.flatMap((b) => JSON.parse(text(b.request.bodyBytes)));
  assert.equal(all.length, 3);
  assert.ok(all.every((l, i) => l.message.startsWith(`line ${i}\u0000after-nul `) && l.message.endsWith("é".repeat(i))));
});

test("many batches: each request has its own bytes, in order", () => {
  // Over the 5 MB logs request limit in 1 MB entries: several batches, each body a separate view.
  const big = "x".repeat(1_000_000);
  const logs = Array.from({ length: 7 }, (_, i) => ({ message: `${i}:${big}` }));
  const out = encodeLogs(conn, logs, { source: "acme", compress: "none" });
  assert.ok(out.batches.length >= 2, `${out.batches.length} batches`);
  const seen = out.batches.flatMap((b) => JSON.parse(text(b.request.bodyBytes)).map((l) => Number(l.message.split(":")[0])));
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6]);
});

test("DatadogClient hands fetch the bytes: gzipped, or as they are with compress: \"none\"", async () => {
  const got = [];
  const fetch = async (url, init) => {
    got.push(init.body);
    return new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
  };
  const client = new DatadogClient({ clientId: "cid", clientSecret: "s", redirectUri: "https://p.example/cb", fetch });
  const series = [{ metric: "a.b", points: [{ timestamp: ts, value: 2 }], tags: ["ü:1"] }];
  assert.equal((await client.submitMetrics(conn, series)).accepted, 1);
  assert.equal((await client.submitMetrics(conn, series, { compress: "none" })).accepted, 1);
  assert.ok(got.every((b) => b instanceof Uint8Array), got.map((b) => typeof b).join());
  assert.deepEqual(JSON.parse(gunzipSync(got[0]).toString("utf8")).series[0].tags, ["ü:1"]);
  assert.deepEqual(JSON.parse(text(got[1])).series[0].tags, ["ü:1"]);
});
