// The soak across processes (`npm run soak -- --instances 4 --store postgres`): N instance processes
// (tests/soak/instance.mjs) share one PostgreSQL store and one sandbox (2-second tokens, rotation, seeded random
// faults, tokens expired at random moments) and use connections only by id. Then: what the sandbox received equals
// what the instances' reports accepted, per org and kind, item by item; every refresh the sandbox served was one
// the store recorded (none wasted or duplicated across instances); 0 invalid_grant; every connection still works.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { authorizeAs, control } from "../../sandbox/testkit.mjs";
import { importPackage, startSandboxProcess, remote, idOf, rng } from "./soak.mjs";

const REDIRECT = "http://127.0.0.1:7999/soak/callback";
const KINDS = { 1: "metrics_v2", 3: "logs", 4: "service_checks", 6: "incidents" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Options: instances, seconds, seed, orgsPerSite, clients, workers (per instance), faultProbability, databaseUrl
 * (else a throwaway PostgreSQL is started), log. Resolves to `{ summary, problems }`.
 */
export async function runInstancesSoak(opts = {}) {
  const { instances = 4, seconds = 60, seed = 11, orgsPerSite = 2, clients: clientCount = 2, workers = 8, faultProbability = 0.15, log = console.log } = opts;
  const say = log ?? (() => {});
  const dd = await importPackage();
  const { postgresStore } = await import("datadog-oauth-wasm/postgres");
  const random = rng(seed);
  const problems = [];
  const t0 = Date.now();
  let pg = null;
  let connectionString = opts.databaseUrl;
  if (!connectionString) {
    const { startPostgres } = await import("../js/support/pg.mjs");
    pg = await startPostgres();
    connectionString = pg.connectionString;
  }
  const key = randomBytes(32).toString("base64");
  const table = `soak_${seed}_${Date.now().toString(36)}`;
  const store = postgresStore({ connectionString, encryptionKey: key, table });
  const sandbox = await startSandboxProcess();
  const dir = mkdtempSync(join(tmpdir(), "dd-soak-"));
  const children = [];
  try {
    const base = (await (await fetch(`${sandbox.url}/.well-known/datadog-sandbox.json`)).json()).sites;
    const orgs = [];
    for (const s of base) for (let i = 0; i < orgsPerSite; i++) orgs.push({ id: `soak-${s.id}-${i + 1}`, name: `Soak ${s.name} ${i + 1}`, site: s.id });
    const clientSpecs = Array.from({ length: clientCount }, (_, i) => ({ clientId: `soak-client-${i + 1}`, clientSecret: `soak-secret-${seed}-${i + 1}-${randomBytes(9).toString("base64url")}`, redirectUris: [REDIRECT] }));
    const doc = (await control({ url: sandbox.url }, "POST", "/_sandbox/reset", { orgs, clients: clientSpecs })).body;
    const sb = remote(sandbox.url, doc);
    const sites = doc.sites.map((s) => dd.customSite({ id: `sandbox-${s.id}`, name: `Sandbox ${s.name}`, site: s.site, appOrigin: s.appOrigin, apiOrigin: s.apiOrigin, logsOrigin: s.logsOrigin, eventIntakeOrigin: s.eventIntakeOrigin, otlpOrigin: s.otlpOrigin }));
    const siteFor = (id) => sites[doc.sites.findIndex((s) => s.id === id)];
    const setupClients = clientSpecs.map((spec) => new dd.DatadogClient({ clientId: spec.clientId, clientSecret: spec.clientSecret, redirectUri: REDIRECT, sites, store }));
    const conns = [];
    await Promise.all(clientSpecs.flatMap((spec, ci) => orgs.map(async (org) => {
      const site = siteFor(org.site);
      const { url, pending } = dd.startAuthorization({ clientId: spec.clientId, redirectUri: REDIRECT, site });
      const u = new URL(url);
      const auth = await authorizeAs(sb, org.site, { clientId: spec.clientId, redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge"), orgId: org.id });
      if (!auth.redirect) throw new Error(`consent failed for ${spec.clientId} on ${org.id}: ${auth.status}`);
      const cb = dd.parseCallback(auth.redirect.href, pending, { sites: [site] });
      const conn = await setupClients[ci].createApiKey(await setupClients[ci].exchangeCode({ ...cb, codeVerifier: pending.codeVerifier, state: pending.state }));
      conns.push({ client: ci, id: conn.id, org: org.id });
    })));
    conns.sort((a, b) => (a.id < b.id ? -1 : 1));
    say(`soak: ${conns.length} connections (${clientCount} clients × ${orgs.length} orgs on ${doc.sites.length} sites) in one PostgreSQL store, ${instances} instances`);

    await control(sb, "POST", "/_sandbox/settings", { accessTokenTtlSeconds: 2, rotateRefreshTokens: true, refreshGraceSeconds: 0 });
    await control(sb, "POST", "/_sandbox/expire-tokens");
    const before = (await control(sb, "GET", "/_sandbox/stats")).body;
    const choices = [{ status: 429, retryAfter: "0" }, { status: 503 }, { status: 502 }, { status: 500 }, { status: 408 }, "drop", { delayMs: 30 }, { delayMs: 250 }];
    const rule = await control(sb, "POST", "/_sandbox/faults", { route: "*", probability: faultProbability, choices, seed });
    if (rule.status !== 201) throw new Error(`fault rule refused: ${JSON.stringify(rule.body)}`);

    const maxItems = Math.min(2_000_000, Math.max(100_000, seconds * 8_000));
    const range = 10_000_000;
    const script = fileURLToPath(new URL("./instance.mjs", import.meta.url));
    const results = await Promise.all([
      ...Array.from({ length: instances }, (_, i) => new Promise((resolve, reject) => {
        const cfg = { connectionString, key, table, sandboxUrl: sandbox.url, sites, clients: clientSpecs.map(({ clientId, clientSecret }) => ({ clientId, clientSecret })), redirectUri: REDIRECT, conns, seconds, seed: seed * 31 + i, workers, idBase: i * range, maxItems, outFile: join(dir, `instance-${i}.bin`) };
        const child = spawn(process.execPath, ["--expose-gc", script], { env: { ...process.env, DD_SOAK_INSTANCE: JSON.stringify(cfg) }, stdio: ["ignore", "pipe", "inherit"] });
        children.push(child);
        let last = null;
        createInterface({ input: child.stdout }).on("line", (l) => {
          try {
            last = JSON.parse(l);
          } catch {
            // a stray log line
          }
        });
        child.on("exit", (code, signal) => (code === 0 && last ? resolve({ ...last, file: cfg.outFile, idBase: cfg.idBase }) : reject(new Error(`instance ${i} exited with ${code ?? signal}`))));
      })),
      (async () => {
        const stop = Date.now() + seconds * 1000;
        let expiries = 0;
        while (Date.now() < stop) {
          await sleep(300 + random() * 3500);
          if (Date.now() < stop) {
            await control(sb, "POST", "/_sandbox/expire-tokens");
            expiries++;
          }
        }
        return { expiries };
      })(),
    ]);
    const expiries = results.pop().expiries;

    // ---- quiet again: every connection works, by id, from a fresh client
    await control(sb, "DELETE", "/_sandbox/faults");
    const after = (await control(sb, "GET", "/_sandbox/stats")).body;
    await control(sb, "POST", "/_sandbox/expire-tokens");
    let dead = 0;
    for (const c of conns) {
      try {
        const r = await setupClients[c.client].request(c.id, { method: "GET", path: "/api/v2/incidents" });
        if (r.status !== 200) throw new Error(`status ${r.status}`);
      } catch (err) {
        dead++;
        problems.push(`connection ${c.id} (${c.org}) no longer works after the soak: ${err.code ?? ""} ${err.message}`);
      }
    }
    const served = after.token.refresh_token - before.token.refresh_token;
    const tokenErrors = after.token.errors - before.token.errors;
    const hook = {};
    for (const r of results) for (const [k, v] of Object.entries(r.hook)) hook[k] = (hook[k] ?? 0) + v;
    // Every refresh the instances committed to the store was a refresh that was due (tokens expiring, refused, or an
    // explicit refresh() call), and each was committed once: served by the sandbox = recorded in the store.
    const due = hook.refresh ?? 0;
    if (served !== due) problems.push(`refreshes served by the sandbox (${served}) ≠ refreshes committed to the store (${due})`);
    if (tokenErrors) problems.push(`the token endpoint refused ${tokenErrors} request(s) (invalid_grant: two refreshes of one grant raced)`);
    if (hook.needs_reauth) problems.push(`${hook.needs_reauth} connection(s) marked needs_reauth`);

    // ---- what arrived, item by item
    const outcome = new Map(); // global id -> { st, kind, conn, points }
    for (const r of results) {
      const buf = readFileSync(r.file);
      for (let i = 0; i * 5 < buf.length; i++) outcome.set(r.idBase + i, { st: buf[i * 5], kind: KINDS[buf[i * 5 + 1]], conn: buf.readUInt16LE(i * 5 + 2), points: buf[i * 5 + 4] });
    }
    const recv = new Map();
    let strays = 0;
    for (const kind of Object.values(KINDS)) {
      const r = await control(sb, "GET", `/_sandbox/received?kind=${kind}`);
      for (const req of r.body.requests) {
        for (const item of req.items) {
          const id = idOf(kind, item);
          const o = outcome.get(id);
          if (!o || o.kind !== kind) {
            if (++strays <= 5) problems.push(`${kind}: an item the soak did not send arrived in ${req.org}`);
            continue;
          }
          if (conns[o.conn].org !== req.org) problems.push(`${kind}: item ${id} of ${conns[o.conn].org} arrived in ${req.org}`);
          const got = recv.get(id) ?? { n: 0, points: 0 };
          got.n++;
          if (kind === "metrics_v2") got.points += item.points.length;
          recv.set(id, got);
        }
      }
    }
    const totals = { sent: 0, accepted: 0, received: 0, lost: 0, duplicated: 0, failedButArrived: 0, failed: 0, thrown: 0 };
    const perOrgKind = new Map();
    for (const [id, o] of outcome) {
      if (o.st === 0) continue;
      totals.sent++;
      const got = recv.get(id);
      const k = `${conns[o.conn].org} ${o.kind}`;
      if (!perOrgKind.has(k)) perOrgKind.set(k, { accepted: 0, received: 0 });
      const po = perOrgKind.get(k);
      if (got) {
        totals.received++;
        po.received++;
      }
      const metric = o.kind === "metrics_v2";
      if (got && (got.n > 1 || (metric && got.points > o.points))) totals.duplicated++;
      if (o.st === 2) {
        totals.accepted++;
        po.accepted++;
        if (!got || (metric && got.points < o.points)) totals.lost++;
      } else if (o.st === 3 || o.st === 4) {
        if (o.st === 3) totals.failed++;
        else totals.thrown++;
        if (got) totals.failedButArrived++;
      } else problems.push(`item ${id} has no outcome`);
    }
    if (totals.lost) problems.push(`${totals.lost} items reported accepted never arrived (loss)`);
    if (totals.duplicated) problems.push(`${totals.duplicated} items arrived more than once (duplicates)`);
    if (totals.failedButArrived) problems.push(`${totals.failedButArrived} items reported failed arrived anyway`);
    for (const [k, po] of perOrgKind) if (po.accepted !== po.received) problems.push(`${k}: accepted ${po.accepted} ≠ received ${po.received}`);
    for (const [i, r] of results.entries()) {
      if (r.heap.endMB > r.heap.warmMB * 2 + 20) problems.push(`instance ${i}: heap grew ${r.heap.warmMB} → ${r.heap.endMB} MB`);
    }
    const summary = {
      seed, instances, seconds, totalSeconds: Math.round((Date.now() - t0) / 100) / 10, connections: conns.length, workersPerInstance: workers, faultProbability,
      http: { requests: results.reduce((a, r) => a + r.http.requests, 0), networkErrors: results.reduce((a, r) => a + r.http.networkErrors, 0), retries: results.reduce((a, r) => a + r.retries, 0), faultsInjected: after.faults - before.faults },
      refreshes: { served, due, tokenErrors, expiries, hook },
      items: totals, orgKindPairs: perOrgKind.size, strays, deadConnections: dead,
      perInstance: results.map((r) => ({ items: r.items, rejected: r.tally.rejected, failedCodes: r.tally.failedCodes, apiErrors: r.tally.apiErrors, refreshErrors: r.tally.refreshErrors, heap: r.heap })),
    };
    return { summary, problems };
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await store.close().catch(() => {});
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
    if (pg) await pg.stop();
  }
}

/** The summary; its last line is the verdict in numbers. */
export function formatInstancesSummary(s) {
  const j = (o) => JSON.stringify(o);
  return [
    `soak across ${s.instances} instances (seed ${s.seed}): ${s.seconds} s of load (${s.totalSeconds} s in all), ${s.connections} connections in one PostgreSQL store, ${s.workersPerInstance} workers per instance, fault probability ${s.faultProbability}`,
    `  HTTP: ${s.http.requests} requests, ${s.http.faultsInjected} faults injected, ${s.http.networkErrors} network errors, ${s.http.retries} retries`,
    `  refreshes: ${s.refreshes.expiries} forced expiries; onConnectionChange ${j(s.refreshes.hook)}`,
    ...s.perInstance.map((p, i) => `  instance ${i}: ${p.items} items; rejected ${j(p.rejected)}, failed ${j(p.failedCodes)}, API errors ${j(p.apiErrors)}, refresh errors ${j(p.refreshErrors)}; heap ${p.heap.warmMB} → ${p.heap.endMB} MB`),
    `  items: ${s.items.sent} sent, ${s.items.failed} reported failed, ${s.items.thrown} in rejected submissions; ${s.orgKindPairs} (org, kind) pairs; ${s.strays} strays; ${s.deadConnections} dead connections`,
    `accepted ${s.items.accepted} = received ${s.items.received}, ${s.items.lost} lost, ${s.items.duplicated} duplicated, refreshes served ${s.refreshes.served} = refreshes due ${s.refreshes.due}, ${s.refreshes.tokenErrors} invalid_grant`,
  ].join("\n");
}
