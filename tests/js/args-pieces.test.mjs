// An encoder's long item list is stringified a slice at a time and written into the core's memory piece by piece
// (js/answer.js `argsText`, issue 16). These check that the core receives exactly the bytes of
// `JSON.stringify(args)` for every shape a caller can pass, hostile ones included, and that the real core answers the
// same either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as glue from "../../pkg/full/datadog_oauth_wasm.js";
import * as answer from "../../js/answer.js";
import { setCore, call } from "../../js/core.js";

const utf8 = new TextEncoder();

/**
 * A stand-in for the wasm glue that keeps the argument bytes it is handed (through the argument buffer or as a
 * string) and answers `{"ok":{}}`: what `answer.call` sends, observed without a core. The buffer is placed at an
 * odd address, after bytes that must stay untouched.
 */
function recorder() {
  const memory = { buffer: new ArrayBuffer(1 << 24) };
  const AT = 4097;
  let sent = null;
  let via = null;
  const reply = () => {
    const out = utf8.encode('{"ok":{}}');
    new Uint8Array(memory.buffer, 64, out.length).set(out);
    new Uint32Array(memory.buffer, 0, 3).set([64, out.length, 0]);
    return 0;
  };
  const fake = {
    args_buffer(room) {
      assert.ok(AT + room <= memory.buffer.byteLength);
      new Uint8Array(memory.buffer, AT, room).fill(0xee);
      return AT;
    },
    call_bytes(op, len) {
      sent = new Uint8Array(memory.buffer, AT, len).slice();
      via = "buffer";
      assert.equal(new Uint8Array(memory.buffer, AT - 1, 1)[0], 0, "nothing is written before the buffer");
      return reply();
    },
    call_bytes_from_str(op, json) {
      sent = utf8.encode(json);
      via = "string";
      return reply();
    },
  };
  return {
    /** The bytes the core receives for `args` with `list` named, and whether they came in pieces. */
    send(args, list) {
      const json = answer.argsText(args, list);
      answer.call(fake, memory, "encodeMetrics", json);
      return { bytes: sent, pieces: typeof json !== "string", via };
    },
  };
}

const now = 1_750_000_000;
const series = (n, points = 100) => Array.from({ length: n }, (_, i) => ({
  metric: `partner.latency_${i}`, type: 3, unit: "millisecond", tags: ["env:prod", `shard:${i % 16}`],
  resources: [{ type: "host", name: `web-${i}` }],
  points: Array.from({ length: points }, (_, j) => ({ timestamp: now + j, value: ((i * 31 + j * 17) % 1000) / 4 })),
}));
const logs = (n, message = (i) => `GET /api/v1/orders/${i} 200 "Mozilla" user=u-${i}\ttrace=${i * 7}`) =>
  Array.from({ length: n }, (_, i) => ({ message: message(i), hostname: `web-${i % 12}`, status: "info" }));
const conn = { site: "us1", domain: "datadoghq.com", apiKey: "k".repeat(32), accessToken: "at-0123456789", tokenType: "Bearer", expiresAt: 1, scopes: [], createdAt: 1, updatedAt: 1 };

/** Argument objects in every shape the list and its neighbours can take: [name, args, list key, goes in pieces]. */
function shapes() {
  const out = [];
  const big = series(100);
  out.push(["100 series, the list last", { connection: conn, now, series: big }, "series", true]);
  out.push(["the list first", { series: big, connection: conn, now }, "series", true]);
  out.push(["the list in the middle", { connection: conn, series: big, now, compress: "gzip" }, "series", true]);
  out.push(["the list the only argument", { series: big }, "series", true]);
  out.push(["1,000 log entries", { connection: conn, logs: logs(1000), now, source: "acme" }, "logs", true]);
  out.push(["non-ASCII, NULs and lone surrogates in items", { connection: conn, logs: logs(2000, (i) => `zürich 🚀 \u0000 ${i % 2 ? "\ud800" : "\udfff"} ${"é".repeat(i % 40)}`), now }, "logs", true]);
  out.push(["non-ASCII everywhere (the buffer is too small at first)", { connection: { ...conn, orgName: "日本語".repeat(500) }, logs: logs(3000, (i) => "日本語テキスト".repeat(1 + (i % 9))), now, tail: "ü".repeat(3000) }, "logs", true]);
  out.push(["items JSON leaves out, holes and nulls", { connection: conn, logs: [...logs(500), undefined, () => 1, Symbol("s"), null, , 7, "text", [1, [2]], ...logs(500)], now }, "logs", true]);
  const sparse = logs(400);
  sparse.length = 900;
  out.push(["a sparse list", { logs: sparse, now }, "logs", true]);
  out.push(["nested toJSON (called with its key, the same in a slice)", { logs: logs(600).map((l, i) => ({ ...l, at: new Date(i * 1e9), meta: { toJSON: (k) => `meta:${k}` } })), now }, "logs", true]);
  out.push(["tiny items, then huge ones (slices sized as they go)", { logs: [1, ...Array(22000).fill(2), ...logs(300, () => "x".repeat(2000))], now }, "logs", true]);
  out.push(["a huge first item, then tiny ones (one string after all)", { logs: [{ message: "y".repeat(1000) }, ...Array(100).fill(1)], now }, "logs", true]);
  const keyed = JSON.parse(`{"__proto__":{"polluted":true},"7":"seven","connection":{"site":"us1"},"series":[],"3":"three","after":[1,2]}`);
  keyed.series = big;
  out.push(["an own __proto__ key and integer-like keys around the list", keyed, "series", true]);
  out.push(["arguments that JSON leaves out around the list", { a: undefined, series: big, b: () => 1, c: Symbol("x"), d: undefined }, "series", true]);
  out.push(["getters around and in the list", { get connection() { return conn; }, series: big.map((s) => ({ get metric() { return s.metric; }, points: s.points })), now }, "series", true]);
  class Items extends Array {}
  out.push(["an Array subclass", { logs: Items.from(logs(1000)), now }, "logs", true]);
  out.push(["a Proxy over the list", { logs: new Proxy(logs(1000), {}), now }, "logs", true]);
  // Everything below goes to JSON.stringify whole.
  out.push(["an item with toJSON (an array calls it with the item's index)", { logs: [...logs(999), { toJSON: (k) => `item ${k}` }], now }, "logs", false]);
  out.push(["a Date item", { logs: [...logs(999), new Date(0)], now }, "logs", false]);
  const own = logs(1000);
  own.toJSON = () => "list";
  out.push(["a list with its own toJSON", { logs: own, now }, "logs", false]);
  out.push(["arguments with toJSON", { logs: logs(1000), now, toJSON: () => ({ other: 1 }) }, "logs", false]);
  out.push(["a short list", { logs: logs(20), now }, "logs", false]);
  // The first item says how long the list is: a tiny one makes a long list go whole (the same text, just slower).
  out.push(["a tiny first item, then huge ones", { logs: [1, ...logs(300, () => "x".repeat(2000))], now }, "logs", false]);
  out.push(["one item", { logs: logs(1, () => "z".repeat(100000)), now }, "logs", false]);
  out.push(["an object where the list goes", { logs: Object.fromEntries(logs(1000).map((l, i) => [i, l])), now }, "logs", false]);
  out.push(["a string where the list goes", { logs: "x".repeat(100000), now }, "logs", false]);
  out.push(["no list named", { logs: logs(1000), now }, undefined, false]);
  out.push(["the list absent", { now, other: logs(1000) }, "logs", false]);
  return out;
}

test("the core receives exactly JSON.stringify's bytes for every shape of arguments, hostile ones included", () => {
  const r = recorder();
  for (const [name, args, list, pieces] of shapes()) {
    const want = utf8.encode(JSON.stringify(args));
    const got = r.send(args, list);
    assert.equal(got.pieces, pieces, `${name}: in pieces`);
    assert.equal(got.bytes.length, want.length, `${name}: length`);
    assert.ok(Buffer.from(got.bytes).equals(Buffer.from(want)), `${name}: the same bytes`);
  }
});

test("a list in pieces too short to write in place goes as one string, the same text", () => {
  const r = recorder();
  const args = { logs: ["w".repeat(700), ...Array(99).fill(0)] };
  const got = r.send(args, "logs");
  assert.equal(got.via, "string");
  assert.equal(new TextDecoder().decode(got.bytes), JSON.stringify(args));
});

test("what JSON.stringify refuses is refused the same way: a BigInt, a cycle", () => {
  const bad = logs(1000);
  bad[500] = { message: 1n };
  assert.throws(() => JSON.stringify({ logs: bad }), TypeError);
  assert.throws(() => answer.argsText({ logs: bad }, "logs"), TypeError);
  const args = { logs: logs(1000) };
  args.logs[700] = { self: args };
  assert.throws(() => answer.argsText(args, "logs"), TypeError);
});

test("the real core answers the same in pieces as whole: metrics, logs, a selection, non-ASCII and invalid items", () => {
  const wasm = glue.initSync({ module: readFileSync(new URL("../../dist/datadog_oauth_wasm_bg.wasm", import.meta.url)) });
  setCore(glue, wasm.memory, answer);
  const connection = { ...conn, site: call("resolveSite", { site: "us1" }) };
  const t = Math.floor(Date.now() / 1000);
  const fresh = series(120).map((s, i) => ({ ...s, points: s.points.map((p, j) => ({ timestamp: t - j, value: p.value })), ...(i === 7 ? { metric: "" } : {}), ...(i === 9 ? { tags: ["é 🚀"] } : {}) }));
  const cases = [
    ["encodeMetrics", { connection, series: fresh, now: t * 1000 }, "series"],
    ["encodeLogs", { connection, logs: [...logs(1500, (i) => `zürich ${i} 日本`), { message: 5 }, null], now: t * 1000, source: "acme" }, "logs"],
    ["splitSelection", { op: "encodeLogs", items: logs(1500), select: Array.from({ length: 1500 }, (_, i) => ({ index: i, origin: i })) }, "items"],
  ];
  const body = (b) => b.request.bodyBytes ?? b.request.body;
  for (const [op, args, list] of cases) {
    assert.equal(typeof answer.argsText(args, list), "object", `${op} goes in pieces`);
    const whole = call(op, args);
    const pieces = call(op, args, list);
    if (op === "splitSelection") {
      assert.deepEqual(pieces, whole);
      continue;
    }
    assert.ok(whole.batches.length > 0 && whole.rejected.length > 0, `${op}: batches and rejections both`);
    assert.deepEqual(pieces.rejected, whole.rejected);
    assert.deepEqual(pieces.batches.map((b) => [b.items, Buffer.from(body(b))]), whole.batches.map((b) => [b.items, Buffer.from(body(b))]));
  }
});
