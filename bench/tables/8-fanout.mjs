// 8. Fan-out: one small metric series to each of 1,000 connections (one org each, over the nine sites) against the
// sandbox on loopback (own process), the way a worker serving thousands of orgs runs: DatadogClient reading each
// connection from its store by id, beside hand-written fetch + JSON.stringify + gzip reading the API key from a Map
// or from a PostgreSQL table. Memory store and Postgres store (a throwaway PostgreSQL, or DATABASE_URL).
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import pgDriver from "pg";
import { fmtRatio, fmtTime, gc, QUICK, result, summary } from "../lib/harness.mjs";
import { loadOurs } from "../lib/ours.mjs";
import { CLIENT_ID, CLIENT_SECRET, connector, REDIRECT, sandboxSites, startSandbox } from "../lib/sandbox.mjs";
import { SITES } from "../../sandbox/sites.mjs";

const CONNECTIONS = QUICK ? 200 : 1000;
const IN_FLIGHT = 16;
const ROUNDS = QUICK ? 2 : 3;

/** One series, three points: what a worker sends each org per interval. */
function series(k) {
  const now = Math.floor(Date.now() / 1000);
  return [{ metric: "partner.sync.jobs", type: 1, tags: ["env:prod", `worker:${k % 8}`], points: [0, 1, 2].map((j) => ({ timestamp: now - 2 + j, value: (k + j) % 7 })) }];
}

/** `send(i)` for every connection index, IN_FLIGHT at a time: wall time and this process's CPU for the whole fan-out. */
async function fanOut(send) {
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < CONNECTIONS) {
      const i = next++;
      try {
        await send(i);
      } catch (err) {
        if (failed++ === 0) console.error(`  (first failure: ${err.code ?? ""} ${err.message})`);
      }
    }
  }));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, failed };
}

export async function run() {
  const dd = await loadOurs();
  const { postgresStore } = await loadOurs("./postgres");
  const orgs = Array.from({ length: CONNECTIONS }, (_, i) => ({ id: `fanout-org-${i}`, name: `Fan-out org ${i}`, site: SITES[i % SITES.length].id }));
  const sbx = await startSandbox({ clients: [{ redirectUris: [REDIRECT] }], orgs });
  let pg = null;
  let pool = null;
  let pgStore = null;
  try {
    const sites = sandboxSites(dd, sbx);
    const client = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites, maxConnections: CONNECTIONS * 2 });
    const connect = connector(dd, sbx, client, sites);
    const t0 = performance.now();
    const conns = new Array(CONNECTIONS);
    let k = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (k < CONNECTIONS) {
        const i = k++;
        conns[i] = await client.createApiKey(await connect(orgs[i].site, orgs[i].id));
      }
    }));
    const setupMs = performance.now() - t0;
    const ids = conns.map((c) => c.id);

    // PostgreSQL: our store holds the same connections (sealed), the hand-written table their keys and origins.
    let url = process.env.DATABASE_URL;
    if (!url) {
      const { startPostgres } = await import("../../tests/js/support/pg.mjs");
      pg = await startPostgres();
      url = pg.connectionString;
    }
    pgStore = postgresStore({ connectionString: url, encryptionKey: randomBytes(32).toString("base64"), table: `fanout_${Date.now().toString(36)}` });
    const pgClient = new dd.DatadogClient({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, sites, store: pgStore, maxConnections: CONNECTIONS * 2 });
    // A connection the store lacks is stored on its first use; done here so the timed rounds only read.
    for (const c of conns) await pgClient.request(c, { method: "GET", path: "/api/v2/current_user" }).catch(() => {});
    pool = new pgDriver.Pool({ connectionString: url, max: IN_FLIGHT });
    const handTable = `fanout_hand_${Date.now().toString(36)}`;
    await pool.query(`CREATE TABLE ${handTable} (id text PRIMARY KEY, api_key text NOT NULL, api_origin text NOT NULL)`);
    for (const c of conns) await pool.query(`INSERT INTO ${handTable} VALUES ($1, $2, $3)`, [c.id, c.apiKey, c.site.apiOrigin]);
    const tokens = new Map(conns.map((c) => [c.id, { apiKey: c.apiKey, apiOrigin: c.site.apiOrigin }]));

    const post = async (apiOrigin, apiKey, i) => {
      const res = await fetch(`${apiOrigin}/api/v2/series`, {
        method: "POST", headers: { "content-type": "application/json", "content-encoding": "gzip", "dd-api-key": apiKey }, body: gzipSync(JSON.stringify({ series: series(i) })),
      });
      await res.text();
      if (res.status !== 202) throw new Error(`status ${res.status}`);
    };
    const accepted = (r) => {
      if (r.accepted !== 1) throw new Error(`accepted ${r.accepted}: ${JSON.stringify(r.failed[0])}`);
    };
    const candidates = [
      { name: "ours-mem", label: "datadog-oauth-wasm `client.submitMetrics(id, series)`, memoryStore", send: async (i) => accepted(await client.submitMetrics(ids[i], series(i))) },
      { name: "hand-mem", label: "hand-written: a `Map` of API keys + `JSON.stringify` + gzip + `fetch`", send: (i) => { const t = tokens.get(ids[i]); return post(t.apiOrigin, t.apiKey, i); } },
      { name: "ours-pg", label: "datadog-oauth-wasm `client.submitMetrics(id, series)`, postgresStore", send: async (i) => accepted(await pgClient.submitMetrics(ids[i], series(i))) },
      {
        name: "hand-pg", label: "hand-written: `SELECT` the key from a PostgreSQL table + `JSON.stringify` + gzip + `fetch`",
        send: async (i) => {
          const { rows } = await pool.query(`SELECT api_key, api_origin FROM ${handTable} WHERE id = $1`, [ids[i]]);
          return post(rows[0].api_origin, rows[0].api_key, i);
        },
      },
    ];
    // A warm-up fan-out each (JIT, sockets to all nine site ports, the pools), then alternating rounds.
    for (const c of candidates) await fanOut(c.send);
    const res = new Map(candidates.map((c) => [c.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (let j = 0; j < candidates.length; j++) {
        const c = candidates[(j + r) % candidates.length];
        res.get(c.name).push(await fanOut(c.send));
      }
    }
    const med = (name, f) => summary(res.get(name).map(f)).median;
    const base = (name) => (name.endsWith("-pg") ? "hand-pg" : "hand-mem");
    const rows = candidates.map((c) => [
      c.label,
      fmtTime(med(c.name, (p) => p.wallMs)),
      `${fmtTime(Math.min(...res.get(c.name).map((p) => p.wallMs)))} – ${fmtTime(Math.max(...res.get(c.name).map((p) => p.wallMs)))}`,
      fmtTime(med(c.name, (p) => p.cpuMs)),
      `${((med(c.name, (p) => p.cpuMs) * 1000) / CONNECTIONS).toFixed(0)} µs`,
      String(res.get(c.name).reduce((a, p) => a + p.failed, 0)),
      c.name === base(c.name) ? "1 (baseline)" : `${fmtRatio(med(c.name, (p) => p.wallMs) / med(base(c.name), (p) => p.wallMs))} / ${fmtRatio(med(c.name, (p) => p.cpuMs) / med(base(c.name), (p) => p.cpuMs))}`,
    ]);
    const cpuRatio = (a, b) => med(a, (p) => p.cpuMs) / med(b, (p) => p.cpuMs);
    return result({
      id: "fanout",
      title: `8. Fan-out: one series to each of ${CONNECTIONS.toLocaleString("en")} connections (local sandbox)`,
      what: `Each round sends one small metric series (1 series, 3 points, gzip) to every one of ${CONNECTIONS} connections — one org each, spread over the nine sites — ${IN_FLIGHT} requests in flight, against the sandbox in its own process on loopback; ${ROUNDS} rounds per candidate after a warm-up, alternating. Ours reads each connection from its store by id (\`submitMetrics(conn.id, …)\`), validates, encodes and accounts for the series; the hand-written code looks up the API key and origin and posts. Wall time is bounded by the sandbox sharing the machine's cores; *client CPU* (\`process.cpuUsage\` of this process, so PostgreSQL's and the sandbox's own CPU are not counted) is the figure that is ours alone. Last column: wall ÷ / CPU ÷ the hand-written code with the same kind of storage.`,
      headers: ["candidate", "wall per fan-out (median)", `min – max of ${ROUNDS}`, "client CPU per fan-out", "client CPU per connection", "failed", "wall ÷ / CPU ÷ hand-written"],
      rows,
      notes: [
        `Setup (not timed): ${CONNECTIONS} authorizations (startAuthorization → sandbox consent → parseCallback → exchangeCode, org verification) and ${CONNECTIONS} marketplace API keys in ${(setupMs / 1000).toFixed(1)} s; the same connections copied into postgresStore (sealed with AES-GCM) and the hand-written table (plain text).`,
        `Client CPU per connection against hand-written: memoryStore ${fmtRatio(cpuRatio("ours-mem", "hand-mem"))}, postgresStore ${fmtRatio(cpuRatio("ours-pg", "hand-pg"))}.`,
      ],
      targets: [{ name: "fan-out client CPU, memoryStore, against hand-written (informational)", informational: true, met: cpuRatio("ours-mem", "hand-mem") <= 1.5, detail: `${fmtRatio(cpuRatio("ours-mem", "hand-mem"))} the CPU` }],
    });
  } finally {
    await pool?.end().catch(() => {});
    await pgStore?.close().catch(() => {});
    await pg?.stop().catch(() => {});
    sbx.child.disconnect();
  }
}
