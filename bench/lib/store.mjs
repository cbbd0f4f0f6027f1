// Table 7's rows for the connection store: what postgresStore (PostgreSQL on loopback) adds to a submission and to a
// refresh against memoryStore, with `fetch` stubbed so the store is all that differs, and refreshes per second
// across 4 processes sharing one PostgreSQL store (every refresh under the lease, written with a version check).
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { fmtTime, gc, quantile, QUICK, summary } from "./harness.mjs";
import { loadOurs } from "./ours.mjs";

const IN_FLIGHT = 8;
const PHASE_MS = QUICK ? 600 : 2000;
const ROUNDS = QUICK ? 2 : 3;
const CONNECTIONS = 100;

/** A token endpoint and an intake that answer at once; tokens rotate on every refresh. */
export function stubFetch() {
  let n = 0;
  return async (url, init) => {
    if (String(url).includes("/oauth2/")) {
      n++;
      const body = JSON.stringify({ access_token: `at_${n}_${randomBytes(8).toString("hex")}`, token_type: "bearer", expires_in: 3600, refresh_token: `rt_${n}_${randomBytes(8).toString("hex")}`, scope: "api_keys_write" });
      return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
    }
    if (String(url).includes("/api_keys/marketplace")) {
      const key = randomBytes(16).toString("hex");
      const body = JSON.stringify({ data: { type: "api_keys", id: `k${n}`, attributes: { key, last4: key.slice(-4), name: "bench", created_at: "2026-01-01T00:00:00Z" } } });
      return new Response(body, { status: 201, headers: { "content-type": "application/json" } });
    }
    return new Response('{"errors":[]}', { status: 202, headers: { "content-type": "application/json" } });
  };
}

function series(k) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: 10 }, (_, i) => ({ metric: `partner.jobs.duration_${i}`, type: 3, tags: ["env:prod", `worker:${k % 4}`], points: Array.from({ length: 10 }, (_, j) => ({ timestamp: now - 10 + j, value: j })) }));
}

/** Connections made through exchangeCode (stubbed), with their API key, in `client`'s store. */
export async function seed(dd, client, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const c = await client.exchangeCode({ code: `bench-code-${i}`, codeVerifier: "v".repeat(43), domain: "datadoghq.com" });
    await client.createApiKey(c.id);
    out.push(c.id);
  }
  return out;
}

async function phase(op, inFlight = IN_FLIGHT) {
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lat = [];
  let done = 0;
  let k = 0;
  await Promise.all(Array.from({ length: inFlight }, async (_, w) => {
    while (performance.now() < t0 + PHASE_MS) {
      const s = performance.now();
      await op(w, k++);
      lat.push(performance.now() - s);
      done++;
    }
  }));
  const cpu = process.cpuUsage(cpu0);
  return { rate: (done / (performance.now() - t0)) * 1000, cpuUs: (cpu.user + cpu.system) / done, lat };
}

/** `{ caption, headers, rows }` tables for table 7's `extra`. */
export async function storeTables() {
  const dd = await loadOurs();
  const { postgresStore } = await loadOurs("./postgres");
  let pg = null;
  let url = process.env.DATABASE_URL;
  if (!url) {
    const { startPostgres } = await import("../../tests/js/support/pg.mjs");
    pg = await startPostgres();
    url = pg.connectionString;
  }
  const key = randomBytes(32).toString("base64");
  const pgStore = postgresStore({ connectionString: url, encryptionKey: key, table: `bench_${Date.now().toString(36)}` });
  try {
    const make = (store) => new dd.DatadogClient({ clientId: "bench", clientSecret: "bench-secret", redirectUri: "https://p.example/cb", fetch: stubFetch(), ...(store ? { store } : {}) });
    const mem = make(null);
    const pgc = make(pgStore);
    const memIds = await seed(dd, mem, IN_FLIGHT);
    const pgIds = await seed(dd, pgc, IN_FLIGHT);
    const candidates = [
      { name: "sub1-mem", label: "submission, one at a time, memoryStore", op: (w, k) => mem.submitMetrics(memIds[0], series(k)), inFlight: 1 },
      { name: "sub1-pg", label: "submission, one at a time, postgresStore", op: (w, k) => pgc.submitMetrics(pgIds[0], series(k)), inFlight: 1 },
      { name: "sub-mem", label: "submission `submitMetrics(conn.id, …)`, memoryStore", op: (w, k) => mem.submitMetrics(memIds[w], series(k)) },
      { name: "sub-pg", label: "submission `submitMetrics(conn.id, …)`, postgresStore", op: (w, k) => pgc.submitMetrics(pgIds[w], series(k)) },
      { name: "ref-mem", label: "refresh `refresh(conn.id)` (rotation), memoryStore", op: (w) => mem.refresh(memIds[w]) },
      { name: "ref-pg", label: "refresh `refresh(conn.id)` (rotation), postgresStore: lease + CAS + sealed write", op: (w) => pgc.refresh(pgIds[w]) },
    ];
    const res = new Map(candidates.map((c) => [c.name, []]));
    for (let r = 0; r < ROUNDS; r++) for (let i = 0; i < candidates.length; i++) {
      const c = candidates[(i + r) % candidates.length];
      res.get(c.name).push(await phase(c.op, c.inFlight));
    }
    const med = (name, f) => summary(res.get(name).map(f)).median;
    const p50 = (name) => quantile(res.get(name).flatMap((p) => p.lat), 0.5);
    const rows = candidates.map((c) => {
      const lat = res.get(c.name).flatMap((p) => p.lat);
      const base = c.name.startsWith("sub1") ? "sub1-mem" : c.name.startsWith("sub") ? "sub-mem" : "ref-mem";
      return [c.label, `${med(c.name, (p) => p.rate).toFixed(0)} /s`, `${fmtTime(quantile(lat, 0.5))} / ${fmtTime(quantile(lat, 0.99))}`, `${med(c.name, (p) => p.cpuUs).toFixed(0)} µs`,
        c.name === base ? "—" : `+${fmtTime(p50(c.name) - p50(base))}`];
    });
    const addedSub = p50("sub1-pg") - p50("sub1-mem");

    // ---- 4 processes, one store
    const child = fileURLToPath(new URL("./store-child.mjs", import.meta.url));
    const table = `bench4_${Date.now().toString(36)}`;
    const setupStore = postgresStore({ connectionString: url, encryptionKey: key, table });
    const setup = new dd.DatadogClient({ clientId: "bench", clientSecret: "bench-secret", redirectUri: "https://p.example/cb", fetch: stubFetch(), store: setupStore });
    const ids = await seed(dd, setup, CONNECTIONS);
    await setupStore.close();
    const multi = [];
    for (const mode of ["own", "shared"]) {
      const procs = await Promise.all(Array.from({ length: 4 }, (_, i) => new Promise((resolve, reject) => {
        const mine = mode === "own" ? ids.filter((_, j) => j % 4 === i) : ids;
        const p = fork(child, [JSON.stringify({ url, key, table, ids: mine, ms: PHASE_MS * 2, inFlight: IN_FLIGHT })], { execArgv: [] });
        p.once("message", resolve);
        p.once("exit", (code) => (code ? reject(new Error(`store bench child exited with ${code}`)) : null));
      })));
      const seconds = Math.max(...procs.map((p) => p.ms)) / 1000;
      const sent = procs.reduce((a, p) => a + p.sent, 0);
      const calls = procs.reduce((a, p) => a + p.calls, 0);
      const lat = procs.flatMap((p) => p.lat);
      multi.push([
        mode === "own" ? `4 processes × ${IN_FLIGHT} in flight, each on its own ${CONNECTIONS / 4} of ${CONNECTIONS} connections` : `4 processes × ${IN_FLIGHT} in flight, all on the same ${CONNECTIONS} connections`,
        `${(sent / seconds).toFixed(0)} /s`, `${(calls / seconds).toFixed(0)} /s`, `${fmtTime(quantile(lat, 0.5))} / ${fmtTime(quantile(lat, 0.99))}`,
        `${(procs.reduce((a, p) => a + p.cpuUs * p.calls, 0) / calls).toFixed(0)} µs`,
      ]);
    }
    return {
      addedSubmissionP50Ms: addedSub,
      tables: [
        {
          caption: `Connection store: postgresStore (PostgreSQL 15 on loopback) against memoryStore, \`fetch\` stubbed (the store is all that differs), ${IN_FLIGHT} in flight, ${ROUNDS} phases of ${(PHASE_MS / 1000).toFixed(1)} s alternating. Client CPU only (the database's own CPU is not counted). Target: the store adds ≤ 1 ms p50 per submission (one at a time: ${fmtTime(addedSub)})`,
          headers: ["candidate", "median rate", "latency p50 / p99", "client CPU / op", "p50 added by the store"],
          rows,
        },
        {
          caption: "Refreshes across 4 processes sharing one postgresStore (`fetch` stubbed, rotation on every refresh; each refresh takes the lease, re-reads, sends, writes with the version check, releases). *Sent*: refresh requests that reached the token endpoint; *calls*: `refresh(id)` calls completed (with all processes on the same connections, a call that waited for another process's lease takes that result instead of sending its own)",
          headers: ["setup", "refreshes sent", "refresh() calls", "call latency p50 / p99", "client CPU / call"],
          rows: multi,
        },
      ],
    };
  } finally {
    await pgStore.close();
    if (pg) await pg.stop();
  }
}
