// Run with --expose-gc by tests/js/memory.test.mjs: N code exchanges (each with its own state, so each also leaves
// a claim) against a stub token endpoint, on a client with the default store and memory bounds. Prints one JSON
// line: the heap after a full collection at each checkpoint.
import { DatadogClient } from "datadog-oauth-wasm";

const total = Number(process.env.DD_HEAP_EXCHANGES || 100_000);
let n = 0;
const stub = async () => {
  n++;
  const body = JSON.stringify({ access_token: `at_${n}_${"a".repeat(40)}`, refresh_token: `rt_${n}_${"r".repeat(40)}`, token_type: "bearer", expires_in: 3600, scope: "api_keys_write metrics_read" });
  return { status: 200, headers: { forEach: (cb) => cb("application/json", "content-type") }, text: async () => body };
};
const client = new DatadogClient({ clientId: "c", clientSecret: "heap-test-secret", redirectUri: "https://p.example/cb", fetch: stub });
const verifier = "v".repeat(43);
const heap = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const points = [];
const checkpoints = new Set([total / 10, total / 2, total]);
for (let i = 1; i <= total; i++) {
  await client.exchangeCode({ code: `code-${i}`, codeVerifier: verifier, domain: "datadoghq.com", state: `state-${i}-${"s".repeat(30)}`, owner: `user-${i}` });
  if (checkpoints.has(i)) points.push({ exchanges: i, heapUsed: heap() });
}
// Connections used by id still work after 100 000 newer ones (the most recent ones are kept).
const page = await client.listConnections({ limit: 1000 });
console.log(JSON.stringify({ points, listed: page.connections.length, more: page.cursor !== null }));
