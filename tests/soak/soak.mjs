// The fault soak: many connections on all nine sites of a sandbox (run as a child process, so the heap measured
// here is the client's), concurrent submissions, bearer calls and refreshes for a bounded time under seeded random
// faults (429, 5xx, 408, dropped connections, slow answers), tokens expired at random moments, a 2-second token
// lifetime and refresh-token rotation. Then: what the sandbox received equals what the reports say was accepted,
// per org and kind, item by item; nothing reported failed arrived; no unhandled rejection; every connection still
// works; the stored connection is the newest; memory flat. `runSoak()` returns the numbers and the problems found.

import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { authorizeAs, control } from "../../sandbox/testkit.mjs";
import { mulberry32 } from "../../sandbox/faults.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const REDIRECT = "http://127.0.0.1:7999/soak/callback";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The kinds the soak submits, as the sandbox's `received` names them. */
export const KINDS = ["metrics_v2", "metrics_v1", "logs", "service_checks", "events_v1", "incidents"];
const K = Object.fromEntries(KINDS.map((k, i) => [k, i + 1]));

// Item states.
const SENT = 1;
const ACCEPTED = 2;
const FAILED = 3; // listed in a report's `failed`
const THROWN = 4; // the submission itself rejected (no report)

/** Seedable randomness (mulberry32, the sandbox's own), so a soak can be replayed. */
export const rng = mulberry32;

/** `global.gc`, or the same function obtained at run time when node was started without --expose-gc. */
export function getGc() {
  if (typeof globalThis.gc === "function") return globalThis.gc;
  try {
    setFlagsFromString("--expose-gc");
    return runInNewContext("gc");
  } catch {
    return null;
  }
}

export function heapAfterGc(gc) {
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Other engineers may be rebuilding dist/: wait until the package files exist and stopped changing. */
export async function importPackage() {
  const files = ["dist/node.mjs", "dist/datadog_oauth_wasm_node_bg.wasm"].map((f) => ROOT + f);
  const deadline = Date.now() + 120_000;
  let last = "";
  for (;;) {
    const now = files.map((f) => (existsSync(f) ? `${statSync(f).size}:${statSync(f).mtimeMs}` : "missing")).join("|");
    if (!now.includes("missing") && now === last) break;
    if (Date.now() > deadline) throw new Error("dist/ is missing or keeps changing: run `node scripts/build.mjs`");
    last = now;
    await sleep(now.includes("missing") ? 1000 : 300);
  }
  for (let i = 0; ; i++) {
    try {
      return await import("datadog-oauth-wasm");
    } catch (err) {
      if (i >= 5) throw err;
      await sleep(2000);
    }
  }
}

/** The sandbox in its own process (its records grow; the soak's heap must not count them). */
export async function startSandboxProcess() {
  const child = spawn(process.execPath, [ROOT + "sandbox/cli.mjs", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  let out = "";
  let err = "";
  child.stderr.on("data", (b) => {
    err += b;
  });
  const url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sandbox did not start: ${err}`)), 20_000);
    child.stdout.on("data", (b) => {
      out += b;
      const m = /Datadog sandbox: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(t);
      reject(new Error(`sandbox exited with ${code}: ${err}`));
    });
  });
  child.stdout.resume();
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3000).unref();
  });
  return { url, stop, stderr: () => err };
}

/** A `sandbox` object the testkit helpers accept, for a sandbox in another process. */
export function remote(url, doc) {
  return { url, sites: doc.sites, wellKnown: () => doc };
}

export function idOf(kind, item) {
  let tag;
  if (kind === "logs") tag = item && item.soak_id;
  else if (kind === "incidents") tag = /soak_id:(\d+)/.exec(item?.attributes?.title ?? "")?.[1];
  else tag = (Array.isArray(item?.tags) ? item.tags : []).find((t) => typeof t === "string" && t.startsWith("soak_id:"))?.slice(8);
  const n = Number(tag);
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

/**
 * Run the soak. Options: seconds (workload duration), seed, orgsPerSite, clients (OAuth clients), workers
 * (concurrent loops), faultProbability, log (a console.log-like function, or null); for experiments: hookDelayMs,
 * visibleEarly (storage shows a write before acknowledging it), loseResponses (probability that an intake response
 * is lost after the sandbox processed it: a self-test that the checks do see duplicates).
 * Resolves to `{ summary, problems }`: `problems` is empty when everything held.
 */
export async function runSoak(opts = {}) {
  const {
    seconds = 180, seed = 7, orgsPerSite = 2, clients: clientCount = 2, workers = 24, faultProbability = 0.2,
    log = console.log, hookDelayMs = 1, visibleEarly = false, loseResponses = 0, maxItems = Math.min(4_000_000, Math.max(200_000, seconds * 25_000)),
  } = opts;
  const say = log ?? (() => {});
  const dd = await importPackage();
  const random = rng(seed);
  const jitter = rng(seed ^ 0x9e3779b9);
  const problems = [];
  const t0 = Date.now();

  let unhandled = 0;
  const unhandledSeen = [];
  const onUnhandled = (reason) => {
    unhandled++;
    if (unhandledSeen.length < 5) unhandledSeen.push(`${reason && reason.code ? reason.code + ": " : ""}${reason && reason.message ? reason.message : String(reason)}`);
  };
  process.on("unhandledRejection", onUnhandled);

  const sandbox = await startSandboxProcess();
  try {
    // ---- setup: orgs and OAuth clients, every (client, org) pair connected with its own marketplace API key
    const sites = [];
    const orgs = [];
    const base = (await (await fetch(`${sandbox.url}/.well-known/datadog-sandbox.json`)).json()).sites;
    for (const s of base) for (let i = 0; i < orgsPerSite; i++) orgs.push({ id: `soak-${s.id}-${i + 1}`, name: `Soak ${s.name} ${i + 1}`, site: s.id });
    const clientSpecs = Array.from({ length: clientCount }, (_, i) => ({
      clientId: `soak-client-${i + 1}`,
      clientSecret: `soak-secret-${seed}-${i + 1}-${Math.floor(random() * 1e12).toString(36)}`,
      redirectUris: [REDIRECT],
    }));
    const doc = (await control({ url: sandbox.url }, "POST", "/_sandbox/reset", { orgs, clients: clientSpecs })).body;
    const sb = remote(sandbox.url, doc);
    for (const s of doc.sites) {
      sites.push(dd.customSite({ id: `sandbox-${s.id}`, name: `Sandbox ${s.name}`, site: s.site, appOrigin: s.appOrigin, apiOrigin: s.apiOrigin, logsOrigin: s.logsOrigin, eventIntakeOrigin: s.eventIntakeOrigin, otlpOrigin: s.otlpOrigin }));
    }
    const siteFor = (id) => sites[doc.sites.findIndex((s) => s.id === id)];

    const http = { requests: 0, networkErrors: 0, byStatus: {} };
    const lose = rng(seed ^ 0x51ab);
    const fetchCounting = async (url, init) => {
      http.requests++;
      try {
        const res = await fetch(url, init);
        // Self-test of the checks (never in a real soak): an intake answer lost after the sandbox processed it.
        if (loseResponses > 0 && res.status < 300 && /\/api\/v[12]\/(series|logs|check_run|events)$/.test(new URL(url).pathname) && lose() < loseResponses) {
          await res.text();
          throw new TypeError("fetch failed (soak self-test: response lost after processing)");
        }
        const k = `${Math.floor(res.status / 100)}xx`;
        http.byStatus[res.status >= 400 ? res.status : k] = (http.byStatus[res.status >= 400 ? res.status : k] ?? 0) + 1;
        return res;
      } catch (err) {
        http.networkErrors++;
        throw err;
      }
    };
    const waits = { count: 0, ms: 0 };
    const hook = { calls: 0, byReason: {} };
    const stored = new Map(); // `${clientId} ${orgId}` -> the last connection handed to onConnectionChange

    const clients = clientSpecs.map((spec) => new dd.DatadogClient({
      clientId: spec.clientId,
      clientSecret: spec.clientSecret,
      redirectUri: REDIRECT,
      sites,
      fetch: fetchCounting,
      retry: { maxAttempts: 8, baseMs: 2, capMs: 40, maxServerDelayMs: 2000 },
      refreshMarginMs: 500,
      timeoutMs: 20_000,
      random: jitter,
      sleep: (ms) => {
        waits.count++;
        waits.ms += ms;
        return sleep(ms);
      },
      onConnectionChange: async (conn, info) => {
        hook.calls++;
        hook.byReason[info.reason] = (hook.byReason[info.reason] ?? 0) + 1;
        // Storage is asynchronous: the write lands, then the acknowledgement takes a moment (`visibleEarly`), or
        // the write itself takes a moment.
        if (visibleEarly) stored.set(`${spec.clientId} ${conn.orgId}`, JSON.parse(JSON.stringify(conn)));
        if ((hook.calls & 7) === 0 || visibleEarly) await sleep(hookDelayMs);
        stored.set(`${spec.clientId} ${conn.orgId}`, JSON.parse(JSON.stringify(conn)));
      },
    }));

    // A partner loads the connection from its storage (what onConnectionChange last saved) for every call.
    const conns = []; // { client, clientId, org, siteId, key, first }
    const load = (c) => stored.get(c.key);
    await Promise.all(clientSpecs.flatMap((spec, ci) => orgs.map(async (org) => {
      const site = siteFor(org.site);
      const { url, pending } = dd.startAuthorization({ clientId: spec.clientId, redirectUri: REDIRECT, site, sites: [site] });
      const u = new URL(url);
      const auth = await authorizeAs(sb, org.site, {
        clientId: spec.clientId, redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge"), orgId: org.id,
      });
      if (!auth.redirect) throw new Error(`consent failed for ${spec.clientId} on ${org.id}: ${auth.status}`);
      const cb = dd.parseCallback(auth.redirect.href, pending, { sites: [site] });
      const conn = await clients[ci].createApiKey(await clients[ci].exchangeCode({ ...cb, codeVerifier: pending.codeVerifier }));
      conns.push({ client: clients[ci], clientId: spec.clientId, org: org.id, siteId: org.site, key: `${spec.clientId} ${org.id}`, first: conn });
    })));
    conns.sort((a, b) => (a.clientId + a.org < b.clientId + b.org ? -1 : 1));
    const setupMs = Date.now() - t0;
    say(`soak: ${conns.length} connections (${clientCount} clients × ${orgs.length} orgs on ${doc.sites.length} sites) in ${setupMs} ms`);

    // ---- the hostile conditions
    await control(sb, "POST", "/_sandbox/settings", { accessTokenTtlSeconds: 2, rotateRefreshTokens: true });
    await control(sb, "POST", "/_sandbox/expire-tokens");
    const choices = [
      { status: 429, retryAfter: "0" }, { status: 429, retryAfter: "0" }, { status: 429 },
      { status: 503 }, { status: 502 }, { status: 500 }, { status: 408 },
      "drop", "drop", { delayMs: 30 }, { delayMs: 250 },
    ];
    const rule = await control(sb, "POST", "/_sandbox/faults", { route: "*", probability: faultProbability, choices, seed });
    if (rule.status !== 201) throw new Error(`fault rule refused: ${JSON.stringify(rule.body)}`);

    // ---- bookkeeping, preallocated so it does not count as growth
    const status = new Uint8Array(maxItems);
    const kindOf = new Uint8Array(maxItems);
    const connOf = new Uint16Array(maxItems);
    const pointsOf = new Uint8Array(maxItems);
    let nextId = 0;
    const tally = {
      submissions: 0, submissionsRejected: 0, itemsSent: 0, accepted: 0, failed: 0, thrown: 0, batches: 0, requests: 0, retries: 0,
      failedCodes: {}, rejectedCodes: {}, refreshes: 0, refreshErrors: {}, apiCalls: 0, apiErrors: {}, apiStatus: {}, expiries: 0,
    };
    const bump = (o, k) => {
      o[k] = (o[k] ?? 0) + 1;
    };

    const nowS = () => Math.floor(Date.now() / 1000);
    const make = {
      metrics_v2: (id, ci) => {
        const n = 1 + Math.floor(random() * 3);
        pointsOf[id] = n;
        const now = nowS();
        return { metric: "soak.gauge", type: 3, points: Array.from({ length: n }, (_, j) => ({ timestamp: now - j, value: id + j })), tags: [`soak_id:${id}`, `conn:${ci}`] };
      },
      metrics_v1: (id, ci) => {
        pointsOf[id] = 1;
        return { metric: "soak.gauge.v1", type: "gauge", points: [[nowS(), id]], tags: [`soak_id:${id}`, `conn:${ci}`] };
      },
      logs: (id, ci) => ({ message: `soak log line ${id} ${"x".repeat(Math.floor(random() * 200))}`, hostname: "soak-host", ddtags: `conn:${ci}`, soak_id: String(id) }),
      service_checks: (id) => ({ check: "soak.can_connect", host_name: "soak-host", status: id % 4, tags: [`soak_id:${id}`], timestamp: nowS() }),
      events_v1: (id) => ({ title: "Soak event", text: `event ${id}`, alert_type: "info", tags: [`soak_id:${id}`] }),
      incidents: (id) => ({ title: `Soak incident soak_id:${id}`, customer_impacted: false }),
    };

    async function submit(c, ci, kind, count) {
      const ids = [];
      const items = [];
      for (let i = 0; i < count && nextId < maxItems; i++) {
        const id = nextId++;
        status[id] = SENT;
        kindOf[id] = K[kind];
        connOf[id] = ci;
        ids.push(id);
        items.push(make[kind](id, ci));
      }
      if (ids.length === 0) return;
      tally.submissions++;
      tally.itemsSent += ids.length;
      let report;
      try {
        const conn = load(c);
        if (kind === "metrics_v2") report = await c.client.submitMetrics(conn, items);
        else if (kind === "metrics_v1") report = await c.client.submitMetrics(conn, items, { version: 1 });
        else if (kind === "logs") report = await c.client.submitLogs(conn, items, { source: "soak", service: "soak" });
        else if (kind === "service_checks") report = await c.client.submitServiceChecks(conn, items);
        else if (kind === "events_v1") report = await c.client.submitEvents(conn, items);
        else report = await c.client.createIncident(conn, items[0]);
      } catch (err) {
        tally.submissionsRejected++;
        bump(tally.rejectedCodes, err && err.code ? err.code : "non_datadog_error");
        for (const id of ids) status[id] = THROWN;
        tally.thrown += ids.length;
        return;
      }
      tally.batches += report.batches;
      tally.requests += report.requests;
      tally.retries += report.retries;
      const failed = new Set();
      for (const f of report.failed) {
        failed.add(f.index);
        bump(tally.failedCodes, f.code);
      }
      if (report.accepted + failed.size !== ids.length) problems.push(`report does not account for every item: ${report.accepted} accepted + ${failed.size} failed ≠ ${ids.length} (${kind})`);
      ids.forEach((id, i) => {
        status[id] = failed.has(i) ? FAILED : ACCEPTED;
      });
      tally.accepted += ids.length - failed.size;
      tally.failed += failed.size;
    }

    const heap = { warm: null, peak: 0, end: null, samples: 0 };
    const gc = getGc();
    const workEnd = Date.now() + seconds * 1000;
    const warmAt = Date.now() + Math.max(2000, Math.min(30_000, seconds * 150));
    let stopped = false;

    async function worker() {
      while (!stopped && Date.now() < workEnd && nextId < maxItems - 2000) {
        const ci = Math.floor(random() * conns.length);
        const c = conns[ci];
        const r = random();
        if (r < 0.72) {
          const kind = ["metrics_v2", "metrics_v2", "metrics_v1", "logs", "logs", "service_checks", "events_v1"][Math.floor(random() * 7)];
          const big = random() < 0.03;
          const count = big ? 500 + Math.floor(random() * 1500) : 1 + Math.floor(random() * 40);
          await submit(c, ci, kind, kind === "events_v1" ? Math.min(count, 50) : count);
        } else if (r < 0.8) {
          await submit(c, ci, "incidents", 1);
        } else if (r < 0.92) {
          tally.apiCalls++;
          try {
            const res = await c.client.request(load(c), { method: "GET", path: "/api/v2/incidents" });
            bump(tally.apiStatus, res.status);
          } catch (err) {
            bump(tally.apiErrors, err && err.code ? err.code : "non_datadog_error");
          }
        } else {
          tally.refreshes++;
          try {
            await c.client.refresh(load(c));
          } catch (err) {
            bump(tally.refreshErrors, err && err.code ? err.code : "non_datadog_error");
          }
        }
      }
    }

    async function expirer() {
      while (!stopped && Date.now() < workEnd) {
        await sleep(300 + random() * 3500);
        if (stopped || Date.now() >= workEnd) break;
        const r = await control(sb, "POST", "/_sandbox/expire-tokens");
        tally.expiries++;
        if (r.status !== 200) problems.push(`expire-tokens answered ${r.status}`);
      }
    }

    async function sampler() {
      while (!stopped && Date.now() < workEnd) {
        await sleep(1000);
        const used = process.memoryUsage().heapUsed;
        heap.peak = Math.max(heap.peak, used);
        if (heap.warm === null && Date.now() >= warmAt) {
          heap.warm = heapAfterGc(gc);
          say(`soak: warm-up done, heapUsed ${(heap.warm / 1048576).toFixed(1)} MB${gc ? " (after gc)" : " (no gc available)"}`);
        }
        if (log && ++heap.samples % 15 === 0) say(`soak: ${Math.round((Date.now() - t0) / 1000)} s, ${tally.itemsSent} items, ${http.requests} requests, heap ${(used / 1048576).toFixed(1)} MB`);
      }
    }

    const workStart = Date.now();
    await Promise.all([...Array.from({ length: workers }, worker), expirer(), sampler()]);
    stopped = true;
    const workMs = Date.now() - workStart;
    if (heap.warm === null) heap.warm = heapAfterGc(gc);

    // ---- quiet again: every connection must still work (no refresh token lost to rotation under faults)
    await control(sb, "DELETE", "/_sandbox/faults");
    await control(sb, "POST", "/_sandbox/expire-tokens");
    let dead = 0;
    for (const c of conns) {
      try {
        const res = await c.client.request(load(c), { method: "GET", path: "/api/v2/incidents" });
        if (res.status !== 200) throw new Error(`status ${res.status}`);
      } catch (err) {
        dead++;
        problems.push(`connection ${c.clientId} ${c.org} no longer works after the soak: ${err.code ?? ""} ${err.message}`);
      }
      const latest = c.client.latest(load(c));
      const saved = load(c);
      if (!saved || saved.accessToken !== latest.accessToken || saved.refreshToken !== latest.refreshToken || saved.apiKey !== latest.apiKey) {
        problems.push(`connection ${c.clientId} ${c.org}: the stored copy is not the newest (persist-before-use broken)`);
      }
    }

    const tokenErrorsDuringSoak = (await control(sb, "GET", "/_sandbox/stats")).body.token.errors;
    // Faults strike before the sandbox processes anything, so a refused token request means the client presented a
    // refresh token that rotation had already retired (two refreshes of one grant racing).
    if (tokenErrorsDuringSoak) problems.push(`the token endpoint refused ${tokenErrorsDuringSoak} request(s) during the soak`);

    // Information only: a copy held since the very start (tokens many refreshes old) against the client's memory.
    const stale = { ok: 0, failed: {} };
    for (const c of conns.slice(0, 4)) {
      try {
        const res = await c.client.request(c.first, { method: "GET", path: "/api/v2/incidents" });
        if (res.status === 200) stale.ok++;
        else bump(stale.failed, res.status);
      } catch (err) {
        bump(stale.failed, err.code ?? "error");
      }
    }

    // ---- memory, before the (large) received lists come in
    heap.end = heapAfterGc(gc);
    const heapBound = heap.warm * 2 + 20 * 1048576;
    if (heap.end > heapBound) problems.push(`heap grew: ${(heap.warm / 1048576).toFixed(1)} MB after warm-up → ${(heap.end / 1048576).toFixed(1)} MB at the end (bound ${(heapBound / 1048576).toFixed(1)} MB)`);

    // ---- what arrived, item by item, per org and kind
    const recv = new Uint8Array(nextId);
    const recvPoints = new Uint16Array(nextId);
    const orgOf = (ci) => conns[ci].org;
    const perKind = {};
    let strays = 0;
    let misrouted = 0;
    for (const kind of KINDS) {
      const r = await control(sb, "GET", `/_sandbox/received?kind=${kind}`);
      if (r.status !== 200) throw new Error(`received ${kind}: ${r.status}`);
      for (const req of r.body.requests) {
        for (const item of req.items) {
          const id = idOf(kind, item);
          if (id < 0 || id >= nextId || kindOf[id] !== K[kind]) {
            strays++;
            if (strays <= 5) problems.push(`${kind}: an item the soak did not send (or sent as another kind) arrived in ${req.org}`);
            continue;
          }
          if (orgOf(connOf[id]) !== req.org) {
            misrouted++;
            if (misrouted <= 5) problems.push(`${kind}: item ${id} of ${orgOf(connOf[id])} arrived in ${req.org}`);
          }
          if (recv[id] < 255) recv[id]++;
          if (kind.startsWith("metrics")) recvPoints[id] = Math.min(65535, recvPoints[id] + item.points.length);
        }
      }
      perKind[kind] = { sent: 0, accepted: 0, failed: 0, thrown: 0, received: 0, lost: 0, duplicated: 0, failedButArrived: 0 };
    }
    const perOrgKind = new Map(); // `${org} ${kind}` -> { accepted, received }
    for (let id = 0; id < nextId; id++) {
      const st = status[id];
      if (st === 0) continue;
      const kind = KINDS[kindOf[id] - 1];
      const pk = perKind[kind];
      const key = `${orgOf(connOf[id])} ${kind}`;
      if (!perOrgKind.has(key)) perOrgKind.set(key, { accepted: 0, received: 0 });
      const po = perOrgKind.get(key);
      pk.sent++;
      if (recv[id] > 0) {
        pk.received++;
        po.received++;
      }
      const isMetric = kind.startsWith("metrics");
      const dup = recv[id] > 1 || (isMetric && recvPoints[id] > pointsOf[id]);
      if (dup) pk.duplicated++;
      if (st === ACCEPTED) {
        pk.accepted++;
        po.accepted++;
        if (recv[id] === 0 || (isMetric && recvPoints[id] < pointsOf[id])) pk.lost++;
      } else if (st === FAILED || st === THROWN) {
        if (st === FAILED) pk.failed++;
        else pk.thrown++;
        if (recv[id] > 0) pk.failedButArrived++;
      } else {
        problems.push(`item ${id} (${kind}) has no outcome: its submission never settled`);
      }
    }
    for (const [kind, pk] of Object.entries(perKind)) {
      if (pk.lost) problems.push(`${kind}: ${pk.lost} items reported accepted never arrived (loss)`);
      if (pk.duplicated) problems.push(`${kind}: ${pk.duplicated} items arrived more than once (duplicates)`);
      if (pk.failedButArrived) problems.push(`${kind}: ${pk.failedButArrived} items reported failed arrived anyway (every injected fault happens before processing)`);
    }
    for (const [key, po] of perOrgKind) if (po.accepted !== po.received) problems.push(`${key}: accepted ${po.accepted} ≠ received ${po.received}`);
    if (unhandled) problems.push(`${unhandled} unhandled rejection(s): ${unhandledSeen.join("; ")}`);

    const sbStats = (await control(sb, "GET", "/_sandbox/stats")).body;
    const sandboxRequests = Object.values(sbStats.routes).reduce((a, b) => a + b, 0);
    const summary = {
      seed,
      seconds: Math.round(workMs / 100) / 10,
      totalSeconds: Math.round((Date.now() - t0) / 100) / 10,
      connections: conns.length,
      workers,
      faultProbability,
      http: { clientRequests: http.requests, networkErrors: http.networkErrors, byStatus: http.byStatus, sandboxRequests, faultsInjected: sbStats.faults, retryWaits: waits.count, retryWaitMs: waits.ms },
      tokens: { refreshesGranted: sbStats.token.refresh_token, tokenErrors: tokenErrorsDuringSoak, explicitRefreshes: tally.refreshes, refreshErrors: tally.refreshErrors, expiries: tally.expiries, hook: hook.byReason },
      api: { calls: tally.apiCalls, status: tally.apiStatus, errors: tally.apiErrors },
      items: { sent: tally.itemsSent, accepted: tally.accepted, failed: tally.failed, thrown: tally.thrown, failedCodes: tally.failedCodes },
      submissions: { count: tally.submissions, rejected: tally.submissionsRejected, rejectedCodes: tally.rejectedCodes, batches: tally.batches, requests: tally.requests, retries: tally.retries },
      perKind,
      orgKindPairs: perOrgKind.size,
      strays,
      misrouted,
      deadConnections: dead,
      staleFirstCopies: stale,
      unhandledRejections: unhandled,
      memory: { gc: !!gc, warmMB: +(heap.warm / 1048576).toFixed(1), endMB: +(heap.end / 1048576).toFixed(1), peakMB: +(heap.peak / 1048576).toFixed(1), boundMB: +(heapBound / 1048576).toFixed(1) },
    };
    return { summary, problems };
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await sandbox.stop();
  }
}

/** A readable multi-line summary. */
export function formatSummary(s) {
  const kinds = Object.entries(s.perKind).map(([k, v]) => `    ${k.padEnd(15)} sent ${String(v.sent).padStart(8)}  accepted ${String(v.accepted).padStart(8)}  received ${String(v.received).padStart(8)}  failed ${v.failed}  thrown ${v.thrown}  lost ${v.lost}  dup ${v.duplicated}  failed-but-arrived ${v.failedButArrived}`);
  const j = (o) => JSON.stringify(o);
  return [
    `soak summary (seed ${s.seed}): ${s.seconds} s of load (${s.totalSeconds} s in all), ${s.connections} connections, ${s.workers} workers, fault probability ${s.faultProbability}`,
    `  HTTP: ${s.http.clientRequests} client requests (${s.http.sandboxRequests} seen by the sandbox), ${s.http.faultsInjected} faults injected, ${s.http.networkErrors} network errors, ${s.http.retryWaits} retries (${s.http.retryWaitMs} ms waited)`,
    `        by status ${j(s.http.byStatus)}`,
    `  tokens: ${s.tokens.refreshesGranted} refreshes granted, ${s.tokens.tokenErrors} token endpoint errors, ${s.tokens.expiries} forced expiries, ${s.tokens.explicitRefreshes} explicit refresh() calls (errors ${j(s.tokens.refreshErrors)}), onConnectionChange ${j(s.tokens.hook)}`,
    `  API calls: ${s.api.calls} (status ${j(s.api.status)}, errors ${j(s.api.errors)})`,
    `  items: ${s.items.sent} sent, ${s.items.accepted} accepted, ${s.items.failed} reported failed ${j(s.items.failedCodes)}, ${s.items.thrown} in rejected submissions`,
    `  submissions: ${s.submissions.count} (${s.submissions.rejected} rejected ${j(s.submissions.rejectedCodes)}), ${s.submissions.batches} batches, ${s.submissions.requests} requests, ${s.submissions.retries} retries`,
    ...kinds,
    `  ${s.orgKindPairs} (org, kind) pairs compared; ${s.strays} stray, ${s.misrouted} misrouted items; ${s.deadConnections} dead connections; ${s.unhandledRejections} unhandled rejections`,
    `  a connection object kept from the start (many refreshes old): ${s.staleFirstCopies.ok} of 4 still work, failures ${j(s.staleFirstCopies.failed)}`,
    `  memory (heapUsed${s.memory.gc ? ", after gc" : ""}): ${s.memory.warmMB} MB after warm-up → ${s.memory.endMB} MB at the end (bound ${s.memory.boundMB} MB; peak sampled ${s.memory.peakMB} MB)`,
  ].join("\n");
}
