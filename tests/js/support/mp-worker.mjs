// One "instance" of a partner backend for the multi-process tests: its own DatadogClient and postgresStore (its own
// pool), told by DD_MP (JSON) which connections to use. Prints JSON lines: {"ready"}, progress, and a final report.
//   mode "burst": `calls` concurrent requests per connection, all at once; then the report.
//   mode "loop":  requests on every connection, round after round, until stdin closes; a report every 250 ms.
import { DatadogClient } from "datadog-oauth-wasm";
import { postgresStore } from "datadog-oauth-wasm/postgres";

const cfg = JSON.parse(process.env.DD_MP);
const store = postgresStore({ connectionString: cfg.connectionString, encryptionKey: cfg.key, table: cfg.table, connectTimeoutMs: cfg.connectTimeoutMs, queryTimeoutMs: cfg.queryTimeoutMs });
// The store's raw errors, counted by method and message (the client reports them only as store_unavailable).
const raw = {};
const seen = Object.fromEntries(["get", "compareAndSet", "lease", "release", "list", "delete", "claim"].map((m) => [m, (...a) => store[m](...a).catch((e) => {
  const k = `${m}: ${e.code ?? ""} ${String(e.message).slice(0, 120)}`;
  raw[k] = (raw[k] ?? 0) + 1;
  throw e;
})]));
const client = new DatadogClient({
  clientId: cfg.clientId, clientSecret: cfg.clientSecret, redirectUri: cfg.redirectUri, sites: cfg.sites, store: seen,
  leaseMs: cfg.leaseMs, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
});
const incidents = { method: "GET", path: "/api/v2/incidents" };
const out = { ok: 0, errors: {}, raw: {} };
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const one = async (id) => {
  try {
    const r = await client.request(id, incidents);
    if (r.status === 200) out.ok++;
    else out.errors[`status_${r.status}`] = (out.errors[`status_${r.status}`] ?? 0) + 1;
  } catch (err) {
    const code = err && err.code ? err.code : "thrown";
    out.errors[code] = (out.errors[code] ?? 0) + 1;
  }
};

say({ ready: true, pid: process.pid });
if (cfg.mode === "burst") {
  await Promise.all(cfg.ids.flatMap((id) => Array.from({ length: cfg.calls }, () => one(id))));
  say({ done: true, ...out, raw });
  await store.close();
} else {
  let stop = false;
  process.stdin.on("end", () => {
    stop = true;
  });
  process.stdin.resume();
  const tick = setInterval(() => say({ progress: true, ...out }), 250);
  while (!stop) {
    await Promise.all(cfg.ids.map(one));
    await new Promise((r) => setTimeout(r, 20));
  }
  clearInterval(tick);
  say({ done: true, ...out, raw });
  await store.close();
}
