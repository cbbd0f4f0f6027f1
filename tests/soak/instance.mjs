// One instance of the multi-instance soak (tests/soak/instances.mjs starts several): its own DatadogClients on the
// shared PostgreSQL store (its own pool), concurrent submissions, bearer calls and refreshes on connections it knows
// only by id, for a bounded time. Items carry ids from this instance's own range; their outcomes go to a file for
// the parent to check against what the sandbox received. Prints one JSON line at the end.
import { writeFileSync } from "node:fs";
import { DatadogClient } from "datadog-oauth-wasm";
import { postgresStore } from "datadog-oauth-wasm/postgres";
import { mulberry32 } from "../../sandbox/faults.mjs";
import { getGc, heapAfterGc } from "./soak.mjs";

const cfg = JSON.parse(process.env.DD_SOAK_INSTANCE);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const random = mulberry32(cfg.seed);
const store = postgresStore({ connectionString: cfg.connectionString, encryptionKey: cfg.key, table: cfg.table });
const hook = {};
const waits = { count: 0 };
const http = { requests: 0, networkErrors: 0 };
const fetchCounting = async (url, init) => {
  http.requests++;
  try {
    return await fetch(url, init);
  } catch (err) {
    http.networkErrors++;
    throw err;
  }
};
const clients = cfg.clients.map((spec) => new DatadogClient({
  clientId: spec.clientId, clientSecret: spec.clientSecret, redirectUri: cfg.redirectUri, sites: cfg.sites, store,
  fetch: fetchCounting, retry: { maxAttempts: 8, baseMs: 2, capMs: 40, maxServerDelayMs: 2000 }, refreshMarginMs: 500, timeoutMs: 20_000,
  random: mulberry32(cfg.seed ^ 0x9e3779b9),
  sleep: (ms) => {
    waits.count++;
    return sleep(ms);
  },
  onConnectionChange: async (conn, info) => {
    hook[info.reason] = (hook[info.reason] ?? 0) + 1;
  },
}));

const KIND = { metrics_v2: 1, logs: 3, service_checks: 4, incidents: 6 };
const SENT = 1;
const ACCEPTED = 2;
const FAILED = 3;
const THROWN = 4;
const n = cfg.maxItems;
const status = new Uint8Array(n);
const kindOf = new Uint8Array(n);
const connOf = new Uint16Array(n);
const pointsOf = new Uint8Array(n);
let next = 0;
const tally = { submissions: 0, rejected: {}, failedCodes: {}, apiCalls: 0, apiErrors: {}, refreshes: 0, refreshErrors: {} };
const bump = (o, k) => {
  o[k] = (o[k] ?? 0) + 1;
};
const nowS = () => Math.floor(Date.now() / 1000);
const make = {
  metrics_v2: (id, ci) => {
    const k = 1 + Math.floor(random() * 3);
    pointsOf[id] = k;
    return { metric: "soak.gauge", type: 3, points: Array.from({ length: k }, (_, j) => ({ timestamp: nowS() - j, value: id + j })), tags: [`soak_id:${cfg.idBase + id}`, `conn:${ci}`] };
  },
  logs: (id, ci) => ({ message: `soak log line ${cfg.idBase + id}`, hostname: "soak-host", ddtags: `conn:${ci}`, soak_id: String(cfg.idBase + id) }),
  service_checks: (id) => ({ check: "soak.can_connect", host_name: "soak-host", status: id % 4, tags: [`soak_id:${cfg.idBase + id}`], timestamp: nowS() }),
  incidents: (id) => ({ title: `Soak incident soak_id:${cfg.idBase + id}`, customer_impacted: false }),
};

async function submit(ci, kind, count) {
  const c = cfg.conns[ci];
  const client = clients[c.client];
  const ids = [];
  const items = [];
  for (let i = 0; i < count && next < n; i++) {
    const id = next++;
    status[id] = SENT;
    kindOf[id] = KIND[kind];
    connOf[id] = ci;
    ids.push(id);
    items.push(make[kind](id, ci));
  }
  if (!ids.length) return;
  tally.submissions++;
  let report;
  try {
    if (kind === "metrics_v2") report = await client.submitMetrics(c.id, items);
    else if (kind === "logs") report = await client.submitLogs(c.id, items, { source: "soak", service: "soak" });
    else if (kind === "service_checks") report = await client.submitServiceChecks(c.id, items);
    else report = await client.createIncident(c.id, items[0]);
  } catch (err) {
    bump(tally.rejected, err && err.code ? err.code : "non_datadog_error");
    for (const id of ids) status[id] = THROWN;
    return;
  }
  const failed = new Set(report.failed.map((f) => (bump(tally.failedCodes, f.code), f.index)));
  ids.forEach((id, i) => {
    status[id] = failed.has(i) ? FAILED : ACCEPTED;
  });
}

const gc = getGc();
const end = Date.now() + cfg.seconds * 1000;
let warm = null;
setTimeout(() => {
  warm = heapAfterGc(gc);
}, Math.min(3000, cfg.seconds * 300)).unref();
async function worker() {
  while (Date.now() < end && next < n - 2000) {
    const ci = Math.floor(random() * cfg.conns.length);
    const r = random();
    if (r < 0.7) {
      const kind = ["metrics_v2", "metrics_v2", "logs", "logs", "service_checks"][Math.floor(random() * 5)];
      await submit(ci, kind, 1 + Math.floor(random() * 40));
    } else if (r < 0.78) {
      await submit(ci, "incidents", 1);
    } else if (r < 0.92) {
      tally.apiCalls++;
      try {
        await clients[cfg.conns[ci].client].request(cfg.conns[ci].id, { method: "GET", path: "/api/v2/incidents" });
      } catch (err) {
        bump(tally.apiErrors, err && err.code ? err.code : "non_datadog_error");
      }
    } else {
      tally.refreshes++;
      try {
        await clients[cfg.conns[ci].client].refresh(cfg.conns[ci].id);
      } catch (err) {
        bump(tally.refreshErrors, err && err.code ? err.code : "non_datadog_error");
      }
    }
  }
}
await Promise.all(Array.from({ length: cfg.workers }, worker));
const heapEnd = heapAfterGc(gc);
// Outcomes, for the parent: status, kind, connection and points per item, as one buffer.
const out = Buffer.alloc(next * 5);
for (let i = 0; i < next; i++) {
  out[i * 5] = status[i];
  out[i * 5 + 1] = kindOf[i];
  out.writeUInt16LE(connOf[i], i * 5 + 2);
  out[i * 5 + 4] = pointsOf[i];
}
writeFileSync(cfg.outFile, out);
await store.close();
process.stdout.write(`${JSON.stringify({ done: true, items: next, hook, http, retries: waits.count, tally, heap: { warmMB: +((warm ?? heapEnd) / 1048576).toFixed(1), endMB: +(heapEnd / 1048576).toFixed(1) } })}\n`);
