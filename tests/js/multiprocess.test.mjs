// Many instances, one truth (issue 12): 4 Node processes, each with its own client and pool on one PostgreSQL
// store, make concurrent calls on 12 connections over 3 sites with every token due and rotation on: every call
// succeeds, the sandbox grants exactly one refresh per connection and refuses none. Then a process is SIGKILLed
// while holding the refresh leases (its refreshes held by the sandbox): another process takes over once the lease
// lapses. Then PostgreSQL restarts under 4 running processes: calls fail with store_unavailable, then succeed;
// no connection is lost.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { control, authorizeAs } from "../../sandbox/testkit.mjs";
import { startAuthorization, parseCallback } from "datadog-oauth-wasm";
import { postgresStore } from "datadog-oauth-wasm/postgres";
import { startPostgres } from "./support/pg.mjs";
import { CLIENT_ID, CLIENT_SECRET, REDIRECT, sandbox, stats, settings, fault, clearFaults, hygiene, makeClient } from "./support.mjs";

const KEY = randomBytes(32).toString("base64");
const TABLE = "mp_connections";
const SITES = ["us1", "eu1", "ap1"];
let db;
let sb;
let sites;
let siteOf;
let store;
let ids = [];
const h = hygiene();
const children = new Set();

before(async () => {
  db = await startPostgres();
  ({ sb, sites, siteOf } = await sandbox());
  await settings(sb, { rotateRefreshTokens: true, refreshGraceSeconds: 0 });
  store = postgresStore({ connectionString: db.connectionString, encryptionKey: KEY, table: TABLE });
  const { client } = makeClient(sites, h, { store });
  for (let i = 0; i < 12; i++) {
    const site = siteOf(SITES[i % 3]);
    const { url, pending } = startAuthorization({ clientId: CLIENT_ID, redirectUri: REDIRECT, site, sites: [site] });
    const u = new URL(url);
    const auth = await authorizeAs(sb, SITES[i % 3], { redirectUri: REDIRECT, state: u.searchParams.get("state"), challenge: u.searchParams.get("code_challenge") });
    const cb = parseCallback(auth.redirect.href, pending, { sites: [site] });
    ids.push(h.conn(await client.exchangeCode({ ...cb, codeVerifier: pending.codeVerifier, state: pending.state })).id);
  }
});

after(async () => {
  h.restore();
  for (const c of children) c.kill("SIGKILL");
  await store?.close();
  await sb?.close();
  await db?.stop();
});

/** A worker process; `lines` yields its JSON lines. */
function worker(mode, extra = {}) {
  const cfg = { connectionString: db.connectionString, key: KEY, table: TABLE, sites, ids, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, mode, calls: 5, ...extra };
  const child = spawn(process.execPath, [new URL("./support/mp-worker.mjs", import.meta.url).pathname], {
    env: { ...process.env, DD_MP: JSON.stringify(cfg) }, stdio: ["pipe", "pipe", "inherit"],
  });
  children.add(child);
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  const messages = [];
  const waiters = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      return; // a stray log line
    }
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  const next = (pred) => {
    const found = messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      waiters.push({ pred, resolve });
      exited.then(({ code, signal }) => reject(new Error(`worker exited (${code ?? signal}) before the expected message`)));
    });
  };
  return { child, exited, next, messages };
}

const sql = (text, params) => db.sql(text, params);

/** Every token due: expired at the server and, in the store, past its expiry (as if time had passed). */
async function expireAll({ server = true } = {}) {
  if (server) await control(sb, "POST", "/_sandbox/expire-tokens");
  await sql(`UPDATE ${TABLE} SET data = jsonb_set(data, '{expiresAt}', '0')`);
}

test("4 processes x 12 connections x 5 concurrent calls, all tokens due, rotation on: all succeed, one refresh per connection, 0 invalid_grant", async () => {
  await expireAll();
  const s0 = await stats(sb);
  const ws = Array.from({ length: 4 }, () => worker("burst"));
  const reports = await Promise.all(ws.map((w) => w.next((m) => m.done)));
  const s1 = await stats(sb);
  console.log(`multi-process: ${reports.map((r) => r.ok).join(" + ")} calls ok; refreshes granted ${s1.token.refresh_token - s0.token.refresh_token}, token errors ${s1.token.errors - s0.token.errors}`);
  for (const r of reports) {
    assert.deepEqual(r.errors, {}, `store errors seen: ${JSON.stringify(r.raw)}`);
    assert.equal(r.ok, 12 * 5);
  }
  assert.equal(s1.token.refresh_token - s0.token.refresh_token, 12, "exactly one refresh per connection");
  assert.equal(s1.token.errors - s0.token.errors, 0, "no invalid_grant");
  const rows = await sql(`SELECT status, version FROM ${TABLE}`);
  assert.ok(rows.every((r) => r.status === "connected"));
});

test("SIGKILL while holding the refresh leases: another process takes over after the lease lapses (default lease <= 15 s)", async () => {
  await expireAll();
  // The sandbox holds the first 12 token requests (the doomed process's refreshes); a dead client's held
  // request is never processed, so its refresh token stays valid.
  await fault(sb, { route: "token", sequence: Array.from({ length: 12 }, () => ({ delayMs: 120_000 })) });
  const s0 = await stats(sb);
  const doomed = worker("burst", { calls: 1 });
  let held = [];
  for (let i = 0; i < 400 && held.length < 12; i++) {
    await new Promise((r) => setTimeout(r, 25));
    // clock_timestamp(), not now(): now() is this statement's start, which can precede the start (and so the
    // lease_until) of a lease taken meanwhile that commits before this statement's snapshot: a full lease looked longer.
    held = await sql(`SELECT lease_holder, EXTRACT(EPOCH FROM (lease_until - clock_timestamp())) * 1000 AS left_ms FROM ${TABLE} WHERE lease_until > now()`);
  }
  assert.equal(held.length, 12, "the doomed process holds all 12 leases");
  const longest = Math.max(...held.map((r) => Number(r.left_ms)));
  assert.ok(longest <= 15_000, `a lease outlives its holder by at most 15 s (here ${Math.round(longest)} ms)`);
  doomed.child.kill("SIGKILL");
  assert.equal((await doomed.exited).signal, "SIGKILL");
  await clearFaults(sb);
  const started = Date.now();
  const heir = worker("burst", { calls: 2 });
  const r = await heir.next((m) => m.done);
  console.log(`kill: the next process finished after ${Date.now() - started} ms (lease left at kill: ${Math.round(longest)} ms)`);
  assert.equal(r.ok, 12 * 2);
  assert.deepEqual(r.errors, {});
  const s1 = await stats(sb);
  assert.equal(s1.token.refresh_token - s0.token.refresh_token, 12, "one granted refresh per connection (the held ones never ran)");
  assert.equal(s1.token.errors - s0.token.errors, 0);
});

test("PostgreSQL restarted under 4 running processes: store_unavailable, then success; no connection lost", async () => {
  const ws = Array.from({ length: 4 }, () => worker("loop"));
  await Promise.all(ws.map((w) => w.next((m) => m.progress && m.ok > 0)));
  await db.stopServer("fast");
  await Promise.all(ws.map((w) => w.next((m) => m.progress && (m.errors.store_unavailable ?? 0) > 0)));
  await db.startServer();
  const before = ws.map((w) => w.messages.filter((m) => m.progress).at(-1).ok);
  await Promise.all(ws.map((w, i) => w.next((m) => m.progress && m.ok > before[i] + 12)));
  // A refresh round after the restart. Only the stored expiry: expiring at the server too would let running calls
  // refresh on a 401 before the count below starts.
  const s0 = await stats(sb);
  await expireAll({ server: false });
  await Promise.all(ws.map((w) => {
    const seen = w.messages.filter((m) => m.progress).at(-1).ok;
    return w.next((m) => m.progress && m.ok > seen + 24);
  }));
  for (const w of ws) w.child.stdin.end();
  const reports = await Promise.all(ws.map((w) => w.next((m) => m.done)));
  const s1 = await stats(sb);
  console.log(`restart: ${reports.map((r) => `${r.ok} ok / ${r.errors.store_unavailable ?? 0} store_unavailable`).join(", ")}`);
  for (const r of reports) {
    assert.ok((r.errors.store_unavailable ?? 0) > 0);
    const other = Object.entries(r.errors).filter(([k]) => k !== "store_unavailable");
    assert.deepEqual(other, [], "only store_unavailable while the database was down");
  }
  assert.equal(s1.token.refresh_token - s0.token.refresh_token, 12, "after the restart, still one refresh per connection");
  assert.equal(s1.token.errors - s0.token.errors, 0);
  const rows = await sql(`SELECT id, status FROM ${TABLE} ORDER BY id`);
  assert.deepEqual(rows.map((r) => r.id), [...ids].sort());
  assert.ok(rows.every((r) => r.status === "connected"));
});

test("secret hygiene of this suite", () => {
  h.check();
});
