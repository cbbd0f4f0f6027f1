// Bounded memory (issue 11 item 13): the client's connection memory and the default store are LRU-bounded, so
// 100 000 exchanges (against a stub token endpoint, in a child process with --expose-gc) leave the heap flat after
// the bound is reached; revoked and deleted connections are forgotten.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DatadogClient, memoryStore } from "datadog-oauth-wasm";

const run = promisify(execFile);

test("100 000 exchanges: the heap after GC stops growing once the default bounds (10 000) are reached", async () => {
  const { stdout } = await run(process.execPath, ["--expose-gc", new URL("./support/heap-child.mjs", import.meta.url).pathname], { maxBuffer: 1 << 20 });
  const { points, listed, more } = JSON.parse(stdout.trim().split("\n").at(-1));
  const mb = (b) => (b / 1048576).toFixed(1);
  console.log(`heap after GC: ${points.map((p) => `${p.exchanges} exchanges ${mb(p.heapUsed)} MB`).join(", ")}`);
  const [tenth, half, all] = points;
  // Generous: unbounded memory would add ~100 MB between 10 000 and 100 000 exchanges (over 1 KB per connection).
  assert.ok(all.heapUsed - tenth.heapUsed < 16 * 1048576, `grew ${mb(all.heapUsed - tenth.heapUsed)} MB from 10 000 to 100 000 exchanges`);
  assert.ok(all.heapUsed - half.heapUsed < 8 * 1048576, `grew ${mb(all.heapUsed - half.heapUsed)} MB from 50 000 to 100 000 exchanges`);
  assert.equal(listed, 1000);
  assert.equal(more, true);
});

test("the default store keeps the most recent connections; revoked and deleted ones are forgotten by the client", async () => {
  let n = 0;
  const stub = async (url, init) => {
    n++;
    const revoke = String(url).includes("revoke");
    const body = revoke ? "{}" : JSON.stringify({ access_token: `at_${n}_${"a".repeat(20)}`, refresh_token: `rt_${n}_${"r".repeat(20)}`, token_type: "bearer", expires_in: 3600, scope: "x" });
    return { status: 200, headers: { forEach: (cb) => cb("application/json", "content-type") }, text: async () => body };
  };
  const store = memoryStore({ maxConnections: 5 });
  const client = new DatadogClient({ clientId: "c", clientSecret: "memory-test-secret", redirectUri: "https://p.example/cb", fetch: stub, store, maxConnections: 5 });
  const ex = (i) => client.exchangeCode({ code: `code-${i}`, codeVerifier: "v".repeat(43), domain: "datadoghq.com" });
  const first = await ex(0);
  for (let i = 1; i <= 5; i++) await ex(i);
  // The oldest is gone from the store and from the client: by id it is unknown, the object brings it back.
  await assert.rejects(client.request(first.id, { method: "GET", path: "/api/v2/x" }), (e) => e.code === "connection_not_found");
  const a = await ex(10);
  const refreshed = await client.refresh(a.id);
  assert.equal(client.latest(a).accessToken, refreshed.accessToken, "remembered: the newest copy");
  await client.revoke(a.id);
  assert.equal(client.latest(a), a, "forgotten after revoke: the client has no newer copy");
  assert.equal((await store.get(a.id)).status, "revoked", "the store keeps the revoked status for other instances");
  const b = await ex(11);
  const b2 = await client.refresh(b);
  assert.equal(client.latest(b).accessToken, b2.accessToken);
  await client.deleteConnection(b.id);
  assert.equal(client.latest(b), b, "forgotten after delete");
  await assert.rejects(client.request(b.id, { method: "GET", path: "/api/v2/x" }), (e) => e.code === "connection_not_found");
});
